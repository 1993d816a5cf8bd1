import t from 'tap'
import Fastify from 'fastify'
import authErrors from '../lib/index.js'

// Bodies and challenges built for a description are reused for the next response with the same
// description. These tests send many descriptions, repeat them after the memo started over, and
// mix the schemes a request used, and check every response against the one expected for it.

async function resourceApp () {
  const app = Fastify()
  await app.register(authErrors, { schemes: ['Bearer', 'DPoP'], algs: ['ES256'] })
  app.get('/resource', { config: { authErrors: { endpoint: 'resource' } } }, (request, reply) => {
    const { description, format } = request.query as { description: string, format?: 'oauth' | 'problem' }
    reply.authError('invalid_token', { description, format })
  })
  app.get('/token', { config: { authErrors: { endpoint: 'token' } } }, (request, reply) => {
    reply.authError('invalid_token', { description: (request.query as { description: string }).description })
  })
  return app
}

const descriptions = Array.from({ length: 40 }, (_, i) => `The access token number ${i} expired`)

t.test('E3 each response carries its own description, however many descriptions came before', async t => {
  const app = await resourceApp()
  for (const round of [1, 2]) {
    for (const description of descriptions) {
      for (const authorization of ['Bearer a.b.c', 'DPoP a.b.c']) {
        const response = await app.inject({ url: '/resource', query: { description }, headers: { authorization } })
        const used = authorization.split(' ')[0]
        const other = used === 'Bearer' ? 'DPoP' : 'Bearer'
        const challenges = String(response.headers['www-authenticate'])
        t.match(challenges, `${used} realm="api", error="invalid_token", error_description="${description}"`, `round ${round}: ${used}`)
        t.notMatch(challenges, `${other} realm="api", error=`, 'the error only in the scheme used (RULES F4)')
        t.equal(response.body, JSON.stringify({ error: 'invalid_token', error_description: description }))
      }
    }
  }
})

t.test('E1 the challenge set follows the request: every served scheme at a resource, only the one used elsewhere', async t => {
  const app = await resourceApp()
  const description = 'The same text everywhere'
  const atResource = await app.inject({ url: '/resource', query: { description }, headers: { authorization: 'Bearer a.b.c' } })
  const atToken = await app.inject({ url: '/token', query: { description }, headers: { authorization: 'Bearer a.b.c' } })
  const atResourceAgain = await app.inject({ url: '/resource', query: { description }, headers: { authorization: 'Bearer a.b.c' } })
  t.match(atResource.headers['www-authenticate'], /^Bearer realm="api", error="invalid_token", error_description="The same text everywhere", DPoP realm="api", algs="ES256"$/)
  t.equal(atToken.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="The same text everywhere"')
  t.equal(atResourceAgain.headers['www-authenticate'], atResource.headers['www-authenticate'])
})

t.test('H1 the same description in both formats gives each format its own body', async t => {
  const app = await resourceApp()
  for (const description of descriptions) {
    for (const format of ['oauth', 'problem', 'oauth'] as const) {
      const response = await app.inject({ url: '/resource', query: { description, format }, headers: { authorization: 'Bearer a.b.c' } })
      const body = JSON.parse(response.body) as Record<string, unknown>
      if (format === 'oauth') t.same(body, { error: 'invalid_token', error_description: description })
      else t.match(body, { detail: description, error: 'invalid_token', status: 401 })
    }
  }
})

t.test('S4 descriptions from request data cannot grow the memos: hundreds of them, across codes, stay correct', async t => {
  const app = Fastify()
  await app.register(authErrors)
  const codes = ['invalid_request', 'invalid_grant', 'invalid_scope', 'unauthorized_client', 'access_denied', 'invalid_token'] as const
  app.get('/:code', (request, reply) => {
    const { code } = request.params as { code: typeof codes[number] }
    reply.authError(code, { description: (request.query as { description: string }).description })
  })
  let checked = 0
  for (let i = 0; i < 400; i++) {
    const code = codes[i % codes.length] as string
    const description = `Request ${i} for ${code} was refused`
    const response = await app.inject({ url: `/${code}`, query: { description }, headers: { authorization: 'Bearer x' } })
    if (response.body !== JSON.stringify({ error: code, error_description: description })) t.fail(`${i}: ${response.body}`)
    if (!String(response.headers['www-authenticate']).includes(`error_description="${description}"`)) t.fail(`${i}: ${response.headers['www-authenticate']}`)
    checked++
  }
  t.equal(checked, 400)
  const again = await app.inject({ url: '/invalid_grant', query: { description: 'Request 1 for invalid_grant was refused' }, headers: { authorization: 'Bearer x' } })
  t.equal(again.body, JSON.stringify({ error: 'invalid_grant', error_description: 'Request 1 for invalid_grant was refused' }))
})
