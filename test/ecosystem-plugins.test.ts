/**
 * The Fastify plugins of an OAuth stack, each registered as its README shows, next to
 * fastify-auth-errors: what they throw is answered with the OAuth error it means (RULES I1-I5),
 * and oauth4webapi, over real HTTP on 127.0.0.1, reads every answer.
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fastifyAuth from '@fastify/auth'
import basicAuth from '@fastify/basic-auth'
import jwt from '@fastify/jwt'
import rateLimit from '@fastify/rate-limit'
import sensible from '@fastify/sensible'
import underPressure from '@fastify/under-pressure'
import formbody from '@fastify/formbody'
import * as oauth from 'oauth4webapi'
import authErrors from '../lib/index.js'

interface LogLine { level: number, msg: string, [key: string]: unknown }
type Done = (error?: Error) => void

const insecure = { [oauth.allowInsecureRequests]: true }
const oauthClient: oauth.Client = { client_id: 'c1' }

/** An application with a log that the test reads, listening on 127.0.0.1. */
async function start (setup: (app: FastifyInstance) => Promise<void> | void): Promise<{ app: FastifyInstance, base: string, logs: LogLine[], as: oauth.AuthorizationServer }> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  await app.register(authErrors)
  await app.register(formbody)
  await setup(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  return { app, base, logs, as: { issuer: base, token_endpoint: `${base}/token` } }
}

/**
 * A resource answer as oauth4webapi reads it: protectedResourceRequest throws the challenges it
 * parsed, or returns the response. Without a token, its request goes out with no Authorization.
 */
async function resource (base: string, path: string, token?: string): Promise<{ status: number, challenges: Array<[string, Record<string, string>]> | undefined, response: Response }> {
  const anonymous = {
    [oauth.customFetch]: async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers)
      headers.delete('authorization')
      return await fetch(url, { ...init, headers })
    }
  }
  try {
    const response = await oauth.protectedResourceRequest(token ?? 'none', 'GET', new URL(path, base), undefined, undefined, token === undefined ? { ...insecure, ...anonymous } : insecure)
    return { status: response.status, challenges: undefined, response }
  } catch (err) {
    if (!(err instanceof oauth.WWWAuthenticateChallengeError)) throw err
    return { status: err.status, challenges: err.cause.map(c => [c.scheme, c.parameters] as [string, Record<string, string>]), response: err.response }
  }
}

/** A token endpoint answer as oauth4webapi reads it: the error it throws. */
async function token (as: oauth.AuthorizationServer, auth: oauth.ClientAuth): Promise<unknown> {
  const response = await oauth.clientCredentialsGrantRequest(as, oauthClient, auth, {}, insecure)
  return await oauth.processClientCredentialsResponse(as, oauthClient, response).catch((err: unknown) => err)
}

const errorLines = (logs: LogLine[]): LogLine[] => logs.filter(line => line.level >= 50)

t.test('I1 @fastify/auth: a strategy that fails is a 401, never a 500', async t => {
  const { base, logs } = await start(async app => {
    app
      .decorate('verifyJWTandLevel', function (_request: FastifyRequest, _reply: FastifyReply, done: Done) { done(new Error('token refused by the strategy at /srv/auth.js')) })
      .decorate('verifyUserAndPassword', function (_request: FastifyRequest, _reply: FastifyReply, done: Done) { done(new Error('no such user')) })
    await app.register(fastifyAuth)
    const strategies = app as unknown as Record<'verifyJWTandLevel' | 'verifyUserAndPassword', (request: FastifyRequest, reply: FastifyReply, done: Done) => void>
    app.route({
      method: 'GET',
      url: '/auth-multiple',
      preHandler: app.auth([strategies.verifyJWTandLevel, strategies.verifyUserAndPassword]),
      handler: async () => ({ hello: 'world' })
    })
  })
  const withToken = await resource(base, '/auth-multiple', 'at')
  t.equal(withToken.status, 401)
  t.same(withToken.challenges, [['bearer', { realm: 'api', error: 'invalid_token', error_description: 'The access token is invalid' }]], 'I2 invalid_token in the challenge')
  t.same(await withToken.response.json(), { error: 'invalid_token', error_description: 'The access token is invalid' })
  const without = await resource(base, '/auth-multiple')
  t.equal(without.status, 401)
  t.same(without.challenges, [['bearer', { realm: 'api' }]], 'E4 the bare challenge without credentials')
  t.equal(await without.response.text(), '')
  t.same(errorLines(logs), [], 'a client error is never logged at error')
  t.notMatch(JSON.stringify(logs.filter(line => line.level === 30 && /answered/.test(line.msg))), /"level":50/)
})

t.test('I2 @fastify/basic-auth at a token route: invalid_client 401 with the Basic challenge and a JSON body', async t => {
  const { as, base, logs } = await start(async app => {
    async function validate (username: string, password: string) {
      if (username !== 'c1' || password !== 'right') return new Error('Winter is coming')
    }
    await app.register(basicAuth, { validate, authenticate: { realm: 'Westeros' } })
    await app.register(sensible)
    app.after(() => {
      app.post('/token', { onRequest: app.basicAuth, config: { authErrors: { endpoint: 'token' } } }, async () => ({ access_token: 'at', token_type: 'bearer' }))
      app.post('/sensible', { config: { authErrors: { endpoint: 'token' } } }, async () => { throw app.httpErrors.unauthorized('no secret for you') })
    })
  })
  const wrong = await token(as, oauth.ClientSecretBasic('wrong'))
  t.ok(wrong instanceof oauth.WWWAuthenticateChallengeError, 'oauth4webapi reads the 401 challenge')
  const challenge = wrong as oauth.WWWAuthenticateChallengeError
  t.equal(challenge.status, 401)
  t.same(challenge.cause.map(c => [c.scheme, c.parameters]), [['basic', { realm: 'api', charset: 'UTF-8' }]], 'D3 the Basic challenge only, no Bearer')
  t.same(await challenge.response.json(), { error: 'invalid_client', error_description: 'Client authentication failed' })

  const post = await token(as, oauth.ClientSecretPost('right'))
  t.ok(post instanceof oauth.ResponseBodyError, 'no Authorization header: a body error')
  t.equal((post as oauth.ResponseBodyError).status, 400)
  t.equal((post as oauth.ResponseBodyError).error, 'invalid_client')
  t.equal((post as oauth.ResponseBodyError).response.headers.get('www-authenticate'), null, 'basic-auth\'s own Basic challenge is not left on a 400')

  t.equal(((await token(as, oauth.ClientSecretBasic('right'))) as { access_token?: string }).access_token, 'at', 'the right credentials pass')

  const sensibleAnswer = await token({ ...as, token_endpoint: `${base}/sensible` }, oauth.ClientSecretBasic('x')) as oauth.WWWAuthenticateChallengeError
  t.equal(sensibleAnswer.status, 401)
  t.same(sensibleAnswer.cause.map(c => c.scheme), ['basic'], 'httpErrors.unauthorized() at a token route: the Basic challenge')
  t.same(await sensibleAnswer.response.json(), { error: 'invalid_client', error_description: 'Client authentication failed' })
  t.same(errorLines(logs), [])
})

t.test('I4 @fastify/under-pressure: shed requests are 503 temporarily_unavailable with Retry-After, never logged at error', async t => {
  const { as, base, logs } = await start(async app => {
    await app.register(underPressure, { healthCheck: async () => false, healthCheckInterval: 60_000, retryAfter: 30 })
    app.get('/resource', async () => ({ ok: true }))
    app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async () => ({ access_token: 'at', token_type: 'bearer' }))
  })
  const shed = await resource(base, '/resource', 'at')
  t.equal(shed.status, 503)
  t.equal(shed.challenges, undefined, 'I3 a 503 carries no challenge, even with a Bearer token')
  t.equal(shed.response.headers.get('retry-after'), '30')
  t.equal(shed.response.headers.get('cache-control'), 'no-store')
  t.same(await shed.response.json(), { error: 'temporarily_unavailable', error_description: 'Service Unavailable' })
  const tokenAnswer = await token(as, oauth.ClientSecretPost('s'))
  // oauth4webapi parses error bodies of 4xx answers only: a 503 is "not a conform response", its Response the cause
  t.ok(tokenAnswer instanceof oauth.OperationProcessingError)
  const unavailable = (tokenAnswer as oauth.OperationProcessingError).cause as Response
  t.equal(unavailable.status, 503)
  t.equal(unavailable.headers.get('retry-after'), '30')
  t.equal(unavailable.headers.get('www-authenticate'), null)
  t.equal(((await unavailable.json()) as { error: string }).error, 'temporarily_unavailable')
  t.same(errorLines(logs), [], 'load shedding is not logged at error')
})

t.test('I4 httpErrors.serviceUnavailable() is 503 temporarily_unavailable; other 5xx stay server_error 500', async t => {
  const { base, logs } = await start(async app => {
    await app.register(sensible)
    app.get('/unavailable', async () => { throw app.httpErrors.createError(503, 'db down', { headers: { 'retry-after': '7' } }) })
    app.get('/bad-gateway', async () => { throw app.httpErrors.badGateway('upstream 10.0.0.3 refused') })
  })
  const unavailable = await resource(base, '/unavailable', 'at')
  t.equal(unavailable.status, 503)
  t.equal(unavailable.response.headers.get('retry-after'), '7', 'its Retry-After is kept')
  t.equal(((await unavailable.response.json()) as { error: string }).error, 'temporarily_unavailable')
  t.same(errorLines(logs), [])
  const gateway = await resource(base, '/bad-gateway', 'at')
  t.equal(gateway.status, 500)
  t.notMatch(await gateway.response.text(), /10\.0\.0\.3/)
  t.equal(errorLines(logs).length, 1, 'S1 an unexpected 5xx is logged once at error')
})

t.test('I3 @fastify/rate-limit: 429 keeps its status and Retry-After and carries no challenge', async t => {
  const { base, logs } = await start(async app => {
    await app.register(rateLimit, { max: 1, timeWindow: '1 minute' })
    app.get('/resource', async () => ({ ok: true }))
  })
  t.equal((await resource(base, '/resource', 'at')).status, 200)
  const limited = await resource(base, '/resource', 'at')
  t.equal(limited.status, 429)
  t.equal(limited.challenges, undefined, 'a rate limit is not an authentication failure')
  t.match(limited.response.headers.get('retry-after'), /^\d+$/)
  t.equal(limited.response.headers.get('x-ratelimit-limit'), '1')
  t.same(await limited.response.json(), { error: 'invalid_request', error_description: 'Too Many Requests' })
  t.same(errorLines(logs), [])
})

t.test('I3 @fastify/sensible: 404, 405 and 409 with a Bearer token keep their status, no challenge; a 405 keeps Allow', async t => {
  const { base } = await start(async app => {
    await app.register(sensible)
    app.get('/missing', async (_request, reply) => reply.notFound('record 42 not in table users'))
    app.get('/conflict', async () => { throw app.httpErrors.conflict() })
    app.get('/method', async () => { throw app.httpErrors.createError(405, 'nope', { headers: { allow: 'POST', 'www-authenticate': 'Bearer error="x"' } }) })
    app.get('/forbidden', async () => { throw app.httpErrors.forbidden() })
  })
  for (const [path, status, code] of [['/missing', 404, 'invalid_request'], ['/conflict', 409, 'invalid_request'], ['/method', 405, 'invalid_request'], ['/forbidden', 403, 'access_denied']] as const) {
    const answer = await resource(base, path, 'at')
    t.equal(answer.status, status, path)
    t.equal(answer.challenges, undefined, `${path}: no challenge`)
    const body = await answer.response.text()
    t.equal(JSON.parse(body).error, code, path)
    t.notMatch(body, /record 42|users/, `${path}: the message is not sent`)
    if (status === 405) t.equal(answer.response.headers.get('allow'), 'POST', 'the Allow header of the error is kept')
  }
})

t.test('S1 @fastify/jwt with a secret function that throws: server_error 500, never invalid_token', async t => {
  const { app, base, logs } = await start(async app => {
    await app.register(jwt, { secret: { private: 'a-private-key-that-is-long-enough-0', public: async () => { throw new Error('JWKS host unreachable') } }, sign: { algorithm: 'HS256' } })
    app.get('/resource', { onRequest: async (request) => { await request.jwtVerify() } }, async () => ({ ok: true }))
  })
  const answer = await resource(base, '/resource', app.jwt.sign({ sub: 'a' }))
  t.equal(answer.status, 500)
  t.equal(answer.challenges, undefined, 'no challenge: the client keeps its good token')
  t.notMatch(await answer.response.text(), /JWKS host/)
  t.equal(errorLines(logs).length, 1, '@fastify/jwt passes the application\'s own error on: logged once at error')
})

t.test('FST_ERR_BAD_URL through the frameworkErrors option and fastify.authErrors.handle: 400 invalid_request', async t => {
  const app: FastifyInstance = Fastify({ frameworkErrors: (error, request, reply) => app.authErrors.handle(error, request, reply) })
  await app.register(authErrors)
  app.get('/items/:id', async () => ({ ok: true }))
  const res = await app.inject({ url: '/items/%zz' })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['cache-control'], 'no-store')
  t.same(res.json(), { error: 'invalid_request', error_description: 'The request URL is malformed' })
  const plain = Fastify()
  plain.get('/items/:id', async () => ({ ok: true }))
  t.equal((await plain.inject({ url: '/items/%zz' })).json<{ code: string }>().code, 'FST_ERR_BAD_URL', 'without the option Fastify answers by itself')
})
