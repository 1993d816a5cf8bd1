/**
 * Interop: the plugin's challenges read by real OAuth clients (oauth4webapi 3, openid-client 6)
 * over real HTTP on 127.0.0.1, each also parsed by the strict RFC 9110 parser of the tests.
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import jwt from '@fastify/jwt'
import * as oauth from 'oauth4webapi'
import * as client from 'openid-client'
import authErrors, { AuthError } from '../lib/index.js'
import { parseChallenges, type ParsedChallenge } from './helpers/auth-params.js'

const REALM = 'photos "v2"'
const RESOURCE = 'https://api.example.com/'
const METADATA = 'https://api.example.com/.well-known/oauth-protected-resource'
const SECRET = 'an-interop-secret-that-is-long-enough'
const NONCE = 'rs-nonce-1'
const AS_NONCE = 'as-nonce-1'

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown

/** The DPoP proof's `nonce` claim (the test server only reads it; it does not verify proofs). */
function proofNonce (request: FastifyRequest): string | undefined {
  const proof = request.headers.dpop
  if (typeof proof !== 'string') return undefined
  const payload = proof.split('.')[1] ?? ''
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { nonce?: string }).nonce
}

/** Every 401 (and the 403) the plugin can send, one route each. */
const resourceRoutes: Record<string, Handler> = {
  'bare-bearer': (_request, reply) => reply.authChallenge({ schemes: ['Bearer'] }),
  'bare-dpop': (_request, reply) => reply.authChallenge({ schemes: ['DPoP'] }),
  'bare-both': (_request, reply) => reply.authChallenge({ schemes: ['Bearer', 'DPoP'], scope: 'photos' }),
  invalid_token: (_request, reply) => reply.authError('invalid_token', { description: 'The access token expired' }),
  insufficient_scope: (_request, reply) => reply.authError('insufficient_scope', { scope: ['photos:read', 'photos:write'] }),
  invalid_request: (_request, reply) => reply.authError('invalid_request', { description: 'Two access tokens were sent' }),
  'step-up': () => { throw new AuthError('insufficient_user_authentication', { acrValues: ['gold', 'urn:mace:incommon:iap:silver'], maxAge: 0 }) },
  invalid_dpop_proof: (_request, reply) => reply.authError('invalid_dpop_proof', { description: 'The proof is for another URI' }),
  token_inactive: (_request, reply) => reply.authError('token_inactive'),
  request_unauthorized: (_request, reply) => reply.authError('request_unauthorized'),
  'foreign-401': () => { throw Object.assign(new Error('upstream said no'), { statusCode: 401 }) },
  use_dpop_nonce: (request, reply) => proofNonce(request) === NONCE ? reply.send({ ok: true }) : reply.authError('use_dpop_nonce', { dpopNonce: NONCE })
}

async function startServer () {
  const app = Fastify()
  await app.register(authErrors, { realm: REALM, resourceMetadata: METADATA, schemes: ['Bearer', 'DPoP'], algs: ['ES256', 'EdDSA'] })
  await app.register(jwt, { secret: SECRET })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  for (const [name, handler] of Object.entries(resourceRoutes)) {
    app.get(`/resource/${name}`, { config: { authErrors: { endpoint: 'resource' } } }, handler)
  }
  app.get('/resource/jwt', { onRequest: async (request) => { await request.jwtVerify() } }, async () => ({ ok: true }))
  app.get('/.well-known/oauth-protected-resource', async () => ({ resource: RESOURCE, authorization_servers: ['https://as.example.com'] }))
  // the authorization server side: a token endpoint
  app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (request, reply) => {
    const body = request.body as Record<string, string>
    if (body.scope === 'nonce' && request.headers.dpop !== undefined && proofNonce(request) !== AS_NONCE) {
      return reply.authError('use_dpop_nonce', { dpopNonce: AS_NONCE })
    }
    if (body.scope === 'proof') return reply.authError('invalid_dpop_proof')
    if (body.client_secret === 'right' || request.headers.authorization === 'Basic ' + Buffer.from('c1:right').toString('base64')) {
      return { access_token: 'at', token_type: request.headers.dpop === undefined ? 'bearer' : 'dpop', expires_in: 60 }
    }
    return reply.authError('invalid_client')
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}

const app = await startServer()
t.teardown(() => app.close())
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
const insecure = { [oauth.allowInsecureRequests]: true }
const as: oauth.AuthorizationServer = { issuer: base, token_endpoint: `${base}/token` }
const oauthClient: oauth.Client = { client_id: 'c1' }

/** oauth4webapi's view of a protected resource response: the challenge error, or undefined. */
async function o4wChallenges (path: string, token = 'at', options: Parameters<typeof oauth.protectedResourceRequest>[5] = {}) {
  try {
    await oauth.protectedResourceRequest(token, 'GET', new URL(path, base), undefined, undefined, { ...insecure, ...options })
    return undefined
  } catch (err) {
    if (!(err instanceof oauth.WWWAuthenticateChallengeError)) throw err
    return err
  }
}

/** Our strict parse, in oauth4webapi's shape (lower-case scheme, `parameters`). */
function asO4w (challenges: ParsedChallenge[]) {
  return challenges.map(c => ({ scheme: c.scheme.toLowerCase(), parameters: c.params }))
}

async function strict (path: string, headers: Record<string, string>) {
  const res = await fetch(new URL(path, base), { headers })
  return { status: res.status, challenges: parseChallenges(String(res.headers.get('www-authenticate'))), nonce: res.headers.get('dpop-nonce') }
}

t.test('E1 E4 F1 F4 G1 oauth4webapi reads every 401 and 403 challenge as our strict parser does', async t => {
  const expected: Record<string, { status: number, errors: Array<string | undefined> }> = {
    'bare-bearer': { status: 401, errors: [undefined] },
    'bare-dpop': { status: 401, errors: [undefined] },
    'bare-both': { status: 401, errors: [undefined, undefined] },
    invalid_token: { status: 401, errors: ['invalid_token', undefined] },
    insufficient_scope: { status: 403, errors: ['insufficient_scope', undefined] },
    invalid_request: { status: 400, errors: ['invalid_request', undefined] },
    'step-up': { status: 401, errors: ['insufficient_user_authentication', undefined] },
    invalid_dpop_proof: { status: 401, errors: ['invalid_dpop_proof', undefined] },
    token_inactive: { status: 401, errors: ['token_inactive', undefined] },
    request_unauthorized: { status: 401, errors: ['request_unauthorized', undefined] },
    'foreign-401': { status: 401, errors: ['invalid_token', undefined] },
    jwt: { status: 401, errors: ['invalid_token', undefined] }
  }
  for (const [name, { status, errors }] of Object.entries(expected)) {
    const path = `/resource/${name}`
    const err = await o4wChallenges(path)
    t.ok(err, `${name}: WWWAuthenticateChallengeError`)
    t.equal(err?.status, status, name)
    const ours = await strict(path, { authorization: 'Bearer at' })
    t.same(err?.cause, asO4w(ours.challenges), `${name}: same challenges`)
    t.same(err?.cause.map(c => c.parameters.error), errors, `${name}: errors`)
    for (const challenge of err?.cause ?? []) {
      t.equal(challenge.parameters.realm, REALM, `${name}: realm unescaped`)
      t.equal(challenge.parameters.resource_metadata, METADATA, `${name}: resource_metadata`)
    }
    t.comment(`${name} ${status}: ${JSON.stringify(err?.cause)}`)
  }
  const stepUp = (await o4wChallenges('/resource/step-up'))?.cause[0]?.parameters
  t.equal(stepUp?.acr_values, 'gold urn:mace:incommon:iap:silver')
  t.equal(stepUp?.max_age, '0')
  const scope = (await o4wChallenges('/resource/insufficient_scope'))?.cause[0]?.parameters
  t.equal(scope?.scope, 'photos:read photos:write')
  const dpop = (await o4wChallenges('/resource/bare-dpop'))?.cause[0]
  t.same(dpop, { scheme: 'dpop', parameters: { realm: REALM, algs: 'ES256 EdDSA', resource_metadata: METADATA } })
})

t.test('F3 F4 oauth4webapi DPoP: isDPoPNonceError, the nonce cached from DPoP-Nonce, the retry succeeds', async t => {
  const keyPair = await oauth.generateKeyPair('ES256', { extractable: true })
  const handle = oauth.DPoP(oauthClient, keyPair)
  const err = await o4wChallenges('/resource/use_dpop_nonce', 'at', { DPoP: handle })
  t.ok(err)
  t.ok(oauth.isDPoPNonceError(err), 'isDPoPNonceError')
  t.equal(err?.status, 401)
  t.same(err?.cause.map(c => [c.scheme, c.parameters.error]), [['bearer', undefined], ['dpop', 'use_dpop_nonce']], 'the error only in the DPoP challenge')
  const response = await oauth.protectedResourceRequest('at', 'GET', new URL('/resource/use_dpop_nonce', base), undefined, undefined, { ...insecure, DPoP: handle })
  t.equal(response.status, 200, 'the retry carries the cached nonce')
  t.same(await response.json(), { ok: true })
  const ours = await strict('/resource/use_dpop_nonce', { authorization: 'DPoP at', dpop: 'x.e30.x' })
  t.equal(ours.nonce, NONCE)
  t.same(asO4w(ours.challenges), err?.cause)
})

t.test('E7 oauth4webapi follows resource_metadata to the protected resource metadata', async t => {
  const err = await o4wChallenges('/resource/invalid_token')
  const url = err?.cause[0]?.parameters.resource_metadata as string
  t.equal(url, METADATA)
  const requested: string[] = []
  const loopback = async (input: string | URL | Request, init?: RequestInit) => {
    const target = new URL(String(input))
    requested.push(target.href)
    return fetch(`${base}${target.pathname}`, init)
  }
  const response = await oauth.resourceDiscoveryRequest(new URL(RESOURCE), { [oauth.customFetch]: loopback })
  const metadata = await oauth.processResourceDiscoveryResponse(new URL(RESOURCE), response)
  t.same(requested, [url], 'the discovery URL is the one the challenge named')
  t.equal(metadata.resource, RESOURCE)
})

t.test('D3 oauth4webapi at the token endpoint: Basic challenge, Bearer challenge, plain 400', async t => {
  const basic = await oauth.clientCredentialsGrantRequest(as, oauthClient, oauth.ClientSecretBasic('wrong'), {}, insecure)
  const basicError = await oauth.processClientCredentialsResponse(as, oauthClient, basic).catch((err: unknown) => err)
  t.ok(basicError instanceof oauth.WWWAuthenticateChallengeError)
  t.equal((basicError as oauth.WWWAuthenticateChallengeError).status, 401)
  t.same((basicError as oauth.WWWAuthenticateChallengeError).cause, [{ scheme: 'basic', parameters: { realm: REALM, charset: 'UTF-8' } }])

  for (const scheme of ['Bearer', 'DPoP']) {
    // a client that authenticates with an access token (e.g. an initial access token)
    const tokenAuth: oauth.ClientAuth = (_as, _client, _body, headers) => { headers.set('authorization', `${scheme} expired`) }
    const response = await oauth.genericTokenEndpointRequest(as, oauthClient, tokenAuth, 'client_credentials', {}, insecure)
    const error = await oauth.processGenericTokenEndpointResponse(as, oauthClient, response).catch((err: unknown) => err)
    t.ok(error instanceof oauth.WWWAuthenticateChallengeError, scheme)
    t.equal((error as oauth.WWWAuthenticateChallengeError).status, 401)
    t.same((error as oauth.WWWAuthenticateChallengeError).cause.map(c => [c.scheme, c.parameters.error]), [[scheme.toLowerCase(), 'invalid_client']], `only the ${scheme} challenge`)
  }

  const post = await oauth.clientCredentialsGrantRequest(as, oauthClient, oauth.ClientSecretPost('wrong'), {}, insecure)
  t.equal(post.headers.get('www-authenticate'), null)
  const postError = await oauth.processClientCredentialsResponse(as, oauthClient, post).catch((err: unknown) => err)
  t.ok(postError instanceof oauth.ResponseBodyError, 'a body error, no challenge')
  t.equal((postError as oauth.ResponseBodyError).status, 400)
  t.equal((postError as oauth.ResponseBodyError).error, 'invalid_client')

  const ok = await oauth.clientCredentialsGrantRequest(as, oauthClient, oauth.ClientSecretBasic('right'), {}, insecure)
  t.equal((await oauth.processClientCredentialsResponse(as, oauthClient, ok)).access_token, 'at')
})

t.test('D7 oauth4webapi at the token endpoint: use_dpop_nonce is a 400 body error with a nonce it caches', async t => {
  const handle = oauth.DPoP(oauthClient, await oauth.generateKeyPair('ES256', { extractable: true }))
  const first = await oauth.clientCredentialsGrantRequest(as, oauthClient, oauth.ClientSecretPost('right'), { scope: 'nonce' }, { ...insecure, DPoP: handle })
  t.equal(first.status, 400)
  t.equal(first.headers.get('dpop-nonce'), AS_NONCE)
  t.equal(first.headers.get('www-authenticate'), null)
  const err = await oauth.processClientCredentialsResponse(as, oauthClient, first).catch((error: unknown) => error)
  t.ok(err instanceof oauth.ResponseBodyError)
  t.ok(oauth.isDPoPNonceError(err))
  const retry = await oauth.clientCredentialsGrantRequest(as, oauthClient, oauth.ClientSecretPost('right'), { scope: 'nonce' }, { ...insecure, DPoP: handle })
  t.equal((await oauth.processClientCredentialsResponse(as, oauthClient, retry)).token_type, 'dpop')

  const proof = await oauth.clientCredentialsGrantRequest(as, oauthClient, oauth.ClientSecretPost('right'), { scope: 'proof' }, { ...insecure, DPoP: handle })
  const proofError = await oauth.processClientCredentialsResponse(as, oauthClient, proof).catch((error: unknown) => error)
  t.ok(proofError instanceof oauth.ResponseBodyError)
  t.equal((proofError as oauth.ResponseBodyError).status, 400)
  t.equal((proofError as oauth.ResponseBodyError).error, 'invalid_dpop_proof')
})

t.test('E1 F3 G1 openid-client fetchProtectedResource: every challenge as a WWWAuthenticateChallengeError', async t => {
  const config = new client.Configuration({ issuer: base, token_endpoint: `${base}/token` }, 'c1', undefined, client.ClientSecretPost('right'))
  client.allowInsecureRequests(config)
  for (const name of [...Object.keys(resourceRoutes).filter(name => name !== 'use_dpop_nonce'), 'jwt']) {
    const err = await client.fetchProtectedResource(config, 'at', new URL(`/resource/${name}`, base), 'GET').then(() => undefined, (error: unknown) => error)
    t.ok(err instanceof client.WWWAuthenticateChallengeError, name)
    const ours = await strict(`/resource/${name}`, { authorization: 'Bearer at' })
    t.same((err as client.WWWAuthenticateChallengeError).cause, asO4w(ours.challenges), `${name}: same challenges`)
    t.equal((err as client.WWWAuthenticateChallengeError).status, ours.status)
  }

  t.test('openid-client retries a use_dpop_nonce answer once with the nonce, at the resource and the token endpoint', async t => {
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
    const response = await client.fetchProtectedResource(config, 'at', new URL('/resource/use_dpop_nonce', base), 'GET', undefined, undefined, { DPoP })
    t.equal(response.status, 200)
    const tokens = await client.clientCredentialsGrant(config, { scope: 'nonce' }, { DPoP })
    t.equal(tokens.token_type, 'dpop')
  })

  t.test('openid-client D3: invalid_client with Basic is a Basic challenge', async t => {
    const basic = new client.Configuration({ issuer: base, token_endpoint: `${base}/token` }, 'c1', undefined, client.ClientSecretBasic('wrong'))
    client.allowInsecureRequests(basic)
    const err = await client.clientCredentialsGrant(basic).then(() => undefined, (error: unknown) => error)
    t.ok(err instanceof client.WWWAuthenticateChallengeError)
    t.same((err as client.WWWAuthenticateChallengeError).cause, [{ scheme: 'basic', parameters: { realm: REALM, charset: 'UTF-8' } }])
  })
})
