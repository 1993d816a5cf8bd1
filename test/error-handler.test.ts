import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import authErrors, { AuthError, type AuthErrorsOptions } from '../lib/index.js'

interface LogLine { level: number, msg: string, [key: string]: unknown }

async function build (options: AuthErrorsOptions = {}, setup?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  await app.register(authErrors, options)
  setup?.(app)
  await app.ready()
  return { app, logs }
}

const GENERIC = 'The server met an unexpected condition that prevented it from fulfilling the request.'

t.test('S1 a thrown Error becomes server_error with a generic description; the real error goes to the log only', async t => {
  const { app, logs } = await build({}, app => {
    app.get('/boom', async () => { throw new Error('secret database password in /srv/app/db.ts') })
  })
  const res = await app.inject({ method: 'GET', url: '/boom' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { error: 'server_error', error_description: GENERIC })
  t.notMatch(res.body, /secret|\/srv|db\.ts|\bat \//, 'nothing internal in the body')
  t.equal(res.headers['cache-control'], 'no-store')
  const errors = logs.filter(line => line.level === 50)
  t.equal(errors.length, 1, 'logged once')
  t.match(JSON.stringify(errors[0]), /secret database password/, 'the real error is in the log')
})

t.test('S1 5xx errors of other plugins and unknown statuses become server_error 500', async t => {
  const values: Array<[string, unknown]> = [
    ['502 error', Object.assign(new Error('upstream down'), { statusCode: 502 })],
    ['status 99', Object.assign(new Error('odd'), { statusCode: 99 })],
    ['status 600', Object.assign(new Error('odd'), { statusCode: 600 })],
    ['status NaN', Object.assign(new Error('odd'), { statusCode: Number.NaN })],
    ['status as a string', Object.assign(new Error('odd'), { statusCode: '401' })],
    ['status 200', Object.assign(new Error('odd'), { statusCode: 200 })]
  ]
  let thrown: unknown
  const { app, logs } = await build({}, app => {
    app.get('/throw', async () => { throw thrown })
  })
  for (const [name, value] of values) {
    thrown = value
    logs.length = 0
    const res = await app.inject({ method: 'GET', url: '/throw' })
    t.equal(res.statusCode, 500, name)
    t.same(res.json(), { error: 'server_error', error_description: GENERIC }, name)
    t.equal(logs.filter(line => line.level === 50).length, 1, `${name} logged once at error level`)
  }
})

t.test('S2 a thrown non-Error (string, null, undefined, number, symbol, object, Proxy, throwing getter) never crashes the handler', async t => {
  const hostile = new Proxy({}, { get () { throw new Error('trap') }, getPrototypeOf () { throw new Error('trap') } })
  const getter = Object.defineProperty({}, 'statusCode', { get () { throw new Error('getter') } })
  const circular = new Error('circular') as Error & { cause?: unknown }
  circular.cause = circular
  const values: Array<[string, unknown]> = [
    ['string', 'plain string'],
    ['null', null],
    ['undefined', undefined],
    ['number', 42],
    ['symbol', Symbol('s')],
    ['object', { message: 'object' }],
    ['Proxy', hostile],
    ['throwing getter', getter],
    ['circular cause', circular]
  ]
  let thrown: unknown
  const { app, logs } = await build({}, app => {
    app.get('/throw', () => Promise.reject(thrown))
  })
  for (const [name, value] of values) {
    thrown = value
    logs.length = 0
    const res = await app.inject({ method: 'GET', url: '/throw' })
    t.equal(res.statusCode, 500, name)
    t.equal(res.json().error, 'server_error', name)
    t.equal(logs.filter(line => line.level >= 50).length, 1, `${name} logged once`)
  }
})

t.test('S3 an error raised after the reply was sent is logged and not sent twice', async t => {
  const { app, logs } = await build({}, app => {
    app.get('/late', async (_request, reply) => {
      await reply.authError('invalid_request')
      app.authErrors.handle(new Error('late failure'), _request, reply)
      return reply
    })
  })
  const res = await app.inject({ method: 'GET', url: '/late' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'invalid_request', 'the first answer stands')
  const warnings = logs.filter(line => line.level === 40)
  t.equal(warnings.length, 1)
  t.match(warnings[0]?.msg, /after the reply was sent/)
})

t.test('S4 oversized descriptions are truncated to the documented limit', async t => {
  const { app } = await build({}, app => {
    app.get('/long', async (_request, reply) => reply.authError('invalid_request', { description: 'x'.repeat(1024 * 1024) }))
  })
  const res = await app.inject({ method: 'GET', url: '/long' })
  const description: string = res.json().error_description
  t.equal(description.length, 512)
  t.ok(description.endsWith('...'))
})

t.test('S5 sending an error never changes data the application stored', async t => {
  const stored = { description: 'Kept', scope: ['read', 'read', ''], headers: { 'x-trace': 'abc' } }
  const snapshot = JSON.stringify(stored)
  const error = new AuthError('insufficient_scope', stored)
  const { app } = await build({}, app => {
    app.get('/twice', async (_request, reply) => reply.authError(error))
  })
  for (let i = 0; i < 2; i++) {
    const res = await app.inject({ method: 'GET', url: '/twice', headers: { authorization: 'Bearer t' } })
    t.equal(res.statusCode, 403)
    t.equal(res.headers['x-trace'], 'abc')
  }
  t.equal(JSON.stringify(stored), snapshot, 'the options object is unchanged')
  t.ok(Object.isFrozen(error.options), 'an AuthError\'s options are frozen')
})

t.test('other plugins\' 4xx keep their status with a generic description; 401 without credentials is a bare challenge', async t => {
  const { app } = await build({}, app => {
    app.get('/teapot', async () => { throw Object.assign(new Error('internal words'), { statusCode: 418 }) })
    app.get('/limited', async (_request, reply) => {
      reply.header('retry-after', '10')
      throw Object.assign(new Error('Rate limit exceeded, retry in 10 seconds'), { statusCode: 429 })
    })
    app.get('/forbidden', async () => { throw Object.assign(new Error('no'), { status: 403 }) })
    app.get('/unauthorized', async () => { throw Object.assign(new Error('Unauthorized!'), { statusCode: 401 }) })
  })
  const teapot = await app.inject({ method: 'GET', url: '/teapot' })
  t.equal(teapot.statusCode, 418)
  t.same(teapot.json(), { error: 'invalid_request', error_description: 'I\'m a Teapot' })
  const limited = await app.inject({ method: 'GET', url: '/limited' })
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['retry-after'], '10', 'headers set before the error are kept')
  t.equal(limited.json().error_description, 'Too Many Requests')
  const forbidden = await app.inject({ method: 'GET', url: '/forbidden' })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().error, 'access_denied')
  const bare = await app.inject({ method: 'GET', url: '/unauthorized' })
  t.equal(bare.statusCode, 401)
  t.equal(bare.headers['www-authenticate'], 'Bearer realm="api"')
  t.equal(bare.body, '', 'no error code and no error text')
  const withToken = await app.inject({ method: 'GET', url: '/unauthorized', headers: { authorization: 'Bearer abc' } })
  t.equal(withToken.statusCode, 401)
  t.equal(withToken.json().error, 'invalid_token')
  t.notMatch(withToken.body, /Unauthorized!/)
})

t.test('an AuthError with a code missing from the catalog is a programming error answered as server_error', async t => {
  const { app, logs } = await build({}, app => {
    app.get('/unknown', async () => { throw new AuthError('not_registered' as 'invalid_request') })
  })
  const res = await app.inject({ method: 'GET', url: '/unknown' })
  t.equal(res.statusCode, 500)
  t.equal(res.json().error, 'server_error')
  t.match(JSON.stringify(logs.filter(line => line.level === 50)), /FST_AUTH_ERRORS_UNKNOWN_CODE/)
})

t.test('a server_error thrown as an AuthError keeps its description and logs its cause once', async t => {
  const { app, logs } = await build({}, app => {
    app.get('/wrapped', async () => { throw new AuthError('temporarily_unavailable', { cause: new Error('db pool exhausted'), retryAfter: 5 }) })
  })
  const res = await app.inject({ method: 'GET', url: '/wrapped' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.notMatch(res.body, /pool/, 'the cause is not in the body')
  const errors = logs.filter(line => line.level === 50)
  t.equal(errors.length, 1)
  t.match(JSON.stringify(errors[0]), /db pool exhausted/)
})

t.test('H3 hint, debug and cause reach the body only when exposeDetails is on', async t => {
  const route = (app: FastifyInstance): void => {
    app.get('/details', async () => { throw new AuthError('invalid_grant', { hint: 'Check the PKCE verifier', debug: 'verifier mismatch', cause: new Error('inner') }) })
    app.get('/cause', async () => { throw new AuthError('invalid_grant', { cause: new Error('inner "quoted"\nline') }) })
    app.get('/string-cause', async () => { throw new AuthError('invalid_grant', { cause: 'plain words' }) })
    app.get('/object-cause', async () => { throw new AuthError('invalid_grant', { cause: { secret: 1 } }) })
  }
  const closed = await build({}, route)
  const hidden = await closed.app.inject({ method: 'GET', url: '/details' })
  t.same(Object.keys(hidden.json()).sort(), ['error', 'error_description'])
  t.notMatch(hidden.body, /PKCE|verifier|inner/)
  const open = await build({ exposeDetails: true }, route)
  const shown = await open.app.inject({ method: 'GET', url: '/details' })
  t.equal(shown.json().error_hint, 'Check the PKCE verifier')
  t.equal(shown.json().error_debug, 'verifier mismatch')
  const cause = await open.app.inject({ method: 'GET', url: '/cause' })
  t.equal(cause.json().error_debug, 'inner "quoted"\nline', 'JSON-escaped, never raw')
  t.equal((await open.app.inject({ method: 'GET', url: '/string-cause' })).json().error_debug, 'plain words')
  t.equal((await open.app.inject({ method: 'GET', url: '/object-cause' })).json().error_debug, undefined, 'an object cause is never serialised')
})

t.test('errorHandler: false leaves Fastify\'s handler; fastify.authErrors.handle lets the application delegate', async t => {
  const app = Fastify()
  await app.register(authErrors, { errorHandler: false })
  app.setErrorHandler(function ownHandler (error, request, reply) {
    if ((error as Error).message === 'mine') return reply.code(418).send({ own: true })
    return app.authErrors.handle(error, request, reply)
  })
  app.get('/mine', async () => { throw new Error('mine') })
  app.get('/grant', async () => { throw new AuthError('invalid_grant') })
  app.get('/crash', async () => { throw new Error('secret') })
  t.same((await app.inject('/mine')).json(), { own: true })
  const grant = await app.inject('/grant')
  t.equal(grant.statusCode, 400)
  t.equal(grant.json().error, 'invalid_grant')
  const crash = await app.inject('/crash')
  t.equal(crash.json().error, 'server_error')

  const plain = Fastify()
  await plain.register(authErrors, { errorHandler: false })
  plain.get('/grant', async () => { throw new AuthError('invalid_grant') })
  const fallback = await plain.inject('/grant')
  t.equal(fallback.statusCode, 400, 'Fastify\'s default handler reads AuthError#statusCode')
})

t.test('errors of encapsulated contexts reach the handler too', async t => {
  const { app } = await build({}, app => {
    app.register(async child => {
      child.get('/child', async () => { throw new AuthError('access_denied') })
    }, { prefix: '/scoped' })
  })
  const res = await app.inject('/scoped/child')
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'access_denied')
})

t.test('a thrown AuthError is sent once, also when an async onSend hook finishes the reply later', async t => {
  let hookRuns = 0
  const { app } = await build({}, app => {
    app.addHook('onSend', async (_request, reply, payload) => {
      hookRuns++
      await new Promise(resolve => setTimeout(resolve, 20))
      reply.header('x-late', 'yes')
      return payload
    })
    app.post('/token', () => { throw new AuthError('invalid_grant', { description: 'The code expired' }) })
    app.post('/token-async', async () => { throw new AuthError('invalid_grant', { description: 'The code expired' }) })
  })
  for (const url of ['/token', '/token-async']) {
    const res = await app.inject({ method: 'POST', url })
    t.equal(res.statusCode, 400, url)
    t.equal(res.headers['x-late'], 'yes', `${url}: the hook's header is on the response`)
    t.same(res.json(), { error: 'invalid_grant', error_description: 'The code expired' })
  }
  t.equal(hookRuns, 2, 'one onSend per response')
})
