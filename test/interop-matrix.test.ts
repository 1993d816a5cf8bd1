// Real OAuth clients against the demo over real HTTP: every class of error response the plugin
// produces is driven with oauth4webapi and with openid-client 6, and each must surface the exact
// code (and state and iss where they apply). The results make docs/interop.md: run with
// UPDATE_INTEROP=1 to rewrite it; otherwise the test fails when the committed table differs.
import t from 'tap'
import { createHash } from 'node:crypto'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as oauth from 'oauth4webapi'
import * as client from 'openid-client'

const root = join(import.meta.dirname, '..')
const DEFAULT_ISSUER = 'https://as.example.test'

// The demo runs as `npm start` runs it (examples/start.js on the built package), on a free
// port. `env -u NODE_OPTIONS` keeps tap's coverage hooks out of it: test/demo.test.ts measures
// the demo's coverage, and a second, differently loaded copy would not merge with it.
const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, join(root, 'examples', 'start.js')], {
  env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', HTTPS_ISSUER: DEFAULT_ISSUER },
  stdio: ['ignore', 'pipe', 'inherit']
})
t.teardown(() => { child.kill('SIGTERM') })
const origin = await new Promise<string>((resolve, reject) => {
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    const found = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
    if (found !== null) resolve(found[1] as string)
  })
  child.once('exit', () => { reject(new Error('the demo exited: ' + output)) })
})
const CALLBACK = 'http://127.0.0.1:8080/callback'
const VERIFIER = oauth.generateRandomCodeVerifier()
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url')

// The issuer is https (RFC 9207 needs it), the endpoints are plain http on loopback: the
// metadata is given to both clients by hand, and both are allowed http.
const as: oauth.AuthorizationServer = {
  issuer: DEFAULT_ISSUER,
  authorization_endpoint: origin + '/authorize',
  token_endpoint: origin + '/token',
  revocation_endpoint: origin + '/revoke',
  introspection_endpoint: origin + '/introspect',
  jwks_uri: origin + '/jwks.json',
  authorization_response_iss_parameter_supported: true,
  authorization_signing_alg_values_supported: ['ES256']
}
const confidential: oauth.Client = { client_id: 'demo-confidential', authorization_signed_response_alg: 'ES256' }
const publicClient: oauth.Client = { client_id: 'demo-public', authorization_signed_response_alg: 'ES256' }

/** Every HTTP response either client received, for the HTTP column. */
let seen: Response[] = []
const record = async (url: string, init?: RequestInit): Promise<Response> => {
  const response = await fetch(url, init)
  seen.push(response.clone())
  return response
}
const o4w = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: record } as const

function configuration (clientId: string, auth: client.ClientAuth, fetchImpl: typeof record = record): client.Configuration {
  const config = new client.Configuration(as as client.ServerMetadata, clientId, { authorization_signed_response_alg: 'ES256' }, auth)
  client.allowInsecureRequests(config)
  config[client.customFetch] = fetchImpl
  return config
}

// ---------------------------------------------------------------- describing results

/** One line for what an HTTP response said. */
async function httpLine (response: Response): Promise<string> {
  const parts = [String(response.status)]
  const challenge = response.headers.get('www-authenticate')
  if (challenge !== null) {
    parts.push('WWW-Authenticate: ' + challenge.split(/, (?=Bearer|DPoP|Basic)/).map(one => {
      const scheme = one.split(' ')[0] as string
      const error = /error="([^"]+)"/.exec(one)?.[1]
      const extra = ['scope', 'acr_values', 'max_age'].map(name => new RegExp(`${name}="([^"]+)"`).exec(one)).filter(Boolean).map(m => (m as RegExpExecArray)[0])
      return [scheme, error === undefined ? '(no error)' : 'error=' + error, ...extra].join(' ')
    }).join(' / '))
  }
  if (response.headers.has('dpop-nonce')) parts.push('DPoP-Nonce')
  if (response.headers.has('retry-after')) parts.push('Retry-After: ' + String(response.headers.get('retry-after')))
  const type = response.headers.get('content-type') ?? ''
  const location = response.headers.get('location')
  if (location !== null) {
    const url = new URL(location)
    const where = url.hash === '' ? 'query' : 'fragment'
    const params = new URLSearchParams(where === 'query' ? url.search : url.hash.slice(1))
    parts.push(`Location (${where}): ` + [...params.keys()].map(key => key === 'error' ? 'error=' + String(params.get(key)) : key).join(' '))
  } else if (type.startsWith('text/html')) {
    parts.push('form_post page: ' + formFields(await response.text()).map(([name, value]) => name === 'error' ? 'error=' + value : name).join(' '))
  } else if (type.includes('json')) {
    const body = await response.json() as Record<string, unknown>
    parts.push(type.split(';')[0] + ' ' + (typeof body.error === 'string' ? 'error=' + body.error : JSON.stringify(body)))
  }
  return parts.join(', ')
}

function formFields (html: string): Array<[string, string]> {
  return [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g)].map(m => [m[1] as string, (m[2] as string).replace(/&#34;/g, '"').replace(/&#38;/g, '&')])
}

/** One line for what a client surfaced (an error it threw, or its result). */
function clientLine (outcome: unknown): string {
  if (outcome instanceof oauth.ResponseBodyError) return `ResponseBodyError status=${outcome.status} error=${outcome.error}`
  if (outcome instanceof oauth.WWWAuthenticateChallengeError) {
    const withError = outcome.cause.find(challenge => challenge.parameters.error !== undefined)
    const shown = withError ?? outcome.cause[0]
    return `WWWAuthenticateChallengeError status=${outcome.status} ${shown?.scheme ?? ''}` + (withError === undefined ? ' (no error)' : ` error=${String(withError.parameters.error)}`)
  }
  if (outcome instanceof oauth.AuthorizationResponseError) {
    return `AuthorizationResponseError error=${outcome.error}` + (outcome.cause.has('state') ? ` state=${String(outcome.cause.get('state'))}` : '') + (outcome.cause.has('iss') ? ' iss checked' : '')
  }
  if (outcome instanceof client.ClientError || outcome instanceof oauth.OperationProcessingError) {
    const status = outcome.cause instanceof Response ? ` status=${outcome.cause.status}` : ''
    return `${outcome.constructor.name} ${String(outcome.code)}${status}`
  }
  if (outcome instanceof Error) return `${outcome.constructor.name}: ${outcome.message}`
  return 'ok ' + JSON.stringify(outcome)
}

async function settle (work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work()
  } catch (error) {
    return error
  }
}

interface Row { name: string, http: string, oauth4webapi: string, openidClient: string }
const rows: Row[] = []

/**
 * Runs one case with both clients. `expect` is what each client must surface (a substring of
 * its line); the HTTP line comes from the first response the case received.
 */
async function matrix (t: Pick<typeof import('tap').default, 'match'>, name: string, drive: { o4w: () => Promise<unknown>, oc: () => Promise<unknown> }, expect: { o4w: string, oc: string, http: string }): Promise<void> {
  seen = []
  const a = clientLine(await settle(drive.o4w))
  const http = seen[0] === undefined ? '(no request)' : await httpLine(seen[0])
  seen = []
  const b = clientLine(await settle(drive.oc))
  t.match(http, expect.http, `${name}: HTTP`)
  t.match(a, expect.o4w, `${name}: oauth4webapi surfaces ${expect.o4w}`)
  t.match(b, expect.oc, `${name}: openid-client surfaces ${expect.oc}`)
  rows.push({ name, http, oauth4webapi: a, openidClient: b })
}

// ---------------------------------------------------------------- helpers that get tokens

async function clientToken (scope: string, dpop?: oauth.DPoPHandle): Promise<string> {
  const options = { ...o4w, DPoP: dpop }
  let response = await oauth.clientCredentialsGrantRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), { scope }, options)
  let result = await settle(() => oauth.processClientCredentialsResponse(as, confidential, response))
  if (oauth.isDPoPNonceError(result)) {
    response = await oauth.clientCredentialsGrantRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), { scope }, options)
    result = await oauth.processClientCredentialsResponse(as, confidential, response)
  }
  return (result as oauth.TokenEndpointResponse).access_token
}

/** Follows an authorization request by hand (the user agent) and returns the raw response. */
async function authorize (params: Record<string, string>): Promise<Response> {
  const url = new URL(as.authorization_endpoint as string)
  for (const [key, value] of Object.entries({ client_id: 'demo-public', redirect_uri: CALLBACK, response_type: 'code', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...params })) url.searchParams.set(key, value)
  const response = await fetch(url, { redirect: 'manual' })
  seen.push(response.clone())
  return response
}

/** The callback as the client application sees it: the redirect URL, or the form_post request. */
async function callback (response: Response): Promise<URL | Request> {
  const location = response.headers.get('location')
  if (location !== null) return new URL(location)
  return new Request(CALLBACK, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(formFields(await response.text())) })
}

async function o4wCallbackParams (response: Response): Promise<URLSearchParams> {
  const target = await callback(response)
  if (target instanceof URL) return new URLSearchParams(target.hash === '' ? target.search : target.hash.slice(1))
  return new URLSearchParams(await target.text())
}

const publicOc = (): client.Configuration => configuration('demo-public', client.None())
const state = 'st-' + 'x'.repeat(8)

// ---------------------------------------------------------------- the matrix

t.test('interop: every error response class, read by oauth4webapi and openid-client', async t => {
  await matrix(t, 'token endpoint 400 (invalid_grant)', {
    o4w: async () => oauth.processRefreshTokenResponse(as, confidential, await oauth.refreshTokenGrantRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), 'unknown', o4w)),
    oc: async () => client.refreshTokenGrant(configuration('demo-confidential', client.ClientSecretBasic('demo-secret')), 'unknown')
  }, { http: '400, application/json error=invalid_grant', o4w: 'ResponseBodyError status=400 error=invalid_grant', oc: 'ResponseBodyError status=400 error=invalid_grant' })

  await matrix(t, 'invalid_client, client_secret_basic (401 Basic)', {
    o4w: async () => oauth.processClientCredentialsResponse(as, confidential, await oauth.clientCredentialsGrantRequest(as, confidential, oauth.ClientSecretBasic('wrong'), {}, o4w)),
    oc: async () => client.clientCredentialsGrant(configuration('demo-confidential', client.ClientSecretBasic('wrong')))
  }, { http: '401, WWW-Authenticate: Basic (no error), application/json error=invalid_client', o4w: 'WWWAuthenticateChallengeError status=401 basic (no error)', oc: 'WWWAuthenticateChallengeError status=401 basic (no error)' })

  await matrix(t, 'invalid_client, client_secret_post (400)', {
    o4w: async () => oauth.processClientCredentialsResponse(as, confidential, await oauth.clientCredentialsGrantRequest(as, confidential, oauth.ClientSecretPost('wrong'), {}, o4w)),
    oc: async () => client.clientCredentialsGrant(configuration('demo-confidential', client.ClientSecretPost('wrong')))
  }, { http: '400, application/json error=invalid_client', o4w: 'ResponseBodyError status=400 error=invalid_client', oc: 'ResponseBodyError status=400 error=invalid_client' })

  const dpopKeys = await oauth.generateKeyPair('ES256')
  await matrix(t, 'use_dpop_nonce at the token endpoint (400 + DPoP-Nonce)', {
    o4w: async () => oauth.processClientCredentialsResponse(as, confidential, await oauth.clientCredentialsGrantRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), {}, { ...o4w, DPoP: oauth.DPoP(confidential, dpopKeys) })),
    oc: async () => {
      const config = configuration('demo-confidential', client.ClientSecretBasic('demo-secret'))
      const result = await client.clientCredentialsGrant(config, {}, { DPoP: client.getDPoPHandle(config, dpopKeys) })
      return `retried with the nonce: token_type=${result.token_type}`
    }
  }, { http: '400, DPoP-Nonce, application/json error=use_dpop_nonce', o4w: 'ResponseBodyError status=400 error=use_dpop_nonce', oc: 'retried with the nonce: token_type=dpop' })

  const profileToken = await clientToken('profile')
  const resource = (path: string, token: string, options: { strip?: boolean, dpop?: () => oauth.DPoPHandle } = {}): { o4w: () => Promise<unknown>, oc: () => Promise<unknown> } => {
    const strip = async (url: string, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers)
      if (options.strip === true) headers.delete('authorization')
      return record(url, { ...init, headers })
    }
    return {
      o4w: async () => oauth.protectedResourceRequest(token, 'GET', new URL(origin + path), undefined, undefined, { ...o4w, [oauth.customFetch]: strip, DPoP: options.dpop?.() }),
      oc: async () => {
        const config = configuration('demo-confidential', client.ClientSecretBasic('demo-secret'), strip)
        const response = await client.fetchProtectedResource(config, token, new URL(origin + path), 'GET', undefined, undefined, { DPoP: options.dpop?.() })
        return `status ${response.status}`
      }
    }
  }

  await matrix(t, 'resource, no credentials: bare challenge (401)', resource('/api/orders', profileToken, { strip: true }),
    { http: '401, WWW-Authenticate: Bearer (no error) scope="orders:read" / DPoP (no error) scope="orders:read"', o4w: 'WWWAuthenticateChallengeError status=401 bearer (no error)', oc: 'WWWAuthenticateChallengeError status=401 bearer (no error)' })
  await matrix(t, 'resource, invalid_token (401)', resource('/api/me', 'unknown-token'),
    { http: '401, WWW-Authenticate: Bearer error=invalid_token / DPoP (no error), application/json error=invalid_token', o4w: 'WWWAuthenticateChallengeError status=401 bearer error=invalid_token', oc: 'WWWAuthenticateChallengeError status=401 bearer error=invalid_token' })
  await matrix(t, 'resource, insufficient_scope (403)', resource('/api/orders', profileToken),
    { http: '403, WWW-Authenticate: Bearer error=insufficient_scope scope="orders:read"', o4w: 'WWWAuthenticateChallengeError status=403 bearer error=insufficient_scope', oc: 'WWWAuthenticateChallengeError status=403 bearer error=insufficient_scope' })
  await matrix(t, 'resource, problem+json body (403)', resource('/api/reports', profileToken),
    { http: '403, WWW-Authenticate: Bearer error=insufficient_scope scope="reports:read" / DPoP (no error), application/problem+json error=insufficient_scope', o4w: 'error=insufficient_scope', oc: 'error=insufficient_scope' })
  await matrix(t, 'resource, step-up insufficient_user_authentication (401)', resource('/api/payments', profileToken),
    { http: 'error=insufficient_user_authentication acr_values="urn:demo:mfa" max_age="300"', o4w: 'status=401 bearer error=insufficient_user_authentication', oc: 'status=401 bearer error=insufficient_user_authentication' })

  const boundKeys = await oauth.generateKeyPair('ES256')
  const boundToken = await clientToken('profile', oauth.DPoP(confidential, boundKeys))
  await matrix(t, 'resource, DPoP use_dpop_nonce (401 + DPoP-Nonce)', resource('/api/me', boundToken, { dpop: () => oauth.DPoP(confidential, boundKeys) }),
    { http: '401, WWW-Authenticate: Bearer (no error) / DPoP error=use_dpop_nonce, DPoP-Nonce', o4w: 'WWWAuthenticateChallengeError status=401 dpop error=use_dpop_nonce', oc: 'ok "status 200"' })
  t.ok(oauth.isDPoPNonceError(await settle(resource('/api/me', boundToken, { dpop: () => oauth.DPoP(confidential, boundKeys) }).o4w)), 'oauth4webapi: isDPoPNonceError')
  await matrix(t, 'resource, DPoP invalid_dpop_proof (401)', {
    o4w: async () => oauth.protectedResourceRequest(boundToken, 'GET', new URL(origin + '/api/me'), new Headers({ dpop: 'x.y.z' }), undefined, o4w),
    oc: async () => client.fetchProtectedResource(configuration('demo-confidential', client.None()), boundToken, new URL(origin + '/api/me'), 'GET', undefined, new Headers({ dpop: 'x.y.z' }))
  }, { http: 'DPoP error=invalid_dpop_proof', o4w: 'dpop error=invalid_dpop_proof', oc: 'dpop error=invalid_dpop_proof' })

  const redirectCase = async (name: string, params: Record<string, string>, expected: string, jarm = false, http = expected): Promise<void> => {
    await matrix(t, name, {
      o4w: async () => {
        const response = await authorize({ state, ...params })
        const received = await o4wCallbackParams(response)
        return jarm
          ? oauth.validateJwtAuthResponse(as, publicClient, received, state, o4w)
          : oauth.validateAuthResponse(as, publicClient, received, state)
      },
      oc: async () => {
        const config = publicOc()
        if (jarm) client.useJwtResponseMode(config)
        let target = await callback(await authorize({ state, ...params }))
        // openid-client reads a code flow response from the query or a form_post body; a
        // fragment is moved to the query by the application's page, as a browser app would.
        if (target instanceof URL && target.hash !== '') target = new URL(CALLBACK + '?' + target.hash.slice(1))
        return client.authorizationCodeGrant(config, target, { expectedState: state, pkceCodeVerifier: VERIFIER })
      }
    }, { http, o4w: `AuthorizationResponseError error=${expected} state=${state}`, oc: `AuthorizationResponseError error=${expected} state=${state}` })
  }
  await redirectCase('authorization error by query (302)', { scope: 'admin' }, 'invalid_scope', false, '302, Location (query): error=invalid_scope error_description state iss')
  await redirectCase('authorization error by fragment (302)', { scope: 'admin', response_mode: 'fragment' }, 'invalid_scope', false, 'Location (fragment): error=invalid_scope')
  await redirectCase('authorization error by form_post (200 HTML)', { scope: 'admin', response_mode: 'form_post' }, 'invalid_scope', false, 'form_post page: error=invalid_scope')
  await redirectCase('authorization error, prompt=none (302)', { prompt: 'none' }, 'login_required', false, 'Location (query): error=login_required state iss')
  await redirectCase('authorization error by JARM (query.jwt)', { scope: 'admin', response_mode: 'jwt' }, 'invalid_scope', true, 'Location (query): response')

  await matrix(t, 'server_error (500)', {
    o4w: async () => oauth.processClientCredentialsResponse(as, confidential, await oauth.clientCredentialsGrantRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), { scope: 'demo:crash' }, o4w)),
    oc: async () => client.clientCredentialsGrant(configuration('demo-confidential', client.ClientSecretBasic('demo-secret')), { scope: 'demo:crash' })
  }, { http: '500, application/json error=server_error', o4w: 'OperationProcessingError OAUTH_RESPONSE_IS_NOT_CONFORM status=500', oc: 'ClientError OAUTH_RESPONSE_IS_NOT_CONFORM status=500' })

  await matrix(t, 'temporarily_unavailable (503 + Retry-After)', {
    o4w: async () => oauth.processClientCredentialsResponse(as, confidential, await oauth.clientCredentialsGrantRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), { scope: 'demo:busy' }, o4w)),
    oc: async () => client.clientCredentialsGrant(configuration('demo-confidential', client.ClientSecretBasic('demo-secret')), { scope: 'demo:busy' })
  }, { http: '503, Retry-After: 30, application/json error=temporarily_unavailable', o4w: 'OperationProcessingError OAUTH_RESPONSE_IS_NOT_CONFORM status=503', oc: 'ClientError OAUTH_RESPONSE_IS_NOT_CONFORM status=503' })

  await matrix(t, 'revocation, unsupported_token_type (400)', {
    o4w: async () => oauth.processRevocationResponse(await oauth.revocationRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), profileToken, { ...o4w, additionalParameters: { token_type_hint: 'id_token' } })),
    oc: async () => client.tokenRevocation(configuration('demo-confidential', client.ClientSecretBasic('demo-secret')), profileToken, { token_type_hint: 'id_token' })
  }, { http: '400, application/json error=unsupported_token_type', o4w: 'ResponseBodyError status=400 error=unsupported_token_type', oc: 'ResponseBodyError status=400 error=unsupported_token_type' })

  await matrix(t, 'revocation, unknown token (200, not an error)', {
    o4w: async () => oauth.processRevocationResponse(await oauth.revocationRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), 'unknown', o4w)),
    oc: async () => client.tokenRevocation(configuration('demo-confidential', client.ClientSecretBasic('demo-secret')), 'unknown')
  }, { http: '200', o4w: 'ok undefined', oc: 'ok undefined' })

  await matrix(t, 'introspection, inactive token (200 {"active":false})', {
    o4w: async () => oauth.processIntrospectionResponse(as, confidential, await oauth.introspectionRequest(as, confidential, oauth.ClientSecretBasic('demo-secret'), 'unknown', o4w)),
    oc: async () => client.tokenIntrospection(configuration('demo-confidential', client.ClientSecretBasic('demo-secret')), 'unknown')
  }, { http: '200, application/json {"active":false}', o4w: 'ok {"active":false}', oc: 'ok {"active":false}' })

  await matrix(t, 'introspection, invalid_client (401 Basic)', {
    o4w: async () => oauth.processIntrospectionResponse(as, confidential, await oauth.introspectionRequest(as, confidential, oauth.ClientSecretBasic('wrong'), profileToken, o4w)),
    oc: async () => client.tokenIntrospection(configuration('demo-confidential', client.ClientSecretBasic('wrong')), profileToken)
  }, { http: '401, WWW-Authenticate: Basic (no error), application/json error=invalid_client', o4w: 'WWWAuthenticateChallengeError status=401 basic', oc: 'WWWAuthenticateChallengeError status=401 basic' })

  // The generated table: docs/interop.md is rewritten with UPDATE_INTEROP=1, checked otherwise.
  const escape = (text: string): string => text.replace(/\|/g, '\\|')
  const table = [
    '| case | HTTP answer | oauth4webapi | openid-client |',
    '| --- | --- | --- | --- |',
    ...rows.map(row => `| ${escape(row.name)} | ${escape(row.http)} | ${escape(row.oauth4webapi)} | ${escape(row.openidClient)} |`)
  ].join('\n')
  const versions = ['oauth4webapi', 'openid-client'].map(name => `${name} ${String((JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version)}`).join(', ')
  const document = `# Interoperability with real OAuth clients

Generated by \`test/interop-matrix.test.ts\` (run \`UPDATE_INTEROP=1 npx tap test/interop-matrix.test.ts\`
to regenerate; \`npm test\` fails when this file differs from what the run produces). The demo of
\`examples/\` runs on 127.0.0.1; every class of error response the plugin produces is requested
with ${versions} over real HTTP, and each client's own error value is recorded.

How to read the client columns:

- \`ResponseBodyError\`: the client parsed the JSON error body; \`error\` is the code.
- \`WWWAuthenticateChallengeError\`: the client parsed the \`WWW-Authenticate\` challenge first (both
  clients do so for any response with a challenge); the error shown is the one in the challenge of
  the scheme used. For \`invalid_client\` with Basic the challenge carries no error (RFC 7617): the
  code is in the JSON body, which stays unread on \`error.response\`.
- \`AuthorizationResponseError\`: the authorization response was validated (\`state\` compared, and
  \`iss\` checked against the https issuer, RFC 9207) before its error was surfaced.
- 5xx: neither client reads an error body on a 5xx; they report the status, and the body
  (\`server_error\`, \`temporarily_unavailable\`) and \`Retry-After\` stay on the response.
- openid-client retries a \`use_dpop_nonce\` answer once with the new nonce by itself, so its
  column shows the retried result; the HTTP column shows the first answer.
- The bare challenge row removes the \`Authorization\` header in the clients' custom fetch: a
  client that sends no token (RULES E4).

The issuer is \`${DEFAULT_ISSUER}\` while the endpoints are \`http://127.0.0.1:<port>\`: both clients are
given the server metadata by hand and allowed plain http on loopback (oauth4webapi
\`allowInsecureRequests\`, openid-client \`allowInsecureRequests(config)\`).

${table}
`
  const file = join(root, 'docs', 'interop.md')
  if (process.env.UPDATE_INTEROP === '1') {
    writeFileSync(file, document)
    t.pass('docs/interop.md written')
  } else {
    let committed = ''
    try {
      committed = readFileSync(file, 'utf8')
    } catch {}
    t.equal(committed, document, 'docs/interop.md matches this run (UPDATE_INTEROP=1 regenerates it)')
  }
})
