// The demo of examples/: every endpoint's errors, hostile input, and the happy paths that
// prove the checks are real. The demo imports the built package by its own name (dist/).
import t from 'tap'
import { createHash, webcrypto, type webcrypto as WebCrypto } from 'node:crypto'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import * as pkg from '../lib/index.js'
import { parseChallenges } from './helpers/auth-params.js'
import type { DemoModule, DpopModule } from './helpers/demo-types.js'

const root = join(import.meta.dirname, '..')
// The demo is plain JavaScript (JSDoc, // @ts-check), type-checked by `npm run typecheck` (the
// root tsconfig includes examples/*.js with checkJs; examples/tsconfig.json is the same check).
// It imports the package by its own name, which Node resolves to dist/. Under tap's TypeScript
// loader, code loaded from dist/ is reported as dist/ files (the source maps are not applied),
// so here the package name is pointed at lib/: the same code, measured against its sources.
// `npm start` below runs the demo on the built package, unchanged.
const { ACR_MFA, DEFAULT_ISSUER, buildDemo, defaultClients, settingsFromEnv } = await t.mockImport<DemoModule>('../examples/server.js', { 'fastify-auth-errors': pkg })
const { createDpop, thumbprint } = await t.mockImport<DpopModule>('../examples/dpop.js', { 'fastify-auth-errors': pkg })
// Every top-level await comes before the first t.test: a test registered after an await may find
// the file's root test already ended ("cannot create subtest after parent test ends"), and tap
// would report only the tests registered before it.
const esKeys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as WebCrypto.CryptoKeyPair
const otherKeys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as WebCrypto.CryptoKeyPair
const edKeys = await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as WebCrypto.CryptoKeyPair

const BASIC = 'Basic ' + Buffer.from('demo-confidential:demo-secret').toString('base64')
const PUBLIC_CB = 'http://127.0.0.1:8080/callback'
const CONFIDENTIAL_CB = 'https://client.example.test/cb'
const VERIFIER = 'a'.repeat(43) + '-verifier'
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url')

interface Demo {
  app: FastifyInstance
  clock: { now: number }
}

async function demo (options: Parameters<typeof buildDemo>[0] = {}): Promise<Demo> {
  const clock = { now: Date.UTC(2026, 0, 1) }
  const app = await buildDemo({ clock: () => clock.now, ...options })
  return { app, clock }
}

function form (app: FastifyInstance, url: string, fields: Record<string, string> | string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString()
  })
}

function token (app: FastifyInstance, fields: Record<string, string>, headers: Record<string, string> = { authorization: BASIC }): Promise<LightMyRequestResponse> {
  return form(app, '/token', fields, headers)
}

type Assert = Pick<typeof t, 'equal' | 'same' | 'notOk' | 'ok' | 'match'>

function expectError (t: Assert, res: LightMyRequestResponse, status: number, error: string, label: string): void {
  t.equal(res.statusCode, status, `${label}: status ${status}`)
  t.equal(res.json().error, error, `${label}: ${error}`)
  t.equal(res.headers['cache-control'], 'no-store', `${label}: no-store`)
}

function authorizeUrl (params: Record<string, string>): string {
  return '/authorize?' + new URLSearchParams(params).toString()
}

/** Runs the public client's authorization request and returns the code. */
async function codeFor (app: FastifyInstance, extra: Record<string, string> = {}): Promise<string> {
  const res = await app.inject(authorizeUrl({ client_id: 'demo-public', redirect_uri: PUBLIC_CB, response_type: 'code', code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 's1', ...extra }))
  const location = new URL(res.headers.location as string)
  return location.searchParams.get('code') as string
}

async function userTokens (app: FastifyInstance, extra: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Record<string, string>> {
  const code = await codeFor(app, extra)
  const res = await token(app, { grant_type: 'authorization_code', client_id: 'demo-public', code, redirect_uri: PUBLIC_CB, code_verifier: VERIFIER }, headers)
  return res.json()
}

// ---------------------------------------------------------------- DPoP proofs made by the test

function b64u (value: string | ArrayBuffer): string {
  return Buffer.from(typeof value === 'string' ? Buffer.from(value) : new Uint8Array(value)).toString('base64url')
}

interface ProofOptions {
  htm?: string
  htu?: string
  nonce?: string
  accessToken?: string
  iat?: number
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  alg?: 'ES256' | 'EdDSA'
}

let jtiCounter = 0

async function proof (keys: WebCrypto.CryptoKeyPair, now: number, options: ProofOptions = {}): Promise<string> {
  const alg = options.alg ?? 'ES256'
  const { kty, crv, x, y, n, e } = await webcrypto.subtle.exportKey('jwk', keys.publicKey)
  const header = { typ: 'dpop+jwt', alg, jwk: { kty, crv, x, y, n, e }, ...options.header }
  const claims: Record<string, unknown> = {
    jti: 'jti-' + String(++jtiCounter),
    htm: options.htm ?? 'POST',
    htu: options.htu ?? 'http://localhost:80/token',
    iat: options.iat ?? Math.floor(now / 1000),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...(options.accessToken === undefined ? {} : { ath: createHash('sha256').update(options.accessToken).digest('base64url') }),
    ...options.claims
  }
  const input = b64u(JSON.stringify(header)) + '.' + b64u(JSON.stringify(claims))
  const params = alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' }
  return input + '.' + b64u(await webcrypto.subtle.sign(params, keys.privateKey, Buffer.from(input)))
}

/** Gets the server's nonce (a use_dpop_nonce answer) and returns it. */
async function nonceOf (app: FastifyInstance, now: number): Promise<string> {
  const res = await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: await proof(esKeys, now) })
  return res.headers['dpop-nonce'] as string
}

// ---------------------------------------------------------------- settings and metadata

t.test('the demo settings come from the environment, with defaults', async t => {
  t.same(settingsFromEnv({}), { host: '127.0.0.1', port: 3000, issuer: DEFAULT_ISSUER, baseUrl: 'http://127.0.0.1:3000', logLevel: 'info' })
  t.same(settingsFromEnv({ HOST: '0.0.0.0', PORT: '0', HTTPS_ISSUER: 'https://id.example.org', LOG_LEVEL: 'warn' }),
    { host: '0.0.0.0', port: 0, issuer: 'https://id.example.org', baseUrl: undefined, logLevel: 'warn' })
  t.equal(settingsFromEnv({ PUBLIC_URL: 'https://demo.example.org' }).baseUrl, 'https://demo.example.org')
})

t.test('B5 the issuer comes from the option, else HTTPS_ISSUER, else the default, and reaches metadata and redirects', async t => {
  const saved = process.env.HTTPS_ISSUER
  t.teardown(() => { if (saved === undefined) delete process.env.HTTPS_ISSUER; else process.env.HTTPS_ISSUER = saved })
  delete process.env.HTTPS_ISSUER
  const plain = await buildDemo()
  t.equal((await plain.inject('/.well-known/oauth-authorization-server')).json().issuer, DEFAULT_ISSUER)
  process.env.HTTPS_ISSUER = 'https://env.example.org'
  const fromEnv = await buildDemo()
  t.equal((await fromEnv.inject('/.well-known/oauth-authorization-server')).json().issuer, 'https://env.example.org')
  const { app } = await demo({ issuer: 'https://option.example.org' })
  const res = await app.inject(authorizeUrl({ client_id: 'demo-public', redirect_uri: PUBLIC_CB, response_type: 'code', state: 'x' }))
  t.equal(new URL(res.headers.location as string).searchParams.get('iss'), 'https://option.example.org')
  await t.rejects(buildDemo({ issuer: 'http://as.example.org' }), { code: 'FST_AUTH_ERRORS_INVALID_ISSUER' }, 'an http issuer is refused (RFC 9207)')
})

t.test('E7 metadata documents and resource_metadata follow the public base URL', async t => {
  const { app } = await demo({ baseUrl: 'https://demo.example.org/', logger: { level: 'silent' } })
  const metadata = (await app.inject('/.well-known/oauth-authorization-server')).json()
  t.equal(metadata.token_endpoint, 'https://demo.example.org/token')
  t.equal(metadata.authorization_response_iss_parameter_supported, true)
  t.equal((await app.inject('/.well-known/oauth-protected-resource')).json().resource, 'https://demo.example.org/api')
  t.equal((await app.inject('/jwks.json')).json().keys[0].kid, 'demo-1')
  const challenge = (await app.inject('/api/me')).headers['www-authenticate'] as string
  t.match(challenge, 'resource_metadata="https://demo.example.org/.well-known/oauth-protected-resource"')
  const res = await app.inject({ url: '/api/me', headers: { authorization: 'Bearer nope' } })
  t.equal(res.json().error_uri, 'https://demo.example.org/errors#invalid_token', 'error_uri links the reference page')
  const local = await demo({ baseUrl: 'http://127.0.0.1:3000' })
  t.notMatch((await local.app.inject('/api/me')).headers['www-authenticate'], 'resource_metadata', 'RFC 9728 wants https: no resource_metadata on plain http')
  const derived = await demo()
  t.equal((await derived.app.inject('/.well-known/oauth-authorization-server')).json().token_endpoint, 'http://localhost:80/token', 'without a base URL, the request\'s origin')
  t.equal((await derived.app.inject('/errors')).statusCode, 200, 'the reference page is served')
})

// ---------------------------------------------------------------- token endpoint: hostile input

t.test('D2 hostile requests to the token endpoint get the right auth error and the server keeps serving', async t => {
  const { app } = await demo()
  expectError(t, await app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'application/json', authorization: BASIC }, payload: '{"grant_type":"client_credentials"}' }), 415, 'invalid_request', 'JSON body')
  expectError(t, await app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'text/plain' }, payload: 'x' }), 415, 'invalid_request', 'text body')
  expectError(t, await form(app, '/token', 'grant_type=client_credentials&x=' + 'a'.repeat(1024 * 1024), { authorization: BASIC }), 413, 'invalid_request', '1 MB body')
  expectError(t, await app.inject({ method: 'POST', url: '/token', headers: { authorization: BASIC } }), 400, 'invalid_request', 'no body')
  expectError(t, await token(app, {}), 400, 'invalid_request', 'no grant_type')
  expectError(t, await token(app, { grant_type: '' }), 400, 'invalid_request', 'an empty grant_type counts as absent')
  expectError(t, await form(app, '/token', 'grant_type=client_credentials&grant_type=client_credentials', { authorization: BASIC }), 400, 'invalid_request', 'a repeated parameter')
  expectError(t, await token(app, { grant_type: 'password' }), 400, 'unsupported_grant_type', 'password grant')
  expectError(t, await token(app, { grant_type: '__proto__' }), 400, 'unsupported_grant_type', 'a prototype key')
  expectError(t, await app.inject({ method: 'GET', url: '/token' }), 404, 'invalid_request', 'GET /token')
  const last = await token(app, { grant_type: 'client_credentials' })
  t.equal(last.statusCode, 200, 'a last good request succeeds')
  t.equal(last.json().token_type, 'Bearer')
  t.equal(last.headers['cache-control'], 'no-store')
})

t.test('D3 invalid_client: 401 with a Basic challenge for Basic, 400 without a challenge otherwise', async t => {
  const { app } = await demo()
  const basic = (id: string, secret: string): string => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64')
  for (const [label, authorization] of [
    ['wrong secret', basic('demo-confidential', 'wrong')],
    ['unknown client', basic('nobody', 'x')],
    ['a public client with Basic', basic('demo-public', 'x')],
    ['no colon', 'Basic ' + Buffer.from('demo-confidential').toString('base64')],
    ['not base64', 'Basic !!!'],
    ['a bad percent-escape', basic('demo%zz', 'x')]
  ] as const) {
    const res = await token(app, { grant_type: 'client_credentials' }, { authorization })
    expectError(t, res, 401, 'invalid_client', label)
    t.same(parseChallenges(res.headers['www-authenticate'] as string).map(c => c.scheme), ['Basic'], `${label}: Basic challenge`)
  }
  const mismatch = await token(app, { grant_type: 'client_credentials', client_id: 'demo-public' })
  expectError(t, mismatch, 401, 'invalid_client', 'a body client_id that differs from Basic')
  for (const [label, fields] of [
    ['wrong client_secret_post', { client_id: 'demo-confidential', client_secret: 'wrong' }],
    ['a confidential client without its secret', { client_id: 'demo-confidential' }],
    ['unknown client_id', { client_id: 'nobody' }],
    ['a public client sending a secret', { client_id: 'demo-public', client_secret: 'x' }],
    ['no client authentication', {}]
  ] as const) {
    const res = await token(app, { grant_type: 'client_credentials', ...fields }, {})
    expectError(t, res, 400, 'invalid_client', label)
    t.notOk(res.headers['www-authenticate'], `${label}: no challenge, so no browser login dialog`)
  }
  expectError(t, await token(app, { grant_type: 'client_credentials', client_secret: 'demo-secret' }), 400, 'invalid_request', 'two authentication methods')
  const post = await token(app, { grant_type: 'client_credentials', client_id: 'demo-confidential', client_secret: 'demo-secret' }, {})
  t.equal(post.statusCode, 200, 'client_secret_post works')
  const encoded = await token(app, { grant_type: 'client_credentials' }, { authorization: basic('demo-confidential', 'demo-secret') })
  t.equal(encoded.statusCode, 200, 'form-encoded Basic credentials are decoded')
})

t.test('D1 client_credentials: scope checks, unauthorized public client', async t => {
  const { app } = await demo()
  expectError(t, await token(app, { grant_type: 'client_credentials', scope: 'admin' }), 400, 'invalid_scope', 'unknown scope')
  expectError(t, await token(app, { grant_type: 'client_credentials', client_id: 'demo-public' }, {}), 400, 'unauthorized_client', 'public client')
  const ok = await token(app, { grant_type: 'client_credentials', scope: 'orders:read' })
  t.equal(ok.json().scope, 'orders:read')
  t.notOk(ok.json().refresh_token, 'no refresh token for client credentials')
  t.equal((await token(app, { grant_type: 'client_credentials' })).json().scope, 'openid profile orders:read reports:read payments:write', 'the default scope leaves the demo: switches out')
})

t.test('S1 D4 a crash is a generic 500 server_error, an overload a 503 with Retry-After', async t => {
  const logs: string[] = []
  const { app } = await demo({ logger: { level: 'error', stream: { write: (line: string) => { logs.push(line) } } } })
  const crash = await token(app, { grant_type: 'client_credentials', scope: 'demo:crash' })
  expectError(t, crash, 500, 'server_error', 'crash')
  t.notMatch(crash.body, 'simulated', 'the real error stays in the log')
  t.match(logs.join(''), 'simulated bug', 'the real error is logged')
  const busy = await token(app, { grant_type: 'client_credentials', scope: 'demo:busy' })
  expectError(t, busy, 503, 'temporarily_unavailable', 'busy')
  t.equal(busy.headers['retry-after'], '30')
  t.equal((await token(app, { grant_type: 'client_credentials' })).statusCode, 200, 'the server keeps serving')
})

// ---------------------------------------------------------------- authorization_code and refresh_token

t.test('D1 authorization_code with PKCE: a code works once; a replayed code is invalid_grant and revokes its tokens', async t => {
  const { app } = await demo()
  const code = await codeFor(app)
  const first = await token(app, { grant_type: 'authorization_code', client_id: 'demo-public', code, redirect_uri: PUBLIC_CB, code_verifier: VERIFIER }, {})
  t.equal(first.statusCode, 200)
  const issued = first.json()
  t.ok(issued.refresh_token)
  t.equal((await app.inject({ url: '/api/me', headers: { authorization: 'Bearer ' + issued.access_token } })).json().sub, 'alice')
  const replay = await token(app, { grant_type: 'authorization_code', client_id: 'demo-public', code, redirect_uri: PUBLIC_CB, code_verifier: VERIFIER }, {})
  expectError(t, replay, 400, 'invalid_grant', 'replayed code')
  t.match(replay.json().error_description, 'already used')
  const after = await app.inject({ url: '/api/me', headers: { authorization: 'Bearer ' + issued.access_token } })
  t.equal(after.statusCode, 401, 'the token issued from the replayed code is revoked (RFC 6749 4.1.2)')
  t.equal((await userTokens(app)).token_type, 'Bearer', 'a last good exchange succeeds')
})

t.test('D1 authorization_code checks: redirect_uri, PKCE, expiry, client binding', async t => {
  const { app, clock } = await demo()
  const exchange = (code: string, fields: Record<string, string>): Promise<LightMyRequestResponse> =>
    token(app, { grant_type: 'authorization_code', client_id: 'demo-public', code, redirect_uri: PUBLIC_CB, code_verifier: VERIFIER, ...fields }, {})
  expectError(t, await exchange(await codeFor(app), { redirect_uri: 'com.example.demo:/callback' }), 400, 'invalid_grant', 'another redirect_uri')
  expectError(t, await exchange(await codeFor(app), { code_verifier: 'b'.repeat(43) }), 400, 'invalid_grant', 'wrong code_verifier')
  expectError(t, await token(app, { grant_type: 'authorization_code', client_id: 'demo-public', code: await codeFor(app), redirect_uri: PUBLIC_CB }, {}), 400, 'invalid_grant', 'no code_verifier')
  expectError(t, await exchange('unknown', {}), 400, 'invalid_grant', 'unknown code')
  expectError(t, await token(app, { grant_type: 'authorization_code', code: await codeFor(app), redirect_uri: PUBLIC_CB, code_verifier: VERIFIER }), 400, 'invalid_grant', 'a code of another client')
  expectError(t, await token(app, { grant_type: 'authorization_code', client_id: 'demo-public' }, {}), 400, 'invalid_request', 'no code')
  const late = await codeFor(app)
  clock.now += 61_000
  expectError(t, await exchange(late, {}), 400, 'invalid_grant', 'expired code')

  // A confidential client may skip PKCE, but then may not send a verifier.
  const confidential = async (fields: Record<string, string>): Promise<LightMyRequestResponse> => {
    const res = await app.inject(authorizeUrl({ client_id: 'demo-confidential', redirect_uri: CONFIDENTIAL_CB, response_type: 'code' }))
    const code = new URL(res.headers.location as string).searchParams.get('code') as string
    return token(app, { grant_type: 'authorization_code', code, redirect_uri: CONFIDENTIAL_CB, ...fields })
  }
  expectError(t, await confidential({ code_verifier: VERIFIER }), 400, 'invalid_grant', 'a verifier without a challenge')
  t.equal((await confidential({})).statusCode, 200, 'a confidential client without PKCE')
})

t.test('D1 refresh_token: rotation, reuse, scope, key binding', async t => {
  const { app, clock } = await demo()
  const tokens = await userTokens(app)
  const refresh = (fields: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    token(app, { grant_type: 'refresh_token', client_id: 'demo-public', ...fields }, headers)
  expectError(t, await refresh({}), 400, 'invalid_request', 'no refresh_token')
  expectError(t, await refresh({ refresh_token: tokens.refresh_token as string, scope: 'orders:read admin' }), 400, 'invalid_scope', 'a wider scope')
  const narrowed = await refresh({ refresh_token: tokens.refresh_token as string, scope: 'orders:read' })
  t.equal(narrowed.json().scope, 'orders:read')
  expectError(t, await refresh({ refresh_token: tokens.refresh_token as string }), 400, 'invalid_grant', 'a rotated refresh token')
  expectError(t, await token(app, { grant_type: 'refresh_token', refresh_token: narrowed.json().refresh_token }), 400, 'invalid_grant', 'another client\'s refresh token')
  const again = await refresh({ refresh_token: narrowed.json().refresh_token })
  t.equal(again.json().scope, 'orders:read', 'the scope of the grant is kept')

  // Binding: an unbound refresh token used with a proof becomes bound; then a proof of another key is refused.
  const nonce = await nonceOf(app, clock.now)
  const bound = await refresh({ refresh_token: again.json().refresh_token }, { dpop: await proof(esKeys, clock.now, { nonce }) })
  t.equal(bound.json().token_type, 'DPoP')
  expectError(t, await refresh({ refresh_token: bound.json().refresh_token }, { dpop: await proof(otherKeys, clock.now, { nonce }) }), 400, 'invalid_grant', 'another key')
  expectError(t, await refresh({ refresh_token: bound.json().refresh_token }), 400, 'invalid_grant', 'no proof')
})

// ---------------------------------------------------------------- DPoP at the token endpoint

t.test('D7 DPoP at the token endpoint: use_dpop_nonce 400 with one DPoP-Nonce, invalid_dpop_proof 400, then a DPoP token', async t => {
  const { app, clock } = await demo()
  const first = await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: await proof(esKeys, clock.now) })
  expectError(t, first, 400, 'use_dpop_nonce', 'no nonce')
  t.equal(typeof first.headers['dpop-nonce'], 'string', 'exactly one DPoP-Nonce')
  t.notOk(first.headers['www-authenticate'], 'no challenge at the token endpoint for a 400')
  const nonce = first.headers['dpop-nonce'] as string
  expectError(t, await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: 'not a jwt' }), 400, 'invalid_dpop_proof', 'not a JWT')
  expectError(t, await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: await proof(esKeys, clock.now, { nonce, htm: 'GET' }) }), 400, 'invalid_dpop_proof', 'wrong htm')
  const ok = await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: await proof(esKeys, clock.now, { nonce }) })
  t.equal(ok.json().token_type, 'DPoP')
  clock.now += 300_000
  const previous = await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: await proof(esKeys, clock.now, { nonce }) })
  t.equal(previous.statusCode, 200, 'the previous window\'s nonce is still good')
  clock.now += 300_000
  expectError(t, await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: await proof(esKeys, clock.now, { nonce }) }), 400, 'use_dpop_nonce', 'an old nonce')
  const introspected = await form(app, '/introspect', { token: ok.json().access_token }, { authorization: BASIC })
  t.equal(introspected.json().cnf.jkt, thumbprint(await webcrypto.subtle.exportKey('jwk', esKeys.publicKey) as Record<string, unknown>))
})

t.test('F2 every DPoP proof check answers invalid_dpop_proof', async t => {
  const { app, clock } = await demo()
  const nonce = await nonceOf(app, clock.now)
  const bad = (part: Record<string, unknown> | string): string => typeof part === 'string' ? part : b64u(JSON.stringify(part))
  const valid = await proof(esKeys, clock.now, { nonce })
  const [head, body, signature] = valid.split('.') as [string, string, string]
  const cases: Array<[string, string]> = [
    ['a header that is not JSON', `${b64u('{')}.${body}.${signature}`],
    ['a header that is an array', `${bad('[1]')}.${body}.${signature}`.replace(bad('[1]'), b64u('[1]'))],
    ['a null header', `${b64u('null')}.${body}.${signature}`],
    ['a wrong typ', await proof(esKeys, clock.now, { nonce, header: { typ: 'JWT' } })],
    ['an unsupported alg', await proof(esKeys, clock.now, { nonce, header: { alg: 'HS256' } })],
    ['no jwk', await proof(esKeys, clock.now, { nonce, header: { jwk: undefined } })],
    ['a null jwk', await proof(esKeys, clock.now, { nonce, header: { jwk: null } })],
    ['a private jwk', await proof(esKeys, clock.now, { nonce, header: { jwk: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' } } })],
    ['an unknown kty', await proof(esKeys, clock.now, { nonce, header: { jwk: { kty: 'oct', k: 'a' } } })],
    ['a broken jwk', await proof(esKeys, clock.now, { nonce, header: { jwk: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' } } })],
    ['a bad signature', `${head}.${body}.${b64u('x'.repeat(64))}`],
    ['another key\'s signature', (await proof(otherKeys, clock.now, { nonce })).split('.').slice(0, 2).join('.') + '.' + signature],
    ['no jti', await proof(esKeys, clock.now, { nonce, claims: { jti: undefined } })],
    ['an empty jti', await proof(esKeys, clock.now, { nonce, claims: { jti: '' } })],
    ['a wrong htu', await proof(esKeys, clock.now, { nonce, htu: 'http://localhost:80/other' })],
    ['an htu that is not a URL', await proof(esKeys, clock.now, { nonce, htu: 'not a url' })],
    ['a numeric htu', await proof(esKeys, clock.now, { nonce, claims: { htu: 1 } })],
    ['an old iat', await proof(esKeys, clock.now, { nonce, iat: Math.floor(clock.now / 1000) - 120 })],
    ['no iat', await proof(esKeys, clock.now, { nonce, claims: { iat: undefined } })]
  ]
  for (const [label, dpop] of cases) {
    const res = await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop })
    expectError(t, res, 400, 'invalid_dpop_proof', label)
  }
  t.equal((await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: valid })).statusCode, 200, 'the valid proof passes')
  expectError(t, await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: valid }), 400, 'invalid_dpop_proof', 'a replayed proof (same jti)')
  const ed = await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: await proof(edKeys, clock.now, { nonce, alg: 'EdDSA' }) })
  t.equal(ed.json().token_type, 'DPoP', 'an EdDSA proof')
})

t.test('F2 the jti replay cache forgets expired entries when full', async t => {
  let now = Date.UTC(2026, 0, 1)
  const checker = createDpop(() => now, 2)
  const nonce = checker.currentNonce()
  const check = async (iatOffset = 0): Promise<string> => checker.verify({
    proof: await proof(esKeys, now, { nonce, iat: Math.floor(now / 1000) + iatOffset }), method: 'POST', url: 'http://localhost:80/token'
  })
  await check()
  await check()
  now += 200_000 // both expired; the cache is full
  t.equal(typeof await check(), 'string', 'a third proof is accepted after the expired ones are dropped')
  const replayed = await proof(esKeys, now, { nonce: checker.currentNonce() })
  await checker.verify({ proof: replayed, method: 'POST', url: 'http://localhost:80/token' })
  const error = await checker.verify({ proof: replayed, method: 'POST', url: 'http://localhost:80/token' }).catch((e: unknown) => e)
  t.equal((error as { error?: string }).error, 'invalid_dpop_proof', 'a replayed jti is refused')
})

// ---------------------------------------------------------------- authorization endpoint

t.test('A1 unknown client, missing or unregistered redirect_uri: answered directly, never redirected', async t => {
  const { app } = await demo()
  const cases: Array<[string, string, string]> = [
    ['no parameters', '/authorize', 'invalid_request'],
    ['unknown client', authorizeUrl({ client_id: 'nobody', response_type: 'code', redirect_uri: PUBLIC_CB }), 'invalid_client'],
    ['unregistered redirect_uri', authorizeUrl({ client_id: 'demo-public', response_type: 'code', redirect_uri: 'https://evil.example/cb' }), 'invalid_request'],
    ['no redirect_uri with two registered', authorizeUrl({ client_id: 'demo-public', response_type: 'code' }), 'invalid_request'],
    ['repeated client_id', '/authorize?client_id=demo-public&client_id=demo-confidential&response_type=code', 'invalid_request']
  ]
  for (const [label, url, error] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 400, `${label}: 400`)
    t.notOk(res.headers.location, `${label}: no Location`)
    t.equal(res.json().error, error, `${label}: ${error}`)
  }
  const html = await app.inject({ url: authorizeUrl({ client_id: 'nobody' }), headers: { accept: 'text/html' } })
  t.equal(html.headers['content-type'], 'text/html; charset=utf-8', 'a browser gets an HTML page')
  t.equal(html.headers['referrer-policy'], 'no-referrer')
  const posted = await form(app, '/authorize', { client_id: 'nobody' })
  t.equal(posted.statusCode, 400, 'POST too')
  const empty = await app.inject({ method: 'POST', url: '/authorize' })
  t.equal(empty.json().error, 'invalid_request', 'a POST without a form body')
  const json = await app.inject({ method: 'POST', url: '/authorize', headers: { 'content-type': 'application/json' }, payload: '{}' })
  t.equal(json.statusCode, 415, 'a JSON POST is a 415 invalid_request')
  t.equal((await codeFor(app)).length > 20, true, 'a last good request succeeds')
})

t.test('A3 B4 B5 C1 C2 C3 C4 authorization errors are redirected by query, fragment, form_post or JWT, with state and iss', async t => {
  const { app } = await demo()
  const base = { client_id: 'demo-public', redirect_uri: PUBLIC_CB, state: 'st 1', code_challenge: CHALLENGE, code_challenge_method: 'S256' }
  const redirect = async (params: Record<string, string>, expected: string, label: string, where: 'query' | 'fragment' = 'query'): Promise<URLSearchParams> => {
    const res = await app.inject(authorizeUrl({ ...base, ...params }))
    t.equal(res.statusCode, 302, `${label}: 302`)
    const url = new URL(res.headers.location as string)
    t.equal(url.origin + url.pathname, PUBLIC_CB, `${label}: to the registered redirect URI`)
    const got = new URLSearchParams(where === 'query' ? url.search : url.hash.slice(1))
    t.equal(got.get('error'), expected, `${label}: ${expected}`)
    t.equal(got.get('iss'), DEFAULT_ISSUER, `${label}: iss`)
    return got
  }
  t.equal((await redirect({ response_type: '' }, 'invalid_request', 'no response_type')).get('state'), 'st 1', 'state echoed')
  await redirect({ response_type: 'token' }, 'unsupported_response_type', 'response_type=token', 'fragment')
  await redirect({ response_type: 'code', response_mode: 'fragment', scope: 'admin' }, 'invalid_scope', 'fragment mode', 'fragment')
  await redirect({ response_type: 'code', response_mode: 'bogus' }, 'invalid_request', 'unknown response_mode')
  await redirect({ response_type: 'code', code_challenge: '' }, 'invalid_request', 'public client without PKCE')
  await redirect({ response_type: 'code', code_challenge: 'short' }, 'invalid_request', 'malformed code_challenge')
  await redirect({ response_type: 'code', code_challenge_method: 'plain' }, 'invalid_request', 'plain PKCE')
  await redirect({ response_type: 'code', code_challenge_method: '' }, 'invalid_request', 'a challenge without a method')
  const prompt = await redirect({ response_type: 'code', prompt: 'none' }, 'login_required', 'prompt=none')
  t.notOk(prompt.get('error_description'), 'A4 prompt=none errors carry error and state only')
  const repeated = await app.inject(authorizeUrl(base) + '&response_type=code&response_type=code')
  t.equal(new URL(repeated.headers.location as string).searchParams.get('error'), 'invalid_request', 'a repeated response_type')
  const twoStates = await app.inject(authorizeUrl({ ...base, response_type: 'code' }) + '&state=again')
  const twoStatesUrl = new URL(twoStates.headers.location as string)
  t.equal(twoStatesUrl.searchParams.get('error'), 'invalid_request', 'a repeated state')
  t.equal(twoStatesUrl.searchParams.get('state'), null, 'a repeated state is not echoed')

  const formPost = await app.inject(authorizeUrl({ ...base, response_type: 'code', response_mode: 'form_post', scope: 'admin' }))
  t.equal(formPost.statusCode, 200, 'form_post: 200')
  t.match(formPost.body, 'name="error" value="invalid_scope"')
  t.match(formPost.body, `action="${PUBLIC_CB}"`)
  const jwt = await app.inject(authorizeUrl({ ...base, response_type: 'code', response_mode: 'jwt', scope: 'admin' }))
  const response = new URL(jwt.headers.location as string).searchParams.get('response') as string
  const claims = JSON.parse(Buffer.from(response.split('.')[1] as string, 'base64url').toString())
  t.match(claims, { error: 'invalid_scope', state: 'st 1', iss: DEFAULT_ISSUER, aud: 'demo-public' }, 'JARM claims')
  const posted = await form(app, '/authorize', { ...base, response_type: 'token' })
  t.equal(posted.statusCode, 303, 'A5 an error redirect answering a POST is a 303')
})

t.test('B5 C4 successful authorization responses use the same modes, with iss', async t => {
  const { app } = await demo({
    clients: [...defaultClients, { client_id: 'one-uri', client_secret: 's', redirect_uris: ['https://one.example.test/cb?tenant=1'], grant_types: ['authorization_code'], scope: 'openid' },
      { client_id: 'no-code', client_secret: 's', redirect_uris: ['https://one.example.test/cb'], grant_types: ['client_credentials'], scope: 'openid' }]
  })
  const base = { client_id: 'demo-public', redirect_uri: PUBLIC_CB, response_type: 'code', code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 'z' }
  const query = await app.inject(authorizeUrl(base))
  const url = new URL(query.headers.location as string)
  t.equal(url.searchParams.get('state'), 'z')
  t.equal(url.searchParams.get('iss'), DEFAULT_ISSUER)
  const fragment = await app.inject(authorizeUrl({ ...base, response_mode: 'fragment' }))
  t.match(new URL(fragment.headers.location as string).hash, /^#code=/)
  const formPost = await app.inject(authorizeUrl({ ...base, response_mode: 'form_post', state: '"><script>\'&\n' }))
  t.equal(formPost.headers['content-type'], 'text/html; charset=utf-8')
  t.match(formPost.body, 'value="&quot;&gt;&lt;script&gt;&#39;&amp;&#10;"', 'C3 every value is HTML-escaped')
  const script = 'document.forms[0].submit()'
  t.equal(formPost.headers['content-security-policy'],
    `default-src 'none'; script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'; form-action http://127.0.0.1:8080; base-uri 'none'`,
    'C3 a CSP that allows only the page\'s own inline script, by hash, and posts only to the client')
  t.equal([...formPost.body.matchAll(/<script>([^<]*)<\/script>/g)].map(match => match[1]).join('|'), script, 'the one inline script is the hashed one')
  t.notMatch(formPost.body, / on[a-z]+=/, 'no inline event handler (a hash cannot allow one)')
  const native = await app.inject(authorizeUrl({ ...base, redirect_uri: 'com.example.demo:/callback', response_mode: 'form_post' }))
  t.match(native.headers['content-security-policy'], /form-action com\.example\.demo:;/, 'a private-use scheme is its own form-action source')
  t.match((await app.inject(authorizeUrl({ ...base, response_mode: 'jwt' }))).headers.location, /\?response=ey/, 'jwt is query.jwt for code')
  t.match((await app.inject(authorizeUrl({ ...base, response_mode: 'query.jwt' }))).headers.location, /\?response=ey/, 'query.jwt')
  const posted = await form(app, '/authorize', base)
  t.equal(posted.statusCode, 303, 'a POST authorization request is answered with 303')
  t.match((await app.inject(authorizeUrl({ ...base, response_mode: 'fragment.jwt' }))).headers.location, /#response=ey/, 'fragment.jwt')
  const formJwt = await app.inject(authorizeUrl({ ...base, response_mode: 'form_post.jwt' }))
  t.match(formJwt.body, 'name="response"')
  const single = await app.inject(authorizeUrl({ client_id: 'one-uri', response_type: 'code' }))
  t.match(single.headers.location, /^https:\/\/one\.example\.test\/cb\?tenant=1&code=/, 'the only registered redirect URI is the default; its query is kept')
  const noCode = await app.inject(authorizeUrl({ client_id: 'no-code', response_type: 'code' }))
  t.equal(new URL(noCode.headers.location as string).searchParams.get('error'), 'unauthorized_client')
  const mfa = await userTokens(app, { acr_values: ACR_MFA })
  t.equal((await form(app, '/introspect', { token: mfa.access_token as string }, { authorization: BASIC })).json().acr, ACR_MFA)
})

// ---------------------------------------------------------------- resource server

t.test('E4 E5 F4 G1 resource errors: bare challenge, invalid_request, invalid_token, insufficient_scope, step-up, problem+json', async t => {
  const { app, clock } = await demo()
  const get = (url: string, authorization?: string): Promise<LightMyRequestResponse> =>
    app.inject({ url, headers: authorization === undefined ? {} : { authorization } })
  const bare = await get('/api/orders')
  t.equal(bare.statusCode, 401)
  t.equal(bare.body, '', 'E4 no error and no text without credentials')
  t.same(parseChallenges(bare.headers['www-authenticate'] as string).map(c => [c.scheme, c.params.scope, c.params.error]),
    [['Bearer', 'orders:read', undefined], ['DPoP', 'orders:read', undefined]])
  expectError(t, await get('/api/me', 'Basic abc'), 400, 'invalid_request', 'malformed credentials')
  const invalid = await get('/api/me', 'Bearer unknown')
  expectError(t, invalid, 401, 'invalid_token', 'unknown token')
  t.equal(parseChallenges(invalid.headers['www-authenticate'] as string)[0]?.params.error, 'invalid_token')

  const client = (await token(app, { grant_type: 'client_credentials', scope: 'profile' })).json().access_token as string
  const scope = await get('/api/orders', 'Bearer ' + client)
  expectError(t, scope, 403, 'insufficient_scope', 'missing scope')
  t.equal(parseChallenges(scope.headers['www-authenticate'] as string)[0]?.params.scope, 'orders:read')
  const problem = await get('/api/reports', 'Bearer ' + client)
  t.equal(problem.statusCode, 403)
  t.equal(problem.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(problem.json(), { status: 403, error: 'insufficient_scope' })

  const stepUp = await get('/api/payments', 'Bearer ' + client)
  expectError(t, stepUp, 401, 'insufficient_user_authentication', 'a token without a user')
  t.match(parseChallenges(stepUp.headers['www-authenticate'] as string)[0]?.params, { acr_values: ACR_MFA, max_age: '300' })
  const password = await userTokens(app)
  expectError(t, await get('/api/payments', 'Bearer ' + password.access_token), 401, 'insufficient_user_authentication', 'a password login')
  const mfa = await userTokens(app, { acr_values: ACR_MFA })
  t.equal((await get('/api/payments', 'Bearer ' + mfa.access_token)).statusCode, 200, 'a fresh second factor passes')
  t.equal((await get('/api/orders', 'Bearer ' + mfa.access_token)).json().scope, 'openid profile orders:read reports:read payments:write')
  clock.now += 301_000
  expectError(t, await get('/api/payments', 'Bearer ' + mfa.access_token), 401, 'insufficient_user_authentication', 'a second factor older than max_age')
  clock.now += 600_000
  expectError(t, await get('/api/me', 'Bearer ' + mfa.access_token), 401, 'invalid_token', 'an expired token')
})

t.test('F1 F2 F3 F4 DPoP at the resource: nonce, proof, key binding', async t => {
  const { app, clock } = await demo()
  const nonce = await nonceOf(app, clock.now)
  const bound = (await token(app, { grant_type: 'client_credentials' }, { authorization: BASIC, dpop: await proof(esKeys, clock.now, { nonce }) })).json().access_token as string
  const plain = (await token(app, { grant_type: 'client_credentials' })).json().access_token as string
  const call = async (authorization: string, dpop?: string): Promise<LightMyRequestResponse> =>
    app.inject({ url: '/api/me?x=1', headers: dpop === undefined ? { authorization } : { authorization, dpop } })
  const htu = 'http://localhost:80/api/me'
  const withBearer = await call('Bearer ' + bound)
  expectError(t, withBearer, 401, 'invalid_token', 'a DPoP-bound token sent as Bearer')
  const noProof = await call('DPoP ' + bound)
  expectError(t, noProof, 401, 'invalid_dpop_proof', 'no proof')
  t.same(parseChallenges(noProof.headers['www-authenticate'] as string).map(c => [c.scheme, c.params.error]), [['Bearer', undefined], ['DPoP', 'invalid_dpop_proof']], 'F4 the error is in the DPoP challenge only')
  const noNonce = await call('DPoP ' + bound, await proof(esKeys, clock.now, { htm: 'GET', htu, accessToken: bound }))
  expectError(t, noNonce, 401, 'use_dpop_nonce', 'no nonce')
  t.equal(typeof noNonce.headers['dpop-nonce'], 'string', 'F3 a DPoP-Nonce header')
  expectError(t, await call('DPoP ' + bound, await proof(esKeys, clock.now, { htm: 'GET', htu, nonce, accessToken: 'other' })), 401, 'invalid_dpop_proof', 'a wrong ath')
  expectError(t, await call('DPoP ' + bound, await proof(otherKeys, clock.now, { htm: 'GET', htu, nonce, accessToken: bound })), 401, 'invalid_token', 'another key')
  expectError(t, await call('DPoP ' + plain, await proof(esKeys, clock.now, { htm: 'GET', htu, nonce, accessToken: plain })), 401, 'invalid_token', 'a Bearer token sent with DPoP')
  expectError(t, await call('DPoP unknown', await proof(esKeys, clock.now, { htm: 'GET', htu, nonce, accessToken: 'unknown' })), 401, 'invalid_token', 'an unknown token')
  const ok = await call('DPoP ' + bound, await proof(esKeys, clock.now, { htm: 'GET', htu, nonce, accessToken: bound }))
  t.equal(ok.statusCode, 200, 'a good proof passes')
})

// ---------------------------------------------------------------- revocation and introspection

t.test('D9 D10 revocation and introspection', async t => {
  const { app, clock } = await demo()
  const access = (await token(app, { grant_type: 'client_credentials' })).json().access_token as string
  const user = await userTokens(app)
  const revoke = (fields: Record<string, string>, headers: Record<string, string> = { authorization: BASIC }): Promise<LightMyRequestResponse> => form(app, '/revoke', fields, headers)
  const introspect = (fields: Record<string, string>, headers: Record<string, string> = { authorization: BASIC }): Promise<LightMyRequestResponse> => form(app, '/introspect', fields, headers)
  expectError(t, await revoke({}), 400, 'invalid_request', 'revocation without a token')
  expectError(t, await revoke({ token: access, token_type_hint: 'id_token' }), 400, 'unsupported_token_type', 'an unsupported hint')
  expectError(t, await revoke({ token: access }, {}), 400, 'invalid_client', 'revocation without client authentication')
  const unknown = await revoke({ token: 'unknown' })
  t.equal(unknown.statusCode, 200, 'D9 an unknown token is not an error')
  t.equal(unknown.body, '')
  t.equal((await revoke({ token: user.refresh_token as string })).statusCode, 200, 'another client\'s refresh token: 200')
  t.equal((await token(app, { grant_type: 'refresh_token', client_id: 'demo-public', refresh_token: user.refresh_token as string }, {})).statusCode, 200, '... and not revoked')

  const active = await introspect({ token: access })
  t.match(active.json(), { active: true, client_id: 'demo-confidential', token_type: 'Bearer' })
  t.notOk(active.json().sub)
  t.match((await introspect({ token: user.access_token as string })).json(), { active: true, sub: 'alice' })
  t.same((await introspect({ token: 'unknown' })).json(), { active: false }, 'D10 an unknown token is inactive, not an error')
  expectError(t, await introspect({ token: access }, { authorization: 'Basic ' + Buffer.from('demo-confidential:x').toString('base64') }), 401, 'invalid_client', 'bad credentials')
  expectError(t, await introspect({ token: access, client_id: 'demo-public' }, {}), 400, 'invalid_client', 'a public client')
  expectError(t, await introspect({}), 400, 'invalid_request', 'no token')

  t.equal((await revoke({ token: access, token_type_hint: 'access_token' })).statusCode, 200)
  t.same((await introspect({ token: access })).json(), { active: false }, 'a revoked token is inactive')
  const refreshOwned = (await token(app, {
    grant_type: 'authorization_code',
    code: await (async () => {
      const res = await app.inject(authorizeUrl({ client_id: 'demo-confidential', redirect_uri: CONFIDENTIAL_CB, response_type: 'code' }))
      return new URL(res.headers.location as string).searchParams.get('code') as string
    })(),
    redirect_uri: CONFIDENTIAL_CB
  })).json().refresh_token as string
  t.equal((await revoke({ token: refreshOwned, token_type_hint: 'refresh_token' })).statusCode, 200)
  expectError(t, await token(app, { grant_type: 'refresh_token', refresh_token: refreshOwned }), 400, 'invalid_grant', 'a revoked refresh token')
  const expiring = (await token(app, { grant_type: 'client_credentials' })).json().access_token as string
  clock.now += 601_000
  t.same((await introspect({ token: expiring })).json(), { active: false }, 'an expired token is inactive')
})

t.test('the demo answers GET / with what to try: HTML for a browser, JSON otherwise', async t => {
  const { app } = await demo({ baseUrl: 'http://127.0.0.1:3000' })
  const json = await app.inject('/')
  t.equal(json.statusCode, 200, 'not a 404')
  t.equal(json.json().issuer, DEFAULT_ISSUER)
  t.ok(json.json().try.length >= 8, 'the ready-made requests')
  t.match(json.json().try[0], { curl: 'curl -i http://127.0.0.1:3000/api/me', expect: /401/ })
  const html = await app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } })
  t.equal(html.headers['content-type'], 'text/html; charset=utf-8', 'a browser gets a page')
  t.match(html.body, '<code>curl -i -H &quot;Authorization: Bearer nope&quot; http://127.0.0.1:3000/api/me</code>', 'values are HTML-escaped')
  t.equal(html.headers['content-security-policy'], "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
  const hostile = await demo({ issuer: 'https://as.example.test/<b>' })
  t.match((await hostile.app.inject({ url: '/', headers: { accept: 'text/html' } })).body, 'https://as.example.test/&lt;b&gt;', 'the issuer is escaped too')
})

// ---------------------------------------------------------------- npm start

// The started process is a black box here: `env -u NODE_OPTIONS` keeps tap's coverage hooks out
// of it (they would merge a second, partial coverage of examples/*.js into the report), and
// `env` execs node, so the signal goes to node itself.

t.test('npm start: examples/start.js listens, logs ready-made failing requests, answers them, and exits cleanly on SIGTERM and SIGINT', async t => {
  for (const [signal, env] of [['SIGTERM', {}], ['SIGINT', { PUBLIC_URL: 'https://demo.example.org' }]] as const) {
    const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, join(root, 'examples', 'start.js')], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    const banner = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Metadata:')) resolve(output)
      })
      child.once('exit', () => { reject(new Error('start.js exited early: ' + output)) })
    })
    t.match(banner, /Open https?:\/\/\S+\/ in a browser, or try these ready-made failing requests/)
    t.match(banner, /curl -i .*\/token/)
    t.match(banner, /curl -i .*\/authorize/)
    t.match(banner, /curl -i .*\/revoke/)
    t.match(banner, /curl -i .*\/introspect/)
    if (signal === 'SIGTERM') {
      const origin = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] as string
      const res = await fetch(origin + '/api/me', { headers: { authorization: 'Bearer nope' } })
      t.equal(res.status, 401, 'the started demo answers')
      t.equal(((await res.json()) as { error: string }).error, 'invalid_token')
      t.equal((await fetch(origin + '/')).status, 200, 'GET / answers what to try')
    } else {
      t.match(banner, 'listening at https://demo.example.org')
    }
    const code = await new Promise<number | null>(resolve => {
      child.once('exit', (exitCode) => { resolve(exitCode) })
      child.kill(signal)
    })
    t.equal(code, 0, `${signal}: exit code 0`)
    t.match(output, 'Closed.')
  }
})

t.test('npm start: a busy port prints one line naming PORT and exits 1', async t => {
  const { createServer } = await import('node:net')
  const blocker = createServer()
  await new Promise<void>(resolve => { blocker.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => { blocker.close() })
  const port = String((blocker.address() as { port: number }).port)
  const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, join(root, 'examples', 'start.js')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: port, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>(resolve => { child.once('exit', resolve) })
  t.equal(code, 1, 'exit code 1')
  t.equal(stdout, '', 'no banner')
  t.same(stderr.trim().split('\n'), [`Port ${port} on 127.0.0.1 is in use: set PORT to a free one (PORT=0 picks any), e.g. PORT=3001 npm start`], 'one line naming PORT')
})
