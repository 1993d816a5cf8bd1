import t from 'tap'
import Fastify from 'fastify'
import authErrors, { AuthError, catalog, catalogCodes, presets, type AuthErrorCode, type AuthErrorsOptions } from '../lib/index.js'

// The senders write a decision onto the reply (lib/senders.ts). A call that brings only its own
// description is answered from the body compiled at registration, cut around the description;
// every other response is serialized. Both must give the bytes JSON.stringify would.

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

// Many descriptions, repeated, across schemes and formats: every response carries its own texts.

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

t.test('S4 descriptions from request data: hundreds of them, across codes, each sent as given', async t => {
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

t.test('S6 framing headers never pass through the headers option, on HTTP/1.1 and HTTP/2', async t => {
  const framing = { 'content-length': '1', 'transfer-encoding': 'chunked', 'content-encoding': 'gzip', connection: 'close', 'keep-alive': 'timeout=5', te: 'trailers', trailer: 'x', upgrade: 'h2c', 'proxy-connection': 'keep-alive', ':status': '200' }
  const route = (_request: unknown, reply: { authError: import('fastify').FastifyReply['authError'] }) => reply.authError('temporarily_unavailable', { headers: { ...framing, 'x-kept': 'yes' }, retryAfter: 5 })
  const app = Fastify()
  await app.register(authErrors)
  app.get('/', route)
  const res = await app.inject('/')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['x-kept'], 'yes')
  t.equal(res.headers['retry-after'], '5')
  t.equal(res.headers['transfer-encoding'], undefined)
  t.equal(res.headers['content-encoding'], undefined)
  t.equal(res.headers['keep-alive'], undefined)
  t.equal(res.headers.upgrade, undefined)
  t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), 'the real length')

  const { connect } = await import('node:http2')
  const h2 = Fastify({ http2: true })
  await h2.register(authErrors)
  h2.get('/', route)
  await h2.listen({ port: 0, host: '127.0.0.1' })
  const address = h2.server.address() as import('node:net').AddressInfo
  const session = connect(`http://127.0.0.1:${address.port}`)
  const answer = await new Promise<{ status: number, body: string, headers: Record<string, unknown> }>((resolve, reject) => {
    const stream = session.request({ ':path': '/' })
    let body = ''
    let headers: Record<string, unknown> = {}
    stream.on('response', (h) => { headers = h })
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => { body += chunk })
    stream.on('end', () => resolve({ status: Number(headers[':status']), body, headers }))
    stream.on('error', reject)
  })
  session.close()
  await h2.close()
  t.equal(answer.status, 503, 'HTTP/2: the server answers, it does not crash')
  t.equal(answer.headers['x-kept'], 'yes')
  t.equal(answer.headers['keep-alive'], undefined)
  t.equal(JSON.parse(answer.body).error, 'temporarily_unavailable')
})

t.test('E1 fastify.authErrors.challenge() is the value the senders send', async t => {
  const app = Fastify()
  await app.register(authErrors, { schemes: ['Bearer', 'DPoP'], realm: 'mcp', resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource' })
  app.get('/scope', { config: { authErrors: { endpoint: 'resource' } } }, (_request, reply) => reply.authError('insufficient_scope', { scope: 'files:write' }))
  app.get('/bare', (_request, reply) => reply.authChallenge({ scope: 'files:read' }))
  app.get('/own', (request) => ({ value: app.authErrors.challenge(new AuthError('invalid_token', { description: 'The token expired' }), undefined, request) }))
  await app.ready()
  const sent = (await app.inject('/scope')).headers['www-authenticate']
  t.equal(app.authErrors.challenge('insufficient_scope', { scope: 'files:write' }), sent, 'an error challenge')
  t.equal(app.authErrors.challenge(undefined, { scope: 'files:read' }), (await app.inject('/bare')).headers['www-authenticate'], 'the bare challenge')
  t.match(app.authErrors.challenge(), /^Bearer realm="mcp", resource_metadata="https:\/\/api\.example\.com\/.well-known\/oauth-protected-resource", DPoP realm="mcp"/)
  const own = (await app.inject({ url: '/own', headers: { authorization: 'DPoP abc' } })).json() as { value: string }
  t.match(own.value, /DPoP realm="mcp", error="invalid_token", error_description="The token expired"/, 'the request decides the scheme that carries the error')
  t.equal(app.authErrors.challenge('server_error'), undefined, 'a 5xx carries no challenge')
  const revocation = Fastify()
  await revocation.register(authErrors)
  revocation.post('/revoke', { config: { authErrors: { endpoint: 'revocation' } } }, async (request) => ({ value: revocation.authErrors.challenge('invalid_token', {}, request) ?? null }))
  t.same((await revocation.inject({ method: 'POST', url: '/revoke' })).json(), { value: null }, 'D9: not an error at revocation, so no challenge')
  t.throws(() => app.authErrors.challenge('invalid_token', { status: 200 }), { code: 'FST_AUTH_ERRORS_INVALID_ARGUMENT' }, 'a bad option throws as the senders do')
})

t.test('E1 Vary set as an array by another plugin is kept, with Accept added once', async t => {
  const app = Fastify()
  await app.register(authErrors)
  app.get('/:vary', async (request, reply) => {
    reply.header('vary', (request.params as { vary: string }).vary.split('+'))
    return reply.authRedirect('access_denied', { redirectUri: undefined })
  })
  t.equal((await app.inject('/Origin+Accept-Encoding')).headers.vary, 'Origin, Accept-Encoding, Accept')
  t.equal((await app.inject('/Origin+Accept')).headers.vary, 'Origin, Accept', 'Accept is not repeated')
})
