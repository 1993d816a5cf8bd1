import t from 'tap'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import authErrors, { AuthError, type AuthErrorsOptions } from '../lib/index.js'
import { routeApp, type Handler } from './helpers/app.js'
import { challengeFor, parseChallenges } from './helpers/auth-params.js'

const appWith = routeApp

async function register (options: AuthErrorsOptions) {
  const app = Fastify()
  await app.register(authErrors, options)
  return app
}

/** A real request on 127.0.0.1, returning the raw header lines (names as sent). */
async function rawHeaders (app: FastifyInstance, headers: Record<string, string>, method = 'POST'): Promise<{ status: number, raw: string[] }> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  try {
    return await new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path: '/', headers }, res => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode as number, raw: res.rawHeaders }))
      })
      req.on('error', reject)
      req.end()
    })
  } finally {
    await app.close()
  }
}

function headerLines (raw: string[], name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === name) values.push(raw[i + 1] as string)
  return values
}

t.test('F1 the DPoP challenge: realm, algs, error, error_description, scope', async t => {
  const app = await appWith((_request, reply) => reply.authError('insufficient_scope', { scope: 'photos' }), { schemes: ['DPoP'], algs: 'ES256 EdDSA' }, { endpoint: 'resource' })
  const res = await app.inject({ url: '/', headers: { authorization: 'DPoP t', dpop: 'proof' } })
  t.equal(res.statusCode, 403)
  t.equal(res.headers['www-authenticate'], 'DPoP realm="api", scope="photos", error="insufficient_scope", ' +
    'error_description="The request needs higher privileges than the access token provides.", algs="ES256 EdDSA"')
  t.same(challengeFor(String(res.headers['www-authenticate']), 'DPoP').params, {
    realm: 'api',
    scope: 'photos',
    error: 'insufficient_scope',
    error_description: 'The request needs higher privileges than the access token provides.',
    algs: 'ES256 EdDSA'
  })
})

t.test('F1 algs per call replaces the registration\'s, as an array or a space-separated string', async t => {
  const app = await appWith((request, reply) => reply.authChallenge({ schemes: ['DPoP'], algs: (request.body as { algs: string | string[] }).algs }), { algs: ['RS256'] })
  for (const [algs, expected] of [[['ES256', 'PS256', 'ES256'], 'ES256 PS256'], ['  ES384   EdDSA ', 'ES384 EdDSA']] as const) {
    const res = await app.inject({ method: 'POST', url: '/', payload: { algs } })
    t.equal(challengeFor(String(res.headers['www-authenticate']), 'DPoP').params.algs, expected)
  }
  const registered = await appWith((_request, reply) => reply.authChallenge({ schemes: ['DPoP'] }), { algs: ['RS256', 'ES256'] })
  t.equal((await registered.inject('/')).headers['www-authenticate'], 'DPoP realm="api", algs="RS256 ES256"')
})

t.test('F1 algs with a space, quote, backslash or control inside a name fails registration', async t => {
  for (const algs of [['ES 256'], ['ES256', 'PS"256'], ['a\\b'], ['ES256\r\n'], ['caf\u00e9'], [''], [], '', '   ', 7, [7]]) {
    await t.rejects(register({ algs: algs as string[] }), { name: 'AuthErrorsConfigError', code: 'FST_AUTH_ERRORS_INVALID_ALGS' }, JSON.stringify(algs))
  }
})

t.test('F1 algs with a space inside a name at a call is a programming error, never a header', async t => {
  const app = await appWith((request, reply) => {
    const { algs, bare } = request.body as { algs: string[], bare: boolean }
    try {
      return bare ? reply.authChallenge({ schemes: ['DPoP'], algs }) : reply.authError('invalid_token', { schemes: ['DPoP'], algs })
    } catch (err) {
      return reply.code(599).send({ name: (err as Error).name, code: (err as { code: string }).code, sent: reply.getHeader('www-authenticate') ?? null })
    }
  })
  for (const bare of [true, false]) {
    const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'DPoP t' }, payload: { algs: ['ES 256'], bare } })
    t.same(res.json(), { name: 'AuthErrorsConfigError', code: 'FST_AUTH_ERRORS_INVALID_ARGUMENT', sent: null })
  }
})

t.test('F2 invalid_dpop_proof for a bad proof: 401 and the error in the DPoP challenge', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_dpop_proof', { description: 'The proof is for another URI' }), { schemes: ['DPoP'], algs: ['ES256'] })
  const res = await app.inject({ url: '/', headers: { authorization: 'DPoP t', dpop: 'proof' } })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'DPoP realm="api", error="invalid_dpop_proof", error_description="The proof is for another URI", algs="ES256"')
  t.equal(res.json().error, 'invalid_dpop_proof')
})

t.test('F2 invalid_token for a failed key binding, in the DPoP challenge', async t => {
  const app = await appWith(() => { throw new AuthError('invalid_token', { description: 'The token is bound to another key' }) }, { schemes: ['DPoP'] })
  const res = await app.inject({ url: '/', headers: { authorization: 'DPoP t', dpop: 'proof' } })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'DPoP realm="api", error="invalid_token", error_description="The token is bound to another key"')
})

t.test('F3 use_dpop_nonce at a resource: 401, the DPoP challenge and exactly one DPoP-Nonce', async t => {
  const app = await appWith((_request, reply) => reply.authError('use_dpop_nonce', { dpopNonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v' }), { schemes: ['DPoP'] })
  const res = await app.inject({ url: '/', headers: { authorization: 'DPoP t', dpop: 'proof' } })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['dpop-nonce'], 'eyJ7S_zG.eyJH0-Z.HX4w-7v')
  t.equal(challengeFor(String(res.headers['www-authenticate']), 'DPoP').params.error, 'use_dpop_nonce')
  const { status, raw } = await rawHeaders(await appWith((_request, reply) => reply.authError('use_dpop_nonce', { dpopNonce: 'n-1' }), { schemes: ['DPoP'] }), { authorization: 'DPoP t' })
  t.equal(status, 401)
  t.same(headerLines(raw, 'dpop-nonce'), ['n-1'])
  t.equal(headerLines(raw, 'www-authenticate').length, 1)
})

t.test('F3 use_dpop_nonce without a nonce is a programming error (500, logged), not a bare 401', async t => {
  const app = await appWith(() => { throw new AuthError('use_dpop_nonce') }, { schemes: ['DPoP'] })
  const res = await app.inject({ url: '/', headers: { authorization: 'DPoP t' } })
  t.equal(res.statusCode, 500)
  t.equal(res.json().error, 'server_error')
  t.notOk('dpop-nonce' in res.headers)
  t.notOk('www-authenticate' in res.headers)
})

t.test('F3 a nonce that is not a valid nonce is refused before any header is written', async t => {
  const bad = ['', 'a b', 'a"b', 'a\\b', 'a\r\nSet-Cookie: x=1', 'a\u0000', 'caf\u00e9', '\u{1F600}', 'a\tb', 42, null, ['a']]
  const app = await appWith((request, reply) => {
    const { nonce, bare } = request.body as { nonce: string, bare: boolean }
    try {
      return bare ? reply.authChallenge({ schemes: ['DPoP'], dpopNonce: nonce }) : reply.authError('use_dpop_nonce', { dpopNonce: nonce })
    } catch (err) {
      return reply.code(599).send({
        name: (err as Error).name,
        code: (err as { code: string }).code,
        headers: ['dpop-nonce', 'www-authenticate', 'access-control-expose-headers'].filter(name => reply.hasHeader(name))
      })
    }
  }, { schemes: ['DPoP'] })
  for (const nonce of bad) {
    for (const bare of [true, false]) {
      const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'DPoP t' }, payload: { nonce, bare } })
      t.same(res.json(), { name: 'AuthErrorsConfigError', code: 'FST_AUTH_ERRORS_INVALID_ARGUMENT', headers: [] }, `${JSON.stringify(nonce)} bare=${bare}`)
    }
  }
  // thrown from a handler, the same misuse is answered as a generic 500, never a broken header
  const thrown = await appWith(() => { throw new AuthError('use_dpop_nonce', { dpopNonce: 'a\r\nb' }) }, { schemes: ['DPoP'] })
  const res = await thrown.inject({ url: '/', headers: { authorization: 'DPoP t' } })
  t.equal(res.statusCode, 500)
  t.notOk('dpop-nonce' in res.headers)
})

t.test('F3 reply.authChallenge can send a fresh nonce with the bare challenge', async t => {
  const app = await appWith((_request, reply) => reply.authChallenge({ schemes: ['DPoP'], dpopNonce: 'n-2' }))
  const res = await app.inject('/')
  t.equal(res.statusCode, 401)
  t.equal(res.headers['dpop-nonce'], 'n-2')
  t.equal(res.headers['www-authenticate'], 'DPoP realm="api"')
})

t.test('F4 serving Bearer and DPoP: one challenge each, the error only in the scheme used', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_token'), { schemes: ['Bearer', 'DPoP'], algs: ['ES256'] }, { endpoint: 'resource' })
  for (const scheme of ['Bearer', 'DPoP']) {
    const res = await app.inject({ url: '/', headers: { authorization: `${scheme} t` } })
    const challenges = parseChallenges(String(res.headers['www-authenticate']))
    t.same(challenges.map(c => c.scheme), ['Bearer', 'DPoP'])
    for (const challenge of challenges) {
      t.equal(challenge.params.error, challenge.scheme === scheme ? 'invalid_token' : undefined, `${scheme} used, ${challenge.scheme} challenge`)
      t.equal('error_description' in challenge.params, challenge.scheme === scheme)
    }
    t.equal(challengeFor(String(res.headers['www-authenticate']), 'DPoP').params.algs, 'ES256')
  }
})

t.test('F4 the scheme a request used is challenged even when the registration serves only the other', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_token'), { schemes: ['Bearer'] }, { endpoint: 'resource' })
  const res = await app.inject({ url: '/', headers: { authorization: 'DPoP t' } })
  const challenges = parseChallenges(String(res.headers['www-authenticate']))
  t.same(challenges.map(c => [c.scheme, c.params.error]), [['Bearer', undefined], ['DPoP', 'invalid_token']])
})

t.test('F4 schemes per call beats the registration', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_token', { schemes: ['DPoP'] }), { schemes: ['Bearer', 'DPoP'] }, { endpoint: 'resource' })
  const res = await app.inject({ url: '/', headers: { authorization: 'DPoP t' } })
  t.equal(res.headers['www-authenticate'], 'DPoP realm="api", error="invalid_token", error_description="The access token is expired, revoked, malformed, or invalid for another reason."')
})

t.test('F4 no credentials: both challenges, no error in either', async t => {
  const app = await appWith((_request, reply) => reply.authChallenge(), { schemes: ['Bearer', 'DPoP'], algs: ['ES256'] })
  const res = await app.inject('/')
  t.equal(res.headers['www-authenticate'], 'Bearer realm="api", DPoP realm="api", algs="ES256"')
})

t.test('F4 a request with another scheme on a resource: the error goes in the first served scheme', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_token'), { schemes: ['DPoP', 'Bearer'] }, { endpoint: 'resource' })
  const res = await app.inject({ url: '/', headers: { authorization: 'Basic YTpi' } })
  const challenges = parseChallenges(String(res.headers['www-authenticate']))
  t.same(challenges.map(c => [c.scheme, c.params.error]), [['DPoP', 'invalid_token'], ['Bearer', undefined]])
})

t.test('F4 a bad schemes option at a call is a programming error', async t => {
  const app = await appWith((_request, reply) => {
    try {
      return reply.authChallenge({ schemes: ['Basic' as 'Bearer'] })
    } catch (err) {
      return reply.code(599).send({ code: (err as { code: string }).code })
    }
  })
  t.same((await app.inject('/')).json(), { code: 'FST_AUTH_ERRORS_INVALID_SCHEMES' })
})

t.test('D7 invalid_dpop_proof at the authorization server is 400 JSON without a challenge', async t => {
  for (const config of [undefined, { endpoint: 'token' as const }, { endpoint: 'par' as const }]) {
    const app = await appWith((_request, reply) => reply.authError('invalid_dpop_proof'), { schemes: ['DPoP'] }, config)
    for (const authorization of [undefined, 'Basic YTpi']) {
      const res = await app.inject({ method: 'POST', url: '/', headers: { dpop: 'bad', ...(authorization === undefined ? {} : { authorization }) } })
      t.equal(res.statusCode, 400, `${config?.endpoint} ${authorization}`)
      t.equal(res.json().error, 'invalid_dpop_proof')
      t.notOk('www-authenticate' in res.headers)
      t.equal(res.headers['cache-control'], 'no-store')
    }
  }
})

t.test('D7 use_dpop_nonce at the authorization server is 400 with exactly one DPoP-Nonce', async t => {
  const app = await appWith((_request, reply) => reply.authError('use_dpop_nonce', { dpopNonce: 'as-nonce-1' }), {}, { endpoint: 'token' })
  const res = await app.inject({ method: 'POST', url: '/', headers: { dpop: 'proof' } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'use_dpop_nonce')
  t.equal(res.headers['dpop-nonce'], 'as-nonce-1')
  t.notOk('www-authenticate' in res.headers)
  const { status, raw } = await rawHeaders(await appWith((_request, reply) => reply.authError('use_dpop_nonce', { dpopNonce: 'as-nonce-1' }), {}, { endpoint: 'token' }), { dpop: 'proof' })
  t.equal(status, 400)
  t.same(headerLines(raw, 'dpop-nonce'), ['as-nonce-1'])
})

t.test('D7 a DPoP-Nonce the application already set is replaced, never doubled', async t => {
  const setters: Record<string, Handler> = {
    'reply.header': (_request, reply) => reply.header('DPoP-Nonce', 'stale').authError('use_dpop_nonce', { dpopNonce: 'fresh' }),
    'reply.header array': (_request, reply) => reply.header('dpop-nonce', ['stale-1', 'stale-2']).authError('use_dpop_nonce', { dpopNonce: 'fresh' }),
    'reply.raw.setHeader': (_request, reply) => {
      reply.raw.setHeader('DPoP-Nonce', 'stale')
      return reply.authError('use_dpop_nonce', { dpopNonce: 'fresh' })
    },
    'headers option': (_request, reply) => reply.authError('use_dpop_nonce', { dpopNonce: 'fresh', headers: { 'DPoP-Nonce': 'stale', 'X-Trace': '1' } }),
    'onRequest hook': (_request, reply) => reply.authError('use_dpop_nonce', { dpopNonce: 'fresh' })
  }
  for (const [name, handler] of Object.entries(setters)) {
    for (const config of [{ endpoint: 'token' as const }, { endpoint: 'resource' as const }]) {
      const app = await appWith(handler, {}, config)
      if (name === 'onRequest hook') app.addHook('onRequest', async (_request, reply) => { reply.header('dpop-nonce', 'stale') })
      const { status, raw } = await rawHeaders(app, { authorization: 'DPoP t', dpop: 'proof' })
      t.equal(status, config.endpoint === 'token' ? 400 : 401, `${name} at ${config.endpoint}`)
      t.same(headerLines(raw, 'dpop-nonce'), ['fresh'], `${name} at ${config.endpoint}`)
      if (name === 'headers option') t.same(headerLines(raw, 'x-trace'), ['1'], 'other extra headers stay')
    }
  }
})

t.test('D7 the challenge set by the plugin replaces one the application set', async t => {
  const app = await appWith((_request, reply) => reply.header('WWW-Authenticate', 'Bearer').authError('invalid_token', { headers: { 'www-authenticate': 'Basic' } }), {}, { endpoint: 'resource' })
  const { raw } = await rawHeaders(app, { authorization: 'Bearer t' }, 'GET')
  t.same(headerLines(raw, 'www-authenticate').length, 1)
  t.equal(challengeFor(headerLines(raw, 'www-authenticate')[0] as string, 'Bearer').params.error, 'invalid_token')
})
