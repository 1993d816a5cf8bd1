/**
 * `reply.authRedirect`: an authorization endpoint error delivered to the client's redirect URI
 * by query, fragment, form_post or JARM (RULES A-C), or answered directly when no redirect is
 * safe (RULES A1, A2, A6).
 *
 * What can be decided at registration is built here once: the encoded `error`,
 * `error_description` and `error_uri` of every code, and the encoded `iss`. A call checks the
 * redirect URI (lib/redirect-uri.ts), picks the response mode, and concatenates.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import { prefersHtml } from './accept.js'
import { isAuthError, withCallOptions, type AuthError, type AuthErrorCode } from './auth-error.js'
import type { CompiledCode } from './compiled-catalog.js'
import { descriptionOf, uriOf } from './decision.js'
import { ERROR_PAGE_CSP, HTML_CONTENT_TYPE, errorPageCsp, formPostCsp, renderErrorPage, renderFormPost } from './html.js'
import { chooseLocale, type LocaleChoice, type PageSettings } from './locales.js'
import type { ResolvedOptions } from './options.js'
import { checkRedirectUri, redirectUriProblems, type SafeRedirectUri } from './redirect-uri.js'
import { requestFacts } from './request-facts.js'
import { addVary, noStore } from './response-headers.js'
import type { Senders } from './senders.js'

/**
 * The response modes `reply.authRedirect` delivers: RFC 6749 / OAuth 2.0 Multiple Response
 * Types (`query`, `fragment`), Form Post Response Mode (`form_post`) and JARM (`jwt`,
 * `query.jwt`, `fragment.jwt`, `form_post.jwt`).
 *
 * @example
 * ```ts
 * const mode: AuthResponseMode = 'form_post'
 * ```
 * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes
 */
export type AuthResponseMode = 'query' | 'fragment' | 'form_post' | 'jwt' | 'query.jwt' | 'fragment.jwt' | 'form_post.jwt'

/**
 * The claims of a JARM error response, handed to the application's `jarm.sign`.
 *
 * @example
 * ```ts
 * const claims: JarmClaims = { iss: 'https://as.example.com', aud: 'client-1', exp: 1767225600, error: 'access_denied', state: 'xyz' }
 * ```
 * @see https://openid.net/specs/oauth-v2-jarm.html#section-2.1
 */
export interface JarmClaims {
  /** The issuer: the registration's `issuer` option. */
  iss: string
  /** The audience: the client's `client_id`. */
  aud: string
  /** Expiry, in seconds since the epoch (now + `expiresIn`). */
  exp: number
  error: string
  error_description?: string
  error_uri?: string
  state?: string
}

/**
 * JARM settings of one call: the application's signer (and optionally encrypter).
 *
 * @example
 * ```ts
 * const jarm: JarmOptions = { sign: async (claims) => signJwt(claims, privateKey), expiresIn: 300 }
 * ```
 * @see https://openid.net/specs/oauth-v2-jarm.html#section-2.2
 */
export interface JarmOptions {
  /** Signs the claims and returns the compact JWT (a nested JWE is accepted too). */
  sign: (claims: JarmClaims) => Promise<string> | string
  /** Lifetime of the response JWT in seconds (a positive integer). Default 600. */
  expiresIn?: number
}

/**
 * Options of `reply.authRedirect`.
 *
 * @example
 * ```ts
 * return reply.authRedirect('access_denied', {
 *   redirectUri: client.redirectUri,           // matched exactly against the registration
 *   responseType: request.query.response_type,
 *   responseMode: request.query.response_mode,
 *   state: request.query.state
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export interface AuthRedirectOptions {
  /**
   * The redirect URI, already matched exactly against the client's registration (never taken
   * from the request unchecked, RULES A2). `undefined` or a URI that fails the safety checks
   * means: answer the user agent directly, never redirect (RULES A1).
   */
  redirectUri: string | null | undefined
  /** The request's `response_type` (default `code`); decides the default mode (RULES C1, C2). */
  responseType?: string | undefined
  /** The request's `response_mode`; default from the response type. */
  responseMode?: AuthResponseMode | (string & Record<never, never>) | undefined
  /** The request's `state`, echoed exactly (RULES B4); an empty string counts as absent. */
  state?: string | undefined
  /** The client's `client_id`: the JARM `aud`. */
  clientId?: string | undefined
  /** The signer for JWT response modes. */
  jarm?: JarmOptions | undefined
  /** `error_description`; defaults to the catalog's. Not sent for prompt=none codes (RULES A4). */
  description?: string | undefined
  /** `error_uri`; defaults to the `errorUri` option. Not sent for prompt=none codes (RULES A4). */
  uri?: string | undefined
  /** Status of a direct answer (a 4xx other than 401); redirects are always 302/303 or 200. */
  status?: number | undefined
  /** Why, for operators: in the event and the log, never in the response (RULES L4). */
  reason?: string | undefined
  /**
   * The request's `ui_locales` (space-separated BCP 47 tags, preferred first): the language of
   * the direct error page and the form_post page, before Accept-Language (RULES P1).
   */
  uiLocales?: string | undefined
}

/** How a response travels back to the client. */
type Delivery = 'query' | 'fragment' | 'form_post'

interface Mode {
  readonly delivery: Delivery
  readonly jwt: boolean
}

const QUERY: Mode = { delivery: 'query', jwt: false }
const FRAGMENT: Mode = { delivery: 'fragment', jwt: false }
const QUERY_JWT: Mode = { delivery: 'query', jwt: true }
const FRAGMENT_JWT: Mode = { delivery: 'fragment', jwt: true }
/** `jwt`: the JWT variant of the response type's default mode (JARM 2.3.4). */
const JWT_DEFAULT: Mode = { delivery: 'query', jwt: true }

const MODES: ReadonlyMap<string, Mode> = new Map([
  ['query', QUERY],
  ['fragment', FRAGMENT],
  ['form_post', { delivery: 'form_post', jwt: false }],
  ['jwt', JWT_DEFAULT],
  ['query.jwt', QUERY_JWT],
  ['fragment.jwt', FRAGMENT_JWT],
  ['form_post.jwt', { delivery: 'form_post', jwt: true }]
])

/** Response type values whose responses may go in the query (RULES C1); any other value means fragment. */
const QUERY_TYPES: ReadonlySet<string> = new Set(['code', 'none', ''])

/** OpenID Connect 3.1.2.6 prompt=none errors: redirected with error and state only (RULES A4). */

const DEFAULT_JARM_LIFETIME = 600
/** A compact JWS (three parts) or JWE (five parts), base64url only: safe in a URL as it is. */
const COMPACT_JWT = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2}(?:\.[A-Za-z0-9_-]*){0,2}$/
/** A redirect URI of the web, whose form_post page needs a CSP host-source for its origin. */
const WEB_URI = /^https?:/i
/** What a warning may quote of a request value: printable ASCII, short. */
const QUOTABLE = /^[\x21-\x7E]{1,200}$/

/** application/x-www-form-urlencoded (RFC 6749 Appendix B, WHATWG URL 5.2) of one name or value. */
const FORM_SAFE = /^[A-Za-z0-9*._-]*$/
const FORM_EXTRA = /[!'()~]|%20/g
const FORM_EXTRA_ESCAPES: Readonly<Record<string, string>> = { '!': '%21', '\'': '%27', '(': '%28', ')': '%29', '~': '%7E', '%20': '+' }

function formEscape (match: string): string {
  return FORM_EXTRA_ESCAPES[match] as string
}

/**
 * Encodes a value for an application/x-www-form-urlencoded query or fragment: exactly what
 * `URLSearchParams` writes (space as `+`, only `*-._` and alphanumerics left as they are).
 */
function formEncode (value: string): string {
  if (FORM_SAFE.test(value)) return value
  return encodeURIComponent(value.toWellFormed()).replace(FORM_EXTRA, formEscape)
}

/** Appends parameters to a URI's query, keeping the query it already has (RULES B6). */
function withQuery (uri: string, params: string): string {
  const mark = uri.indexOf('?')
  if (mark === -1) return uri + '?' + params
  // Only the query's own `?` (an empty query) or a trailing `&` can be followed directly: a later
  // `?` belongs to the last parameter (`cb??` has a parameter named `?`).
  return mark === uri.length - 1 || uri[uri.length - 1] === '&' ? uri + params : uri + '&' + params
}

function quotable (value: unknown): string | undefined {
  return typeof value === 'string' && QUOTABLE.test(value) ? value : undefined
}

/** The error parameters of one code, compiled at registration. */
interface RedirectCode {
  readonly code: string
  readonly compiled: CompiledCode
  /** A prompt=none code: error and state only (RULES A4). */
  readonly brief: boolean
  readonly description: string | undefined
  readonly uri: string | undefined
  /** `error=...&error_description=...&error_uri=...`, encoded. */
  readonly params: string
}

/** The error parameters of one response; `params` (encoded) only when compiled at registration. */
interface ErrorParams {
  readonly description: string | undefined
  readonly uri: string | undefined
  readonly params?: string
}

function encodeErrorParams (code: string, description: string | undefined, uri: string | undefined): string {
  let params = 'error=' + formEncode(code)
  if (description !== undefined) params += '&error_description=' + formEncode(description)
  if (uri !== undefined) params += '&error_uri=' + formEncode(uri)
  return params
}

function compileRedirectCode (compiled: CompiledCode): RedirectCode {
  const brief = compiled.entry.promptNone === true
  const description = brief ? undefined : compiled.entry.description
  const uri = brief ? undefined : compiled.uri
  return Object.freeze({ code: compiled.code, compiled, brief, description, uri, params: encodeErrorParams(compiled.code, description, uri) })
}

/** What an event says of a delivered authorization error. */
interface Sent {
  readonly code: string
  readonly reason: unknown
  readonly jwt: boolean
}

/** The options of one call, whichever way they were given. */
type CallOptions = Partial<AuthRedirectOptions>

/**
 * Whether the responses of a response type may go in the query (RULES C1, C2): only `code` and
 * `none` (and no response type, which means `code`). Anything else, including values that are
 * not strings, is treated as a fragment type: the safe side.
 */
function queryAllowed (responseType: unknown): boolean {
  if (responseType === undefined || responseType === null || responseType === 'code') return true
  if (typeof responseType !== 'string') return false
  return responseType.split(' ').every(part => QUERY_TYPES.has(part))
}

/** The response mode of one call, or the reason it cannot be honoured safely. */
function resolveMode (responseType: unknown, responseMode: unknown): Mode | string {
  const queryDefault = queryAllowed(responseType)
  if (responseMode === undefined || responseMode === null || responseMode === '') return queryDefault ? QUERY : FRAGMENT
  const mode = typeof responseMode === 'string' ? MODES.get(responseMode) : undefined
  if (mode === undefined) {
    return 'the response mode is not one of query, fragment, form_post, jwt, query.jwt, fragment.jwt or form_post.jwt'
  }
  if (mode === JWT_DEFAULT) return queryDefault ? QUERY_JWT : FRAGMENT_JWT
  if (mode.delivery === 'query' && !queryDefault) {
    return `response mode ${mode.jwt ? 'query.jwt' : 'query'} would put the response of a fragment response type in the query (RULES C2)`
  }
  return mode
}

/** The `state` to echo: a non-empty string (RULES B4); anything else is sent without state. */
function stateOf (reply: FastifyReply, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return value
  // RULES L1: a repeated parameter is what a request did, not the application's mistake.
  reply.log.info({ stateType: typeof value }, 'fastify-auth-errors: state is not a string (a repeated parameter?); the error is sent without state')
  return undefined
}

/** A 4xx for the direct answer: the asked status, else the code's, else 400; never 401 (it needs a challenge). */
function directStatus (requested: unknown, fallback: number): number {
  if (Number.isInteger(requested) && (requested as number) >= 400 && (requested as number) <= 499 && requested !== 401) return requested as number
  return fallback >= 400 && fallback <= 499 && fallback !== 401 ? fallback : 400
}

/**
 * The direct page's HTML and CSP: the application's `errorPage` around a fresh nonce, or the
 * built-in page when there is none or it fails (RULES P3).
 */
function directPage (pages: PageSettings, reply: FastifyReply, fields: Parameters<typeof renderErrorPage>[0], choice: LocaleChoice): { html: string, csp: string } {
  const custom = pages.errorPage
  if (custom !== undefined) {
    const nonce = randomBytes(18).toString('base64')
    try {
      const html: unknown = custom({ status: fields.status, code: fields.error, title: fields.title, description: fields.description, uri: fields.uri, locale: choice.tag, nonce })
      if (typeof html === 'string') return { html, csp: errorPageCsp(nonce) }
      reply.log.warn({ error: fields.error }, 'fastify-auth-errors: errorPage did not return a string; the built-in page is sent')
    } catch (err) {
      reply.log.warn({ err, error: fields.error }, 'fastify-auth-errors: errorPage threw; the built-in page is sent')
    }
  }
  return { html: renderErrorPage(fields, choice.locale), csp: ERROR_PAGE_CSP }
}

/**
 * Builds `reply.authRedirect` for one registration.
 */
export function createRedirector (options: ResolvedOptions, senders: Senders) {
  const issuer = options.issuer
  const pages: PageSettings = options.pages
  const issParam = issuer === undefined ? '' : '&iss=' + formEncode(issuer)
  const redirectCodes = new Map<CompiledCode, RedirectCode>()
  for (const compiled of senders.catalog.codes.values()) redirectCodes.set(compiled, compileRedirectCode(compiled))
  const serverError = redirectCodes.get(senders.catalog.lookup('server_error')) as RedirectCode

  function errorParams (rc: RedirectCode, opts: CallOptions): ErrorParams {
    if (rc.brief || (opts.description === undefined && opts.uri === undefined)) return rc
    const description = descriptionOf(rc.compiled, undefined, opts.description)
    const uri = uriOf(senders.settings, rc.compiled, opts.uri)
    if (description === rc.description && uri === rc.uri) return rc
    return { description, uri }
  }

  /**
   * The fail-safe answer (RULES A1, A6): the error goes to the user agent itself, as an HTML
   * page in the chosen language (RULES P1) or an RFC 6749 JSON body, never to a redirect URI.
   * Always a 4xx.
   */
  function answerDirectly (reply: FastifyReply, rc: RedirectCode, opts: CallOptions): FastifyReply {
    const compiled = rc.compiled
    const status = directStatus(opts.status, compiled.statusAt.authorization ?? compiled.status)
    // The RFC 6749 body whatever the registration's or the route's format (RULES H2).
    const decision = senders.decide(rc.code, requestFacts(reply.request, 'authorization'), { status, description: opts.description, uri: opts.uri, format: 'oauth' })
    addVary(reply, 'Accept')
    reply.header('referrer-policy', 'no-referrer').header('x-content-type-options', 'nosniff')
    if (decision.answer !== 'error' || !prefersHtml(reply.request.headers.accept)) return senders.write(reply, decision)
    if (senders.events.active()) {
      senders.events.publish(reply, { code: rc.code, status: decision.status, endpoint: 'authorization', delivery: 'page', reason: opts.reason, error: undefined })
    }
    const choice = chooseLocale(pages, reply.request, opts.uiLocales)
    if (choice.byHeader) addVary(reply, 'Accept-Language')
    const text = choice.locale.texts.get(rc.code) as { title: string, description: string }
    // A translated description, unless the call gave its own (the decision holds it, or the catalog's for this status).
    const description = opts.description === undefined && text.description !== compiled.entry.description ? text.description : decision.description
    const page = directPage(pages, reply, { status: decision.status, error: rc.code, title: text.title, description, uri: decision.uri }, choice)
    return noStore(reply.code(decision.status))
      .header('content-type', HTML_CONTENT_TYPE)
      .header('content-language', choice.tag)
      .header('content-security-policy', page.csp)
      .header('x-frame-options', 'DENY')
      .send(page.html)
  }

  /**
   * Answers directly instead of redirecting, and logs why (RULES L1): at warn when the
   * application passed something unsafe (its misuse), at info when the request caused it (no
   * redirect URI for an unknown client, an unsupported response mode), so an attacker cannot
   * fill the log at warn.
   */
  function refuse (reply: FastifyReply, rc: RedirectCode, opts: CallOptions, problem: string, details: Record<string, unknown> | undefined, level: 'info' | 'warn'): FastifyReply {
    reply.log[level]({ ...details, error: rc.code }, `fastify-auth-errors: ${problem}; ${rc.code} is answered directly, not redirected`)
    return answerDirectly(reply, rc, opts)
  }

  /**
   * Sends the response parameters by the chosen delivery: `params` (encoded) for a query or a
   * fragment, `fields` (raw) for a form_post page; only the one the delivery needs is built.
   */
  function deliver (reply: FastifyReply, sent: Sent, target: SafeRedirectUri, delivery: Delivery, params: () => string, fields: () => Array<[string, string]>, uiLocales?: unknown): FastifyReply {
    noStore(reply).header('referrer-policy', 'no-referrer')
    const method = reply.request.method
    const status = delivery === 'form_post' ? 200 : method === 'GET' || method === 'HEAD' ? 302 : 303 // RULES A5: never 307
    if (senders.events.active()) {
      senders.events.publish(reply, { code: sent.code, status, endpoint: 'authorization', delivery: sent.jwt ? 'jwt' : delivery === 'form_post' ? 'form_post' : 'redirect', reason: sent.reason, error: undefined })
    }
    if (delivery === 'form_post') {
      const choice = chooseLocale(pages, reply.request, uiLocales)
      if (choice.byHeader) addVary(reply, 'Accept-Language')
      // RULES I6: the CSP's frame-ancestors lets the client's origin frame the page (silent
      // authentication); an X-Frame-Options set before (@fastify/helmet's) would forbid it.
      reply.raw.removeHeader('x-frame-options')
      return reply
        .removeHeader('x-frame-options')
        .code(200)
        .header('content-type', HTML_CONTENT_TYPE)
        .header('content-language', choice.tag)
        .header('content-security-policy', formPostCsp(target.formAction))
        .header('x-content-type-options', 'nosniff')
        .send(renderFormPost(target.uri, fields(), choice.locale))
    }
    return reply
      .code(status)
      .header('location', delivery === 'query' ? withQuery(target.uri, params()) : target.uri + '#' + params())
      .send()
  }

  function sendPlain (reply: FastifyReply, rc: RedirectCode, opts: CallOptions, target: SafeRedirectUri, delivery: Delivery): FastifyReply {
    const error = errorParams(rc, opts)
    const state = stateOf(reply, opts.state)
    return deliver(reply, { code: rc.code, reason: opts.reason, jwt: false }, target, delivery, () => {
      const params = error.params ?? encodeErrorParams(rc.code, error.description, error.uri)
      return state === undefined ? params + issParam : params + '&state=' + formEncode(state) + issParam
    }, () => {
      const fields: Array<[string, string]> = [['error', rc.code]]
      if (error.description !== undefined) fields.push(['error_description', error.description])
      if (error.uri !== undefined) fields.push(['error_uri', error.uri])
      if (state !== undefined) fields.push(['state', state])
      if (issuer !== undefined) fields.push(['iss', issuer])
      return fields
    }, opts.uiLocales)
  }

  /** Why a JWT response mode cannot be used for this call, if it cannot. */
  function jarmProblem (opts: CallOptions): string | undefined {
    if (issuer === undefined) return 'a JWT response mode needs the issuer option (the JWT iss)'
    if (typeof opts.clientId !== 'string' || opts.clientId === '') return 'a JWT response mode needs the clientId option (the JWT aud)'
    if (typeof opts.jarm?.sign !== 'function') return 'a JWT response mode needs jarm.sign, the application\'s signer'
    const lifetime = opts.jarm.expiresIn
    if (lifetime !== undefined && !(Number.isSafeInteger(lifetime) && lifetime > 0)) return 'jarm.expiresIn must be a positive integer number of seconds'
    return undefined
  }

  /**
   * Holds back an empty `reply.send()` while `jarm.sign` runs. An async handler that calls
   * `reply.authRedirect` without returning the reply resolves before the signer does, and Fastify
   * then sends the reply as it stands: an empty 200. Held, that send waits for the JWT instead; a
   * send with a payload (the application's own answer, or a thrown error) goes through at once.
   * Returns the function that puts `send` back.
   */
  function holdEmptySend (reply: FastifyReply): () => void {
    const own = Object.getOwnPropertyDescriptor(reply, 'send')
    const send = reply.send
    function release (): void {
      if (own === undefined) delete (reply as { send?: unknown }).send
      else Object.defineProperty(reply, 'send', own)
    }
    reply.send = function heldSend (this: FastifyReply, payload?: unknown): FastifyReply {
      if (payload === undefined) return this
      release()
      return send.call(this, payload)
    }
    return release
  }

  function sendJarm (reply: FastifyReply, rc: RedirectCode, opts: CallOptions, target: SafeRedirectUri, delivery: Delivery): FastifyReply {
    const problem = jarmProblem(opts)
    if (problem !== undefined) return refuse(reply, rc, opts, problem, undefined, 'warn')
    const jarm = opts.jarm as JarmOptions
    const error = errorParams(rc, opts)
    const claims: JarmClaims = {
      iss: issuer as string,
      aud: opts.clientId as string,
      exp: Math.floor(Date.now() / 1000) + (jarm.expiresIn ?? DEFAULT_JARM_LIFETIME),
      error: rc.code
    }
    if (error.description !== undefined) claims.error_description = error.description
    if (error.uri !== undefined) claims.error_uri = error.uri
    const state = stateOf(reply, opts.state)
    if (state !== undefined) claims.state = state

    const release = holdEmptySend(reply)
    new Promise<unknown>(resolve => { resolve(jarm.sign(claims)) }).then((jwt) => {
      release()
      if (typeof jwt !== 'string' || !COMPACT_JWT.test(jwt)) throw new TypeError('jarm.sign did not return a compact JWT')
      if (reply.sent) {
        reply.log.warn('fastify-auth-errors: the reply was sent while jarm.sign ran; the JARM response is dropped')
        return
      }
      deliver(reply, { code: rc.code, reason: opts.reason, jwt: true }, target, delivery, () => 'response=' + jwt, () => [['response', jwt]])
    }).catch((err: unknown) => {
      release()
      const message = 'fastify-auth-errors: jarm.sign failed; server_error is answered directly, not redirected'
      try {
        reply.log.error({ err }, message)
      } catch {
        reply.log.error(message) // RULES S2: a thrown value the logger cannot read (a hostile Proxy)
      }
      if (!reply.sent) answerDirectly(reply, serverError, {})
    })
    return reply
  }

  /**
   * Sends an authorization error to the client's redirect URI, or answers directly when the
   * redirect URI or the response mode is not safe to use.
   */
  return function sendAuthRedirect (reply: FastifyReply, codeOrError: AuthErrorCode | AuthError, callOptions: AuthRedirectOptions | undefined): FastifyReply {
    const code: string = isAuthError(codeOrError) ? codeOrError.error : codeOrError
    // One merge everywhere: a call option left undefined (an absent request parameter) keeps the error's value.
    const opts: CallOptions = isAuthError(codeOrError) ? withCallOptions(codeOrError, callOptions) : callOptions ?? {}
    const rc = redirectCodes.get(senders.catalog.lookup(code)) as RedirectCode
    const target = checkRedirectUri(opts.redirectUri)
    if (!target.ok) {
      const shown = target.problem === 'invalid_characters' || target.problem === 'too_long' ? undefined : quotable(opts.redirectUri)
      // A missing redirect URI is an unknown client's ordinary traffic; an unsafe one is the application's misuse.
      return refuse(reply, rc, opts, redirectUriProblems[target.problem], { redirectUriProblem: target.problem, redirectUri: shown }, target.problem === 'missing' ? 'info' : 'warn')
    }
    const mode = resolveMode(opts.responseType, opts.responseMode)
    if (typeof mode === 'string') return refuse(reply, rc, opts, mode, { responseType: quotable(opts.responseType), responseMode: quotable(opts.responseMode) }, 'info')
    if (mode.delivery === 'form_post' && !target.formAction.includes('//') && WEB_URI.test(target.uri)) {
      // No CSP host-source can name this origin (an IPv6 literal, an unusual host): a scheme-only
      // form-action would let the form go to any origin of the scheme, so there is no form_post.
      return refuse(reply, rc, opts, 'form_post needs a redirect URI whose origin a CSP source can name (not an IPv6 literal): register http://127.0.0.1 instead of http://[::1]', { redirectUriProblem: 'form_post_origin' }, 'warn')
    }
    return mode.jwt ? sendJarm(reply, rc, opts, target, mode.delivery) : sendPlain(reply, rc, opts, target, mode.delivery)
  }
}

/** `reply.authRedirect` of one registration, taking the reply first. */
export type AuthRedirectSender = ReturnType<typeof createRedirector>
