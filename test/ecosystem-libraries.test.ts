/**
 * The libraries OAuth servers and APIs are built on, throwing their real errors inside routes of
 * an application with fastify-auth-errors (RULES I5): jose (jwtVerify, createRemoteJWKSet against
 * key set servers on 127.0.0.1 that fail or hang), fast-jwt, @node-oauth/oauth2-server (its token
 * and authenticate handlers with an in-memory model), @jmondi/oauth2-server, oidc-provider's
 * `errors`, the MCP SDK's OAuthError classes and oauth4webapi's validateJwtAccessToken.
 * oauth4webapi, over real HTTP, reads every answer.
 */
import t from 'tap'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from 'jose'
import { createVerifier } from 'fast-jwt'
import OAuth2Server from '@node-oauth/oauth2-server'
import { AuthorizationServer, OAuthRequest } from '@jmondi/oauth2-server'
import * as mcp from '@modelcontextprotocol/sdk/server/auth/errors.js'
import * as oauth from 'oauth4webapi'
import authErrors from '../lib/index.js'
import type { TokenContext } from '../lib/foreign-errors.js'

interface LogLine { level: number, msg: string, [key: string]: unknown }

/** oidc-provider ships no type declarations: its `errors` classes, as its lib/helpers/errors.js defines them. */
type OidcError = new (description?: string | number, ...rest: unknown[]) => Error
const oidcModule: string = 'oidc-provider'
const { errors: oidc } = await import(oidcModule) as { errors: Record<'InvalidClientAuth' | 'InsufficientScope' | 'InvalidRequest' | 'InvalidNonce' | 'TemporarilyUnavailable' | 'OIDCProviderError', OidcError> }

const ISSUER = 'https://as.example.com'
const AUDIENCE = 'https://api.example.com'
const insecure = { [oauth.allowInsecureRequests]: true }
const oauthClient: oauth.Client = { client_id: 'c1' }
const now = (): number => Math.floor(Date.now() / 1000)

const { privateKey, publicKey } = await generateKeyPair('ES256')
const other = await generateKeyPair('ES256')
const publicJwk: JWK = { ...await exportJWK(publicKey), kid: 'k1', alg: 'ES256', use: 'sig' }

async function sign (claims: Record<string, unknown>, key: CryptoKey = privateKey, kid = 'k1', typ = 'at+jwt'): Promise<string> {
  return await new SignJWT({ client_id: 'c1', sub: 'alice', jti: String(Math.random()), iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ })
    .sign(key)
}

/** A loopback port that was free a moment ago and is closed now. */
async function closedPort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>(resolve => probe.close(() => { resolve() }))
  return port
}

/** Key set servers: one answers, one fails with 500, one never answers. */
const hanging = new Set<import('node:http').ServerResponse>()
const keySets: Server = createServer((request, response) => {
  if (request.url === '/jwks') response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }))
  else if (request.url === '/fail') response.writeHead(500).end('internal error at 10.0.0.7')
  else hanging.add(response)
})
await new Promise<void>(resolve => keySets.listen(0, '127.0.0.1', resolve))
const keysBase = `http://127.0.0.1:${(keySets.address() as AddressInfo).port}`
t.teardown(() => { for (const response of hanging) response.destroy(); keySets.close() })

const remote = {
  ok: createRemoteJWKSet(new URL(`${keysBase}/jwks`)),
  fail: createRemoteJWKSet(new URL(`${keysBase}/fail`)),
  hang: createRemoteJWKSet(new URL(`${keysBase}/hang`), { timeoutDuration: 50 }),
  // A port nothing listens on: the connection is refused.
  refused: createRemoteJWKSet(new URL(`http://127.0.0.1:${await closedPort()}/jwks`))
}

const bearer = (request: FastifyRequest): string => (request.headers.authorization ?? '').replace(/^Bearer /i, '')

/** An in-memory model for @node-oauth/oauth2-server (its README's model functions). */
const model = {
  getClient: async (id: string, secret: string) => id === 'c1' && secret === 'right' ? { id: 'c1', grants: ['client_credentials'] } : null,
  getUserFromClient: async () => ({ id: 'service' }),
  saveToken: async (tokenToSave: OAuth2Server.Token, client: OAuth2Server.Client, user: OAuth2Server.User) => ({ ...tokenToSave, client, user }),
  getAccessToken: async (accessToken: string) => {
    if (accessToken === 'db-down') throw new Error('connect ECONNREFUSED 10.0.0.9:5432')
    if (accessToken === 'expired') return { accessToken, accessTokenExpiresAt: new Date(Date.now() - 60_000), user: {}, client: { id: 'c1', grants: ['client_credentials'] } }
    if (accessToken === 'good') return { accessToken, accessTokenExpiresAt: new Date(Date.now() + 60_000), scope: ['read'], user: {}, client: { id: 'c1', grants: ['client_credentials'] } }
    return null
  },
  verifyScope: async (token: OAuth2Server.Token, scope: string[]) => scope.every(s => token.scope?.includes(s) === true)
}
const nodeOAuth = new OAuth2Server({ model })

/** @jmondi/oauth2-server with repositories that know one client, whose secret is never valid here. */
const jmondi = new AuthorizationServer(
  { getByIdentifier: async () => ({ id: 'c1', name: 'c1', secret: 'right', redirectUris: [], allowedGrants: ['client_credentials'], scopes: [] }), isClientValid: async () => false },
  {} as never,
  {} as never,
  'a-jwt-secret-that-is-long-enough-for-hs256'
)

const CONTEXTS: TokenContext[] = ['dpop_proof', 'client_assertion', 'request_object', 'grant', 'subject_token']
const THROWN: Record<string, () => unknown> = {
  'oidc-invalid-client-auth': () => new oidc.InvalidClientAuth('client secret mismatch for c1 in table clients'),
  'oidc-insufficient-scope': () => new oidc.InsufficientScope('access token missing required scope', 'photos:write'),
  'oidc-invalid-request-405': () => new oidc.InvalidRequest('only POST is supported', 405),
  'oidc-invalid-nonce': () => new oidc.InvalidNonce('nonce mismatch'),
  'oidc-temporarily-unavailable': () => new oidc.TemporarilyUnavailable('try later'),
  'oidc-server': () => new oidc.OIDCProviderError(500, 'pool_exhausted'),
  'mcp-invalid-token': () => new mcp.InvalidTokenError('Token has expired'),
  'mcp-insufficient-scope': () => new mcp.InsufficientScopeError('Insufficient scope'),
  'mcp-method-not-allowed': () => new mcp.MethodNotAllowedError('The method GET is not allowed for this endpoint'),
  'mcp-too-many-requests': () => new mcp.TooManyRequestsError('You have exceeded the rate limit for client registration requests'),
  'mcp-server-error': () => new mcp.ServerError('Internal Server Error: pool exhausted'),
  'mcp-custom': () => new mcp.CustomOAuthError('invalid_resource_indicator', 'unknown resource')
}

const logs: LogLine[] = []
const app: FastifyInstance = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
await app.register(authErrors)
await app.register(formbody)
const resourceConfig = { config: { authErrors: { endpoint: 'resource' as const } } }
app.get('/jose/resource', resourceConfig, async (request) => {
  await jwtVerify(bearer(request), publicKey, { issuer: ISSUER, audience: AUDIENCE })
  return { ok: true }
})
app.get('/jose/remote/:set', resourceConfig, async (request) => {
  await jwtVerify(bearer(request), remote[(request.params as { set: keyof typeof remote }).set], { issuer: ISSUER, audience: AUDIENCE })
  return { ok: true }
})
for (const context of CONTEXTS) {
  app.post(`/jose/${context}`, { config: { authErrors: { endpoint: 'token', token: context } } }, async (request) => {
    await jwtVerify((request.body as { assertion: string }).assertion, publicKey, { issuer: ISSUER, audience: AUDIENCE })
    return { access_token: 'at', token_type: 'bearer' }
  })
}
app.get('/fast-jwt', resourceConfig, async (request) => {
  const verify = createVerifier({ key: async () => { throw new Error('getaddrinfo ENOTFOUND keys.internal') } })
  return await verify(bearer(request))
})
app.get('/node-oauth/resource', resourceConfig, async (request) => {
  const scope = (request.query as { scope?: string }).scope
  await nodeOAuth.authenticate(new OAuth2Server.Request({ method: request.method, headers: request.headers as Record<string, string>, query: {}, body: {} }), new OAuth2Server.Response({ headers: {} }), scope === undefined ? {} : { scope: [scope] })
  return { ok: true }
})
app.post('/node-oauth/token', { config: { authErrors: { endpoint: 'token' } } }, async (request) => {
  const response = new OAuth2Server.Response({ headers: {} })
  await nodeOAuth.token(new OAuth2Server.Request({ method: request.method, headers: request.headers as Record<string, string>, query: {}, body: request.body as Record<string, string> }), response)
  return response.body
})
app.post('/jmondi/token', { config: { authErrors: { endpoint: 'token' } } }, async (request) => {
  const response = await jmondi.respondToAccessTokenRequest(new OAuthRequest({ headers: request.headers, body: request.body as Record<string, string> }))
  return response.body
})
app.get('/throw/:name', resourceConfig, async (request) => { throw THROWN[(request.params as { name: string }).name]?.() })
app.post('/as/throw/:name', { config: { authErrors: { endpoint: 'token' } } }, async (request) => { throw THROWN[(request.params as { name: string }).name]?.() })
app.get('/o4w', resourceConfig, async (request) => {
  const url = new URL(request.url, 'https://api.example.com')
  const as: oauth.AuthorizationServer = { issuer: ISSUER, jwks_uri: `${keysBase}/jwks` }
  return await oauth.validateJwtAccessToken(as, new Request(url, { headers: request.headers as Record<string, string> }), AUDIENCE, insecure)
})
await app.listen({ host: '127.0.0.1', port: 0 })
t.teardown(() => app.close())
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

type Challenges = Array<[string, Record<string, string | undefined>]>

/** A resource answer as oauth4webapi reads it (no Authorization at all when `token` is undefined). */
async function resource (path: string, token?: string): Promise<{ status: number, challenges: Challenges | undefined, body: Record<string, unknown> | undefined, response: Response }> {
  const anonymous = {
    [oauth.customFetch]: async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers)
      headers.delete('authorization')
      return await fetch(url, { ...init, headers })
    }
  }
  let response: Response
  let challenges: Challenges | undefined
  try {
    response = await oauth.protectedResourceRequest(token ?? 'none', 'GET', new URL(path, base), undefined, undefined, token === undefined ? { ...insecure, ...anonymous } : insecure)
  } catch (err) {
    if (!(err instanceof oauth.WWWAuthenticateChallengeError)) throw err
    response = err.response
    challenges = err.cause.map(c => [c.scheme, { ...c.parameters }])
  }
  const text = await response.text()
  return { status: response.status, challenges, body: text === '' ? undefined : JSON.parse(text), response }
}

/** A token endpoint answer as oauth4webapi reads it: the error it throws. */
async function tokenError (path: string, auth: oauth.ClientAuth, grantType: string, parameters: Record<string, string>): Promise<unknown> {
  const as: oauth.AuthorizationServer = { issuer: base, token_endpoint: `${base}${path}` }
  const response = await oauth.genericTokenEndpointRequest(as, oauthClient, auth, grantType, parameters, insecure)
  return await oauth.processGenericTokenEndpointResponse(as, oauthClient, response).catch((err: unknown) => err)
}

/**
 * What oauth4webapi makes of a token endpoint error: a ResponseBodyError (a 4xx JSON body), a
 * WWWAuthenticateChallengeError (a challenge), or a response it calls not conform (a 5xx).
 */
async function tokenAnswer (path: string): Promise<{ status: number, error: unknown, description: unknown, challenges: Challenges | undefined }> {
  const error = await tokenError(path, oauth.ClientSecretPost('s'), 'client_credentials', {})
  if (error instanceof oauth.ResponseBodyError) return { status: error.status, error: error.error, description: error.error_description, challenges: undefined }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const body = await error.response.json() as Record<string, unknown>
    return { status: error.status, error: body.error, description: body.error_description, challenges: error.cause.map(c => [c.scheme, { ...c.parameters }]) }
  }
  const response = (error as oauth.OperationProcessingError).cause as Response
  const body = await response.json() as Record<string, unknown>
  return { status: response.status, error: body.error, description: body.error_description, challenges: undefined }
}

function bearerError (code: string, description?: string): Challenges {
  return [['bearer', description === undefined ? { realm: 'api', error: code } : { realm: 'api', error: code, error_description: description }]]
}

const errorLines = (): LogLine[] => logs.filter(line => line.level >= 50)

t.test('I5 jose jwtVerify: an expired or wrongly signed access token is invalid_token 401 with the challenge', async t => {
  const cases: Array<[string, string, string]> = [
    ['ERR_JWT_EXPIRED', await sign({ exp: now() - 60 }), 'The access token expired'],
    ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', await sign({}, other.privateKey), 'The access token is invalid'],
    ['ERR_JWT_CLAIM_VALIDATION_FAILED nbf', await sign({ nbf: now() + 3600 }), 'The access token is not valid yet'],
    ['ERR_JWT_CLAIM_VALIDATION_FAILED aud', await sign({ aud: 'https://other.example' }), 'The access token is invalid'],
    ['ERR_JWS_INVALID', 'not.a.jwt', 'The access token is malformed']
  ]
  for (const [label, jwt, description] of cases) {
    const answer = await resource('/jose/resource', jwt)
    t.equal(answer.status, 401, label)
    t.same(answer.challenges, bearerError('invalid_token', description), label)
    t.same(answer.body, { error: 'invalid_token', error_description: description }, label)
  }
  t.equal((await resource('/jose/resource', await sign({}))).status, 200, 'a good token passes')
  t.same(errorLines(), [], 'client errors are never logged at error')
})

t.test('I5 jose createRemoteJWKSet: a key set server that fails or times out is 503 temporarily_unavailable, never invalid_token', async t => {
  const jwt = await sign({})
  for (const set of ['fail', 'hang']) {
    const answer = await resource(`/jose/remote/${set}`, jwt)
    t.equal(answer.status, 503, set)
    t.equal(answer.challenges, undefined, `${set}: no challenge, the client keeps its good token`)
    t.same(answer.body, { error: 'temporarily_unavailable', error_description: 'The keys to verify the token could not be fetched; retry later' }, set)
    t.notMatch(JSON.stringify(answer.body), /10\.0\.0\.7/)
  }
  const refused = await resource('/jose/remote/refused', jwt)
  t.equal(refused.status, 503, 'a key set host that refuses the connection')
  t.equal(refused.challenges, undefined)
  t.equal((refused.body as { error: string }).error, 'temporarily_unavailable')
  t.equal((await resource('/jose/remote/ok', jwt)).status, 200, 'the key set that answers verifies')
  const unknownKid = await resource('/jose/remote/ok', await sign({}, privateKey, 'k2'))
  t.same(unknownKid.challenges, bearerError('invalid_token', 'The access token is signed with an unknown key'), 'ERR_JWKS_NO_MATCHING_KEY')
  t.same(errorLines(), [], 'an outage of the key set is logged at warn, not error')
  t.ok(logs.some(line => line.level === 40 && /key set/.test(line.msg)))
})

t.test('I5 jose errors by token context: dpop_proof, client_assertion, request_object, grant, subject_token', async t => {
  const expected: Record<string, [string, string]> = {
    dpop_proof: ['invalid_dpop_proof', 'The DPoP proof expired'],
    client_assertion: ['invalid_client', 'The client assertion expired'],
    request_object: ['invalid_request_object', 'The request object expired'],
    grant: ['invalid_grant', 'The assertion expired'],
    subject_token: ['invalid_request', 'The subject token expired']
  }
  const expired = await sign({ exp: now() - 60 })
  for (const context of CONTEXTS) {
    const error = await tokenError(`/jose/${context}`, oauth.None(), 'urn:ietf:params:oauth:grant-type:jwt-bearer', { assertion: expired })
    t.ok(error instanceof oauth.ResponseBodyError, context)
    const body = error as oauth.ResponseBodyError
    t.equal(body.status, 400, context)
    t.same([body.error, body.error_description], expected[context], context)
    t.equal(body.response.headers.get('www-authenticate'), null, `${context}: no challenge at the token endpoint`)
  }
})

t.test('I5 fast-jwt: a key callback that fails (FAST_JWT_KEY_FETCHING_ERROR) is 503 temporarily_unavailable', async t => {
  const answer = await resource('/fast-jwt', await sign({}))
  t.equal(answer.status, 503)
  t.equal(answer.challenges, undefined)
  t.equal(answer.body?.error, 'temporarily_unavailable')
  t.notMatch(JSON.stringify(answer.body), /ENOTFOUND|keys\.internal/)
})

t.test('I5 @node-oauth/oauth2-server authenticate: no token is the bare challenge, a bad one invalid_token, its ServerError 500 (not 503)', async t => {
  const none = await resource('/node-oauth/resource')
  t.equal(none.status, 401)
  t.same(none.challenges, [['bearer', { realm: 'api' }]], 'E4 unauthorized_request is the bare challenge')
  t.equal(none.body, undefined)
  const unknown = await resource('/node-oauth/resource', 'nope')
  t.same(unknown.challenges, bearerError('invalid_token', 'Invalid token: access token is invalid'))
  const expired = await resource('/node-oauth/resource', 'expired')
  t.same(expired.challenges, bearerError('invalid_token', 'Invalid token: access token has expired'))
  const scope = await resource('/node-oauth/resource?scope=write', 'good')
  t.equal(scope.status, 403)
  t.same(scope.challenges?.[0]?.[1].error, 'insufficient_scope', 'InsufficientScopeError carries its challenge')
  t.equal((await resource('/node-oauth/resource', 'good')).status, 200)
  logs.length = 0
  const down = await resource('/node-oauth/resource', 'db-down')
  t.equal(down.status, 500, 'its ServerError (503 upstream) is server_error 500')
  t.equal(down.body?.error, 'server_error')
  t.notMatch(JSON.stringify(down.body), /ECONNREFUSED|10\.0\.0\.9/, 'the inner message is not sent')
  t.equal(errorLines().length, 1, 'logged once at error')
})

t.test('I5 @node-oauth/oauth2-server token: wrong Basic credentials are invalid_client 401 with the Basic challenge; other errors 400 JSON', async t => {
  const wrong = await tokenError('/node-oauth/token', oauth.ClientSecretBasic('wrong'), 'client_credentials', {})
  t.ok(wrong instanceof oauth.WWWAuthenticateChallengeError)
  const challenge = wrong as oauth.WWWAuthenticateChallengeError
  t.equal(challenge.status, 401)
  t.same(challenge.cause.map(c => [c.scheme, c.parameters.realm]), [['basic', 'api']], 'the configured realm, not "Service"')
  t.equal((await challenge.response.json() as { error: string }).error, 'invalid_client')
  const grant = await tokenError('/node-oauth/token', oauth.ClientSecretBasic('right'), 'password', { username: 'a', password: 'b' })
  t.ok(grant instanceof oauth.ResponseBodyError)
  t.same([(grant as oauth.ResponseBodyError).status, (grant as oauth.ResponseBodyError).error], [400, 'unauthorized_client'])
  const ok = await oauth.processGenericTokenEndpointResponse({ issuer: base }, oauthClient,
    await oauth.genericTokenEndpointRequest({ issuer: base, token_endpoint: `${base}/node-oauth/token` }, oauthClient, oauth.ClientSecretBasic('right'), 'client_credentials', {}, insecure))
  t.type(ok.access_token, 'string', 'the right credentials get a token')
})

t.test('I5 @jmondi/oauth2-server: invalid_client and unsupported_grant_type with the catalog status, no-store', async t => {
  const client = await tokenError('/jmondi/token', oauth.ClientSecretPost('wrong'), 'client_credentials', {})
  t.ok(client instanceof oauth.ResponseBodyError)
  t.same([(client as oauth.ResponseBodyError).status, (client as oauth.ResponseBodyError).error, (client as oauth.ResponseBodyError).error_description], [400, 'invalid_client', 'Client has been revoked or is invalid.'], 'D3 no Authorization header: 400, no challenge')
  t.equal((client as oauth.ResponseBodyError).response.headers.get('cache-control'), 'no-store')
  const grant = await tokenError('/jmondi/token', oauth.ClientSecretPost('wrong'), 'urn:example:unknown', {})
  t.same([(grant as oauth.ResponseBodyError).status, (grant as oauth.ResponseBodyError).error], [400, 'unsupported_grant_type'])
})

t.test('I5 oidc-provider errors and the MCP SDK OAuthError classes are answered with the code they carry', async t => {
  logs.length = 0
  const resourceCases: Array<[string, number, string, Challenges]> = [
    ['oidc-insufficient-scope', 403, 'insufficient_scope', [['bearer', { realm: 'api', error: 'insufficient_scope', error_description: 'access token missing required scope', scope: 'photos:write' }]]],
    ['mcp-invalid-token', 401, 'invalid_token', bearerError('invalid_token', 'Token has expired')],
    ['mcp-insufficient-scope', 403, 'insufficient_scope', bearerError('insufficient_scope', 'Insufficient scope')]
  ]
  for (const [name, status, code, challenges] of resourceCases) {
    const answer = await resource(`/throw/${name}`, 'at')
    t.equal(answer.status, status, name)
    t.equal(answer.body?.error, code, name)
    t.same(answer.challenges, challenges, `${name}: challenge`)
  }
  const tokenCases: Array<[string, number, string, string]> = [
    ['oidc-invalid-client-auth', 400, 'invalid_client', 'client authentication failed'],
    ['oidc-invalid-request-405', 405, 'invalid_request', 'only POST is supported'],
    ['oidc-invalid-nonce', 400, 'invalid_nonce', 'nonce mismatch'],
    ['oidc-temporarily-unavailable', 503, 'temporarily_unavailable', app.authErrors.catalog.temporarily_unavailable?.description as string],
    ['mcp-method-not-allowed', 405, 'invalid_request', 'The method GET is not allowed for this endpoint'],
    ['mcp-too-many-requests', 429, 'invalid_request', 'You have exceeded the rate limit for client registration requests'],
    ['mcp-custom', 400, 'invalid_request', 'unknown resource']
  ]
  for (const [name, status, code, description] of tokenCases) {
    const answer = await tokenAnswer(`/as/throw/${name}`)
    t.same(answer, { status, error: code, description, challenges: undefined }, name)
  }
  t.same(errorLines(), [], 'none of them logged at error')
  for (const name of ['oidc-server', 'mcp-server-error']) {
    const answer = await resource(`/throw/${name}`, 'at')
    t.equal(answer.status, 500, name)
    t.equal(answer.body?.error, 'server_error', name)
    t.notMatch(JSON.stringify(answer.body), /pool/, name)
  }
})

t.test('I5 oauth4webapi validateJwtAccessToken: no header is the bare challenge; expired, wrong audience and unknown key are invalid_token', async t => {
  const none = await resource('/o4w')
  t.same(none.challenges, [['bearer', { realm: 'api' }]], 'E4 OAUTH_INVALID_REQUEST without credentials')
  const cases: Array<[string, string, string]> = [
    ['OAUTH_JWT_TIMESTAMP_CHECK_FAILED exp', await sign({ exp: now() - 3600 }), 'The access token expired'],
    ['OAUTH_JWT_CLAIM_COMPARISON_FAILED aud', await sign({ aud: 'https://other.example' }), 'The access token is invalid'],
    ['OAUTH_KEY_SELECTION_FAILED', await sign({}, privateKey, 'k9'), 'The access token is signed with an unknown key'],
    ['OAUTH_INVALID_RESPONSE signature', await sign({}, other.privateKey), 'The access token is invalid'],
    ['OAUTH_INVALID_RESPONSE typ', await sign({}, privateKey, 'k1', 'JWT'), 'The access token is invalid']
  ]
  for (const [label, jwt, description] of cases) {
    const answer = await resource('/o4w', jwt)
    t.equal(answer.status, 401, label)
    t.same(answer.challenges, bearerError('invalid_token', description), label)
  }
  t.equal((await resource('/o4w', await sign({}))).status, 200, 'a good token passes')
})
