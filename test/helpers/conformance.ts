/**
 * The error-response conditions of the OpenID Foundation conformance suite
 * (openid-certification/conformance-suite @12f2a4da, src/main/java/net/openid/conformance/),
 * ported as facts in this project's words: each checker is named after the class it follows and
 * returns the suite's reason for failing, or `undefined` when the response passes.
 *
 * A checker counts every response it runs over (`runs`), so the suite can say how much each
 * condition covered.
 */

/** A direct answer as the suite stores it: status, lower-case header names (a repeated header is an array), body. */
export interface EndpointResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>
  readonly body: string
}

/** An authorization response as the suite reads it: the parameters of the query and of the fragment, or of the form or the JWT. */
export interface CallbackResponse {
  /** `callback_query_params`. */
  readonly query: Readonly<Record<string, string>>
  /** `callback_params` (the fragment; for form_post and JARM, the posted or signed parameters). */
  readonly fragment: Readonly<Record<string, string>>
  /** `authorization_endpoint_response`: the parameters the suite validates, wherever they came from. */
  readonly params: Readonly<Record<string, string>>
}

/** What a checker knows besides the response: what was sent, what the server is configured with. */
export interface Expectation {
  readonly state?: string | undefined
  readonly issuer?: string | undefined
}

type Check<R> = (response: R, expect: Expectation) => string | undefined

/** A ported condition: the suite's class name, and the check. */
export interface Condition<R> {
  readonly name: string
  readonly check: Check<R>
}

/** How many responses each condition ran over, and the first failures of each. */
export const runs = new Map<string, number>()
export const failures = new Map<string, string[]>()

/** Runs a condition over one response, counting it; a failure is kept (at most 5 per condition) with `where`. */
export function apply<R> (condition: Condition<R>, response: R, expect: Expectation, where: string): void {
  runs.set(condition.name, (runs.get(condition.name) ?? 0) + 1)
  const reason = condition.check(response, expect)
  if (reason === undefined) return
  const list = failures.get(condition.name) ?? []
  if (list.length < 5) list.push(`${where}: ${reason}`)
  failures.set(condition.name, list)
}

function condition<R> (name: string, check: Check<R>): Condition<R> {
  return Object.freeze({ name, check })
}

function header (response: EndpointResponse, name: string): string | string[] | undefined {
  const value = response.headers[name]
  return typeof value === 'number' ? String(value) : value
}

/** `body_json` as the suite reads it: a JSON object, or `undefined`. */
export function bodyJson (response: EndpointResponse): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(response.body)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

function stringField (response: EndpointResponse, name: string): string | undefined {
  const value = bodyJson(response)?.[name]
  return typeof value === 'string' ? value : undefined
}

// --- 1.1 Character sets ---------------------------------------------------------------------

/** ValidateErrorFromTokenEndpointResponseError: ERROR_FIELD_PATTERN_VALID. */
const ERROR_FIELD = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/
/** AbstractValidateErrorDescriptionFromResponseError: ERROR_DESCRIPTION_FIELD_PATTERN_VALID (tab, LF and CR allowed). */
// eslint-disable-next-line no-control-regex -- the suite allows tab, LF and CR here
const ERROR_DESCRIPTION_FIELD = /^[\x09\x0A\x0D\x20-\x21\x23-\x5B\x5D-\x7E]+$/
/** AbstractValidateErrorUriFromResponseError: ERROR_URI_FIELD_PATTERN_VALID. */
const ERROR_URI_FIELD = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** RFC6749AppendixASyntaxUtils.isNQCharSequence: %x21 / %x23-5B / %x5D-7E. */
const NQCHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/

function checkError (error: string | undefined): string | undefined {
  if (error === undefined || error === '') return 'the \'error\' field in the response is either null or empty'
  return ERROR_FIELD.test(error) ? undefined : '\'error\' field MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E'
}

/** AbstractCheckErrorDescriptionContainsCRLFTAB (a WARNING in the suite): no CR, LF or TAB. */
function checkCrLfTab (description: string | undefined): string | undefined {
  if (description === undefined || description === '') return undefined
  return /[\n\r\t]/.test(description) ? '\'error_description\' field includes characters CR, LF or TAB' : undefined
}

function checkDescription (description: string | undefined): string | undefined {
  if (description === undefined || description === '') return undefined
  return ERROR_DESCRIPTION_FIELD.test(description) ? undefined : '\'error_description\' field MUST NOT include characters outside the allowed set'
}

/**
 * `URI.create(errorUri).toURL()`: an absolute URI whose scheme Java has a URL handler for. The
 * handlers an error_uri can sensibly use are http and https; a relative reference throws.
 */
function javaUrl (value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)
  } catch {
    return false
  }
}

function checkErrorUri (uri: string | undefined): string | undefined {
  if (uri === undefined || uri === '') return undefined
  if (!javaUrl(uri)) return '\'error_uri\' field MUST conform to the URI-reference syntax (URI.create(x).toURL() threw)'
  return ERROR_URI_FIELD.test(uri) ? undefined : '\'error_uri\' field MUST NOT include characters outside the set %x21 / %x23-5B / %x5D-7E'
}

// --- 1.2 Token endpoint, PAR, CIBA, registration, VCI (direct JSON answers) -------------------

/** AbstractCheckEndpointContentTypeReturned.getMimeTypeFromContentType. */
function mimeType (response: EndpointResponse): string | undefined {
  const value = header(response, 'content-type')
  if (typeof value !== 'string' || value === '') return undefined
  return value.split(';')[0]?.trim()
}

function checkJsonContentType (response: EndpointResponse): string | undefined {
  const type = mimeType(response)
  if (type === undefined) return 'Couldn\'t find content-type header'
  return type === 'application/json' ? undefined : `Invalid content-type header: expected application/json, got ${type}`
}

export const CheckTokenEndpointReturnedJsonContentType = condition<EndpointResponse>('CheckTokenEndpointReturnedJsonContentType', checkJsonContentType)
export const ValidateErrorFromTokenEndpointResponseError = condition<EndpointResponse>('ValidateErrorFromTokenEndpointResponseError', r => checkError(stringField(r, 'error')))
export const CheckErrorDescriptionFromTokenEndpointResponseErrorContainsCRLFTAB = condition<EndpointResponse>('CheckErrorDescriptionFromTokenEndpointResponseErrorContainsCRLFTAB', r => checkCrLfTab(stringField(r, 'error_description')))
export const ValidateErrorDescriptionFromTokenEndpointResponseError = condition<EndpointResponse>('ValidateErrorDescriptionFromTokenEndpointResponseError', r => checkDescription(stringField(r, 'error_description')))
export const ValidateErrorUriFromTokenEndpointResponseError = condition<EndpointResponse>('ValidateErrorUriFromTokenEndpointResponseError', r => checkErrorUri(stringField(r, 'error_uri')))

function status400Allowing401ForInvalidClient (response: EndpointResponse, where: string): string | undefined {
  const error = stringField(response, 'error')
  if (error === undefined || error === '') return 'Couldn\'t find error field'
  if (error === 'invalid_client') return response.status === 400 || response.status === 401 ? undefined : `Invalid http status for error invalid_client: ${response.status}, expected 400 or 401`
  return response.status === 400 ? undefined : `Http status must be 400 for ${where} errors other than invalid_client, got ${response.status}`
}

export const CheckTokenEndpointHttpStatusIs400Allowing401ForInvalidClientError = condition<EndpointResponse>('CheckTokenEndpointHttpStatusIs400Allowing401ForInvalidClientError', r => status400Allowing401ForInvalidClient(r, 'token endpoint'))
/** CheckTokenEndpointHttpStatus503: the suite's expectation for temporarily_unavailable. */
export const CheckTokenEndpointHttpStatus503 = condition<EndpointResponse>('CheckTokenEndpointHttpStatus503', r => r.status === 503 ? undefined : `expected 503, got ${r.status}`)
export const CheckParEndpointHttpStatusIs400Allowing401ForInvalidClientError = condition<EndpointResponse>('CheckParEndpointHttpStatusIs400Allowing401ForInvalidClientError', r => {
  const body = bodyJson(r)
  if (body === undefined) return 'PAR endpoint response body is not a JSON object'
  if (!('error' in body)) return 'Expected \'error\' field is not present in PAR endpoint response body'
  return status400Allowing401ForInvalidClient(r, 'PAR endpoint')
})
export const EnsureParHTTPError = condition<EndpointResponse>('EnsureParHTTPError', r => r.status >= 400 && r.status < 600 ? undefined : `expected 4xx or 5xx, got ${r.status}`)

export const CheckBackchannelAuthenticationEndpointContentType = condition<EndpointResponse>('CheckBackchannelAuthenticationEndpointContentType', checkJsonContentType)
/** CheckBackchannelAuthenticationEndpointErrorHttpStatus: its table; any other code fails ("not matching 400 or 403 or 401"). */
const CIBA_STATUSES: Readonly<Record<string, readonly number[]>> = { invalid_request: [400], access_denied: [403], invalid_client: [401, 400] }
export const CheckBackchannelAuthenticationEndpointErrorHttpStatus = condition<EndpointResponse>('CheckBackchannelAuthenticationEndpointErrorHttpStatus', r => {
  const error = stringField(r, 'error')
  if (error === undefined || error === '') return 'Couldn\'t find error field'
  const allowed = CIBA_STATUSES[error]
  if (allowed === undefined) return `http status was not matching 400 or 403 or 401 (error ${error})`
  return allowed.includes(r.status) ? undefined : `Invalid http status with error ${error}: ${r.status}`
})
export const ValidateErrorResponseFromBackchannelAuthenticationEndpoint = condition<EndpointResponse>('ValidateErrorResponseFromBackchannelAuthenticationEndpoint', r => onlyKeys(r, ['error', 'error_description', 'error_uri']))
export const CheckErrorDescriptionFromBackchannelAuthenticationEndpointContainsCRLFTAB = condition<EndpointResponse>('CheckErrorDescriptionFromBackchannelAuthenticationEndpointContainsCRLFTAB', r => checkCrLfTab(stringField(r, 'error_description')))
export const ValidateErrorDescriptionFromBackchannelAuthenticationEndpoint = condition<EndpointResponse>('ValidateErrorDescriptionFromBackchannelAuthenticationEndpoint', r => checkDescription(stringField(r, 'error_description')))
export const ValidateErrorUriFromBackchannelAuthenticationEndpoint = condition<EndpointResponse>('ValidateErrorUriFromBackchannelAuthenticationEndpoint', r => checkErrorUri(stringField(r, 'error_uri')))

function onlyKeys (response: EndpointResponse, allowed: readonly string[]): string | undefined {
  const body = bodyJson(response)
  if (body === undefined || !('error' in body)) return 'No error parameter found'
  const extra = Object.keys(body).filter(key => !allowed.includes(key))
  return extra.length === 0 ? undefined : `error response includes unexpected parameters: ${extra.join(', ')}`
}

/** AbstractCheckErrorFromDynamicRegistrationEndpoint, over the union of its subclasses' permitted errors. */
const REGISTRATION_ERRORS: readonly string[] = ['invalid_client_metadata', 'invalid_redirect_uri', 'invalid_software_statement']
export const CheckErrorFromDynamicRegistrationEndpoint = condition<EndpointResponse>('AbstractCheckErrorFromDynamicRegistrationEndpoint', r => {
  const error = stringField(r, 'error')
  if (error === undefined || error === '') return '\'error\' field not found in response from dynamic registration endpoint'
  return REGISTRATION_ERRORS.includes(error) ? undefined : `'error' field has unexpected value ${error}`
})
/** EnsureHttpStatusCodeIs401: a bad registration access token (RFC 7592 2.1). */
export const EnsureHttpStatusCodeIs401 = condition<EndpointResponse>('EnsureHttpStatusCodeIs401', r => r.status === 401 ? undefined : `expected 401, got ${r.status}`)

/** vci10issuer VciErrorCode. */
export const VCI_ERROR_CODES: readonly string[] = ['invalid_credential_request', 'unknown_credential_configuration', 'unknown_credential_identifier',
  'invalid_proof', 'invalid_nonce', 'invalid_encryption_parameters', 'credential_request_denied']
export const VCIValidateCredentialErrorResponse = condition<EndpointResponse>('VCIValidateCredentialErrorResponse', r => {
  const error = stringField(r, 'error')
  if (error === undefined) return 'Required field error is missing in credential error response'
  return VCI_ERROR_CODES.includes(error) ? undefined : `Non-standard credential error response error code found: ${error}`
})
export const VCIValidateNoUnknownKeysInCredentialErrorResponse = condition<EndpointResponse>('VCIValidateNoUnknownKeysInCredentialErrorResponse', r => onlyKeys(r, ['error', 'error_description', 'error_uri']))

// --- 1.5 DPoP-Nonce and WWW-Authenticate ------------------------------------------------------

/** util/http/DpopNonceResponseHeader.from: at most one, non-empty, 1*NQCHAR; on every status. */
export const DpopNonceResponseHeader = condition<EndpointResponse>('DpopNonceResponseHeader', r => {
  const value = r.headers['dpop-nonce']
  if (value === undefined) return undefined
  if (Array.isArray(value)) return `The response contains ${value.length} DPoP-Nonce headers, but there MUST NOT be more than one`
  if (typeof value !== 'string') return 'The DPoP-Nonce response header could not be read as a string'
  if (value === '') return 'The DPoP-Nonce response header is empty (1*NQCHAR)'
  return NQCHARS.test(value) ? undefined : 'The DPoP-Nonce response header contains characters that are not allowed'
})

/** WwwAuthenticateHeaderValueParser.splitChallenges: a `,` outside quotes followed by letters and a space starts a challenge. */
export function splitChallenges (value: string): string[] {
  const result: string[] = []
  let current = ''
  let inQuotes = false
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string
    if (c === '"') {
      inQuotes = !inQuotes || (i > 0 && value[i - 1] === '\\')
    } else if (c === ',' && !inQuotes) {
      let j = i + 1
      while (j < value.length && /\s/.test(value[j] as string)) j++
      let k = j
      while (k < value.length && /\p{L}/u.test(value[k] as string)) k++
      if (k < value.length && value[k] === ' ') {
        result.push(current)
        current = ''
        continue
      }
    }
    current += c
  }
  if (current !== '') result.push(current)
  return result
}

const PARAM = /(?<quotedKey>[a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*"(?<quotedValue>(?:\\.|[^"\\])*)"|(?<unquotedKey>[a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(?<unquotedValue>[^",\s]+)/g

/** WwwAuthenticateHeaderValueParser.parse: scheme -> parameters (quoted values unescaped). */
export function parseWwwAuthenticate (value: string): Map<string, Record<string, string>> {
  const result = new Map<string, Record<string, string>>()
  for (const part of splitChallenges(value)) {
    const [scheme = '', rest = ''] = part.trim().split(/\s+(.*)/s)
    const params: Record<string, string> = {}
    for (const m of rest.matchAll(PARAM)) {
      const g = m.groups as Record<string, string | undefined>
      if (g.quotedKey !== undefined) params[g.quotedKey] = (g.quotedValue as string).replace(/\\"/g, '"').replace(/\\\\/g, '\\')
      else params[g.unquotedKey as string] = g.unquotedValue as string
    }
    result.set(scheme, params)
  }
  return result
}

/**
 * CallProtectedResourceAllowingDpopNonceError: on a 401, each DPoP challenge (scheme compared
 * without case) is read with `\s*([^=]+)="([^"]+)",*`, quoted values only; `error="use_dpop_nonce"`
 * then needs a DPoP-Nonce header. Returns the pairs the suite reads from the DPoP challenge.
 */
export function suiteDpopPairs (value: string): Record<string, string> | undefined {
  for (const challenge of splitChallenges(value).map(part => part.trim())) {
    if (!challenge.toLowerCase().startsWith('dpop ')) continue
    const pairs: Record<string, string> = {}
    for (const m of challenge.slice(5).matchAll(/\s*([^=]+)="([^"]+)",*/g)) pairs[m[1] as string] = m[2] as string
    return pairs
  }
  return undefined
}

export const CallProtectedResourceAllowingDpopNonceError = condition<EndpointResponse>('CallProtectedResourceAllowingDpopNonceError', r => {
  const nonce = DpopNonceResponseHeader.check(r, {})
  if (nonce !== undefined) return nonce
  const value = header(r, 'www-authenticate')
  if (r.status !== 401 || typeof value !== 'string') return undefined
  const pairs = suiteDpopPairs(value)
  if (pairs?.error === 'use_dpop_nonce' && r.headers['dpop-nonce'] === undefined) return 'returned a \'use_dpop_nonce\' error but supplied no DPoP-Nonce header'
  return undefined
})

/** CallTokenEndpointAllowingDpopNonceErrorAndReturnFullResponse: a 400 use_dpop_nonce must carry the nonce to retry with. */
export const CallTokenEndpointAllowingDpopNonceErrorAndReturnFullResponse = condition<EndpointResponse>('CallTokenEndpointAllowingDpopNonceErrorAndReturnFullResponse', r => {
  const nonce = DpopNonceResponseHeader.check(r, {})
  if (nonce !== undefined) return nonce
  if (r.status === 400 && stringField(r, 'error') === 'use_dpop_nonce' && r.headers['dpop-nonce'] === undefined) return 'supplied no DPoP-Nonce header, leaving no nonce to retry'
  return undefined
})

/** EnsureAuthzenApiResponseHasWwwAuthenticate: a 401 carries WWW-Authenticate. */
export const EnsureAuthzenApiResponseHasWwwAuthenticate = condition<EndpointResponse>('EnsureAuthzenApiResponseHasWwwAuthenticate', r =>
  r.status !== 401 || typeof header(r, 'www-authenticate') === 'string' ? undefined : 'a 401 without a www-authenticate header')

// --- 1.3 Authorization error responses ---------------------------------------------------------

const AUTHORIZATION_ERROR_PARAMS: readonly string[] = ['error', 'error_description', 'error_uri', 'state', 'session_state', 'iss']

export const EnsureErrorFromAuthorizationEndpointResponse = condition<CallbackResponse>('EnsureErrorFromAuthorizationEndpointResponse', r => 'error' in r.params ? undefined : 'no error in the authorization response')
export const RejectAuthCodeInAuthorizationEndpointResponse = condition<CallbackResponse>('RejectAuthCodeInAuthorizationEndpointResponse', r =>
  'code' in r.query || 'code' in r.fragment ? 'Authorization code is present but an error was expected' : undefined)
export const CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint = condition<CallbackResponse>('CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint', r => {
  if (!('error' in r.params)) return 'Authorization server was expected to return an error but did not'
  const extra = Object.keys(r.params).filter(key => !AUTHORIZATION_ERROR_PARAMS.includes(key))
  return extra.length === 0 ? undefined : `error response includes unexpected parameters: ${extra.join(', ')}`
})
export const CheckStateInAuthorizationResponse = condition<CallbackResponse>('CheckStateInAuthorizationResponse', (r, expect) => {
  const actual = r.params.state
  if (expect.state === undefined || expect.state === '') return actual === undefined || actual === '' ? undefined : 'No state value was sent, but a state in response was returned'
  if (actual === expect.state) return undefined
  if ((actual === undefined || actual === '') && (r.params.error === 'invalid_request_object' || r.params.error === 'invalid_request_uri')) return undefined
  return actual === undefined || actual === '' ? 'State was passed in request, but is missing from response' : 'State in response did not match'
})
export const ValidateIssIfPresentInAuthorizationResponse = condition<CallbackResponse>('ValidateIssIfPresentInAuthorizationResponse', (r, expect) => {
  const iss = r.params.iss
  if (iss === undefined) return undefined
  return iss === expect.issuer ? undefined : '\'iss\' parameter in authorization response does not match server\'s issuer value'
})
export const RequireIssInAuthorizationResponse = condition<CallbackResponse>('RequireIssInAuthorizationResponse', (r, expect) =>
  r.params.iss === expect.issuer ? undefined : `'iss' missing or not ${String(expect.issuer)}`)
export const CheckErrorDescriptionFromAuthorizationEndpointResponseErrorContainsCRLFTAB = condition<CallbackResponse>('CheckErrorDescriptionFromAuthorizationEndpointResponseErrorContainsCRLFTAB', r => checkCrLfTab(r.params.error_description))
export const ValidateErrorDescriptionFromAuthorizationEndpointResponseError = condition<CallbackResponse>('ValidateErrorDescriptionFromAuthorizationEndpointResponseError', r => checkDescription(r.params.error_description))
export const ValidateErrorUriFromAuthorizationEndpointResponseError = condition<CallbackResponse>('ValidateErrorUriFromAuthorizationEndpointResponseError', r => checkErrorUri(r.params.error_uri))
/** RejectErrorInUrlFragment: response_type=code answers in the query only. */
export const RejectErrorInUrlFragment = condition<CallbackResponse>('RejectErrorInUrlFragment', r => r.fragment.error === undefined || r.fragment.error === '' ? undefined : '\'error\' is present in URL fragment - it should be returned in the URL query only')
/** RejectErrorInUrlQuery: implicit and hybrid answer in the fragment only. */
export const RejectErrorInUrlQuery = condition<CallbackResponse>('RejectErrorInUrlQuery', r => r.query.error === undefined || r.query.error === '' ? undefined : '\'error\' is present in URL query - it should be returned in the URL fragment only')

/** The generic authorization error block (AbstractOIDCCServerTest.performGenericAuthorizationEndpointErrorResponseValidation) and its character sets. */
export const authorizationBlock: ReadonlyArray<Condition<CallbackResponse>> = [
  EnsureErrorFromAuthorizationEndpointResponse, RejectAuthCodeInAuthorizationEndpointResponse,
  CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint, CheckStateInAuthorizationResponse,
  ValidateIssIfPresentInAuthorizationResponse,
  CheckErrorDescriptionFromAuthorizationEndpointResponseErrorContainsCRLFTAB,
  ValidateErrorDescriptionFromAuthorizationEndpointResponseError, ValidateErrorUriFromAuthorizationEndpointResponseError
]

/** The token endpoint block (e.g. FAPI1AdvancedFinalEnsureClientAssertionWithNoSubFails.processTokenEndpointResponse), without its status check. */
export const tokenBlock: ReadonlyArray<Condition<EndpointResponse>> = [
  CheckTokenEndpointReturnedJsonContentType, ValidateErrorFromTokenEndpointResponseError,
  CheckErrorDescriptionFromTokenEndpointResponseErrorContainsCRLFTAB, ValidateErrorDescriptionFromTokenEndpointResponseError,
  ValidateErrorUriFromTokenEndpointResponseError
]

/** The CIBA twins of the token block, without the status table. */
export const backchannelBlock: ReadonlyArray<Condition<EndpointResponse>> = [
  CheckBackchannelAuthenticationEndpointContentType, ValidateErrorResponseFromBackchannelAuthenticationEndpoint,
  CheckErrorDescriptionFromBackchannelAuthenticationEndpointContainsCRLFTAB,
  ValidateErrorDescriptionFromBackchannelAuthenticationEndpoint, ValidateErrorUriFromBackchannelAuthenticationEndpoint
]
