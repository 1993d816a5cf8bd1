import t from 'tap'
import Fastify from 'fastify'
import authErrors, { catalog, catalogCodes, presets, type AuthErrorCode, type AuthErrorsOptions } from '../lib/index.js'

// A call that brings only its own description is answered from the body compiled at
// registration, cut around the description. These tests compare every such body with the one
// the object would give through JSON.stringify, member order included.

async function appWith (options: AuthErrorsOptions) {
  const app = Fastify()
  await app.register(authErrors, options)
  app.get('/:code', (request, reply) => {
    const { code } = request.params as { code: AuthErrorCode }
    const { format, description } = request.query as { format: 'oauth' | 'problem', description: string }
    // use_dpop_nonce is sent only with a fresh nonce (RFC 9449 8).
    reply.authError(code, { description, format, ...(code === 'use_dpop_nonce' ? { dpopNonce: 'n-1' } : {}) })
  })
  return app
}

const DESCRIPTION = 'Another description, with (punctuation) & symbols: <ok> 100%'

t.test('D1 a call\'s own description is sent in the compiled RFC 6749 body of every code, as JSON.stringify would write it', async t => {
  for (const errorUri of [undefined, 'https://docs.example.com/errors']) {
    const app = await appWith(errorUri === undefined ? {} : { errorUri })
    for (const code of catalogCodes) {
      const response = await app.inject({ url: `/${code}`, query: { format: 'oauth', description: DESCRIPTION } })
      const expected = { error: code, error_description: DESCRIPTION, ...(errorUri === undefined ? {} : { error_uri: `${errorUri}#${code}` }) }
      t.equal(response.body, JSON.stringify(expected), `${code} ${errorUri ?? ''}`)
      t.equal(response.headers['content-type'], 'application/json; charset=utf-8')
    }
  }
})

t.test('H1 a call\'s own description is sent in the compiled problem body of every code, as JSON.stringify would write it', async t => {
  const app = await appWith({ codes: presets.authenticationApiProblems })
  for (const code of catalogCodes) {
    const response = await app.inject({ url: `/${code}`, query: { format: 'problem', description: DESCRIPTION } })
    const body = JSON.parse(response.body) as Record<string, unknown>
    t.equal(response.body, JSON.stringify({ ...body, detail: DESCRIPTION }), code)
    t.equal(body.detail, DESCRIPTION)
    t.equal(body.status, response.statusCode)
    t.equal(body.error, code)
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
  const numbered = Object.keys(presets.authenticationApiProblems)[0] as AuthErrorCode
  const response = await app.inject({ url: `/${numbered}`, query: { format: 'problem', description: DESCRIPTION } })
  const body = JSON.parse(response.body) as Record<string, unknown>
  t.equal(typeof body.code, 'number', 'a numeric code follows the description')
  t.equal(response.body, JSON.stringify({ ...body, detail: DESCRIPTION }))
})

t.test('B2 a description the sanitiser changes is sent sanitised, and the catalog\'s own text gives the compiled body', async t => {
  const app = await appWith({})
  const response = await app.inject({ url: '/invalid_grant', query: { format: 'oauth', description: 'say "hi"\n\\ now' } })
  t.equal(response.body, '{"error":"invalid_grant","error_description":"say \'hi\' / now"}')
  const same = await app.inject({ url: '/invalid_grant', query: { format: 'oauth', description: catalog.invalid_grant.description } })
  t.equal(same.body, JSON.stringify({ error: 'invalid_grant', error_description: catalog.invalid_grant.description }))
})
