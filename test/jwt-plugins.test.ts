import t, { type Test } from 'tap'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import jwt, { type FastifyJWTOptions } from '@fastify/jwt'
import bearerAuth, { type FastifyBearerAuthOptions } from '@fastify/bearer-auth'
import authErrors, { type AuthErrorsOptions } from '../lib/index.js'
import { FOREIGN_CODES } from '../lib/foreign-errors.js'
import { challengeFor, parseChallenges } from './helpers/auth-params.js'

const SECRET = 'a-test-secret-that-is-long-enough-000'
/** Fragments of the plugins' own messages: none may reach a client. */
const RAW_MESSAGES = /Authorization token|Authorization was found|Format is|will be active|algorithm is invalid|payload must|Unsigned|Untrusted|could not be parsed|authorization header|secret reason/i

const now = () => Math.floor(Date.now() / 1000)
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

async function jwtApp (jwtOptions: Partial<FastifyJWTOptions> = {}, options: AuthErrorsOptions = {}) {
  const app = Fastify()
  await app.register(authErrors, options)
  await app.register(jwt, { secret: SECRET, verify: { algorithms: ['HS256'] }, ...jwtOptions } as FastifyJWTOptions)
  app.get('/', { onRequest: async (request) => { await request.jwtVerify() } }, async () => ({ ok: true }))
  // an application that verifies by hand: fast-jwt's own errors come through unchanged
  app.get('/manual', async (request) => app.jwt.verify((request.query as { token: string }).token))
  return app
}

function expectAnswer (t: Test, res: { statusCode: number, headers: Record<string, unknown>, body: string }, expected: 'bare' | string, label: string) {
  t.equal(res.statusCode, 401, label)
  const header = String(res.headers['www-authenticate'])
  t.notMatch(header + res.body, RAW_MESSAGES, `${label}: no raw message`)
  if (expected === 'bare') {
    t.equal(header, 'Bearer realm="api"', `${label}: bare challenge`)
    t.equal(res.body, '', `${label}: no body`)
  } else {
    const { params } = challengeFor(header, 'Bearer')
    t.same(params, { realm: 'api', error: 'invalid_token', error_description: expected }, label)
    t.same(JSON.parse(res.body), { error: 'invalid_token', error_description: expected }, label)
  }
}

t.test('@fastify/jwt errors', async t => {
  const app = await jwtApp()
  const other = await jwtApp({ secret: 'another-secret-that-is-long-enough', sign: { algorithm: 'HS512' } })
  await Promise.all([app.ready(), other.ready()])
  const valid = app.jwt.sign({ sub: 'alice' })
  const tampered = valid.slice(0, -4) + (valid.endsWith('AAAA') ? 'BBBB' : 'AAAA')

  const cases: Array<[string, string | undefined, 'bare' | string]> = [
    ['E4 no Authorization header (FST_JWT_NO_AUTHORIZATION_IN_HEADER)', undefined, 'bare'],
    ['E4 an unsupported scheme counts as no credentials (RFC 6750 3.1)', 'Basic YWxpY2U6cHc=', 'bare'],
    ['E5 an expired token (FST_JWT_AUTHORIZATION_TOKEN_EXPIRED)', `Bearer ${app.jwt.sign({ sub: 'a', exp: now() - 60 })}`, 'The access token expired'],
    ['E5 a malformed token (FST_JWT_AUTHORIZATION_TOKEN_INVALID)', 'Bearer abc', 'The access token is invalid'],
    ['E5 a bad signature (FST_JWT_AUTHORIZATION_TOKEN_INVALID)', `Bearer ${tampered}`, 'The access token is invalid'],
    ['E5 a token not valid yet (FAST_JWT_INACTIVE)', `Bearer ${app.jwt.sign({ sub: 'a', nbf: now() + 3600 })}`, 'The access token is not valid yet'],
    ['E5 an algorithm the server refuses (FAST_JWT_INVALID_ALGORITHM)', `Bearer ${other.jwt.sign({ sub: 'a' })}`, 'The access token is invalid'],
    ['E5 an unsigned token (FAST_JWT_MISSING_SIGNATURE)', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'a' })}.`, 'The access token is invalid'],
    ['E5 a payload that is not an object (FAST_JWT_INVALID_PAYLOAD)', `Bearer ${b64({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('[1]').toString('base64url')}.sig`, 'The access token is invalid'],
    ['E5 Bearer with two tokens (FST_JWT_BAD_REQUEST)', 'Bearer a b', 'The access token is malformed'],
    ['E5 Bearer with no token (FST_JWT_BAD_REQUEST)', 'Bearer ', 'The access token is malformed']
  ]
  for (const [label, authorization, expected] of cases) {
    t.test(label, async t => {
      const res = await app.inject({ url: '/', headers: authorization === undefined ? {} : { authorization } })
      expectAnswer(t, res, expected, label)
    })
  }

  t.test('E5 a valid token passes untouched', async t => {
    const res = await app.inject({ url: '/', headers: { authorization: `Bearer ${valid}` } })
    t.equal(res.statusCode, 200)
    t.notOk('www-authenticate' in res.headers)
  })

  t.test('E5 fast-jwt errors thrown by app.jwt.verify in a handler (FAST_JWT_EXPIRED, FAST_JWT_MALFORMED)', async t => {
    const expired = app.jwt.sign({ sub: 'a', exp: now() - 60 })
    expectAnswer(t, await app.inject({ url: `/manual?token=${expired}`, headers: { authorization: `Bearer ${expired}` } }), 'The access token expired', 'expired')
    expectAnswer(t, await app.inject({ url: '/manual?token=abc', headers: { authorization: 'Bearer abc' } }), 'The access token is invalid', 'malformed')
  })
})

t.test('@fastify/jwt with trusted, cookies and extractToken', async t => {
  t.test('E5 an untrusted token (FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED)', async t => {
    const app = await jwtApp({ trusted: () => false })
    await app.ready()
    const res = await app.inject({ url: '/', headers: { authorization: `Bearer ${app.jwt.sign({ sub: 'a' })}` } })
    expectAnswer(t, res, 'The access token is invalid', 'untrusted')
  })

  t.test('E4 a cookie-only setup without @fastify/cookie (FST_JWT_BAD_COOKIE_REQUEST) has no credentials to read', async t => {
    const app = await jwtApp({ cookie: { cookieName: 'token', signed: false } })
    expectAnswer(t, await app.inject({ url: '/' }), 'bare', 'bad cookie request')
  })

  t.test('E4/E5 cookies: none is the bare challenge; an expired one is invalid_token without any Authorization header', async t => {
    const app = Fastify()
    await app.register(authErrors)
    app.decorateRequest('cookies', null)
    app.addHook('onRequest', async (request) => {
      const pairs = (request.headers.cookie ?? '').split(';').map(pair => pair.trim().split('=') as [string, string]).filter(pair => pair[0] !== '')
      ;(request as unknown as { cookies: Record<string, string> }).cookies = Object.fromEntries(pairs)
    })
    await app.register(jwt, { secret: SECRET, cookie: { cookieName: 'token', signed: false } })
    app.get('/', { onRequest: async (request) => { await request.jwtVerify() } }, async () => ({ ok: true }))
    await app.ready()
    expectAnswer(t, await app.inject({ url: '/' }), 'bare', 'FST_JWT_NO_AUTHORIZATION_IN_COOKIE')
    expectAnswer(t, await app.inject({ url: '/', headers: { cookie: `token=${app.jwt.sign({ sub: 'a', exp: now() - 5 })}` } }), 'The access token expired', 'expired cookie')
  })

  t.test('E4 extractToken finding nothing (FST_JWT_BAD_REQUEST without Bearer) is the bare challenge', async t => {
    const app = await jwtApp({ verify: { extractToken: (request) => (request.query as { at?: string }).at } } as Partial<FastifyJWTOptions>)
    expectAnswer(t, await app.inject({ url: '/' }), 'bare', 'no token in the query')
    expectAnswer(t, await app.inject({ url: '/?at=abc' }), 'The access token is invalid', 'a bad token in the query')
  })

  t.test('F4 with DPoP served too, the bare challenge names both schemes', async t => {
    const app = await jwtApp({}, { schemes: ['Bearer', 'DPoP'] })
    const res = await app.inject({ url: '/', headers: { authorization: 'DPoP abc' } })
    t.equal(res.statusCode, 401)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="api", DPoP realm="api"')
  })

  t.test('E5 with errorHandler off, fastify.authErrors.handle gives the same answers', async t => {
    const app = Fastify()
    await app.register(authErrors, { errorHandler: false })
    await app.register(jwt, { secret: SECRET })
    app.setErrorHandler((error, request, reply) => app.authErrors.handle(error, request, reply))
    app.get('/', { onRequest: async (request) => { await request.jwtVerify() } }, async () => ({ ok: true }))
    await app.ready()
    expectAnswer(t, await app.inject({ url: '/' }), 'bare', 'delegated: no token')
    expectAnswer(t, await app.inject({ url: '/', headers: { authorization: `Bearer ${app.jwt.sign({ sub: 'a', exp: now() - 5 })}` } }), 'The access token expired', 'delegated: expired')
  })
})

async function bearerApp (options: Partial<FastifyBearerAuthOptions>) {
  const app = Fastify()
  await app.register(authErrors)
  await app.register(bearerAuth, { keys: new Set(['key-1']), addHook: false, verifyErrorLogLevel: 'debug', ...options } as FastifyBearerAuthOptions)
  app.addHook('onRequest', app.verifyBearerAuth as NonNullable<FastifyInstance['verifyBearerAuth']>)
  app.get('/', async () => ({ ok: true }))
  return app
}

t.test('@fastify/bearer-auth with addHook: false', async t => {
  const app = await bearerApp({})
  const cases: Array<[string, string | undefined, 'bare' | string]> = [
    ['E4 no Authorization header (FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER)', undefined, 'bare'],
    ['E4 another scheme (FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER) counts as no credentials', 'Basic a2V5LTE=', 'bare'],
    ['E5 a wrong key (FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER)', 'Bearer key-2', 'The access token is invalid']
  ]
  for (const [label, authorization, expected] of cases) {
    t.test(label, async t => {
      expectAnswer(t, await app.inject({ url: '/', headers: authorization === undefined ? {} : { authorization } }), expected, label)
    })
  }
  t.test('E5 the right key passes', async t => {
    t.equal((await app.inject({ url: '/', headers: { authorization: 'Bearer key-1' } })).statusCode, 200)
  })
  t.test('S1 an auth function that throws is a generic server_error, its message never sent', async t => {
    const failing = await bearerApp({ auth: () => { throw new Error('secret reason: database down') } })
    const res = await failing.inject({ url: '/', headers: { authorization: 'Bearer key-1' } })
    t.equal(res.statusCode, 500)
    t.equal(res.json().error, 'server_error')
    t.notOk('www-authenticate' in res.headers)
    t.notMatch(res.body, RAW_MESSAGES)
  })
})

t.test('@fastify/bearer-auth with its default hook answers by itself (why the guide says addHook: false)', async t => {
  const app = Fastify()
  await app.register(authErrors)
  await app.register(bearerAuth, { keys: new Set(['key-1']), verifyErrorLogLevel: 'debug' })
  app.get('/', async () => ({ ok: true }))
  const res = await app.inject('/')
  t.equal(res.statusCode, 401)
  t.notOk('www-authenticate' in res.headers, 'its own answer has no challenge: the error handler never saw it')
  t.same(res.json(), { error: 'missing authorization header' })
})

/** The rows of the table that belong to the token plugins (the guide docs/resource-server.md lists them). */
const PLUGIN_CODES = Object.entries(FOREIGN_CODES).filter(([code, rule]) => /^(FST_JWT|FAST_JWT|FST_BEARER)_/.test(code) && rule.kind !== 'server' && rule.kind !== 'unavailable')
const DESCRIPTIONS = { expired: 'The access token expired', invalid: 'The access token is invalid', not_yet_valid: 'The access token is not valid yet', malformed: 'The access token is malformed' } as Record<string, string>

t.test('E4/E5 every code of the table is answered by its rule, whatever the message says', async t => {
  const app = Fastify()
  await app.register(authErrors)
  app.get('/', async (request) => {
    const { code } = request.query as { code: string }
    throw Object.assign(new Error(`secret reason for ${code}`), { code, statusCode: 400 })
  })
  for (const [code, rule] of PLUGIN_CODES) {
    for (const authorization of [undefined, 'Bearer t', 'DPoP t', 'Basic YTpi']) {
      const res = await app.inject({ url: `/?code=${code}`, headers: authorization === undefined ? {} : { authorization } })
      const label = `${code} with ${authorization}`
      t.equal(res.statusCode, 401, label)
      const bare = rule.kind === 'bare' || (rule.kind === 'by_scheme' && (authorization === undefined || authorization.startsWith('Basic')))
      t.notMatch(String(res.headers['www-authenticate']) + res.body, /secret reason/, label)
      const challenges = parseChallenges(String(res.headers['www-authenticate']))
      if (bare) {
        t.same(challenges, [{ scheme: 'Bearer', params: { realm: 'api' } }], label)
      } else {
        t.equal(challenges.find(c => c.params.error !== undefined)?.params.error, 'invalid_token', label)
        t.equal(res.json().error_description, DESCRIPTIONS[(rule as { failure: string }).failure], label)
      }
    }
  }
})

t.test('the table only names codes the installed plugins really use, and the guide lists them all', async t => {
  const require = createRequire(import.meta.url)
  const sources = await Promise.all([
    readFile(require.resolve('@fastify/jwt'), 'utf8'),
    readFile(join(dirname(require.resolve('fast-jwt')), 'error.js'), 'utf8'),
    readFile(join(dirname(require.resolve('@fastify/bearer-auth')), 'lib', 'errors.js'), 'utf8')
  ])
  const guide = await readFile(new URL('../docs/resource-server.md', import.meta.url), 'utf8')
  const ecosystem = await readFile(new URL('../docs/ecosystem.md', import.meta.url), 'utf8')
  for (const [code] of PLUGIN_CODES) {
    t.ok(sources.some(source => source.includes(`'${code}'`)), `${code} is in the plugins' sources`)
    t.ok(guide.includes(`\`${code}\``) || ecosystem.includes(`\`${code}\``), `${code} is in docs/resource-server.md or docs/ecosystem.md`)
  }
  t.equal(Object.getPrototypeOf(FOREIGN_CODES), null, 'no inherited keys such as constructor')
})

t.test('an error whose code is an Object.prototype key is not a table entry', async t => {
  const app = Fastify()
  await app.register(authErrors)
  app.get('/', async (request) => {
    throw Object.assign(new Error('x'), { code: (request.query as { code: string }).code, statusCode: 418 })
  })
  for (const code of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const res = await app.inject({ url: `/?code=${code}` })
    t.equal(res.statusCode, 418, code)
    t.equal(res.json().error, 'invalid_request')
  }
})

t.test('S2 thrown values that are not objects are not token plugin errors: a generic 500', async t => {
  const app = Fastify()
  await app.register(authErrors)
  const values: Record<string, unknown> = { string: 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED', number: 401, null: null }
  app.get('/:kind', async (request) => { throw values[(request.params as { kind: string }).kind] })
  for (const kind of Object.keys(values)) {
    const res = await app.inject({ url: `/${kind}`, headers: { authorization: 'Bearer t' } })
    t.equal(res.statusCode, 500, kind)
    t.equal(res.json().error, 'server_error')
    t.notOk('www-authenticate' in res.headers)
  }
})
