// One event per error response (RULES L3), `reason` for operators only (L4), log levels an
// attacker cannot raise (L1), nothing secret in any log line (L2), late errors (S3).
import t from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import authErrors, { AUTH_ERROR_CHANNEL, AuthError, type AuthErrorEvent, type AuthErrorsOptions } from '../lib/index.js'

interface LogLine { level: number, msg: string, [key: string]: unknown }

async function build (options: AuthErrorsOptions = {}): Promise<{ app: FastifyInstance, logs: LogLine[], events: AuthErrorEvent[] }> {
  const logs: LogLine[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { logs.push(JSON.parse(String(chunk)) as LogLine); done() } })
  const app = Fastify({ logger: { level: 'trace', stream } })
  const events: AuthErrorEvent[] = []
  await app.register(authErrors, { issuer: 'https://as.example.com', onAuthError: (event) => { events.push(event) }, ...options })
  const redirectUri = 'https://client.example.com/cb'
  app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (_request, reply) => reply.authError('invalid_grant', { reason: 'code_expired', debug: 'row 17' }))
  app.get('/problem', { config: { authErrors: { format: 'problem' } } }, async (_request, reply) => reply.authError('invalid_request', { reason: 'bad_param' }))
  app.get('/challenge', async (_request, reply) => reply.authChallenge({ reason: 'no_token' }))
  app.get('/authorize', async (request, reply) => {
    const { mode, uri } = request.query as { mode?: string, uri?: string }
    return reply.authRedirect('access_denied', {
      redirectUri: uri === 'none' ? undefined : uri ?? redirectUri,
      responseMode: mode,
      state: 's1',
      clientId: 'client-1',
      reason: 'user_denied',
      jarm: { sign: async (claims) => 'eyJhbGciOiJub25lIn0.' + Buffer.from(JSON.stringify(claims)).toString('base64url') + '.c2ln' }
    })
  })
  app.get('/thrown', async () => { throw new AuthError('invalid_scope', { reason: 'scope_unknown' }) })
  app.get('/crash', async () => { throw new Error('the database password is hunter2') })
  app.get('/late', async (_request, reply) => {
    reply.send({ ok: true })
    reply.authError('invalid_grant')
    return reply
  })
  return { app, logs, events }
}

t.test('L3 one event per error response, one per delivery kind', async t => {
  const { app, events } = await build()
  const cases: Array<[string, string, Partial<AuthErrorEvent>]> = [
    ['POST', '/token', { code: 'invalid_grant', status: 400, endpoint: 'token', delivery: 'json', fault: 'client', reason: 'code_expired' }],
    ['GET', '/problem', { code: 'invalid_request', status: 400, delivery: 'problem', reason: 'bad_param' }],
    ['GET', '/challenge', { code: undefined, status: 401, delivery: 'challenge', reason: 'no_token' }],
    ['GET', '/authorize', { code: 'access_denied', status: 302, endpoint: 'authorization', delivery: 'redirect', reason: 'user_denied' }],
    ['GET', '/authorize?mode=form_post', { code: 'access_denied', status: 200, delivery: 'form_post' }],
    ['GET', '/authorize?mode=jwt', { code: 'access_denied', status: 302, delivery: 'jwt' }],
    ['GET', '/authorize?uri=none', { code: 'access_denied', status: 400, endpoint: 'authorization', delivery: 'json' }],
    ['GET', '/thrown', { code: 'invalid_scope', status: 400, reason: 'scope_unknown' }],
    ['GET', '/crash', { code: 'server_error', status: 500, fault: 'server' }],
    ['GET', '/nowhere', { code: 'invalid_request', status: 404, endpoint: 'token', delivery: 'json' }]
  ]
  for (const [method, url, expected] of cases) {
    events.length = 0
    const res = await app.inject({ method, url })
    t.equal(events.length, 1, `${url}: one event`)
    t.match(events[0], expected, `${url}: ${JSON.stringify(expected)}`)
    t.equal(events[0]?.reply.statusCode, res.statusCode, `${url}: the event's status is the response's`)
    t.equal(events[0]?.request.url, url)
    t.comment(`${url}: ${JSON.stringify({ ...events[0], request: undefined, reply: undefined, error: events[0]?.error === undefined ? undefined : String(events[0].error) })}`)
  }
  events.length = 0
  await app.inject({ url: '/authorize?uri=none', headers: { accept: 'text/html' } })
  t.match(events[0], { delivery: 'page', status: 400 }, 'the direct page')
  events.length = 0
  await app.inject('/thrown')
  t.ok(events[0]?.error instanceof AuthError, 'a thrown error is the event\'s error')
})

t.test('L3 the diagnostics_channel carries the same events; a subscriber alone turns them on', async t => {
  const { app } = await build({ onAuthError: undefined })
  const seen: AuthErrorEvent[] = []
  const listener = (message: unknown): void => { seen.push(message as AuthErrorEvent) }
  subscribe(AUTH_ERROR_CHANNEL, listener)
  await app.inject({ method: 'POST', url: '/token' })
  unsubscribe(AUTH_ERROR_CHANNEL, listener)
  await app.inject({ method: 'POST', url: '/token' })
  t.equal(seen.length, 1)
  t.match(seen[0], { code: 'invalid_grant', delivery: 'json', reason: 'code_expired' })
})

t.test('L3 a listener that throws is logged at warn and changes nothing in the response', async t => {
  const { app, logs } = await build({ onAuthError: () => { throw new Error('listener bug') } })
  const res = await app.inject({ method: 'POST', url: '/token' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'invalid_grant')
  t.ok(logs.some(line => line.level === 40 && line.msg.includes('listener threw') && line.code === 'invalid_grant'))
  await t.rejects(async () => { await Fastify().register(authErrors, { onAuthError: 'no' as never }) }, { code: 'FST_AUTH_ERRORS_INVALID_OPTION', message: /onAuthError must be a function/ })
})

t.test('L4 reason never reaches a response, whatever exposeDetails says', async t => {
  for (const exposeDetails of [false, true]) {
    const { app } = await build({ exposeDetails })
    for (const url of ['/problem', '/challenge', '/authorize', '/authorize?mode=form_post', '/thrown']) {
      const res = await app.inject(url)
      const wire = JSON.stringify(res.headers) + res.body
      for (const reason of ['bad_param', 'no_token', 'user_denied', 'scope_unknown']) t.notOk(wire.includes(reason), `${url} ${exposeDetails}: no ${reason}`)
    }
    const token = await app.inject({ method: 'POST', url: '/token' })
    t.notOk(token.body.includes('code_expired'), `exposeDetails ${exposeDetails}: no reason in the body`)
    t.equal(token.json().error_debug, exposeDetails ? 'row 17' : undefined, 'debug follows exposeDetails; reason does not')
  }
})

t.test('S3 an error sent after the reply is logged at warn naming the code, and not sent', async t => {
  const { app, logs, events } = await build()
  const res = await app.inject('/late')
  t.same(res.json(), { ok: true })
  t.ok(logs.some(line => line.level === 40 && line.code === 'invalid_grant' && line.msg.includes('invalid_grant was not sent')), 'warn names the code')
  t.equal(events.length, 0, 'no event: nothing was sent')
})

t.test('L1 levels: what a request caused at info or lower, misuse at warn, an unexpected 5xx at error once', async t => {
  const { app, logs } = await build()
  const levelsOf = async (url: string): Promise<number[]> => {
    logs.length = 0
    await app.inject(url)
    return logs.filter(line => typeof line.msg === 'string' && line.msg.startsWith('fastify-auth-errors')).map(line => line.level)
  }
  t.same(await levelsOf('/authorize?uri=none'), [30], 'no redirect URI (an unknown client): info')
  t.same(await levelsOf('/authorize?mode=bogus'), [30], 'an unsupported response mode: info')
  t.same(await levelsOf('/authorize?uri=javascript:alert(1)'), [40], 'an unsafe redirect URI the application passed: warn')
  logs.length = 0
  await app.inject('/crash')
  t.equal(logs.filter(line => line.level === 50).length, 1, 'one error line for an unexpected 5xx')
})

t.test('L2 no Authorization header, client secret, token or DPoP proof in any log line, at trace level', async t => {
  const { app, logs } = await build()
  const secrets = {
    basic: 'Basic ' + Buffer.from('client-1:very-secret-password').toString('base64'),
    bearer: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl',
    dpop: 'eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJQT1NUIn0.cHJvb2Y'
  }
  for (const url of ['/token', '/problem', '/challenge', '/thrown', '/crash', '/nowhere', '/authorize?uri=none', '/authorize?uri=javascript:x']) {
    for (const authorization of [secrets.basic, secrets.bearer]) {
      await app.inject({ method: url === '/token' ? 'POST' : 'GET', url, headers: { authorization, dpop: secrets.dpop }, payload: url === '/token' ? { client_secret: 'very-secret-password', code: 'auth-code-abc' } : undefined })
    }
  }
  const everything = JSON.stringify(logs)
  t.ok(logs.length > 20, `${logs.length} log lines read`)
  for (const secret of ['very-secret-password', 'eyJhbGciOiJFUzI1NiJ9', 'cHJvb2Y', secrets.basic.slice(6), 'auth-code-abc']) {
    t.notOk(everything.includes(secret), `no ${secret.slice(0, 12)}... in the logs`)
  }
})

t.test('L1 debug and cause of a 4xx are logged at debug level, never above', async t => {
  const { app, logs } = await build()
  app.get('/caused', async (_request, reply) => reply.authError('invalid_grant', { cause: new Error('row 42 is gone') }))
  await app.inject({ method: 'POST', url: '/token' })
  const line = logs.find(entry => entry.code === 'invalid_grant' && entry.debug === 'row 17')
  t.equal(line?.level, 20, 'debug at debug level')
  logs.length = 0
  await app.inject('/caused')
  const caused = logs.find(entry => entry.code === 'invalid_grant' && typeof entry.err === 'object')
  t.equal(caused?.level, 20, 'the cause at debug level')
  t.match(JSON.stringify(caused?.err), /row 42 is gone/)
  t.notOk(logs.some(entry => entry.level > 30 && JSON.stringify(entry).includes('row 42')), 'never above info')
})

t.test('S2 a listener that throws a value the logger cannot read, and a cause it cannot read, are still logged and change nothing', async t => {
  const hostile = new Proxy({}, { get () { throw new Error('hostile') }, getPrototypeOf () { throw new Error('hostile') }, ownKeys () { throw new Error('hostile') } })
  const { app, logs } = await build({ onAuthError: () => { throw hostile } })
  app.get('/hostile-cause', async (_request, reply) => reply.authError('invalid_grant', { cause: hostile }))
  const res = await app.inject({ method: 'POST', url: '/token' })
  t.equal(res.statusCode, 400)
  t.ok(logs.some(line => line.level === 40 && line.msg.includes('listener threw')), 'logged at warn without the thrown value')
  const caused = await app.inject('/hostile-cause')
  t.equal(caused.statusCode, 400)
  t.ok(logs.some(line => line.level === 20 && line.msg.includes('details could not be logged')), 'the details line falls back')
})

t.test('S3 a bare challenge sent after the reply is logged at warn and not sent', async t => {
  const { app, logs, events } = await build()
  app.get('/late-challenge', async (_request, reply) => {
    reply.send({ ok: true })
    reply.authChallenge()
    return reply
  })
  const res = await app.inject('/late-challenge')
  t.same(res.json(), { ok: true })
  t.equal(res.headers['www-authenticate'], undefined)
  t.ok(logs.some(line => line.level === 40 && line.msg.includes('a challenge was not sent')))
  t.equal(events.length, 0)
})
