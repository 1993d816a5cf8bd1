import t from 'tap'
import Fastify from 'fastify'
import authErrors, { AuthErrorsConfigError, ConfigErrorCodes, type AuthErrorsOptions } from '../lib/index.js'
import { resolveOptions } from '../lib/options.js'

async function register (options: unknown): Promise<unknown> {
  const app = Fastify()
  try {
    await app.register(authErrors, options as AuthErrorsOptions)
    await app.ready()
    return undefined
  } catch (error) {
    return error
  } finally {
    await app.close()
  }
}

t.test('bad options fail at registration with a clear error naming the option', async t => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['realm with a line break', { realm: 'a\r\nb' }, ConfigErrorCodes.INVALID_REALM, /realm/],
    ['realm with non-ASCII', { realm: 'caf\u00e9' }, ConfigErrorCodes.INVALID_REALM, /realm/],
    ['empty realm', { realm: '' }, ConfigErrorCodes.INVALID_REALM, /realm/],
    ['http issuer', { issuer: 'http://as.example.com' }, ConfigErrorCodes.INVALID_ISSUER, /issuer must be an https URL/],
    ['issuer with a query', { issuer: 'https://as.example.com/?a=b' }, ConfigErrorCodes.INVALID_ISSUER, /issuer/],
    ['issuer with an empty query', { issuer: 'https://as.example.com/?' }, ConfigErrorCodes.INVALID_ISSUER, /issuer/],
    ['issuer with a fragment', { issuer: 'https://as.example.com/#x' }, ConfigErrorCodes.INVALID_ISSUER, /issuer/],
    ['issuer with an empty fragment', { issuer: 'https://as.example.com#' }, ConfigErrorCodes.INVALID_ISSUER, /issuer/],
    ['issuer that is not a URL', { issuer: 'as.example.com' }, ConfigErrorCodes.INVALID_ISSUER, /issuer/],
    ['issuer that is not a string', { issuer: 42 }, ConfigErrorCodes.INVALID_ISSUER, /issuer/],
    ['unknown format', { format: 'xml' }, ConfigErrorCodes.INVALID_FORMAT, /format/],
    ['errorUri with a space', { errorUri: 'https://x.example/a b' }, ConfigErrorCodes.INVALID_ERROR_URI, /errorUri/],
    ['errorUri of the wrong type', { errorUri: 3 }, ConfigErrorCodes.INVALID_ERROR_URI, /errorUri/],
    ['http resource metadata', { resourceMetadata: 'http://api.example.com/.well-known/oauth-protected-resource' }, ConfigErrorCodes.INVALID_RESOURCE_METADATA, /resourceMetadata/],
    ['resource metadata with a quote', { resourceMetadata: 'https://api.example.com/"' }, ConfigErrorCodes.INVALID_RESOURCE_METADATA, /resourceMetadata/],
    ['unknown scheme', { schemes: ['Basic'] }, ConfigErrorCodes.INVALID_SCHEMES, /schemes/],
    ['scheme that is not a string', { schemes: [42] }, ConfigErrorCodes.INVALID_SCHEMES, /got 42/],
    ['realm that is a function', { realm: () => 'api' }, ConfigErrorCodes.INVALID_REALM, /got a function/],
    ['empty schemes', { schemes: [] }, ConfigErrorCodes.INVALID_SCHEMES, /empty/],
    ['algs with a space inside a name', { algs: ['ES 256'] }, ConfigErrorCodes.INVALID_ALGS, /algs/],
    ['empty algs', { algs: '' }, ConfigErrorCodes.INVALID_ALGS, /algs/],
    ['exposeDetails not a boolean', { exposeDetails: 'yes' }, ConfigErrorCodes.INVALID_OPTION, /exposeDetails/],
    ['codes not an object', { codes: [] }, ConfigErrorCodes.INVALID_CODES, /codes must be an object/],
    ['code outside the B1 charset', { codes: { 'bad"code': { status: 400, description: 'x' } } }, ConfigErrorCodes.INVALID_CODES, /not a valid OAuth error code/],
    ['code entry not an object', { codes: { my_code: 'x' } }, ConfigErrorCodes.INVALID_CODES, /codes\.my_code must be an object/],
    ['status 200', { codes: { my_code: { status: 200, description: 'x' } } }, ConfigErrorCodes.INVALID_CODES, /codes\.my_code\.status must be an integer from 400 to 599/],
    ['status 600', { codes: { my_code: { status: 600, description: 'x' } } }, ConfigErrorCodes.INVALID_CODES, /status/],
    ['status not an integer', { codes: { my_code: { status: 400.5, description: 'x' } } }, ConfigErrorCodes.INVALID_CODES, /status/],
    ['new code without a description', { codes: { my_code: { status: 400 } } }, ConfigErrorCodes.INVALID_CODES, /codes\.my_code\.description/],
    ['description with a line break', { codes: { my_code: { status: 400, description: 'a\nb' } } }, ConfigErrorCodes.INVALID_CODES, /description/],
    ['description of 1 MB with a quote', { codes: { my_code: { status: 400, description: '"'.repeat(1024 * 1024) } } }, ConfigErrorCodes.INVALID_CODES, /description/],
    ['title with controls', { codes: { my_code: { status: 400, description: 'x', title: 'a\u0007' } } }, ConfigErrorCodes.INVALID_CODES, /title/],
    ['numeric code not an integer', { codes: { my_code: { status: 400, description: 'x', code: 1.5 } } }, ConfigErrorCodes.INVALID_CODES, /code must be a non-negative integer/],
    ['two codes with the same numeric code', { codes: { one: { status: 400, description: 'x', code: 7 }, two: { status: 400, description: 'y', code: 7 } } }, ConfigErrorCodes.INVALID_CODES, /codes\.two\.code 7 is already used by one/],
    ['bad statusAt.resource', { codes: { my_code: { status: 400, description: 'x', statusAt: { resource: 302 } } } }, ConfigErrorCodes.INVALID_CODES, /statusAt\.resource/],
    ['bad statusAt', { codes: { my_code: { status: 400, description: 'x', statusAt: { token: 200 } } } }, ConfigErrorCodes.INVALID_CODES, /statusAt\.token/],
    ['statusAt for an unknown endpoint', { codes: { my_code: { status: 400, description: 'x', statusAt: { nowhere: 400 } } } }, ConfigErrorCodes.INVALID_CODES, /statusAt\.nowhere/],
    ['statusAt not an object', { codes: { my_code: { status: 400, description: 'x', statusAt: 3 } } }, ConfigErrorCodes.INVALID_CODES, /statusAt/],
    ['bad entry format', { codes: { my_code: { status: 400, description: 'x', format: 'negotiate' } } }, ConfigErrorCodes.INVALID_CODES, /format/],
    ['unknown endpoint kind', { codes: { my_code: { status: 400, description: 'x', endpoints: ['nowhere'] } } }, ConfigErrorCodes.INVALID_CODES, /endpoints/],
    ['byStatus not an object', { codes: { my_code: { status: 400, description: 'x', byStatus: 'x' } } }, ConfigErrorCodes.INVALID_CODES, /byStatus/],
    ['byStatus with a bad status', { codes: { my_code: { status: 400, description: 'x', byStatus: { 200: { description: 'y' } } } } }, ConfigErrorCodes.INVALID_CODES, /byStatus key/],
    ['byStatus without a description', { codes: { my_code: { status: 400, description: 'x', byStatus: { 401: {} } } } }, ConfigErrorCodes.INVALID_CODES, /byStatus\.401\.description/],
    ['byStatus with a bad title', { codes: { my_code: { status: 400, description: 'x', byStatus: { 401: { description: 'y', title: '\n' } } } } }, ConfigErrorCodes.INVALID_CODES, /byStatus\.401\.title/]
  ]
  for (const [name, options, code, message] of cases) {
    const error = await register(options)
    t.type(error, AuthErrorsConfigError, name)
    t.type(error, TypeError, `${name} is a TypeError`)
    t.match(error, { code, message, name: 'AuthErrorsConfigError' }, name)
  }
})

t.test('no options at all resolve to the documented defaults', async t => {
  t.match(resolveOptions(undefined), { realm: 'api', format: 'oauth', schemes: ['Bearer'], exposeDetails: false, errorHandler: true, notFoundHandler: true, issuer: undefined })
})

t.test('E6 a realm with a quote or backslash is legal and escaped', async t => {
  const app = Fastify()
  await app.register(authErrors, { realm: 'my "api" \\ v2' })
  app.get('/r', async (_request, reply) => reply.authChallenge())
  const res = await app.inject('/r')
  t.equal(res.headers['www-authenticate'], 'Bearer realm="my \\"api\\" \\\\ v2"')
})

t.test('good options register: https issuer, schemes in any case, algs as a string, every format', async t => {
  for (const options of [
    undefined,
    { issuer: 'https://as.example.com', realm: 'x' },
    { issuer: 'https://as.example.com/tenant' },
    { schemes: ['bearer', 'DPOP', 'Bearer'] },
    { algs: 'ES256 PS256', schemes: 'DPoP' },
    { format: 'problem' },
    { format: 'negotiate' },
    { errorHandler: false, notFoundHandler: false, exposeDetails: true },
    { codes: { my_code: { status: 440, description: 'x', code: 1, statusAt: { resource: 401 }, byStatus: { 401: { description: 'y', title: 'Y' } }, endpoints: ['resource'], format: 'problem', title: 'Mine' } } }
  ]) {
    t.equal(await register(options), undefined, JSON.stringify(options))
  }
})

t.test('an errorUri function that throws is caught at registration: the code goes without error_uri, logged', async t => {
  const logs: Array<{ level: number, msg: string }> = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  await app.register(authErrors, {
    errorUri: (code) => {
      if (code === 'invalid_grant') throw new Error('no docs')
      return code === 'invalid_scope' ? undefined : `https://docs.example.com/${code}`
    }
  })
  app.get('/grant', async (_request, reply) => reply.authError('invalid_grant'))
  app.get('/scope', async (_request, reply) => reply.authError('invalid_scope'))
  app.get('/client', async (_request, reply) => reply.authError('unauthorized_client'))
  t.equal((await app.inject('/grant')).json().error_uri, undefined)
  t.equal((await app.inject('/scope')).json().error_uri, undefined)
  t.equal((await app.inject('/client')).json().error_uri, 'https://docs.example.com/unauthorized_client')
  t.equal(logs.filter(line => line.level === 40 && /errorUri threw/.test(line.msg)).length, 1)
})

t.test('call-site misuse throws a clear programming error', async t => {
  const app = Fastify()
  await app.register(authErrors, { errorHandler: false })
  const errors: unknown[] = []
  const attempt = (fn: () => unknown) => { try { fn() } catch (error) { errors.push(error) } }
  app.get('/', async (_request, reply) => {
    attempt(() => reply.authError('nope' as 'invalid_request'))
    attempt(() => reply.authError('invalid_request', { status: 200 }))
    attempt(() => reply.authError('invalid_request', { status: 'x' as unknown as number }))
    attempt(() => reply.authError('invalid_request', { retryAfter: -1 }))
    attempt(() => reply.authError('invalid_token', { maxAge: -5 }))
    attempt(() => reply.authError('invalid_token', { schemes: ['Basic' as 'Bearer'] }))
    attempt(() => reply.authError('invalid_token', { dpopNonce: 'bad\r\nnonce' }))
    attempt(() => reply.authError('invalid_token', { acrValues: ['a b'] }))
    attempt(() => reply.authChallenge({ algs: [''] }))
    return reply.authError('invalid_request')
  })
  const res = await app.inject({ url: '/', headers: { authorization: 'Bearer t' } })
  t.equal(res.statusCode, 400, 'the route still answers')
  t.equal(errors.length, 9)
  t.match(errors, [
    { code: ConfigErrorCodes.UNKNOWN_CODE, message: /unknown error code "nope"/ },
    { code: ConfigErrorCodes.INVALID_ARGUMENT, message: /status must be an integer from 400 to 599, got 200/ },
    { code: ConfigErrorCodes.INVALID_ARGUMENT, message: /status/ },
    { code: ConfigErrorCodes.INVALID_ARGUMENT, message: /retryAfter/ },
    { code: ConfigErrorCodes.INVALID_ARGUMENT, message: /maxAge/ },
    { code: ConfigErrorCodes.INVALID_SCHEMES, message: /schemes option/ },
    { code: ConfigErrorCodes.INVALID_ARGUMENT, message: /dpopNonce/ },
    { code: ConfigErrorCodes.INVALID_ARGUMENT, message: /acrValues/ },
    { code: ConfigErrorCodes.INVALID_ARGUMENT, message: /algs/ }
  ])
})

t.test('extra headers: valid ones are sent, invalid names or values are dropped', async t => {
  const app = Fastify()
  await app.register(authErrors)
  app.get('/', async (_request, reply) => reply.authError('invalid_request', {
    headers: { 'x-ok': 'yes', 'x-bad': 'a\r\nSet-Cookie: x=1', 'bad name': 'v', 'x-num': 5 as unknown as string }
  }))
  app.get('/null', async (_request, reply) => reply.authError('invalid_request', { headers: null as unknown as Record<string, string> }))
  const res = await app.inject('/')
  t.equal(res.headers['x-ok'], 'yes')
  t.equal(res.headers['x-bad'], undefined)
  t.equal(res.headers['set-cookie'], undefined)
  t.equal(res.headers['x-num'], undefined)
  t.equal((await app.inject('/null')).statusCode, 400)
})

t.test('an unknown option name fails at register, naming the closest known one', async t => {
  const typo = await register({ reaml: 'x' })
  t.ok(typo instanceof AuthErrorsConfigError)
  t.equal((typo as AuthErrorsConfigError).code, ConfigErrorCodes.UNKNOWN_OPTION)
  t.match((typo as Error).message, /unknown option "reaml"; did you mean realm\?/)
  const far = await register({ somethingElse: true })
  t.equal((far as AuthErrorsConfigError).code, ConfigErrorCodes.UNKNOWN_OPTION)
  t.notMatch((far as Error).message, /did you mean/, 'no guess when nothing is close')
  t.match((far as Error).message, /known: realm, issuer/)
  t.equal(await register({ realm: 'x', prefix: '/v1', logLevel: 'warn' }), undefined, "register's own options pass")
})

t.test('codes keys that reach prototype machinery, and getters, are refused at register', async t => {
  const parsed = JSON.parse('{"__proto__": {"status": 418, "description": "x"}}') as unknown
  const proto = await register({ codes: parsed })
  t.equal((proto as AuthErrorsConfigError).code, ConfigErrorCodes.INVALID_CODES)
  t.match((proto as Error).message, /codes has the key "__proto__", which is refused/)
  for (const key of ['constructor', 'prototype']) {
    const error = await register({ codes: { [key]: { status: 400, description: 'x' } } })
    t.match((error as Error).message, new RegExp(`codes has the key "${key}"`), key)
  }
  const hidden = Object.defineProperty({ my_code: { status: 400, description: 'x' } }, 'not_a_code', { enumerable: false, value: { status: 999 } })
  t.equal(await register({ codes: hidden }), undefined, 'a non-enumerable key is not part of the table')
  const getter = Object.defineProperty({}, 'my_code', { enumerable: true, get: () => ({ status: 400, description: 'x' }) })
  t.match((await register({ codes: getter }) as Error).message, /codes\.my_code is a getter/)
  const innerProto = JSON.parse('{"my_code": {"status": 400, "description": "x", "__proto__": {"challenge": true}}}') as unknown
  t.match((await register({ codes: innerProto }) as Error).message, /codes\.my_code has the key "__proto__"/)
  t.match((await register({ codes: { my_code: { status: 400, description: 'x', [Symbol('s')]: 1 } } }) as Error).message, /symbol key/)
  t.match((await register({ codes: { my_code: { status: 400, description: 'x', challenge: 'yes' } } }) as Error).message, /codes\.my_code\.challenge must be true or false/)
  const app = Fastify()
  await app.register(authErrors, { codes: parsed === null ? {} : { ok_code: { status: 400, description: 'x' } } })
  t.equal((app.authErrors.catalog as Record<string, unknown>).status, undefined, 'the catalog never gains a prototype')
})

t.test('I7 a registration conflict rejects register() with FST_AUTH_ERRORS_REGISTRATION_CONFLICT', async t => {
  const conflicts: Array<[string, (app: import('fastify').FastifyInstance) => void, RegExp, AuthErrorsOptions?]> = [
    ['a not-found handler already set', app => app.setNotFoundHandler((_request, reply) => reply.code(404).send()), /not-found handler/],
    ['a route at the reference prefix', app => app.get('/errors', async () => 'mine'), /GET route at the reference prefix \/errors/, { reference: true }],
    ['an OAuthError schema', app => app.addSchema({ $id: 'OAuthError', type: 'object' }), /schema with \$id OAuthError/],
    ['an authError reply decorator', app => app.decorateReply('authError' as never, null as never), /reply\.authError is already decorated/],
    ['registered twice', app => { app.decorate('authErrors' as never, null as never) }, /fastify\.authErrors is already decorated/]
  ]
  for (const [name, before, message, options] of conflicts) {
    const app = Fastify()
    before(app)
    await t.rejects(async () => { await app.register(authErrors, options ?? {}); await app.ready() }, { code: ConfigErrorCodes.REGISTRATION_CONFLICT, message }, name)
    await app.close().catch(() => {})
  }
  const off = Fastify()
  off.setNotFoundHandler((_request, reply) => reply.code(404).send('mine'))
  await off.register(authErrors, { notFoundHandler: false })
  t.equal((await off.inject('/nowhere')).body, 'mine', 'no conflict when the plugin installs no not-found handler')
})
