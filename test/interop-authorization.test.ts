import t, { type Test } from 'tap'
import { webcrypto } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import * as oauth from 'oauth4webapi'
import * as client from 'openid-client'
import { chromium } from 'playwright-core'
import authErrors, { catalog, type AuthErrorCode, type JarmClaims } from '../lib/index.js'

// Real OAuth clients read the authorization error responses authRedirect sends:
// oauth4webapi's validateAuthResponse / validateJwtAuthResponse (with the RFC 9207 iss check and
// the state check) and openid-client's authorizationCodeGrant / implicitAuthentication.

const ISSUER = 'https://as.example.com'
const CLIENT_ID = 'interop-client'
const CODES: AuthErrorCode[] = ['access_denied', 'invalid_scope', 'unsupported_response_type', 'server_error', 'temporarily_unavailable', 'login_required', 'consent_required']
const STATE = 'xyz "&=#<>" é'

function portOf (app: FastifyInstance): number {
  return (app.server.address() as { port: number }).port
}

// The application's JARM signer: ES256 with WebCrypto.
const keyPair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
const { kty, crv, x, y } = await webcrypto.subtle.exportKey('jwk', keyPair.publicKey)
async function sign (claims: JarmClaims): Promise<string> {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = encode({ alg: 'ES256', kid: 'k1', typ: 'JWT' }) + '.' + encode(claims)
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.privateKey, Buffer.from(input))
  return input + '.' + Buffer.from(signature).toString('base64url')
}

/** The client's callback: hands every form_post it receives to a waiting test as a web Request. */
const posts: Array<(request: Request) => void> = []
const callback = Fastify()
callback.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
callback.post('/cb', async (request, reply) => {
  const url = `http://127.0.0.1:${portOf(callback)}${request.url}`
  posts.shift()?.(new Request(url, { method: 'POST', headers: { 'content-type': String(request.headers['content-type']) }, body: request.body as string }))
  return reply.type('text/html').send('<!DOCTYPE html><title>ok</title>')
})
await callback.listen({ host: '127.0.0.1', port: 0 })
const REDIRECT_URI = `http://127.0.0.1:${portOf(callback)}/cb?tenant=t1`

/** Starts an authorization server whose /authorize answers with `?send=<code>`. */
async function startServer (issuer: string | undefined): Promise<{ app: FastifyInstance, origin: string }> {
  const app = Fastify()
  await app.register(authErrors, { issuer, errorUri: 'https://docs.example.com/errors' })
  app.get('/jwks', async () => ({ keys: [{ kty, crv, x, y, kid: 'k1', alg: 'ES256', use: 'sig' }] }))
  app.get('/authorize', (request, reply) => {
    const query = request.query as Record<string, string>
    return reply.authRedirect(query.send as AuthErrorCode, {
      redirectUri: REDIRECT_URI,
      responseType: query.response_type,
      responseMode: query.response_mode,
      state: query.state,
      clientId: query.client_id,
      jarm: { sign }
    })
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, origin: `http://127.0.0.1:${portOf(app)}` }
}

const server = await startServer(ISSUER)
const noIssuer = await startServer(undefined)
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']
})
t.teardown(async () => {
  await browser.close()
  await server.app.close()
  await noIssuer.app.close()
  await callback.close()
})

const metadata: oauth.AuthorizationServer = {
  issuer: ISSUER,
  authorization_endpoint: server.origin + '/authorize',
  token_endpoint: server.origin + '/token',
  jwks_uri: server.origin + '/jwks',
  authorization_response_iss_parameter_supported: true,
  authorization_signing_alg_values_supported: ['ES256']
}
const oauthClient: oauth.Client = { client_id: CLIENT_ID, authorization_signed_response_alg: 'ES256' }

function authorizeUrl (origin: string, params: Record<string, string>): string {
  return origin + '/authorize?' + new URLSearchParams({ client_id: CLIENT_ID, state: STATE, ...params }).toString()
}

async function locationOf (url: string): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' })
  if (response.status !== 302) throw new Error(`expected a 302, got ${response.status}`)
  return new URL(response.headers.get('location') as string)
}

/** Runs a client call that must reject, and gives what it rejected with. */
async function rejection (call: () => unknown): Promise<unknown> {
  try {
    await call()
  } catch (err) {
    return err
  }
  throw new Error('the client accepted an error response')
}

/** Asserts that a client surfaced exactly the error the plugin sent. */
function surfaced (t: Test, err: unknown, code: string, label: string): void {
  t.ok(err instanceof oauth.AuthorizationResponseError, `${label}: AuthorizationResponseError`)
  const error = err as oauth.AuthorizationResponseError
  t.equal(error.error, code, `${label}: error=${code}`)
  const brief = ['login_required', 'consent_required'].includes(code)
  t.equal(error.error_description, brief ? undefined : (catalog as Record<string, { description: string }>)[code]?.description, `${label}: error_description`)
  t.equal(error.cause.get('state'), STATE, `${label}: state`)
  t.equal(error.cause.get('iss'), ISSUER, `${label}: iss`)
  t.comment(`${label}: ${error.constructor.name} error=${error.error} state=${JSON.stringify(error.cause.get('state'))} iss=${error.cause.get('iss') ?? ''}`)
}

function openidConfig (): client.Configuration {
  return new client.Configuration(metadata as client.ServerMetadata, CLIENT_ID)
}

t.test('B5 oauth4webapi validates query and fragment error responses, iss and state included', async (t) => {
  for (const code of CODES) {
    const query = await locationOf(authorizeUrl(server.origin, { send: code, response_type: 'code' }))
    surfaced(t, await rejection(() => oauth.validateAuthResponse(metadata, oauthClient, query, STATE)), code, `oauth4webapi query ${code}`)

    const fragment = await locationOf(authorizeUrl(server.origin, { send: code, response_type: 'code', response_mode: 'fragment' }))
    t.equal(fragment.search, '?tenant=t1', 'the fragment mode leaves the own query alone')
    const params = new URLSearchParams(fragment.hash.slice(1))
    surfaced(t, await rejection(() => oauth.validateAuthResponse(metadata, oauthClient, params, STATE)), code, `oauth4webapi fragment ${code}`)
  }
})

t.test('B5 the iss and state checks are live: a wrong issuer, a missing iss or a wrong state is refused', async (t) => {
  const query = await locationOf(authorizeUrl(server.origin, { send: 'access_denied' }))
  const wrongIssuer = await rejection(() => oauth.validateAuthResponse({ ...metadata, issuer: 'https://other.example.com' }, oauthClient, query, STATE))
  t.notOk(wrongIssuer instanceof oauth.AuthorizationResponseError, 'another issuer is refused before the error is read')
  t.match((wrongIssuer as Error).message, /iss/)
  const wrongState = await rejection(() => oauth.validateAuthResponse(metadata, oauthClient, query, 'other'))
  t.match((wrongState as Error).message, /state/)
  const bare = await locationOf(authorizeUrl(noIssuer.origin, { send: 'access_denied' }))
  const missing = await rejection(() => oauth.validateAuthResponse(metadata, oauthClient, bare, STATE))
  t.match((missing as Error).message, /"iss" \(issuer\) missing/, 'without the issuer option there is no iss, which an RFC 9207 client notices')
})

t.test('C1 openid-client surfaces the error of a query (code) and a fragment (id_token) response', async (t) => {
  for (const code of CODES) {
    const query = await locationOf(authorizeUrl(server.origin, { send: code, response_type: 'code' }))
    surfaced(t, await rejection(() => client.authorizationCodeGrant(openidConfig(), query, { expectedState: STATE })), code, `openid-client query ${code}`)

    const implicit = openidConfig()
    client.useIdTokenResponseType(implicit)
    const fragment = await locationOf(authorizeUrl(server.origin, { send: code, response_type: 'id_token' }))
    t.equal(fragment.searchParams.get('error'), null, 'id_token: nothing in the query (C2)')
    surfaced(t, await rejection(() => client.implicitAuthentication(implicit, fragment, 'nonce', { expectedState: STATE })), code, `openid-client fragment ${code}`)
  }
})

t.test('C3 the form_post body Chromium posts is read by oauth4webapi and openid-client', async (t) => {
  for (const code of CODES) {
    const received = new Promise<Request>((resolve) => { posts.push(resolve) })
    const page = await browser.newPage()
    await page.goto(authorizeUrl(server.origin, { send: code, response_type: 'code', response_mode: 'form_post' }), { waitUntil: 'commit' })
    const request = await received
    await page.close()
    const body = await request.clone().text()
    surfaced(t, await rejection(() => oauth.validateAuthResponse(metadata, oauthClient, new URLSearchParams(body), STATE)), code, `oauth4webapi form_post ${code}`)
    surfaced(t, await rejection(() => client.authorizationCodeGrant(openidConfig(), request, { expectedState: STATE })), code, `openid-client form_post ${code}`)
  }
})

t.test('C4 JARM responses are verified and read by oauth4webapi and openid-client', async (t) => {
  for (const code of CODES) {
    const location = await locationOf(authorizeUrl(server.origin, { send: code, response_type: 'code', response_mode: 'jwt' }))
    t.same([...location.searchParams.keys()], ['tenant', 'response'], 'query.jwt: the own query, then response alone')
    const err = await rejection(() => oauth.validateJwtAuthResponse(metadata, oauthClient, location, STATE, { [oauth.allowInsecureRequests]: true }))
    surfaced(t, err, code, `oauth4webapi JARM ${code}`)

    const config = openidConfig()
    client.allowInsecureRequests(config) // the test JWKS is served over http on 127.0.0.1
    client.useJwtResponseMode(config)
    surfaced(t, await rejection(() => client.authorizationCodeGrant(config, location, { expectedState: STATE })), code, `openid-client JARM ${code}`)
  }
})
