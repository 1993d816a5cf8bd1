import t from 'tap'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import authErrors, { AuthError, catalog, type AuthErrorCode, type AuthErrorsOptions, type EndpointKind } from '../lib/index.js'

const ERROR_CHARSET = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/

async function build (options: AuthErrorsOptions = {}, setup?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(authErrors, options)
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.post('/send/:endpoint/:code', async (request, reply) => {
    const { code } = request.params as { endpoint: EndpointKind, code: AuthErrorCode }
    const opts = (request.body ?? {}) as Record<string, unknown>
    return reply.authError(code, opts)
  })
  for (const endpoint of ['token', 'registration', 'revocation', 'introspection', 'device', 'par', 'backchannel'] as const) {
    app.post(`/${endpoint}/:code`, { config: { authErrors: { endpoint } } }, async (request, reply) => {
      const { code } = request.params as { code: AuthErrorCode }
      return reply.authError(code, (request.body ?? {}) as Record<string, unknown>)
    })
  }
  setup?.(app)
  await app.ready()
  return app
}

type Test = Pick<typeof t, 'equal'>

function assertBackChannelHeaders (t: Test, res: LightMyRequestResponse): void {
  t.equal(res.headers['cache-control'], 'no-store', 'Cache-Control: no-store')
  t.equal(res.headers.pragma, 'no-cache', 'Pragma: no-cache')
}

t.test('D1 every catalog code answers its status with an RFC 6749 JSON body at the token endpoint', async t => {
  const app = await build()
  for (const [code, entry] of Object.entries(catalog)) {
    const res = await app.inject({
      method: 'POST',
      url: `/token/${code}`,
      headers: { authorization: 'Basic Y2xpZW50OnNlY3JldA==' },
      payload: code === 'use_dpop_nonce' ? { dpopNonce: 'n-1' } : {}
    })
    const expected = entry.statusAt?.token ?? entry.status
    t.equal(res.statusCode, expected, `${code} status`)
    t.match(res.headers['content-type'], /^application\/json/, `${code} content type`)
    const body = res.json()
    t.same(Object.keys(body).sort(), ['error', 'error_description'], `${code} has only error and error_description`)
    t.equal(body.error, code)
    t.equal(body.error_description, entry.description)
    t.match(body.error_description, ERROR_CHARSET, `${code} description charset`)
    assertBackChannelHeaders(t, res)
  }
})

t.test('D1 error_uri comes from the errorUri option, a description per call is sent sanitised', async t => {
  const app = await build({ errorUri: (code) => `https://docs.example.com/oauth-errors#${code}` })
  const res = await app.inject({ method: 'POST', url: '/token/invalid_grant', payload: { description: 'The code "abc" was\r\nalready used' } })
  t.equal(res.statusCode, 400)
  t.same(res.json(), {
    error: 'invalid_grant',
    error_description: 'The code \'abc\' was already used',
    error_uri: 'https://docs.example.com/oauth-errors#invalid_grant'
  })
  const string = await build({ errorUri: 'https://docs.example.com/errors' })
  const res2 = await string.inject({ method: 'POST', url: '/token/unsupported_grant_type' })
  t.equal(res2.json().error_uri, 'https://docs.example.com/errors#unsupported_grant_type')
  const perCall = await string.inject({ method: 'POST', url: '/token/invalid_scope', payload: { uri: 'https://x.example/a b' } })
  t.equal(perCall.json().error_uri, 'https://x.example/a%20b')
})

t.test('D2 Cache-Control and Pragma on errors the plugin maps from Fastify: validation, 415, 413, bad JSON, 404', async t => {
  const app = Fastify({ bodyLimit: 1024 })
  await app.register(authErrors)
  app.post('/token', {
    config: { authErrors: { endpoint: 'token' } },
    schema: { body: { type: 'object', required: ['grant_type'], properties: { grant_type: { type: 'string' } } } }
  }, async () => ({ access_token: 'x' }))
  const cases = [
    { name: 'validation', req: { payload: {} }, status: 400, description: /grant_type/ },
    { name: 'unsupported media type', req: { payload: 'a=b', headers: { 'content-type': 'text/csv' } }, status: 415, description: /content type/ },
    { name: 'body too large', req: { payload: { grant_type: 'x'.repeat(2048) } }, status: 413, description: /too large/ },
    { name: 'bad JSON', req: { payload: '{"grant_type":', headers: { 'content-type': 'application/json' } }, status: 400, description: /could not be parsed/ },
    { name: 'empty JSON', req: { payload: '', headers: { 'content-type': 'application/json' } }, status: 400, description: /empty/ }
  ]
  for (const c of cases) {
    const res = await app.inject({ method: 'POST', url: '/token', ...c.req })
    t.equal(res.statusCode, c.status, `${c.name} status`)
    t.equal(res.json().error, 'invalid_request', `${c.name} code`)
    t.match(res.json().error_description, c.description, `${c.name} description`)
    assertBackChannelHeaders(t, res)
  }
  const notFound = await app.inject({ method: 'GET', url: '/nowhere', headers: { authorization: 'Bearer abc' } })
  t.equal(notFound.statusCode, 404)
  t.same(notFound.json(), { error: 'invalid_request', error_description: 'The requested resource was not found' })
  t.equal(notFound.headers['www-authenticate'], undefined, 'a 404 carries no challenge')
  assertBackChannelHeaders(t, notFound)
})

t.test('D2 the not-found handler can be turned off', async t => {
  const app = Fastify()
  await app.register(authErrors, { notFoundHandler: false })
  const res = await app.inject({ method: 'GET', url: '/nowhere' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().error, 'Not Found', 'Fastify\'s own 404 answers')
})

t.test('D3 invalid_client answers 401 with a Basic challenge when the client used Authorization: Basic', async t => {
  const app = await build({ realm: 'as "main"' })
  const res = await app.inject({ method: 'POST', url: '/token/invalid_client', headers: { authorization: 'Basic Y2xpZW50OnNlY3JldA==' } })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'Basic realm="as \\"main\\"", charset="UTF-8"')
  t.equal(res.json().error, 'invalid_client')
})

t.test('D3 invalid_client answers 400 without any challenge when the client authenticated in the body or not at all', async t => {
  const app = await build()
  for (const url of ['/token/invalid_client', '/send/token/invalid_client']) {
    const res = await app.inject({ method: 'POST', url, payload: 'client_id=a&client_secret=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    t.equal(res.statusCode, 400, url)
    t.equal(res.headers['www-authenticate'], undefined, 'no challenge, so no browser login dialog')
    t.equal(res.json().error, 'invalid_client')
  }
  const explicit = await app.inject({ method: 'POST', url: '/token/invalid_client', payload: { status: 401 } })
  t.equal(explicit.statusCode, 401, 'an explicit 401 is kept')
  t.match(explicit.headers['www-authenticate'], /^Bearer realm="api", error="invalid_client"/, 'and carries a challenge (E1), never Basic')
})

t.test('D4 server_error and temporarily_unavailable are real 500 and 503, with an optional Retry-After', async t => {
  const app = await build()
  const res = await app.inject({ method: 'POST', url: '/token/server_error' })
  t.equal(res.statusCode, 500)
  t.equal(res.json().error, 'server_error')
  const busy = await app.inject({ method: 'POST', url: '/token/temporarily_unavailable', payload: { retryAfter: 120 } })
  t.equal(busy.statusCode, 503)
  t.equal(busy.headers['retry-after'], '120')
  t.equal(busy.json().error, 'temporarily_unavailable')
  const fraction = await app.inject({ method: 'POST', url: '/token/temporarily_unavailable', payload: { retryAfter: 1.2 } })
  t.equal(fraction.headers['retry-after'], '2', 'rounded up to whole seconds')
})

t.test('D5 device flow polling errors are 400 JSON', async t => {
  const app = await build()
  for (const code of ['authorization_pending', 'slow_down', 'access_denied', 'expired_token'] as const) {
    const res = await app.inject({ method: 'POST', url: `/token/${code}` })
    t.equal(res.statusCode, 400, code)
    t.equal(res.json().error, code)
    assertBackChannelHeaders(t, res)
  }
})

t.test('D6 CIBA backchannel endpoint: 400 for request errors, 401 invalid_client, 403 access_denied', async t => {
  const app = await build()
  for (const code of ['invalid_request', 'invalid_scope', 'expired_login_hint_token', 'unknown_user_id', 'unauthorized_client', 'missing_user_code', 'invalid_user_code', 'invalid_binding_message'] as const) {
    const res = await app.inject({ method: 'POST', url: `/backchannel/${code}` })
    t.equal(res.statusCode, 400, code)
    t.equal(res.json().error, code)
  }
  const client = await app.inject({ method: 'POST', url: '/backchannel/invalid_client', headers: { authorization: 'Basic eDp5' } })
  t.equal(client.statusCode, 401)
  const denied = await app.inject({ method: 'POST', url: '/backchannel/access_denied' })
  t.equal(denied.statusCode, 403)
  t.equal(denied.json().error, 'access_denied')
})

t.test('D7 DPoP at the authorization server: invalid_dpop_proof 400, use_dpop_nonce 400 with exactly one DPoP-Nonce', async t => {
  const app = await build({}, app => {
    app.post('/token-preset-nonce', { config: { authErrors: { endpoint: 'token' } } }, async (_request, reply) => {
      reply.header('DPoP-Nonce', 'old')
      return reply.authError('use_dpop_nonce', { dpopNonce: 'fresh' })
    })
  })
  const proof = await app.inject({ method: 'POST', url: '/token/invalid_dpop_proof' })
  t.equal(proof.statusCode, 400)
  t.equal(proof.json().error, 'invalid_dpop_proof')
  t.equal(proof.headers['www-authenticate'], undefined)
  const nonce = await app.inject({ method: 'POST', url: '/token/use_dpop_nonce', payload: { dpopNonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v' } })
  t.equal(nonce.statusCode, 400)
  t.equal(nonce.headers['dpop-nonce'], 'eyJ7S_zG.eyJH0-Z.HX4w-7v')
  t.match(nonce.headers['access-control-expose-headers'], /DPoP-Nonce/)
  const replaced = await app.inject({ method: 'POST', url: '/token-preset-nonce' })
  t.equal(replaced.headers['dpop-nonce'], 'fresh', 'one header, the fresh nonce')
  t.equal(replaced.rawPayload.length > 0, true)
})

t.test('D7 use_dpop_nonce without a nonce is a programming error, answered as server_error', async t => {
  const logs: Array<{ level: number, msg: string }> = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  await app.register(authErrors)
  app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (_request, reply) => reply.authError('use_dpop_nonce'))
  const res = await app.inject({ method: 'POST', url: '/token' })
  t.equal(res.statusCode, 500)
  t.equal(res.json().error, 'server_error')
  t.ok(logs.some(line => line.level === 50 && /dpopNonce/.test(JSON.stringify(line))), 'the misuse is logged at error level')
})

t.test('D8 registration errors are 400', async t => {
  const app = await build()
  for (const code of ['invalid_redirect_uri', 'invalid_client_metadata', 'invalid_software_statement', 'unapproved_software_statement'] as const) {
    const res = await app.inject({ method: 'POST', url: `/registration/${code}` })
    t.equal(res.statusCode, 400, code)
    t.equal(res.json().error, code)
    assertBackChannelHeaders(t, res)
  }
})

t.test('D9 revocation: unsupported_token_type 400, 503 with Retry-After, an invalid token is a 200', async t => {
  const app = await build()
  const type = await app.inject({ method: 'POST', url: '/revocation/unsupported_token_type' })
  t.equal(type.statusCode, 400)
  t.equal(type.json().error, 'unsupported_token_type')
  const busy = await app.inject({ method: 'POST', url: '/revocation/temporarily_unavailable', payload: { retryAfter: 30 } })
  t.equal(busy.statusCode, 503)
  t.equal(busy.headers['retry-after'], '30')
  const invalid = await app.inject({ method: 'POST', url: '/revocation/invalid_token' })
  t.equal(invalid.statusCode, 200, 'an invalid token is not an error')
  t.equal(invalid.body, '')
  t.equal(invalid.headers['cache-control'], 'no-store')
})

t.test('D10 introspection: an inactive token is 200 {"active":false}; only the caller\'s own credentials give 401', async t => {
  const app = await build()
  for (const code of ['invalid_token', 'token_inactive'] as const) {
    const res = await app.inject({ method: 'POST', url: `/introspection/${code}`, headers: { authorization: 'Basic eDp5' } })
    t.equal(res.statusCode, 200, code)
    t.same(res.json(), { active: false })
    t.equal(res.headers['cache-control'], 'no-store')
  }
  const caller = await app.inject({ method: 'POST', url: '/introspection/invalid_client', headers: { authorization: 'Basic eDp5' } })
  t.equal(caller.statusCode, 401)
  t.match(caller.headers['www-authenticate'], /^Basic realm=/)
  const bearerCaller = await app.inject({ method: 'POST', url: '/introspection/invalid_token', headers: { authorization: 'Bearer rs-token' } })
  t.equal(bearerCaller.statusCode, 401, 'invalid_token about the caller\'s own Bearer token stays a 401')
  t.match(bearerCaller.headers['www-authenticate'], /^Bearer realm="api", error="invalid_token"/)
})

t.test('D11 invalid_target is 400; PAR errors use the token-endpoint format, never a redirect', async t => {
  const app = await build()
  const target = await app.inject({ method: 'POST', url: '/token/invalid_target' })
  t.equal(target.statusCode, 400)
  t.equal(target.json().error, 'invalid_target')
  for (const code of ['invalid_request', 'invalid_request_object', 'unauthorized_client', 'invalid_scope', 'access_denied', 'server_error'] as const) {
    const res = await app.inject({ method: 'POST', url: `/par/${code}` })
    t.equal(res.headers.location, undefined, `${code} is not redirected`)
    t.match(res.headers['content-type'], /^application\/json/)
    t.equal(res.json().error, code)
  }
})

t.test('thrown AuthErrors answer exactly like reply.authError, from routes and hooks', async t => {
  const app = Fastify()
  await app.register(authErrors)
  app.post('/token', async () => { throw new AuthError('invalid_grant', { description: 'Expired' }) })
  app.register(async scoped => {
    scoped.addHook('preHandler', async () => { throw new AuthError('unauthorized_client') })
    scoped.post('/hooked', async () => 'never')
  })
  app.addHook('onRequest', async request => {
    if (request.url === '/early') throw new AuthError('invalid_request', { description: 'Too early' })
  })
  app.get('/early', async () => 'never')
  const res = await app.inject({ method: 'POST', url: '/token' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'invalid_grant', error_description: 'Expired' })
  const hooked = await app.inject({ method: 'POST', url: '/hooked' })
  t.equal(hooked.statusCode, 400)
  t.equal(hooked.json().error, 'unauthorized_client')
  const early = await app.inject({ method: 'GET', url: '/early' })
  t.same(early.json(), { error: 'invalid_request', error_description: 'Too early' })
  t.equal(early.headers['cache-control'], 'no-store')
})

t.test('reply.authError takes an AuthError, and call options override its own', async t => {
  const app = Fastify()
  await app.register(authErrors)
  const template = new AuthError('invalid_grant', { description: 'Template' })
  app.post('/a', async (_request, reply) => reply.authError(template))
  app.post('/b', async (_request, reply) => reply.authError(template, { description: 'Override' }))
  app.post('/c', async () => { throw app.authErrors.create('invalid_scope', { scope: 'read' }) })
  t.equal((await app.inject({ method: 'POST', url: '/a' })).json().error_description, 'Template')
  t.equal((await app.inject({ method: 'POST', url: '/b' })).json().error_description, 'Override')
  t.equal((await app.inject({ method: 'POST', url: '/c' })).json().error, 'invalid_scope')
  t.equal(template.options.description, 'Template', 'the template is unchanged')
  t.throws(() => app.authErrors.create('nope' as AuthErrorCode), { code: 'FST_AUTH_ERRORS_UNKNOWN_CODE' })
})

t.test('codes added at registration are sent with their status, description and numeric code', async t => {
  const app = await build({
    codes: {
      account_locked: { status: 423, description: 'The account is locked.', code: 1042 },
      invalid_grant: { description: 'Our own words for invalid_grant.' }
    }
  })
  const locked = await app.inject({ method: 'POST', url: '/send/token/account_locked' })
  t.equal(locked.statusCode, 423)
  t.same(locked.json(), { error: 'account_locked', error_description: 'The account is locked.' })
  const grant = await app.inject({ method: 'POST', url: '/send/token/invalid_grant' })
  t.equal(grant.statusCode, 400, 'an override keeps the fields it does not name')
  t.equal(grant.json().error_description, 'Our own words for invalid_grant.')
  t.equal(app.authErrors.catalog.account_locked?.status, 423)
  t.ok(Object.isFrozen(app.authErrors.catalog), 'the resolved catalog is frozen')
})
