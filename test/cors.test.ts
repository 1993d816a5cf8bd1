import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import cors, { type FastifyCorsOptions } from '@fastify/cors'
import { chromium } from 'playwright-core'
import authErrors, { AuthError, type AuthErrorsRouteConfig } from '../lib/index.js'
import { challengeFor } from './helpers/auth-params.js'

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown

const ORIGIN = 'https://app.example.com'

async function corsApp (corsOptions: FastifyCorsOptions | undefined, handler: Handler, config: AuthErrorsRouteConfig = { endpoint: 'resource' }) {
  const app = Fastify()
  if (corsOptions !== undefined) await app.register(cors, corsOptions)
  await app.register(authErrors, { schemes: ['Bearer', 'DPoP'] })
  app.route({ method: ['GET', 'POST'], url: '/', config: { authErrors: config }, handler })
  return app
}

const challengeOnly: Handler = (_request, reply) => reply.authError('invalid_token')
const challengeAndNonce: Handler = (_request, reply) => reply.authError('use_dpop_nonce', { dpopNonce: 'n-1' })

t.test('F5 without exposedHeaders in @fastify/cors, the plugin lists what it sets', async t => {
  const cases: Array<[Handler, AuthErrorsRouteConfig, string | undefined]> = [
    [challengeOnly, { endpoint: 'resource' }, 'WWW-Authenticate'],
    [challengeAndNonce, { endpoint: 'resource' }, 'WWW-Authenticate, DPoP-Nonce'],
    [challengeAndNonce, { endpoint: 'token' }, 'DPoP-Nonce'],
    [(_request, reply) => reply.authChallenge(), { endpoint: 'resource' }, 'WWW-Authenticate'],
    [(_request, reply) => reply.authChallenge({ schemes: ['DPoP'], dpopNonce: 'n-2' }), { endpoint: 'resource' }, 'WWW-Authenticate, DPoP-Nonce'],
    [() => { throw new AuthError('insufficient_scope', { scope: 'a' }) }, { endpoint: 'resource' }, 'WWW-Authenticate'],
    [(_request, reply) => reply.authError('invalid_grant'), { endpoint: 'token' }, undefined]
  ]
  for (const [handler, config, expected] of cases) {
    const app = await corsApp({ origin: ORIGIN }, handler, config)
    const res = await app.inject({ method: 'POST', url: '/', headers: { origin: ORIGIN, authorization: 'DPoP t' } })
    t.equal(res.headers['access-control-allow-origin'], ORIGIN)
    t.equal(res.headers['access-control-expose-headers'], expected, `${config.endpoint} ${res.statusCode}`)
  }
})

t.test('F5 merged with @fastify/cors exposedHeaders: appended, never duplicated, never overwritten', async t => {
  const cases: Array<[FastifyCorsOptions['exposedHeaders'], Handler, string]> = [
    ['X-Request-Id', challengeOnly, 'X-Request-Id, WWW-Authenticate'],
    [['X-Request-Id', 'X-Rate-Limit'], challengeAndNonce, 'X-Request-Id, X-Rate-Limit, WWW-Authenticate, DPoP-Nonce'],
    [['X-A', 'www-authenticate'], challengeOnly, 'X-A, www-authenticate'],
    [['X-A', 'www-authenticate'], challengeAndNonce, 'X-A, www-authenticate, DPoP-Nonce'],
    ['WWW-Authenticate,DPoP-Nonce', challengeAndNonce, 'WWW-Authenticate,DPoP-Nonce'],
    [['DPOP-NONCE', ' Www-Authenticate '], challengeAndNonce, 'DPOP-NONCE,  Www-Authenticate '],
    ['*', challengeAndNonce, '*, WWW-Authenticate, DPoP-Nonce']
  ]
  for (const [exposedHeaders, handler, expected] of cases) {
    const app = await corsApp({ origin: ORIGIN, exposedHeaders }, handler)
    const res = await app.inject({ url: '/', headers: { origin: ORIGIN, authorization: 'Bearer t' } })
    t.equal(res.headers['access-control-expose-headers'], expected, JSON.stringify(exposedHeaders))
    t.equal(res.headers['access-control-allow-origin'], ORIGIN)
  }
})

t.test('F5 a list the application set as an array is kept and merged into one field', async t => {
  const cases: Array<[string[], string]> = [
    [['X-A', 'X-B'], 'X-A, X-B, WWW-Authenticate'],
    [['X-A', 'WWW-Authenticate'], 'X-A, WWW-Authenticate'],
    [[], 'WWW-Authenticate']
  ]
  for (const [list, expected] of cases) {
    const app = await corsApp(undefined, (_request, reply) => reply.header('Access-Control-Expose-Headers', list).authError('invalid_token'))
    const res = await app.inject({ url: '/', headers: { authorization: 'Bearer t' } })
    t.equal(res.headers['access-control-expose-headers'], expected, JSON.stringify(list))
  }
  const viaOption = await corsApp(undefined, (_request, reply) => reply.authError('invalid_token', { headers: { 'Access-Control-Expose-Headers': 'X-Trace' } }))
  const res = await viaOption.inject({ url: '/', headers: { authorization: 'Bearer t' } })
  t.equal(res.headers['access-control-expose-headers'], 'X-Trace, WWW-Authenticate', 'the headers option is merged too')
})

t.test('F5 @fastify/cors with a later hook still runs before the handler, so the merge holds', async t => {
  for (const hook of ['preParsing', 'preValidation', 'preHandler'] as const) {
    const app = await corsApp({ origin: ORIGIN, exposedHeaders: 'X-Request-Id', hook }, challengeAndNonce)
    const res = await app.inject({ url: '/', headers: { origin: ORIGIN, authorization: 'DPoP t' } })
    t.equal(res.headers['access-control-expose-headers'], 'X-Request-Id, WWW-Authenticate, DPoP-Nonce', hook)
  }
})

t.test('F5 a browser on another origin can read WWW-Authenticate and DPoP-Nonce', async t => {
  const api = await corsApp({ origin: true, exposedHeaders: ['X-Request-Id'] }, challengeAndNonce)
  await api.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => api.close())
  const page = Fastify()
  page.get('/', async (_request, reply) => reply.type('text/html').send('<!doctype html><title>client</title>'))
  await page.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => page.close())
  const apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/`
  const pageUrl = `http://127.0.0.1:${(page.server.address() as AddressInfo).port}/`

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']
  })
  t.teardown(() => browser.close())
  const tab = await browser.newPage()
  await tab.goto(pageUrl)
  const seen = await tab.evaluate(async (url: string) => {
    const res = await fetch(url, { headers: { authorization: 'DPoP t', dpop: 'proof' } })
    return { status: res.status, challenge: res.headers.get('www-authenticate'), nonce: res.headers.get('dpop-nonce') }
  }, apiUrl)
  t.equal(seen.status, 401)
  t.equal(seen.nonce, 'n-1')
  t.equal(challengeFor(String(seen.challenge), 'DPoP').params.error, 'use_dpop_nonce')
})

t.test('F5 @fastify/cors as its README registers it: CORS headers on every kind of error response; Vary keeps Origin', async t => {
  const handlers: Handler[] = [
    challengeOnly,
    (_request, reply) => reply.authChallenge(),
    () => { throw new AuthError('invalid_scope') },
    (_request, reply) => reply.authRedirect('access_denied', { redirectUri: undefined })
  ]
  for (const handler of handlers) {
    const app = await corsApp({ origin: ORIGIN }, handler)
    const res = await app.inject({ method: 'POST', url: '/', headers: { origin: ORIGIN, authorization: 'Bearer t', accept: 'text/html' } })
    t.equal(res.headers['access-control-allow-origin'], ORIGIN, `${res.statusCode}: CORS headers`)
  }
  const app = Fastify()
  await app.register(cors, { origin: ORIGIN })
  await app.register(authErrors)
  app.addHook('preHandler', async () => { throw new AuthError('invalid_token') })
  app.get('/guarded', async () => 'never')
  const guarded = await app.inject({ url: '/guarded', headers: { origin: ORIGIN, authorization: 'Bearer t' } })
  t.equal(guarded.statusCode, 401)
  t.equal(guarded.headers['access-control-allow-origin'], ORIGIN, 'an error thrown in an authentication hook still gets CORS headers')
  // A reflected origin makes @fastify/cors send Vary: Origin; the direct answer adds Accept to it.
  const refused = await corsApp({ origin: true }, (_request, reply) => reply.authRedirect('access_denied', { redirectUri: undefined }))
  const page = await refused.inject({ url: '/', headers: { origin: ORIGIN, accept: 'text/html' } })
  t.match(String(page.headers.vary), /Origin/, 'the refused redirect keeps @fastify/cors\'s Vary: Origin')
  t.match(String(page.headers.vary), /Accept/)
})
