/**
 * Property tests: every sender of the plugin, fed arbitrary strings (full Unicode with lone
 * surrogates, controls, quotes, backslashes, markup, 0-64 kB) and the error handler fed
 * arbitrary thrown values. Each response must be sent, carry headers Node accepts, have a
 * body that validates against the plugin's own schema, keep the B1-B3 charsets, and never
 * carry a raw CR/LF in a header or input-made markup in HTML (test/properties/checks.ts).
 *
 * `PROPS_RUNS` sets the runs per property (200 by default; `npm run test:props` runs 10,000),
 * `PROPS_SEED` replays a seed. The seed is printed at the start and by fast-check on failure.
 */
import t from 'tap'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify'
import authErrors, { AuthErrorsConfigError, isAuthError, presets, type AuthErrorCode, type AuthErrorsOptions } from '../lib/index.js'
import { PARAMS, RUNS, SEED, anyCode, hostileAccept, hostileOptions, hostileScope, hostileString, looseString, makeThrown, thrownCase, type ThrownCase } from './properties/arbitraries.js'
import { parseChallenges } from './helpers/auth-params.js'
import { checkResponse, type Expectation, type SeenResponse } from './properties/checks.js'

interface LogLine { level: number, msg: string, [key: string]: unknown }

const REALM = 'api "quoted" \\ realm'
const ISSUER = 'https://as.example.com'
const SAFE_REDIRECTS = [
  'https://client.example.com/cb',
  'https://client.example.com/cb?tenant=a%20b&x=1',
  'https://client.example.com/cb?x=1&',
  'http://127.0.0.1:8080/cb?',
  'http://[::1]:3000/cb',
  'com.example.app:/oauth2redirect'
]
const HANG_LIMIT_MS = 5000

t.comment(`fast-check seed ${SEED}, ${RUNS} runs per property (PROPS_SEED=${SEED} PROPS_RUNS=${RUNS} to replay)`)

/** Whatever a route does on the next request: the property sets it, then injects. */
let act: (reply: import('fastify').FastifyReply) => unknown = () => undefined
let thrown: unknown

async function build (options: AuthErrorsOptions): Promise<{ app: FastifyInstance, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } } } })
  await app.register(authErrors, options)
  const handler = (_request: unknown, reply: import('fastify').FastifyReply): unknown => act(reply)
  app.route({ method: ['GET', 'POST'], url: '/token', config: { authErrors: { endpoint: 'token' } }, handler })
  app.route({ method: ['GET', 'POST'], url: '/resource', config: { authErrors: { endpoint: 'resource' } }, handler })
  app.route({ method: ['GET', 'POST'], url: '/authorize', config: { authErrors: { endpoint: 'authorization' } }, handler })
  app.route({ method: ['GET', 'POST'], url: '/plain', handler })
  app.get('/throw/sync', () => { throw thrown })
  app.get('/throw/async', async () => { throw thrown })
  app.get('/throw/hook', { preHandler: async () => { throw thrown } }, async () => 'unreachable')
  await app.ready()
  return { app, logs }
}

const plain = await build({ realm: REALM, issuer: ISSUER, errorUri: 'https://docs.example.com/errors' })
const detailed = await build({ realm: REALM, issuer: ISSUER, exposeDetails: true, format: 'negotiate', schemes: ['Bearer', 'DPoP'], algs: ['ES256'] })
t.teardown(async () => {
  await plain.app.close()
  await detailed.app.close()
})

/** Injects, failing (instead of hanging) when no response comes within the limit. */
async function within (app: FastifyInstance, options: InjectOptions): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('no response: the request hangs')), HANG_LIMIT_MS) })
  try {
    return await Promise.race([app.inject(options), hang])
  } finally {
    clearTimeout(timer)
  }
}

function seen (response: LightMyRequestResponse): SeenResponse {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body }
}

/** An Authorization header value a client can send (header-safe), or none. */
const authorization = fc.oneof(
  fc.constantFrom(undefined, 'Bearer abc.def', 'DPoP abc.def', 'Basic Y2xpZW50OnNlY3JldA==', 'bearer', 'Foo bar'),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map(text => text.replace(/[^\x20-\x7e]/g, '').trim())
)
/** A status option: mostly none, sometimes a valid one, sometimes a misuse. */
const statusOption = fc.option(fc.oneof(fc.integer({ min: 400, max: 599 }), fc.constantFrom(99, 600, Number.NaN, 401.5, -1)), { nil: undefined, freq: 3 })
const formatOption = fc.constantFrom(undefined, 'oauth', 'problem', 'negotiate')

function headersOf (auth: string | undefined, accept: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {}
  if (auth !== undefined && auth !== '') headers.authorization = auth
  if (accept !== undefined && accept !== '') headers.accept = accept
  return headers
}

t.test('B1 B2 B3 D1 D2 S4 H3 reply.authError at the token endpoint keeps every response valid, whatever the input', async () => {
  await fc.assert(fc.asyncProperty(
    fc.boolean(), anyCode, hostileOptions, statusOption, formatOption, authorization, hostileAccept,
    async (details, code, options, status, format, auth, accept) => {
      const { app } = details ? detailed : plain
      act = reply => reply.authError(code as AuthErrorCode, { ...options, status, format } as never)
      const response = await within(app, { method: 'POST', url: '/token', headers: headersOf(auth, accept) })
      checkResponse(seen(response), { realm: REALM })
      if (!details && response.body !== '') {
        const body = response.json() as Record<string, unknown>
        assert.ok(body.error_hint === undefined && body.hint === undefined && body.error_debug === undefined, 'H3 no hint or debug unless exposed')
      }
    }), PARAMS)
})

t.test('E1 E2 E3 E6 F1 G1 reply.authError on a resource route: strict challenges for any input', async () => {
  await fc.assert(fc.asyncProperty(
    fc.boolean(), anyCode, hostileOptions, statusOption, authorization,
    fc.record({
      schemes: fc.constantFrom(undefined, ['Bearer'], ['DPoP'], ['Bearer', 'DPoP'], ['Basic'], []),
      algs: fc.option(fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })), { nil: undefined }),
      acrValues: fc.option(fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })), { nil: undefined }),
      maxAge: fc.option(fc.oneof(fc.nat(), fc.double()), { nil: undefined }),
      dpopNonce: fc.option(hostileString, { nil: undefined })
    }, { requiredKeys: [] }),
    async (details, code, options, status, auth, challenge) => {
      const { app } = details ? detailed : plain
      act = reply => reply.authError(code as AuthErrorCode, { ...options, ...challenge, status } as never)
      const response = await within(app, { method: 'GET', url: details ? '/resource' : '/plain', headers: headersOf(auth, undefined) })
      checkResponse(seen(response), { realm: REALM })
    }), PARAMS)
})

t.test('H1 H2 problem details keep type, status, detail and instance valid for any input', async () => {
  await fc.assert(fc.asyncProperty(
    anyCode, hostileOptions, statusOption, hostileAccept, fc.constantFrom('/plain', '/resource', '/token'),
    async (code, options, status, accept, url) => {
      act = reply => reply.authError(code as AuthErrorCode, { ...options, status, format: 'problem' } as never)
      const response = await within(detailed.app, { method: 'GET', url, headers: headersOf(undefined, accept) })
      checkResponse(seen(response), { realm: REALM })
      const misuse = status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)
      if (!misuse && code !== 'use_dpop_nonce' && response.body !== '') {
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/, 'H2 a call that asks for problem gets it')
      }
    }), PARAMS)
})

t.test('E4 E6 F1 reply.authChallenge: any scope, algs and nonce give a strict bare challenge or a safe refusal', async () => {
  await fc.assert(fc.asyncProperty(
    fc.boolean(),
    fc.record({
      scope: hostileScope,
      schemes: fc.constantFrom(undefined, ['Bearer'], ['DPoP'], ['Bearer', 'DPoP'], ['bogus']),
      algs: fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })),
      dpopNonce: hostileString
    }, { requiredKeys: [] }),
    async (details, options) => {
      const { app } = details ? detailed : plain
      act = reply => reply.authChallenge(options as never)
      const response = await within(app, { method: 'GET', url: '/plain' })
      checkResponse(seen(response), { realm: REALM })
      if (response.statusCode === 401) {
        assert.equal(response.body, '', 'E4 no body')
        for (const challenge of parseChallenges(String(response.headers['www-authenticate']))) {
          assert.equal(challenge.params.error, undefined, 'E4 no error in a bare challenge')
        }
      }
    }), PARAMS)
})

t.test('E2 E6 B3 B5 E7 any realm, errorUri, issuer or resourceMetadata is refused at registration or sent clean', async () => {
  await fc.assert(fc.asyncProperty(
    fc.record({
      realm: looseString,
      errorUri: fc.oneof(looseString, hostileString.map(text => (code: string) => code.length % 2 === 0 ? text : code + text)),
      issuer: fc.oneof(looseString, fc.constant(ISSUER)),
      resourceMetadata: fc.oneof(looseString, fc.constant('https://api.example.com/.well-known/oauth-protected-resource'))
    }, { requiredKeys: [] }),
    anyCode,
    async (options, code) => {
      const app = Fastify()
      try {
        try {
          await app.register(authErrors, options as AuthErrorsOptions)
        } catch (error) {
          if (!(error instanceof AuthErrorsConfigError)) throw error
          return // a bad option fails registration with the plugin's own config error
        }
        app.get('/r', (_request, reply) => reply.authError(code as AuthErrorCode))
        app.get('/a', (_request, reply) => reply.authRedirect(code as AuthErrorCode, { redirectUri: SAFE_REDIRECTS[0], state: 's' }))
        const realm = typeof options.realm === 'string' ? options.realm : 'api'
        for (const auth of [undefined, 'Bearer x']) {
          const response = await within(app, { method: 'GET', url: '/r', headers: headersOf(auth, undefined) })
          checkResponse(seen(response), { realm })
        }
        const redirected = await within(app, { method: 'GET', url: '/a' })
        checkResponse(seen(redirected), { realm, redirectUri: SAFE_REDIRECTS[0], state: 's' })
      } finally {
        await app.close()
      }
    }), PARAMS)
})

t.test('A1 A2 B4 B6 C1 C2 C3 reply.authRedirect: any state, description and uri stay exact or clean, in every mode', async () => {
  await fc.assert(fc.asyncProperty(
    fc.boolean(), anyCode, hostileOptions,
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SAFE_REDIRECTS) }, { weight: 1, arbitrary: hostileString }),
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(undefined, 'query', 'fragment', 'form_post') }, { weight: 1, arbitrary: hostileString }),
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(undefined, 'code', 'token', 'id_token', 'code id_token', 'none') }, { weight: 1, arbitrary: hostileString }),
    fc.constantFrom('GET', 'POST'), hostileAccept, statusOption,
    async (details, code, options, redirectUri, responseMode, responseType, method, accept, status) => {
      const { app, logs } = details ? detailed : plain
      logs.length = 0
      act = reply => reply.authRedirect(code as AuthErrorCode, { ...options, redirectUri, responseMode, responseType, status } as never)
      const response = await within(app, { method: method as 'GET', url: '/authorize', headers: headersOf(undefined, accept) })
      const expectation: Expectation = { realm: REALM, redirectUri, state: options.state }
      checkResponse(seen(response), expectation)
      const redirected = response.statusCode === 302 || response.statusCode === 303 || (response.statusCode === 200 && response.body.includes('<form'))
      if (!redirected) {
        assert.ok(response.statusCode >= 400 && response.statusCode < 500, 'A1 A3 a refused redirect is a direct 4xx, never a 500')
        // L1: at info when the request caused it (an unsupported mode), at warn for the application's misuse.
        assert.ok(logs.some(line => line.level >= 30 && typeof line.msg === 'string' && line.msg.includes('is answered directly')), 'A1 a refused redirect is logged')
      }
      if (response.statusCode === 302 || response.statusCode === 303) assert.equal(response.statusCode, method === 'GET' ? 302 : 303, 'A5')
    }), PARAMS)
})

/** The lines the plugin logged about the thrown value. */
function pluginLines (logs: LogLine[]): LogLine[] {
  return logs.filter(line => typeof line.msg === 'string' && line.msg.startsWith('fastify-auth-errors'))
}

t.test('S1 S2 H3 the error handler answers any thrown value with a valid auth error, logs it once, never hangs', async () => {
  await fc.assert(fc.asyncProperty(
    fc.boolean(), thrownCase, fc.constantFrom('sync', 'async', 'hook'), authorization,
    async (details, thrownCase, mode, auth) => {
      const { app, logs } = details ? detailed : plain
      logs.length = 0
      const value = makeThrown(thrownCase)
      thrown = value
      const response = await within(app, { method: 'GET', url: '/throw/' + mode, headers: headersOf(auth, undefined) })
      checkResponse(seen(response), { realm: REALM })
      if (response.statusCode === 200) throw new Error('a thrown value answered as a success')
      const errors = logs.filter(line => line.level >= 50)
      // I4: another library's 503 is load shedding, answered temporarily_unavailable and never logged at error.
      const shed = response.statusCode === 503 && !isAuthError(value) && response.json().error === 'temporarily_unavailable'
      if (shed) {
        if (errors.length !== 0) throw new Error(`I4 a foreign 503 is not logged at error, got ${errors.length}`)
      } else if (response.statusCode >= 500) {
        if (errors.length !== 1) throw new Error(`S1 a 5xx logs its original exactly once at error level, got ${errors.length}`)
        if (response.statusCode === 500 && !isAuthError(value)) {
          if (response.json().error !== 'server_error') throw new Error('S1 an unexpected value is server_error')
        }
      } else if (!isAuthError(value) && pluginLines(logs).length !== 1) {
        throw new Error(`a client error answered for a foreign value is logged once, got ${pluginLines(logs).length}`)
      }
    }), PARAMS)
})

/** One request over a real socket: Node's own HTTP parser reads the response. */
function overHttp (port: number, path: string, headers: Record<string, string>): Promise<SeenResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers, timeout: HANG_LIMIT_MS, maxHeaderSize: 1024 * 1024 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ statusCode: res.statusCode as number, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('no response over HTTP: the request hangs')))
    req.on('error', reject)
    req.end()
  })
}

t.test('E6 over a real HTTP connection on 127.0.0.1 every response parses with Node\'s HTTP client', async (t) => {
  const { app } = await build({ realm: REALM, issuer: ISSUER, exposeDetails: true, format: 'negotiate' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const port = (app.server.address() as AddressInfo).port
  const sender = fc.oneof(
    fc.tuple(fc.constant('/token'), anyCode, hostileOptions).map(([url, code, options]) => ({ url, act: (reply: import('fastify').FastifyReply) => reply.authError(code as AuthErrorCode, options as never), expectation: {} })),
    fc.tuple(fc.constant('/resource'), anyCode, hostileOptions).map(([url, code, options]) => ({ url, act: (reply: import('fastify').FastifyReply) => reply.authError(code as AuthErrorCode, options as never), expectation: {} })),
    fc.tuple(hostileScope).map(([scope]) => ({ url: '/plain', act: (reply: import('fastify').FastifyReply) => reply.authChallenge({ scope }), expectation: {} })),
    fc.tuple(anyCode, hostileOptions, fc.constantFrom(...SAFE_REDIRECTS), fc.constantFrom('query', 'fragment', 'form_post')).map(([code, options, redirectUri, responseMode]) => ({
      url: '/authorize',
      act: (reply: import('fastify').FastifyReply) => reply.authRedirect(code as AuthErrorCode, { ...options, redirectUri, responseMode } as never),
      expectation: { redirectUri, state: options.state }
    })),
    thrownCase.map(thrown => ({ url: '/throw/async', act: () => undefined, expectation: {}, thrown }))
  )
  await fc.assert(fc.asyncProperty(sender, hostileAccept, authorization, async (scenario, accept, auth) => {
    act = scenario.act
    const described = (scenario as { thrown?: ThrownCase }).thrown
    thrown = described === undefined ? undefined : makeThrown(described)
    const response = await overHttp(port, scenario.url, headersOf(auth, accept))
    checkResponse(response, { realm: REALM, ...scenario.expectation })
  }), PARAMS)
})

t.test('H2 with the 440 preset, protocol endpoints keep the RFC 6749 body; statusAt gives them a standard 4xx', async () => {
  const preset = presets.authenticationApiProblems
  const protocolStatus = { token: 400, authorization: 400, par: 400, revocation: 400, introspection: 400, device: 400, backchannel: 400, registration: 400 }
  const fixed = Object.fromEntries(Object.entries(preset).map(([code, entry]) => [code, { ...entry, statusAt: protocolStatus }]))
  const apps = await Promise.all([preset, fixed].map(async (codes) => {
    const app = Fastify()
    await app.register(authErrors, { codes })
    for (const endpoint of [...Object.keys(protocolStatus), 'resource']) {
      app.get('/' + endpoint, { config: { authErrors: { endpoint: endpoint as 'token' } } }, (_request, reply) => act(reply))
    }
    await app.ready()
    return app
  }))
  t.teardown(() => Promise.all(apps.map(app => app.close())))
  await fc.assert(fc.asyncProperty(
    fc.boolean(), fc.constantFrom(...Object.keys(preset)), fc.constantFrom(...Object.keys(protocolStatus), 'resource'), hostileString,
    async (withStatusAt, code, endpoint, description) => {
      act = reply => reply.authError(code as AuthErrorCode, { description })
      const response = await within(apps[withStatusAt ? 1 : 0] as FastifyInstance, { method: 'GET', url: '/' + endpoint, headers: { authorization: 'Bearer t' } })
      checkResponse(seen(response), {})
      const body = response.json() as { error: string, code?: number }
      assert.equal(body.error, code, 'the literal is always in error')
      if (endpoint === 'resource') {
        assert.equal(response.statusCode, 440, 'the preset\'s 440 at an API resource')
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
        assert.equal(typeof body.code, 'number', 'the numeric code in the problem body')
      } else {
        assert.match(String(response.headers['content-type']), /^application\/json/, 'H2 RFC 6749 body at a protocol endpoint')
        const entry = (apps[withStatusAt ? 1 : 0] as FastifyInstance).authErrors.catalog[code]
        assert.equal(response.statusCode, withStatusAt ? 400 : entry?.statusAt?.[endpoint as 'token'] ?? 440, withStatusAt ? 'statusAt restores a standard status' : 'the preset alone keeps 440 (or the catalog\'s own status at that endpoint)')
      }
    }), PARAMS)
})
