/**
 * The decision: what an error response is, as a plain value, from the compiled code, the
 * request's facts and the call's options. Every rule about status, body format, texts,
 * challenges, nonces and the "not an error here" answers is decided here, once; the senders
 * (lib/senders.ts) only write a decision onto a reply, and `responses()` documents a route by
 * asking the same functions. Nothing here touches a reply.
 *
 * @module
 */
import type { AuthErrorFormat, AuthErrorOptions, AuthScheme } from './error-options.js'
import type { EndpointKind } from './catalog.js'
import type { ChallengeParams } from './challenge.js'
import type { CompiledCode, CompiledVariant } from './compiled-catalog.js'
import { misuse } from './config-error.js'
import { prefersProblem } from './accept.js'
import { forwardableHeaders } from './response-headers.js'
import type { RequestFacts, UsedScheme } from './request-facts.js'
import { validateNameList, validateSchemes } from './option-lists.js'
import { sanitizeDescription, sanitizeScope, sanitizeUri } from './sanitize.js'
import { absoluteErrorUri } from './compiled-catalog.js'

/** What the decision needs of the registration options. */
export interface DecisionSettings {
  readonly schemes: readonly AuthScheme[]
  readonly format: AuthErrorFormat
  readonly exposeDetails: boolean
  /** The reference page's public URL, against which a relative `uri` option is resolved (RULES B3). */
  readonly referenceUrl: string | undefined
}

/** How a sender was reached, beside the call's options. */
export interface SendContext {
  /** The kind of request, forced (the not-found handler answers as a token endpoint). */
  readonly endpoint?: EndpointKind | undefined
  /** An answer to another library's error: a challenge only on a 401 or a challenge code at a resource (RULES I3). */
  readonly foreign?: boolean | undefined
  /** The thrown value the response answers, for the event (RULES L3). */
  readonly thrown?: unknown
}

/** The challenges of a response: Basic for client authentication (RULES D3), or one per served scheme. */
export interface ChallengePlan {
  /** The Basic challenge of a client that authenticated with Basic and failed (RULES D3). */
  readonly basic: boolean
  /** The Bearer/DPoP schemes to challenge with, in order. */
  readonly schemes: readonly AuthScheme[]
  /** The scheme whose challenge carries the error (the one the request used, RULES F4). */
  readonly errorScheme: AuthScheme | undefined
  /** The error's parameters, in the challenge of `errorScheme`. */
  readonly params: ChallengeParams | undefined
  /** Parameters for every other challenge (a bare challenge's scope). */
  readonly others: ChallengeParams | undefined
  /** DPoP `algs` for this response, when the call names them. */
  readonly algs: string | undefined
}

/** An error response. */
export interface ErrorDecision {
  readonly answer: 'error'
  readonly code: string
  readonly compiled: CompiledCode
  /** The kind of request, inferred when the route is unmarked (`resource` for Bearer/DPoP or a challenge code). */
  readonly endpoint: EndpointKind | undefined
  readonly status: number
  /** The compiled texts and bodies of `status`, if the code has them. */
  readonly variant: CompiledVariant | undefined
  readonly description: string
  readonly uri: string | undefined
  readonly format: 'oauth' | 'problem'
  /** The format was chosen by `Accept` (`Vary: Accept`). */
  readonly negotiated: boolean
  readonly challenge: ChallengePlan | undefined
  readonly nonce: string | undefined
  readonly retryAfter: string | undefined
  readonly headers: ReadonlyArray<readonly [string, string]> | undefined
  readonly instance: string | undefined
  readonly hint: string | undefined
  readonly debug: string | undefined
  /** The call's `uri`, when it could not be sent (relative, with no reference page to resolve it against). */
  readonly refusedUri: string | undefined
  /** The call's `reason`: for the event and the log only (RULES L4). */
  readonly reason: unknown
  /** The call's `debug` and `cause`, for the log whatever `exposeDetails` says. */
  readonly logged: { readonly debug: unknown, readonly cause: unknown } | undefined
  /** The call's `uiLocales`: the language of a localised problem body (RULES P1, P2). */
  readonly uiLocales: unknown
}

/** An answer that is not an error at this endpoint (RULES D9, D10). */
export interface NotAnErrorDecision {
  readonly answer: 'not_an_error'
  readonly code: string
  readonly endpoint: EndpointKind
  readonly status: 200
  /** The body: empty (revocation) or `{"active":false}` (introspection). */
  readonly body: string
}

/** The bare 401 challenge of a request without credentials (RULES E4). */
export interface ChallengeDecision {
  readonly answer: 'challenge'
  readonly status: 401
  readonly challenge: ChallengePlan
  readonly nonce: string | undefined
  readonly reason: unknown
}

/** What an error response is. */
export type Decision = ErrorDecision | NotAnErrorDecision

/**
 * Answers that are not errors at some endpoints, for codes flagged `inactiveToken`: an invalid
 * token given to revocation is a success (RFC 7009 2.2, RULES D9) and an inactive token given to
 * introspection is `{"active":false}` (RFC 7662 2.2, RULES D10).
 */
const NOT_AN_ERROR_AT: Readonly<Partial<Record<EndpointKind, string>>> = Object.freeze({
  revocation: '',
  introspection: '{"active":false}'
})

/** RFC 9449 4.2: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** RFC 9110 10.2.3: delay-seconds = 1*DIGIT; a bound keeps it digits (no exponent). */
const RETRY_AFTER_LIMIT = 2147483647

/** The kind of request a code is answered as (DESIGN "Kind of request"). */
export function kindOf (compiled: CompiledCode, facts: RequestFacts): EndpointKind | undefined {
  if (facts.endpoint !== undefined) return facts.endpoint
  const scheme = facts.scheme
  return scheme === 'Bearer' || scheme === 'DPoP' || compiled.entry.challenge === true ? 'resource' : undefined
}

/** The Bearer/DPoP scheme a request used, if any (Basic is not bound to a token). */
function boundScheme (scheme: UsedScheme | undefined): AuthScheme | undefined {
  return scheme === 'Basic' ? undefined : scheme
}

function checkStatus (status: unknown): number {
  if (!Number.isInteger(status) || (status as number) < 400 || (status as number) > 599) {
    throw misuse(`status must be an integer from 400 to 599, got ${String(status)}`)
  }
  return status as number
}

/**
 * The status of a code at a kind of endpoint: the call's, else the catalog's for that kind.
 * RULES D3: a client-authentication code for a client that sent no Authorization header is 400,
 * never a 401 that would need a challenge.
 */
export function statusOf (compiled: CompiledCode, kind: EndpointKind | undefined, scheme: UsedScheme | undefined, requested: unknown): number {
  if (requested !== undefined) return checkStatus(requested)
  const status = kind === undefined ? compiled.status : compiled.statusAt[kind] ?? compiled.status
  return status === 401 && kind !== 'resource' && scheme === undefined && compiled.entry.clientAuthentication === true ? 400 : status
}

/**
 * Whether a response carries WWW-Authenticate (RULES E1, D3, I3): every 4xx of a resource
 * request, every 401, and a challenge code about a Bearer or DPoP token wherever it is sent. A
 * 5xx is not about credentials. An answer to another library's error carries one only on a 401
 * or for a challenge code at a resource request.
 */
export function carriesChallenge (compiled: CompiledCode, kind: EndpointKind | undefined, scheme: UsedScheme | undefined, status: number, foreign: boolean): boolean {
  const resource = kind === 'resource'
  const challengeCode = compiled.entry.challenge === true
  if (foreign) return status === 401 || (challengeCode && resource && status < 500)
  return (resource && status < 500) || status === 401 || (challengeCode && boundScheme(scheme) !== undefined)
}

/** The answer at an endpoint where the code is not an error, if it is one (RULES D9, D10). */
export function notAnErrorBody (compiled: CompiledCode, kind: EndpointKind | undefined, scheme: UsedScheme | undefined, requested: unknown): string | undefined {
  if (kind === undefined || requested !== undefined || compiled.entry.inactiveToken !== true) return undefined
  // A challenge code about the caller's own Bearer or DPoP credential stays an error (RFC 7662 2.3).
  if (compiled.entry.challenge === true && boundScheme(scheme) !== undefined) return undefined
  return NOT_AN_ERROR_AT[kind]
}

/**
 * The body format (RULES H2): the call's, else a marked protocol endpoint's RFC 6749 JSON, else
 * the route's, the code's, the registration's. `negotiate` is resolved by `Accept` here.
 */
export function formatOf (settings: DecisionSettings, compiled: CompiledCode, facts: RequestFacts, requested: AuthErrorFormat | undefined): AuthErrorFormat {
  if (requested !== undefined) return requested
  const endpoint = facts.config?.endpoint
  return endpoint !== undefined && endpoint !== 'resource' ? 'oauth' : facts.config?.format ?? compiled.format ?? settings.format
}

/** Checks a `dpopNonce` option (RFC 9449 4.2 NQCHAR). */
export function nonceOf (value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !NONCE.test(value)) {
    throw misuse('dpopNonce must be a non-empty string of %x21 / %x23-5B / %x5D-7E characters (RFC 9449 4.2)')
  }
  return value
}

/** `Retry-After` as delay-seconds (RULES S8): whole seconds, digits only. */
export function retryAfterOf (value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > RETRY_AFTER_LIMIT) {
    throw misuse(`retryAfter must be a number of seconds from 0 to ${RETRY_AFTER_LIMIT}, got ${String(value)}`)
  }
  return String(Math.ceil(value))
}

function maxAgeOf (value: unknown): number | undefined {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
    throw misuse(`maxAge must be an integer number of seconds >= 0, got ${String(value)}`)
  }
  return value as number | undefined
}

/** One scheme alone, as a list (one frozen array each, so a challenge memo can key on it). */
const ONLY: Readonly<Record<AuthScheme, readonly AuthScheme[]>> = Object.freeze({ Bearer: Object.freeze(['Bearer'] as AuthScheme[]), DPoP: Object.freeze(['DPoP'] as AuthScheme[]) })
const SERVED_WITH = new WeakMap<readonly AuthScheme[], Partial<Record<AuthScheme, readonly AuthScheme[]>>>()

/** The served schemes followed by the one a request used (RULES F4), the same array for the same inputs. */
function servedWith (served: readonly AuthScheme[], used: AuthScheme): readonly AuthScheme[] {
  let lists = SERVED_WITH.get(served)
  if (lists === undefined) SERVED_WITH.set(served, lists = {})
  lists[used] ??= Object.freeze([...served, used])
  return lists[used]
}

/** The schemes a response challenges with: the call's, else the registration's. */
export function servedSchemes (settings: DecisionSettings, schemes: readonly AuthScheme[] | undefined): readonly AuthScheme[] {
  return schemes === undefined ? settings.schemes : validateSchemes(schemes, 'schemes option')
}

/**
 * The challenges of an error response. A resource request challenges with every served scheme
 * plus the one it used, the error only in the challenge of the scheme used (RULES F4); another
 * endpoint answers a client that used Bearer or DPoP with that scheme only, and one that used
 * Basic for client authentication with Basic (RULES D3).
 */
function challengePlan (settings: DecisionSettings, compiled: CompiledCode, kind: EndpointKind | undefined, scheme: UsedScheme | undefined, status: number, opts: AuthErrorOptions, texts: { description: string, uri: string | undefined }): ChallengePlan {
  const resource = kind === 'resource'
  if (!resource && scheme === 'Basic' && status === 401 && compiled.entry.clientAuthentication === true) {
    return { basic: true, schemes: [], errorScheme: undefined, params: undefined, others: undefined, algs: undefined }
  }
  const bound = boundScheme(scheme)
  let schemes: readonly AuthScheme[]
  if (resource || bound === undefined) {
    const served = servedSchemes(settings, opts.schemes)
    schemes = bound === undefined || served.includes(bound) ? served : servedWith(served, bound)
  } else {
    schemes = ONLY[bound]
  }
  const params: ChallengeParams = {
    error: compiled.code,
    error_description: texts.description,
    error_uri: texts.uri,
    scope: sanitizeScope(opts.scope),
    acr_values: validateNameList(opts.acrValues, 'acrValues'),
    max_age: maxAgeOf(opts.maxAge)
  }
  return { basic: false, schemes, errorScheme: bound ?? schemes[0], params, others: undefined, algs: validateNameList(opts.algs, 'algs') }
}

/** A call's `description`, sanitised (RULES B2, S4), else the text of the status's variant, else the code's. */
export function descriptionOf (compiled: CompiledCode, variant: CompiledVariant | undefined, given: unknown): string {
  return (given === undefined ? undefined : sanitizeDescription(given)) ?? variant?.description ?? compiled.entry.description
}

/**
 * A call's `uri`, sanitised and absolute (RULES B3), else the code's. A relative one is resolved
 * against the reference page's URL; without one it cannot be sent, and the code's is (the
 * decision's `refusedUri` says so, and the sender logs it as the application's misuse).
 */
export function uriOf (settings: DecisionSettings, compiled: CompiledCode, given: unknown): string | undefined {
  if (given === undefined) return compiled.uri
  const sanitized = sanitizeUri(given)
  return sanitized === undefined ? compiled.uri : absoluteErrorUri(sanitized, settings.referenceUrl) ?? compiled.uri
}

/** The call's `uri` when it was not used because it is not an absolute http(s) URI (RULES B3). */
function refusedUriOf (given: unknown, uri: string | undefined, compiled: CompiledCode): string | undefined {
  return given !== undefined && uri === compiled.uri && given !== uri ? sanitizeUri(given) : undefined
}

function causeMessage (cause: unknown): string | undefined {
  if (cause instanceof Error) return cause.message
  return typeof cause === 'string' ? cause : undefined
}

/**
 * Decides an error response. Throws an `AuthErrorsConfigError` (FST_AUTH_ERRORS_INVALID_ARGUMENT)
 * for an option the application got wrong, before anything is written.
 */
export function decideError (settings: DecisionSettings, compiled: CompiledCode, facts: RequestFacts, opts: AuthErrorOptions, context: SendContext): Decision {
  const kind = kindOf(compiled, facts)
  const scheme = facts.scheme
  const success = notAnErrorBody(compiled, kind, scheme, opts.status)
  if (success !== undefined) return { answer: 'not_an_error', code: compiled.code, endpoint: kind as EndpointKind, status: 200, body: success }

  const status = statusOf(compiled, kind, scheme, opts.status)
  const variant = compiled.variants.get(status)
  const description = descriptionOf(compiled, variant, opts.description)
  const uri = uriOf(settings, compiled, opts.uri)
  const challenge = carriesChallenge(compiled, kind, scheme, status, context.foreign === true)
    ? challengePlan(settings, compiled, kind, scheme, status, opts, { description, uri })
    : undefined
  const nonce = nonceOf(opts.dpopNonce)
  // The authorization endpoint has no DPoP nonce to give (RFC 9449 8 and 9 are the token endpoint and resources).
  if (nonce === undefined && compiled.entry.needsNonce === true && kind !== 'authorization') {
    throw misuse(`${compiled.code} needs the dpopNonce option: the response must carry a fresh DPoP-Nonce (RFC 9449 8)`)
  }
  const format = formatOf(settings, compiled, facts, opts.format)
  const details = settings.exposeDetails
  return {
    answer: 'error',
    code: compiled.code,
    compiled,
    endpoint: kind,
    status,
    variant,
    description,
    uri,
    format: format === 'negotiate' ? (prefersProblem(facts.accept) ? 'problem' : 'oauth') : format === 'problem' ? 'problem' : 'oauth',
    negotiated: format === 'negotiate',
    challenge,
    nonce,
    retryAfter: retryAfterOf(opts.retryAfter),
    headers: forwardableHeaders(opts.headers),
    instance: sanitizeUri(opts.instance),
    hint: details ? opts.hint : undefined,
    debug: details ? opts.debug ?? causeMessage(opts.cause) : undefined,
    refusedUri: refusedUriOf(opts.uri, uri, compiled),
    reason: opts.reason,
    logged: opts.debug === undefined && opts.cause === undefined ? undefined : { debug: opts.debug, cause: opts.cause },
    uiLocales: opts.uiLocales
  }
}

/** Options of a bare challenge (`reply.authChallenge`). */
export interface BareChallengeOptions {
  readonly schemes?: readonly AuthScheme[] | undefined
  readonly scope?: string | readonly string[] | undefined
  readonly algs?: string | readonly string[] | undefined
  readonly dpopNonce?: string | undefined
  readonly reason?: string | undefined
}

/**
 * Decides the bare 401 challenge of RULES E4: no error, no error text; a `scope` goes in every
 * scheme's challenge, since none of them carries an error (RULES F4).
 */
export function decideChallenge (settings: DecisionSettings, opts: BareChallengeOptions): ChallengeDecision {
  const schemes = servedSchemes(settings, opts.schemes)
  const scope = sanitizeScope(opts.scope)
  return {
    answer: 'challenge',
    status: 401,
    challenge: { basic: false, schemes, errorScheme: undefined, params: undefined, others: scope === undefined ? undefined : { scope }, algs: validateNameList(opts.algs, 'algs') },
    nonce: nonceOf(opts.dpopNonce),
    reason: opts.reason
  }
}
