import t from 'tap'
import Fastify from 'fastify'
import authErrors from '../lib/index.js'

t.test('H1 format problem: application/problem+json with type, title, status, detail, error', async t => {
  const app = Fastify()
  await app.register(authErrors, { format: 'problem', resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource' })
  app.get('/items', async (_request, reply) => reply.authError('insufficient_scope', { description: 'Needs read', instance: '/items/7' }))
  app.get('/static', async (_request, reply) => reply.authError('invalid_request'))
  const res = await app.inject({ url: '/items', headers: { authorization: 'Bearer t' } })
  t.equal(res.statusCode, 403)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.same(res.json(), {
    type: 'tag:fastify-auth-errors,2026:insufficient_scope',
    title: 'Insufficient scope',
    status: 403,
    detail: 'Needs read',
    instance: '/items/7',
    error: 'insufficient_scope'
  })
  t.match(res.headers['www-authenticate'], /resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource"$/)
  const plain = await app.inject('/static')
  t.equal(plain.json().status, 400)
  t.equal(plain.json().error, 'invalid_request')
})

t.test('H2 negotiate: problem+json only when Accept prefers it, with Vary: Accept', async t => {
  const app = Fastify()
  await app.register(authErrors, { format: 'negotiate' })
  app.get('/r', async (_request, reply) => reply.authError('invalid_request'))
  const problem = await app.inject({ url: '/r', headers: { accept: 'application/problem+json' } })
  t.match(problem.headers['content-type'], /^application\/problem\+json/)
  t.match(problem.headers.vary, /Accept/)
  const json = await app.inject({ url: '/r', headers: { accept: 'application/json' } })
  t.match(json.headers['content-type'], /^application\/json/)
  t.equal(json.json().error, 'invalid_request')
})

t.test('E1 on an unmarked route, insufficient_scope carries its challenge even when the token came without an Authorization header', async t => {
  const app = Fastify()
  await app.register(authErrors)
  app.post('/items', async (_request, reply) => reply.authError('insufficient_scope', { scope: 'items:write' }))
  app.post('/authorize', { config: { authErrors: { endpoint: 'authorization' } } }, async (_request, reply) => reply.authError('insufficient_scope'))
  const res = await app.inject({ method: 'POST', url: '/items', payload: 'access_token=abc', headers: { 'content-type': 'text/plain' } })
  t.equal(res.statusCode, 403)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="api", scope="items:write", error="insufficient_scope", error_description="The request needs higher privileges than the access token provides."')
  const marked = await app.inject({ method: 'POST', url: '/authorize' })
  t.equal(marked.headers['www-authenticate'], undefined, 'a route marked as another endpoint keeps its kind')
})
