/**
 * What every response of the plugin must be, whatever the input: checked on a parsed
 * response (from `inject` or from a real socket). Each check throws an `AssertionError`
 * naming the rule it proves, so a failing property says what broke.
 */
import assert from 'node:assert/strict'
import { validateHeaderName, validateHeaderValue } from 'node:http'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { AuthProblemSchema, DESCRIPTION_LIMIT, OAuthErrorSchema } from '../../lib/index.js'
import { parseChallenges } from '../helpers/auth-params.js'

/** RFC 6749 A.7 / A.8: error and error_description. */
export const TEXT_CHARSET = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
/** RFC 6749 A.9: error_uri (and problem type and instance, which the plugin limits the same way). */
export const URI_CHARSET = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** RFC 6749 A.4: a scope is scope-tokens separated by single spaces. */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/
/** RFC 3986 3.1: an absolute URI starts with a scheme. */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/

const oauthError = TypeCompiler.Compile(OAuthErrorSchema)
const authProblem = TypeCompiler.Compile(AuthProblemSchema)

/** A response, whichever client produced it. */
export interface SeenResponse {
  statusCode: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
}

/** What the test knows about the request that produced the response. */
export interface Expectation {
  /** The realm challenges must carry, unescaped. */
  realm?: string
  /** The redirect URI the application passed, when the sender was authRedirect. */
  redirectUri?: string
  /** The state the application passed (authRedirect). */
  state?: string
}

function headerText (value: string | string[] | number | undefined): string[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [String(value)]
}

/** (b) and (e): every header is one Node accepts, with no raw CR or LF. */
export function checkHeaders (response: SeenResponse): void {
  for (const [name, value] of Object.entries(response.headers)) {
    validateHeaderName(name)
    for (const text of headerText(value)) {
      validateHeaderValue(name, text)
      assert.doesNotMatch(text, /[\r\n\0]/, `E6 no CR, LF or NUL in header ${name}`)
    }
  }
}

/** (d): the B1-B3 charsets of the OAuth members, wherever they appear. */
export function checkOAuthFields (fields: { error?: unknown, error_description?: unknown, error_uri?: unknown }, where: string): void {
  assert.ok(typeof fields.error === 'string' && TEXT_CHARSET.test(fields.error), `B1 error charset in ${where}: ${String(fields.error)}`)
  if (fields.error_description !== undefined) {
    assert.ok(typeof fields.error_description === 'string' && TEXT_CHARSET.test(fields.error_description), `B2 error_description charset in ${where}`)
    assert.ok(fields.error_description.length <= DESCRIPTION_LIMIT, `S4 error_description limit in ${where}`)
  }
  if (fields.error_uri !== undefined) {
    assert.ok(typeof fields.error_uri === 'string' && URI_CHARSET.test(fields.error_uri), `B3 error_uri charset in ${where}`)
  }
}

/** The challenge parameters: strict RFC 9110 syntax (E2, E3, E6) and the B1-B3 charsets. */
export function checkChallenge (header: string, expectation: Expectation): void {
  const challenges = parseChallenges(header)
  for (const challenge of challenges) {
    const params = challenge.params
    if (expectation.realm !== undefined) assert.equal(params.realm, expectation.realm, 'E2 the realm round-trips')
    if (params.error !== undefined) checkOAuthFields(params, 'WWW-Authenticate')
    else assert.ok(params.error_description === undefined && params.error_uri === undefined, 'E4 no error text without an error')
    if (params.scope !== undefined) assert.match(params.scope, SCOPE, 'scope is scope-tokens')
  }
}

/** Tags the plugin's two pages and its reference page may contain: anything else is input that escaped. */
const TEMPLATE_TAG = /^<\/?(?:!DOCTYPE html|html|head|meta|title|style|body|main|h1|p|dl|dt|dd|code|form|input|noscript|button|script)[\s>]/

/** (e): every `<` in an HTML body opens one of the template's own tags. */
export function checkHtml (html: string): void {
  let at = html.indexOf('<')
  while (at !== -1) {
    assert.match(html.slice(at, at + 20), TEMPLATE_TAG, `C3 an unescaped < from input in HTML at ${at}: ${JSON.stringify(html.slice(at, at + 40))}`)
    at = html.indexOf('<', at + 1)
  }
  assert.ok((html.match(/<script/g) ?? []).length <= 1, 'C3 one script at most: the template\'s own')
}

const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': '\'', '&#9;': '\t', '&#10;': '\n', '&#13;': '\r' }

function unescapeHtml (value: string): string {
  return value.replace(/&(?:amp|lt|gt|quot|#39|#9|#10|#13);/g, entity => ENTITIES[entity] as string)
}

/** The action and hidden fields of a form_post page. */
export function formOf (html: string): { action: string | undefined, fields: Array<[string, string]> } {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1]
  const fields: Array<[string, string]> = []
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.push([unescapeHtml(match[1] as string), unescapeHtml(match[2] as string)])
  }
  return { action: action === undefined ? undefined : unescapeHtml(action), fields }
}

/** The parameters an error redirect may add to the redirect URI (RULES B4, B5, C4). */
const ADDED_PARAMS: ReadonlySet<string> = new Set(['error', 'error_description', 'error_uri', 'state', 'iss', 'response'])

/**
 * A redirect's response parameters: the fragment, else what the query holds beyond the
 * redirect URI's own query, which must be kept as it was (RULES B6).
 */
export function redirectParams (location: string, redirectUri: string): URLSearchParams {
  assert.ok(location.startsWith(redirectUri), 'A2 the Location starts with the redirect URI the application passed')
  const target = new URL(redirectUri)
  const url = new URL(location)
  assert.equal(url.origin, target.origin, 'A2 same origin')
  assert.equal(url.pathname, target.pathname, 'A2 same path')
  const own = [...target.searchParams]
  const query = [...url.searchParams]
  assert.deepEqual(query.slice(0, own.length), own, 'B6 the redirect URI\'s own query is kept')
  if (url.hash !== '') {
    assert.equal(query.length, own.length, 'C2 a fragment response adds nothing to the query')
    return new URLSearchParams(url.hash.slice(1))
  }
  return new URLSearchParams(query.slice(own.length))
}

function checkRedirect (response: SeenResponse, expectation: Expectation): void {
  const location = response.headers.location
  assert.ok(typeof location === 'string', 'A5 a redirect has one Location')
  const params = redirectParams(location, expectation.redirectUri as string)
  for (const name of params.keys()) assert.ok(ADDED_PARAMS.has(name), `B6 only error parameters are added, got ${name}`)
  checkResponseParams(params, expectation)
}

function checkResponseParams (params: URLSearchParams, expectation: Expectation): void {
  checkOAuthFields({ error: params.get('error') ?? undefined, error_description: params.get('error_description') ?? undefined, error_uri: params.get('error_uri') ?? undefined }, 'redirect')
  const state = expectation.state === undefined || expectation.state === '' ? undefined : expectation.state.toWellFormed()
  assert.equal(params.get('state') ?? undefined, state, 'B4 state is echoed exactly')
  assert.equal(params.getAll('error').length, 1, 'B1 one error')
}

function checkJsonBody (response: SeenResponse, contentType: string): void {
  const body: unknown = JSON.parse(response.body)
  if (contentType.startsWith('application/problem+json')) {
    assert.ok(authProblem.Check(body), 'H1 the body validates against AuthProblem: ' + response.body.slice(0, 200))
    const problem = body as { type: string, status: number, detail?: string, instance?: string, error: string }
    assert.equal(problem.status, response.statusCode, 'H1 status equals the HTTP status')
    assert.match(problem.type, ABSOLUTE_URI, 'H1 type is an absolute URI')
    assert.match(problem.type, URI_CHARSET, 'B3 type charset')
    if (problem.instance !== undefined) assert.match(problem.instance, URI_CHARSET, 'B3 instance charset')
    checkOAuthFields({ error: problem.error, error_description: problem.detail }, 'problem body')
    return
  }
  assert.ok(oauthError.Check(body), 'D1 the body validates against OAuthError: ' + response.body.slice(0, 200))
  checkOAuthFields(body as { error: string }, 'JSON body')
}

/**
 * Everything a response of the plugin must be: sent with an HTTP status, headers Node accepts,
 * a body that matches its content type and the plugin's own schema, the B1-B3 charsets
 * everywhere, and no input-made markup in HTML.
 */
export function checkResponse (response: SeenResponse, expectation: Expectation = {}): void {
  assert.ok(Number.isInteger(response.statusCode) && response.statusCode >= 200 && response.statusCode <= 599, 'a status was sent')
  checkHeaders(response)
  const challenge = response.headers['www-authenticate']
  if (challenge !== undefined) {
    assert.equal(typeof challenge, 'string', 'E3 one WWW-Authenticate field')
    checkChallenge(challenge as string, expectation)
  }
  if (response.statusCode === 401) assert.ok(challenge !== undefined, 'E1 every 401 carries a challenge')
  if (response.statusCode >= 300 && response.statusCode < 400) {
    checkRedirect(response, expectation)
    return
  }
  assert.equal(response.headers.location, undefined, 'A1 no Location outside a redirect')
  const contentType = String(response.headers['content-type'] ?? '')
  if (response.statusCode >= 400) assert.equal(response.headers['cache-control'], 'no-store', 'D2 no-store on every error')
  if (contentType.startsWith('text/html')) {
    checkHtml(response.body)
    const form = formOf(response.body)
    if (form.action !== undefined) {
      assert.equal(form.action, expectation.redirectUri, 'C3 the form posts to the redirect URI the application passed')
      for (const [name] of form.fields) assert.ok(ADDED_PARAMS.has(name), `C3 only response parameters are posted, got ${name}`)
      checkResponseParams(new URLSearchParams(form.fields), expectation)
    }
    return
  }
  if (response.body === '') {
    assert.ok(response.statusCode === 401 || response.statusCode === 200, 'an empty body only for a bare challenge or a success')
    return
  }
  checkJsonBody(response, contentType)
}
