import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { SignJWT, generateKeyPair, jwtVerify } from 'jose'
import authErrors, { catalog, type AuthErrorCode, type AuthErrorsOptions, type CatalogEntry, type EndpointKind, type JarmClaims } from '../lib/index.js'
import * as suite from './helpers/conformance.js'

/*
 * RULES O1: every response class the plugin sends, run through the error-response conditions of
 * the OpenID Foundation conformance suite (test/helpers/conformance.ts, one checker per class).
 * Responses are collected first; then one test per condition says how many it ran over.
 */

const ISSUER = 'https://as.example.com'
const CLIENT = 'client-1'
const REDIRECT = 'https://client.example.com/cb'
const HOSTILE = 'Bad "input"\r\n\tat caf\u00e9 \\ here'

const entries = Object.entries(catalog) as Array<[AuthErrorCode, CatalogEntry]>
const registrations: ReadonlyArray<[string, AuthErrorsOptions]> = [
  ['bare', {}],
  ['iss+errorUri', { issuer: ISSUER, errorUri: (code) => `https://docs.example.com/errors#${code}` }]
]
const credentials: ReadonlyArray<[string, Record<string, string>]> = [
  ['no credentials', {}], ['Basic', { authorization: 'Basic YTpi' }], ['Bearer', { authorization: 'Bearer at' }], ['DPoP', { authorization: 'DPoP at', dpop: 'proof' }]
]

const keys = await generateKeyPair('ES256')
async function sign (claims: JarmClaims): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256' }).sign(keys.privateKey)
}

async function build (options: AuthErrorsOptions): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(authErrors, options)
  const send = (request: { query: unknown }, reply: { authError: (code: AuthErrorCode, options: object) => unknown }): unknown => {
    const { code, description, format, nonce } = request.query as Record<string, string | undefined>
    return reply.authError(code as AuthErrorCode, { description, format: format as 'problem' | undefined, dpopNonce: nonce })
  }
  for (const kind of ['token', 'par', 'backchannel', 'registration', 'revocation', 'introspection', 'device', 'resource', 'authorization'] as const) {
    app.get(`/e/${kind}`, { config: { authErrors: { endpoint: kind } } }, async (request, reply) => send(request, reply))
  }
  app.get('/unmarked', async (request, reply) => send(request, reply))
  app.get('/challenge', async (request, reply) => {
    const { schemes, nonce } = request.query as Record<string, string | undefined>
    return reply.authChallenge({ schemes: (schemes ?? 'Bearer').split(',') as Array<'Bearer' | 'DPoP'>, dpopNonce: nonce })
  })
  app.get('/authorize', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>
    return reply.authRedirect(q.code as AuthErrorCode, {
      redirectUri: REDIRECT, responseType: q.response_type, responseMode: q.response_mode, state: q.state, description: q.description, clientId: CLIENT, jarm: { sign }
    })
  })
  await app.ready()
  return app
}

function observed (res: LightMyRequestResponse): suite.EndpointResponse {
  return { status: res.statusCode, headers: res.headers, body: res.body }
}

interface Direct { where: string, kind: EndpointKind | 'unmarked', code: string, res: suite.EndpointResponse, format: 'oauth' | 'problem' }
interface Callback { where: string, code: string, responseType: string, mode: string, res: suite.CallbackResponse, expect: suite.Expectation, raw: suite.EndpointResponse }

const directs: Direct[] = []
const callbacks: Callback[] = []
const challenges: suite.EndpointResponse[] = []

function paramsOf (search: URLSearchParams): Record<string, string> {
  return Object.fromEntries(search)
}

const FIELD = /<input type="hidden" name="([^"]*)" value="([^"]*)"/g
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': '\'' }
function unescapeHtml (value: string): string {
  return value.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] as string)
}

/** The parameters of a callback, as the suite's browser would see them: query, fragment, posted form, or verified JARM claims. */
async function callbackOf (res: LightMyRequestResponse, jwt: boolean): Promise<suite.CallbackResponse | undefined> {
  let query: Record<string, string> = {}
  let fragment: Record<string, string> = {}
  if (res.statusCode === 302) {
    const url = new URL(res.headers.location as string)
    query = paramsOf(url.searchParams)
    fragment = paramsOf(new URLSearchParams(url.hash.slice(1)))
  } else if (res.statusCode === 200) {
    fragment = Object.fromEntries([...res.body.matchAll(FIELD)].map(m => [unescapeHtml(m[1] as string), unescapeHtml(m[2] as string)]))
  } else {
    return undefined
  }
  let params = { ...query, ...fragment }
  if (jwt) {
    // ValidateJARMResponse: iss, aud and exp checked; then the claims are the authorization response.
    const { payload } = await jwtVerify(params.response as string, keys.publicKey, { issuer: ISSUER, audience: CLIENT })
    const { aud: _aud, exp: _exp, ...claims } = payload
    params = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)]))
  }
  return { query, fragment, params }
}

const MODES: Readonly<Record<string, readonly string[]>> = {
  code: ['', 'query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'],
  'code id_token': ['', 'fragment', 'form_post', 'jwt', 'fragment.jwt', 'form_post.jwt'],
  id_token: ['', 'fragment', 'form_post', 'jwt', 'fragment.jwt', 'form_post.jwt']
}

t.before(async () => {
  for (const [label, options] of registrations) {
    const app = await build(options)
    for (const [code, entry] of entries) {
      const kinds: Array<EndpointKind | 'unmarked'> = [...(entry.endpoints ?? []), 'unmarked']
      for (const kind of kinds) {
        for (const [credential, headers] of credentials) {
          for (const description of [undefined, HOSTILE]) {
            for (const format of kind === 'resource' || kind === 'unmarked' ? ['oauth', 'problem'] as const : ['oauth'] as const) {
              const query: Record<string, string> = { code }
              if (description !== undefined) query.description = description
              if (format === 'problem') query.format = 'problem'
              if (code === 'use_dpop_nonce' || (code === 'invalid_dpop_proof' && description === undefined)) query.nonce = 'n-1_' + credential.length
              const res = await app.inject({ url: kind === 'unmarked' ? '/unmarked' : `/e/${kind}`, query, headers })
              directs.push({ where: `${label} ${kind} ${code} ${credential} ${format}${description === undefined ? '' : ' hostile'}`, kind, code, res: observed(res), format })
            }
          }
        }
      }
      if (!(entry.endpoints ?? []).includes('authorization')) continue
      for (const [responseType, modes] of Object.entries(MODES)) {
        for (const mode of modes) {
          if (mode.endsWith('jwt') && options.issuer === undefined) continue // JARM needs the issuer (DESIGN): answered directly, covered above
          for (const state of [undefined, 'af0ifjsldkj']) {
            const query: Record<string, string> = { code, response_type: responseType }
            if (mode !== '') query.response_mode = mode
            if (state !== undefined) query.state = state
            if (state !== undefined) query.description = HOSTILE
            const res = await app.inject({ url: '/authorize', query })
            const callback = await callbackOf(res, mode.endsWith('jwt'))
            if (callback === undefined) throw new Error(`${label} ${code} ${responseType} ${mode}: no callback (${res.statusCode})`)
            callbacks.push({ where: `${label} ${code} ${responseType} ${mode === '' ? 'default' : mode} state=${String(state)}`, code, responseType, mode, res: callback, expect: { state, issuer: options.issuer }, raw: observed(res) })
          }
        }
      }
    }
    for (const schemes of ['Bearer', 'DPoP', 'Bearer,DPoP', 'DPoP,Bearer']) {
      for (const nonce of [undefined, 'n-2']) {
        challenges.push(observed(await app.inject({ url: '/challenge', query: nonce === undefined ? { schemes } : { schemes, nonce } })))
      }
    }
    await app.close()
  }
})

/** Runs a condition over some responses and asserts none failed; the count goes in the comment. */
function verify<R> (t: Test, condition: suite.Condition<R>, list: ReadonlyArray<{ res: R, where: string, expect?: suite.Expectation }>): void {
  suite.failures.delete(condition.name)
  const before = suite.runs.get(condition.name) ?? 0
  for (const item of list) suite.apply(condition, item.res, item.expect ?? {}, item.where)
  const count = (suite.runs.get(condition.name) ?? 0) - before
  t.ok(count > 0, `${condition.name} ran over ${count} responses`)
  t.same(suite.failures.get(condition.name) ?? [], [], `${condition.name}: no failure`)
  t.comment(`${condition.name}: ${count} responses`)
}

const protocol = (kinds: readonly string[]) => () => directs.filter(d => kinds.includes(d.kind))
/** Codes whose status is defined otherwise than RFC 6749 5.2 (UMA 3.3.6 403s, the seed's own statuses, 5xx): the suite never expects them. */
const otherStatus = (code: string): boolean => {
  const entry = (catalog as Readonly<Record<string, CatalogEntry>>)[code] as CatalogEntry
  return entry.status >= 500 || entry.spec === 'Login Error Codes (seed)' || (entry.spec ?? '').startsWith('UMA')
}

t.test('O1 token endpoint block (token, device, revocation, introspection: RFC 6749 5.2 bodies)', async t => {
  const list = protocol(['token', 'device', 'revocation', 'introspection'])().filter(d => d.res.status !== 200)
  for (const condition of suite.tokenBlock) await t.test(condition.name, async t => { verify(t, condition, list) })
  await t.test('CheckTokenEndpointHttpStatusIs400Allowing401ForInvalidClientError', async t => {
    verify(t, suite.CheckTokenEndpointHttpStatusIs400Allowing401ForInvalidClientError, list.filter(d => d.kind === 'token' && !otherStatus(d.code)))
  })
  await t.test('CheckTokenEndpointHttpStatus503', async t => {
    verify(t, suite.CheckTokenEndpointHttpStatus503, list.filter(d => d.kind === 'token' && d.code === 'temporarily_unavailable'))
  })
  await t.test('CallTokenEndpointAllowingDpopNonceErrorAndReturnFullResponse', async t => {
    verify(t, suite.CallTokenEndpointAllowingDpopNonceErrorAndReturnFullResponse, protocol(['token', 'par'])())
  })
})

t.test('O1 PAR endpoint block', async t => {
  const list = protocol(['par'])()
  for (const condition of suite.tokenBlock) await t.test(condition.name, async t => { verify(t, condition, list) })
  await t.test('EnsureParHTTPError', async t => { verify(t, suite.EnsureParHTTPError, list) })
  await t.test('CheckParEndpointHttpStatusIs400Allowing401ForInvalidClientError', async t => {
    verify(t, suite.CheckParEndpointHttpStatusIs400Allowing401ForInvalidClientError, list.filter(d => !otherStatus(d.code)))
  })
})

t.test('O1 CIBA backchannel authentication endpoint block', async t => {
  const list = protocol(['backchannel'])()
  for (const condition of suite.backchannelBlock) await t.test(condition.name, async t => { verify(t, condition, list) })
  await t.test('CheckBackchannelAuthenticationEndpointErrorHttpStatus (its table: invalid_request, access_denied, invalid_client)', async t => {
    verify(t, suite.CheckBackchannelAuthenticationEndpointErrorHttpStatus, list.filter(d => ['invalid_request', 'access_denied', 'invalid_client'].includes(d.code)))
  })
})

t.test('O1 dynamic registration endpoint', async t => {
  const list = protocol(['registration'])()
  await t.test('CheckTokenEndpointReturnedJsonContentType (registration)', async t => { verify(t, suite.CheckTokenEndpointReturnedJsonContentType, list) })
  await t.test('AbstractCheckErrorFromDynamicRegistrationEndpoint', async t => {
    verify(t, suite.CheckErrorFromDynamicRegistrationEndpoint, list.filter(d => ['invalid_client_metadata', 'invalid_redirect_uri', 'invalid_software_statement'].includes(d.code)))
  })
  await t.test('EnsureHttpStatusCodeIs401 (invalid_token: a bad registration access token, RFC 7592 2.1)', async t => {
    verify(t, suite.EnsureHttpStatusCodeIs401, list.filter(d => d.code === 'invalid_token'))
  })
})

t.test('O1 OpenID4VCI credential endpoint errors', async t => {
  const list = directs.filter(d => d.kind === 'resource' && d.format === 'oauth' && suite.VCI_ERROR_CODES.includes(d.code))
  await t.test('VCIValidateCredentialErrorResponse', async t => { verify(t, suite.VCIValidateCredentialErrorResponse, list) })
  await t.test('VCIValidateNoUnknownKeysInCredentialErrorResponse', async t => { verify(t, suite.VCIValidateNoUnknownKeysInCredentialErrorResponse, list) })
})

t.test('O1 DPoP-Nonce and WWW-Authenticate, on every response the plugin sends', async t => {
  const every = [...directs, ...callbacks.map(c => ({ res: c.raw, where: c.where })), ...challenges.map((res, i) => ({ res, where: `challenge ${i}` }))]
  await t.test('DpopNonceResponseHeader', async t => { verify(t, suite.DpopNonceResponseHeader, every) })
  await t.test('CallProtectedResourceAllowingDpopNonceError', async t => {
    verify(t, suite.CallProtectedResourceAllowingDpopNonceError, [...directs.filter(d => d.kind === 'resource' || d.kind === 'unmarked'), ...challenges.map((res, i) => ({ res, where: `challenge ${i}` }))])
  })
  await t.test('EnsureAuthzenApiResponseHasWwwAuthenticate', async t => { verify(t, suite.EnsureAuthzenApiResponseHasWwwAuthenticate, every) })
  await t.test('WwwAuthenticateHeaderValueParser: the suite finds the quoted error="use_dpop_nonce" and the nonce', async t => {
    const nonceErrors = directs.filter(d => d.code === 'use_dpop_nonce' && d.res.status === 401 && d.where.includes('DPoP'))
    t.ok(nonceErrors.length > 0)
    for (const d of nonceErrors) {
      const value = d.res.headers['www-authenticate'] as string
      t.equal(suite.suiteDpopPairs(value)?.error, 'use_dpop_nonce', d.where)
      t.equal(suite.parseWwwAuthenticate(value).get('DPoP')?.error, 'use_dpop_nonce', `${d.where}: parse()`)
      t.type(d.res.headers['dpop-nonce'], 'string')
    }
    t.comment(`WwwAuthenticateHeaderValueParser: ${nonceErrors.length} responses`)
  })
})

t.test('O1 authorization error responses: query, fragment, form_post and JARM, with and without iss and state', async t => {
  for (const condition of suite.authorizationBlock) await t.test(condition.name, async t => { verify(t, condition, callbacks) })
  await t.test('RequireIssInAuthorizationResponse (registrations with an issuer)', async t => {
    verify(t, suite.RequireIssInAuthorizationResponse, callbacks.filter(c => c.expect.issuer !== undefined))
  })
  await t.test('RejectErrorInUrlFragment (response_type=code, query delivery)', async t => {
    verify(t, suite.RejectErrorInUrlFragment, callbacks.filter(c => c.responseType === 'code' && ['', 'query', 'jwt', 'query.jwt'].includes(c.mode)))
  })
  await t.test('RejectErrorInUrlQuery (hybrid and implicit)', async t => {
    verify(t, suite.RejectErrorInUrlQuery, callbacks.filter(c => c.responseType !== 'code'))
  })
  t.comment(`${callbacks.length} authorization responses, ${directs.length} direct answers, ${challenges.length} bare challenges`)
})

t.test('O1 the ported checkers fail what the suite fails', async t => {
  const ok: suite.EndpointResponse = { status: 400, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"error":"invalid_grant"}' }
  const bad = (patch: Partial<suite.EndpointResponse>): suite.EndpointResponse => ({ ...ok, ...patch })
  t.equal(suite.CheckTokenEndpointReturnedJsonContentType.check(ok, {}), undefined)
  t.type(suite.CheckTokenEndpointReturnedJsonContentType.check(bad({ headers: { 'content-type': 'application/problem+json' } }), {}), 'string')
  t.type(suite.CheckTokenEndpointReturnedJsonContentType.check(bad({ headers: {} }), {}), 'string')
  t.type(suite.ValidateErrorUriFromTokenEndpointResponseError.check(bad({ body: '{"error":"x","error_uri":"/authlete/documents/apis/result_codes#A200308"}' }), {}), 'string', 'a relative error_uri fails (the suite\'s unit test)')
  t.type(suite.CheckErrorDescriptionFromTokenEndpointResponseErrorContainsCRLFTAB.check(bad({ body: '{"error":"x","error_description":"a\\tb"}' }), {}), 'string')
  t.type(suite.ValidateErrorFromTokenEndpointResponseError.check(bad({ body: '{"error":"caf\\u00e9"}' }), {}), 'string')
  t.type(suite.CheckTokenEndpointHttpStatusIs400Allowing401ForInvalidClientError.check(bad({ status: 401 }), {}), 'string')
  t.equal(suite.CheckTokenEndpointHttpStatusIs400Allowing401ForInvalidClientError.check(bad({ status: 401, body: '{"error":"invalid_client"}' }), {}), undefined)
  t.type(suite.CheckBackchannelAuthenticationEndpointErrorHttpStatus.check(bad({ body: '{"error":"invalid_scope"}' }), {}), 'string')
  t.type(suite.ValidateErrorResponseFromBackchannelAuthenticationEndpoint.check(bad({ body: '{"error":"x","code":1}' }), {}), 'string')
  t.type(suite.DpopNonceResponseHeader.check(bad({ headers: { 'dpop-nonce': ['a', 'b'] } }), {}), 'string')
  t.type(suite.DpopNonceResponseHeader.check(bad({ headers: { 'dpop-nonce': '' } }), {}), 'string')
  t.type(suite.DpopNonceResponseHeader.check(bad({ headers: { 'dpop-nonce': 'a b' } }), {}), 'string')
  t.type(suite.CallTokenEndpointAllowingDpopNonceErrorAndReturnFullResponse.check(bad({ body: '{"error":"use_dpop_nonce"}' }), {}), 'string')
  t.type(suite.CallProtectedResourceAllowingDpopNonceError.check(bad({ status: 401, headers: { 'www-authenticate': 'Bearer realm="a", dPoP error="use_dpop_nonce"' } }), {}), 'string')
  t.equal(suite.suiteDpopPairs('DPoP error=use_dpop_nonce')?.error, undefined, 'an unquoted error is not seen by the suite')
  t.same(suite.parseWwwAuthenticate('Bearer realm="a, b", error="invalid_token", DPoP algs="ES256"').get('DPoP'), { algs: 'ES256' })
  t.type(suite.EnsureAuthzenApiResponseHasWwwAuthenticate.check(bad({ status: 401 }), {}), 'string')
  const cb = (params: Record<string, string>, where: 'query' | 'fragment' = 'query'): suite.CallbackResponse => ({ query: where === 'query' ? params : {}, fragment: where === 'fragment' ? params : {}, params })
  t.type(suite.CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint.check(cb({ error: 'x', code: '53203' }), {}), 'string')
  t.type(suite.CheckStateInAuthorizationResponse.check(cb({ error: 'x' }), { state: 's' }), 'string')
  t.equal(suite.CheckStateInAuthorizationResponse.check(cb({ error: 'invalid_request_uri' }), { state: 's' }), undefined)
  t.type(suite.CheckStateInAuthorizationResponse.check(cb({ error: 'x', state: 's' }), {}), 'string')
  t.type(suite.ValidateIssIfPresentInAuthorizationResponse.check(cb({ error: 'x', iss: 'https://other' }), { issuer: ISSUER }), 'string')
  t.type(suite.RejectErrorInUrlFragment.check(cb({ error: 'x' }, 'fragment'), {}), 'string')
  t.type(suite.RejectErrorInUrlQuery.check(cb({ error: 'x' }), {}), 'string')
  t.type(suite.RejectAuthCodeInAuthorizationEndpointResponse.check(cb({ error: 'x', code: 'c' }), {}), 'string')
  t.type(suite.VCIValidateCredentialErrorResponse.check(bad({ body: '{"error":"invalid_request"}' }), {}), 'string')
  t.type(suite.CheckErrorFromDynamicRegistrationEndpoint.check(bad({ body: '{"error":"invalid_request"}' }), {}), 'string')
})

t.test('O1 ValidateErrorUriFromTokenEndpointResponseError over an errorUri that yields a relative URI (RULES B3)', async t => {
  // Refused at register without a base to resolve it against ...
  const refused = Fastify()
  await t.rejects(async () => { await refused.register(authErrors, { errorUri: '/docs/errors' }) }, { code: 'FST_AUTH_ERRORS_INVALID_ERROR_URI' })
  // ... and resolved against the reference page's baseUrl when there is one.
  const app = Fastify()
  await app.register(authErrors, { errorUri: '/docs/errors', reference: { baseUrl: 'https://as.example.com' } })
  app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (_request, reply) => reply.authError('invalid_grant'))
  const res = observed(await app.inject({ method: 'POST', url: '/token' }))
  await app.close()
  t.equal(suite.ValidateErrorUriFromTokenEndpointResponseError.check(res, {}), undefined)
  t.equal(JSON.parse(res.body).error_uri, 'https://as.example.com/docs/errors#invalid_grant')
})
