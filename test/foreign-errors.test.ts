/**
 * The table from a thrown value to the OAuth error it means (lib/foreign-errors.ts), through the
 * error handler and `AuthError.from` (RULES I1-I5). The real plugins and libraries are in
 * test/ecosystem-plugins.test.ts and test/ecosystem-libraries.test.ts; here every row and
 * every context is walked.
 */
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { jwtVerify, SignJWT } from 'jose'
import OAuth2Server from '@node-oauth/oauth2-server'
import * as mcp from '@modelcontextprotocol/sdk/server/auth/errors.js'
import authErrors, { AuthError, type AuthErrorsOptions } from '../lib/index.js'
import { CARRIED_CODES, FOREIGN_CODES, type ForeignRule, type TokenContext } from '../lib/foreign-errors.js'
import { parseChallenges } from './helpers/auth-params.js'

interface LogLine { level: number, msg: string, [key: string]: unknown }

const CONTEXT_CODES: Record<TokenContext, string> = {
  access_token: 'invalid_token',
  dpop_proof: 'invalid_dpop_proof',
  client_assertion: 'invalid_client',
  request_object: 'invalid_request_object',
  grant: 'invalid_grant',
  subject_token: 'invalid_request'
}
const CONTEXTS = Object.keys(CONTEXT_CODES) as TokenContext[]

/** An application whose routes throw `thrown`, marked as each kind of request and token context. */
async function build (options: AuthErrorsOptions = {}): Promise<{ app: FastifyInstance, logs: LogLine[], throwing: (value: unknown) => void }> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  await app.register(authErrors, options)
  let thrown: unknown
  const handler = async (): Promise<never> => { throw thrown }
  app.get('/unmarked', handler)
  app.get('/resource', { config: { authErrors: { endpoint: 'resource' } } }, handler)
  app.get('/token', { config: { authErrors: { endpoint: 'token' } } }, handler)
  for (const context of CONTEXTS) app.get(`/token/${context}`, { config: { authErrors: { endpoint: 'token', token: context } } }, handler)
  app.get('/status/:status', async (request, reply) => {
    reply.code(Number((request.params as { status: string }).status))
    throw new Error('a strategy said no')
  })
  await app.ready()
  return { app, logs, throwing: value => { thrown = value } }
}

t.test('I5 every code of the table is one the installed libraries really throw', async t => {
  const require = createRequire(import.meta.url)
  const sources = await Promise.all([
    join(dirname(require.resolve('fastify')), 'lib', 'errors.js'),
    require.resolve('@fastify/jwt'),
    join(dirname(require.resolve('fast-jwt')), 'error.js'),
    join(dirname(require.resolve('@fastify/bearer-auth')), 'lib', 'errors.js'),
    join(dirname(require.resolve('jose')), 'util', 'errors.js'),
    require.resolve('oauth4webapi')
  ].map(async path => await readFile(path, 'utf8')))
  for (const code of Object.keys(FOREIGN_CODES)) {
    t.ok(sources.some(source => source.includes(`'${code}'`) || source.includes(`"${code}"`)), `${code} is in the sources`)
  }
  const guide = await readFile(new URL('../docs/ecosystem.md', import.meta.url), 'utf8')
  for (const code of [...Object.keys(FOREIGN_CODES), ...Object.keys(CARRIED_CODES)]) t.ok(guide.includes(`\`${code}\``), `${code} is in docs/ecosystem.md`)
  t.equal(Object.getPrototypeOf(FOREIGN_CODES), null, 'no inherited keys such as constructor')
  t.equal(Object.getPrototypeOf(CARRIED_CODES), null)
})

t.test('I5 every row of the table, in every token context, whatever the message says', async t => {
  const { app, logs, throwing } = await build()
  const expectations: Record<ForeignRule['kind'], (rule: ForeignRule, context: TokenContext | undefined, path: string) => { status: number, code?: string }> = {
    fixed: rule => ({ status: (rule as Extract<ForeignRule, { kind: 'fixed' }>).answer.status as number, code: 'invalid_request' }),
    server: () => ({ status: 500, code: 'server_error' }),
    unavailable: () => ({ status: 503, code: 'temporarily_unavailable' }),
    bare: (_rule, _context, path) => path === '/resource' ? { status: 401 } : { status: 400, code: 'invalid_client' },
    // at the token endpoint the request carries no Bearer or DPoP token: the client did not authenticate
    by_scheme: (_rule, _context, path) => path === '/resource' ? { status: 401, code: 'invalid_token' } : { status: 400, code: 'invalid_client' },
    token: (rule, context) => (rule as { onlyIn?: readonly string[] }).onlyIn !== undefined && (context === undefined || !(rule as { onlyIn: readonly string[] }).onlyIn.includes(context))
      ? { status: 500, code: 'server_error' }
      : { status: context === 'access_token' ? 401 : 400, code: context === undefined ? 'invalid_request' : CONTEXT_CODES[context] }
  }
  const paths: Array<[string, TokenContext | undefined]> = [['/resource', 'access_token'], ['/token', undefined], ...CONTEXTS.filter(c => c !== 'access_token').map(c => [`/token/${c}`, c] as [string, TokenContext])]
  for (const [code, rule] of Object.entries(FOREIGN_CODES)) {
    throwing(Object.assign(new Error(`secret reason for ${code}`), { code }))
    for (const [path, context] of paths) {
      const res = await app.inject({ url: path, headers: path === '/resource' ? { authorization: 'Bearer t' } : {} })
      const label = `${code} at ${path}`
      const expected = expectations[rule.kind](rule, context, path)
      t.equal(res.statusCode, expected.status, label)
      t.notMatch(String(res.headers['www-authenticate']) + res.body, /secret reason/, `${label}: no message`)
      if (expected.code === undefined) t.equal(res.body, '', `${label}: the bare challenge`)
      else t.equal(res.json().error, expected.code, label)
      if (res.statusCode !== 401) t.notOk('www-authenticate' in res.headers, `${label}: RULES I3 no challenge`)
    }
  }
  t.same(logs.filter(line => line.level >= 50).map(line => line.msg).filter(msg => !/server_error/.test(msg)), [], 'only server errors at error level')
})

t.test('I1 a thrown value without a status keeps a 4xx the reply already carries; a 2xx or 3xx is a server_error', async t => {
  const { app, logs } = await build()
  const forbidden = await app.inject({ url: '/status/403', headers: { authorization: 'Bearer t' } })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().error, 'access_denied')
  t.notOk('www-authenticate' in forbidden.headers, 'RULES I3')
  const conflict = await app.inject({ url: '/status/409' })
  t.same([conflict.statusCode, conflict.json().error], [409, 'invalid_request'])
  t.same(logs.filter(line => line.level >= 50), [])
  for (const status of [200, 302]) {
    const res = await app.inject({ url: `/status/${status}` })
    t.equal(res.statusCode, 500, `${status} on the reply`)
    t.equal(res.json().error, 'server_error')
  }
})

t.test('I2 a foreign 401: at a resource invalid_token or the bare challenge; at an OAuth endpoint invalid_client, Basic challenge only when Basic was used', async t => {
  const { app, throwing } = await build()
  throwing(Object.assign(new Error('Unauthorized!'), { statusCode: 401 }))
  const basic = 'Basic ' + Buffer.from('c1:x').toString('base64')
  const cases: Array<[string, string | undefined, number, string | undefined, string | undefined]> = [
    ['/resource', 'Bearer t', 401, 'invalid_token', 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"'],
    ['/resource', 'DPoP t', 401, 'invalid_token', undefined],
    ['/resource', undefined, 401, undefined, 'Bearer realm="api"'],
    ['/resource', basic, 401, undefined, 'Bearer realm="api"'],
    ['/unmarked', undefined, 401, undefined, 'Bearer realm="api"'],
    ['/unmarked', 'Bearer t', 401, 'invalid_token', undefined],
    ['/unmarked', basic, 401, 'invalid_client', 'Basic realm="api", charset="UTF-8"'],
    ['/token', basic, 401, 'invalid_client', 'Basic realm="api", charset="UTF-8"'],
    ['/token', undefined, 400, 'invalid_client', undefined],
    ['/token/client_assertion', undefined, 400, 'invalid_client', undefined]
  ]
  for (const [path, authorization, status, code, challenge] of cases) {
    const label = `${path} with ${authorization ?? 'no credentials'}`
    const res = await app.inject({ url: path, headers: authorization === undefined ? {} : { authorization } })
    t.equal(res.statusCode, status, label)
    if (code === undefined) t.equal(res.body, '', `${label}: bare`)
    else t.equal(res.json().error, code, `${label}: a JSON body`)
    if (challenge !== undefined) t.equal(res.headers['www-authenticate'], challenge, label)
    if (status === 401) t.ok(parseChallenges(String(res.headers['www-authenticate'])).length > 0, `${label}: RULES E1`)
    else t.notOk('www-authenticate' in res.headers, label)
  }
})

t.test('S8 a thrown error\'s headers: Retry-After only as delay-seconds; the plugin\'s own headers never taken; others kept', async t => {
  const { app, throwing } = await build()
  const headers = { 'Retry-After': '120', allow: 'GET', 'www-authenticate': 'Basic realm="x"', 'cache-control': 'public', 'content-type': 'text/html', 'x-count': 3 }
  throwing(Object.assign(new Error('busy'), { statusCode: 429, headers }))
  const kept = await app.inject({ url: '/resource', headers: { authorization: 'Bearer t' } })
  t.equal(kept.headers['retry-after'], '120')
  t.equal(kept.headers.allow, 'GET')
  t.notOk('www-authenticate' in kept.headers)
  t.notOk('x-count' in kept.headers, 'a value that is not a string is dropped')
  t.equal(kept.headers['cache-control'], 'no-store')
  t.match(kept.headers['content-type'], /^application\/json/)
  for (const value of ['Wed, 21 Oct 2015 07:28:00 GMT', '1e3', '-1', '2.5']) {
    throwing(Object.assign(new Error('busy'), { statusCode: 503, headers: { 'retry-after': value } }))
    const res = await app.inject({ url: '/resource' })
    t.equal(res.statusCode, 503, value)
    t.notOk('retry-after' in res.headers, `${value} is not delay-seconds`)
  }
  throwing(Object.assign(new Error('x'), { statusCode: 404, headers: 'not an object' }))
  t.equal((await app.inject({ url: '/resource' })).statusCode, 404)
})

t.test('I5 statuses outside the reason-phrase table, carried codes the catalog lacks, and a carried code the sender refuses', async t => {
  const { app, logs, throwing } = await build({ codes: { invalid_resource_indicator: { status: 400, description: 'Unknown resource.' } } })
  throwing(Object.assign(new Error('x'), { statusCode: 499 }))
  t.same([(await app.inject({ url: '/resource' })).statusCode], [499])
  throwing(Object.assign(new Error('x'), { statusCode: 599 }))
  t.same([(await app.inject({ url: '/resource' })).json().error], ['server_error'])
  throwing(new mcp.CustomOAuthError('invalid_resource_indicator', 'unknown resource'))
  t.same((await app.inject({ url: '/token' })).json(), { error: 'invalid_resource_indicator', error_description: 'unknown resource' }, 'a code the application registered is sent as is')
  throwing(new mcp.CustomOAuthError('bad code"', 'x'))
  t.equal((await app.inject({ url: '/token' })).json().error, 'invalid_request', 'a carried code that is not a valid code')
  logs.length = 0
  throwing(new mcp.CustomOAuthError('use_dpop_nonce', 'nonce required'))
  const nonce = await app.inject({ url: '/token' })
  t.equal(nonce.statusCode, 500, 'use_dpop_nonce without a nonce to send is the application\'s misuse')
  t.match(JSON.stringify(logs.filter(line => line.level === 50)), /dpopNonce/)
})

t.test('S2 a value that throws while the table reads it is a generic server_error', async t => {
  const { app, throwing } = await build()
  throwing(new Proxy({}, { get () { throw new Error('trap') } }))
  t.equal((await app.inject({ url: '/resource' })).json().error, 'server_error')
  throwing(Object.defineProperty({ code: 'ERR_JWT_EXPIRED' }, 'message', { get () { throw new Error('trap') } }))
  t.equal((await app.inject({ url: '/resource' })).statusCode, 401, 'a message getter is only read for the rows that need it')
  throwing(Object.assign(new Error('DPoP Proof htu mismatch'), { code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' }))
  const proof = await app.inject({ url: '/resource', headers: { authorization: 'DPoP t' } })
  t.equal(proof.statusCode, 401)
  t.same(parseChallenges(String(proof.headers['www-authenticate'])).find(c => c.scheme === 'DPoP')?.params.error, 'invalid_dpop_proof', 'oauth4webapi names a DPoP proof failure in its message')
  throwing({ code: 'OAUTH_INVALID_RESPONSE', message: 42 })
  t.equal((await app.inject({ url: '/resource', headers: { authorization: 'Bearer t' } })).json().error, 'invalid_token', 'a message that is not a string names no DPoP proof')
})

const key = new TextEncoder().encode('a-secret-that-is-long-enough-for-hs256!')
async function expiredJoseError (): Promise<unknown> {
  const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key)
  return await jwtVerify(jwt, key).catch((err: unknown) => err)
}

t.test('AuthError.from: an AuthError as it is; a library error as the OAuth error it means, by context; anything else server_error with the value as cause', async t => {
  const own = new AuthError('invalid_grant')
  t.equal(AuthError.from(own), own, 'the same AuthError')
  const expired = await expiredJoseError()
  const access = AuthError.from(expired)
  t.same([access.error, access.message, access.statusCode], ['invalid_token', 'The access token expired', 401])
  t.equal(access.options.cause, expired, 'the value is the cause')
  for (const context of CONTEXTS) t.equal(AuthError.from(expired, { token: context }).error, CONTEXT_CODES[context], context)
  const merged = AuthError.from(expired, { token: 'grant', description: 'The assertion is too old', status: undefined })
  t.equal(merged.message, 'The assertion is too old', 'options merge over the mapped ones')
  t.equal(AuthError.from(expired, { description: undefined }).message, 'The access token expired', 'an option left undefined keeps the mapped value')
  const bare = AuthError.from(new OAuth2Server.UnauthorizedRequestError('Unauthorized request: no authentication given'))
  t.same([bare.error, bare.statusCode], ['invalid_token', 401], 'no credentials comes back as invalid_token 401')
  const foreign401 = AuthError.from(Object.assign(new Error('x'), { statusCode: 401 }), { token: 'client_assertion' })
  t.equal(foreign401.error, 'invalid_client')
  const scope = AuthError.from(new mcp.InsufficientScopeError('Insufficient scope'), { scope: 'files:read' })
  t.same([scope.error, scope.options.scope], ['insufficient_scope', 'files:read'])
  const shed = AuthError.from(Object.assign(new Error('x'), { statusCode: 503, headers: { 'retry-after': '9' } }))
  t.same([shed.error, shed.options.retryAfter], ['temporarily_unavailable', 9])
  const allow = AuthError.from(Object.assign(new Error('x'), { statusCode: 405, headers: { allow: 'GET' } }))
  t.same(allow.options.headers, { allow: 'GET' })
  for (const value of ['a string', null, 42, { message: 'object' }, new Proxy({}, { get () { throw new Error('trap') } })]) {
    const error = AuthError.from(value)
    t.equal(error.error, 'server_error', String(typeof value))
    t.equal(error.options.cause, value)
  }
})

t.test('AuthError.from thrown in a route is answered like the original would be', async t => {
  const app = Fastify()
  await app.register(authErrors)
  app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async () => {
    try {
      await jwtVerify(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(1).sign(key), key)
    } catch (error) {
      throw AuthError.from(error, { token: 'client_assertion' })
    }
  })
  const res = await app.inject({ method: 'POST', url: '/token' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'invalid_client', error_description: 'The client assertion expired' })
})

t.test('I1 S1 a status the plugin\'s own answer set is not taken: an onSend hook that throws while an error goes out is a server_error', async t => {
  const app = Fastify()
  await app.register(authErrors)
  let calls = 0
  app.addHook('onSend', async (_request, _reply, payload) => {
    if (++calls === 1) throw new Error('onSend failure')
    return payload
  })
  app.get('/', async (_request, reply) => reply.authError('invalid_grant'))
  const res = await app.inject('/')
  t.equal(res.statusCode, 500)
  t.equal(res.json().error, 'server_error')
})

t.test('D2 a Fastify validation error is 400 invalid_request with the validation message', async t => {
  const app = Fastify()
  await app.register(authErrors)
  app.post('/token', { schema: { body: { type: 'object', required: ['grant_type'], properties: { grant_type: { type: 'string' } } } } }, async () => ({ ok: true }))
  const res = await app.inject({ method: 'POST', url: '/token', payload: {} })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'invalid_request', error_description: 'body must have required property \'grant_type\'' })
})

t.test('I5 a fetch that could not reach its server is 503 temporarily_unavailable at warn; other TypeErrors stay server_error', async t => {
  const { app, logs, throwing } = await build()
  const cases: Array<[string, unknown, number]> = [
    ['refused', new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }), 503],
    ['refused on every address', new TypeError('fetch failed', { cause: Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {}) }), 503],
    ['unknown host', new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }), 503],
    ['an other cause', new TypeError('fetch failed', { cause: { code: 'ERR_INVALID_URL' } }), 500],
    ['no cause', new TypeError('fetch failed'), 500],
    ['another TypeError', new TypeError('x is not a function', { cause: { code: 'ECONNREFUSED' } }), 500]
  ]
  for (const [name, value, status] of cases) {
    throwing(value)
    logs.length = 0
    const res = await app.inject({ url: '/unmarked', headers: { authorization: 'Bearer t' } })
    t.equal(res.statusCode, status, name)
    t.equal(res.headers['www-authenticate'], undefined, `${name}: no challenge`)
    if (status === 503) {
      t.equal(res.json().error, 'temporarily_unavailable', name)
      t.notOk(logs.some(line => line.level >= 50), `${name}: not logged at error`)
    }
  }
})
