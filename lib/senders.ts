/**
 * The senders behind `reply.authError`, `reply.authChallenge`, the error handler and the
 * not-found handler: each asks lib/decision.ts what the response is, then writes that decision
 * onto the reply. Writing is all this module does: the challenge string from its plan, the
 * headers, and the body (the one compiled at registration when only the description changed).
 *
 * @module
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { AuthErrorOptions } from './error-options.js'
import { OAUTH_CONTENT_TYPE, PROBLEM_CONTENT_TYPE } from './body.js'
import { errorBody, localProblemBody } from './error-body.js'
import { chooseLocale, localText } from './locales.js'
import { buildChallenge, compileChallengeTemplates, dpopTail, type ChallengeParams, type ChallengeTemplates } from './challenge.js'
import { compileCatalog, type CompiledCatalog } from './compiled-catalog.js'
import {
  decideChallenge, decideError,
  type BareChallengeOptions, type ChallengeDecision, type ChallengePlan, type Decision, type DecisionSettings,
  type ErrorDecision, type SendContext
} from './decision.js'
import type { ResolvedOptions } from './options.js'
import { createEventSink } from './events.js'
import { createMemo } from './memo.js'
import { requestFacts, type RequestFacts } from './request-facts.js'
import { EXPOSE_BOTH, EXPOSE_CHALLENGE, EXPOSE_NONCE, addVary, exposeHeaders, noStore } from './response-headers.js'

export type { SendContext } from './decision.js'

/**
 * Options of `reply.authChallenge`.
 *
 * @example
 * ```ts
 * return reply.authChallenge({ schemes: ['Bearer', 'DPoP'], scope: 'read' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface AuthChallengeOptions extends BareChallengeOptions {
  /** The schemes to challenge with (default: the registration's `schemes`). */
  readonly schemes?: readonly ('Bearer' | 'DPoP')[]
  /** Scope the resource needs, as a space-separated string or an array. */
  readonly scope?: string | readonly string[]
  /** DPoP `algs` for this response (default: the registration's `algs`). */
  readonly algs?: string | readonly string[]
  /** A `DPoP-Nonce` to send with the challenge (RFC 9449 9). */
  readonly dpopNonce?: string
}

const NO_CONTEXT: SendContext = Object.freeze({})

/** How many challenges one registration remembers (each description is at most 512 characters, RULES S4). */
const MEMO_LIMIT = 256

/**
 * The memo key must hold every input of a challenge: these lists name them, and the two checks
 * below fail to compile when a field is added to `ChallengePlan` or `ChallengeParams` without
 * being added here (and to {@link restOf}).
 */
type PlanKeys = 'basic' | 'schemes' | 'errorScheme' | 'params' | 'others' | 'algs'
type ParamKeys = 'error' | 'error_description' | 'error_uri' | 'scope' | 'acr_values' | 'max_age'
/** `true` only when `T` has no key outside `Listed`. */
type AllListed<T, Listed> = [Exclude<keyof T, Listed>] extends [never] ? true : false
/** Compile-time checks, exported so the compiler keeps them (they are never used at run time). */
export const challengeKeysListed: readonly [AllListed<ChallengePlan, PlanKeys>, AllListed<ChallengeParams, ParamKeys>] = [true, true]

/** Every input of a challenge plan but the four the memo keys on, as one string ('' when all are unset). */
function restOf (plan: ChallengePlan): string {
  const params = plan.params
  const scope = plan.others?.scope
  if (!plan.basic && plan.algs === undefined && scope === undefined && (params === undefined ||
    (params.error_uri === undefined && params.scope === undefined && params.acr_values === undefined && params.max_age === undefined))) return ''
  return [plan.basic, plan.algs, scope, params?.error_uri, params?.scope, params?.acr_values, params?.max_age].join('\u0000')
}

/** The WWW-Authenticate value of a challenge plan. */
function challengeValue (templates: ChallengeTemplates, resourceMetadata: string | undefined, plan: ChallengePlan): string {
  if (plan.basic) return templates.Basic.head
  const dpop = plan.algs === undefined ? templates.DPoP.tail : dpopTail(plan.algs, resourceMetadata)
  let value = ''
  for (const scheme of plan.schemes) {
    const challenge = buildChallenge(templates[scheme], scheme === plan.errorScheme ? plan.params : plan.others, scheme === 'DPoP' ? dpop : templates[scheme].tail)
    value = value === '' ? challenge : value + ', ' + challenge
  }
  return value
}

/**
 * Sets the challenge and the nonce, and lists them in `Access-Control-Expose-Headers`.
 * `reply.header` replaces a value already set, so the reply never carries two
 * `DPoP-Nonce` or two `WWW-Authenticate` fields (RULES D7, F3, F5).
 */
function setChallengeHeaders (reply: FastifyReply, challenge: string | undefined, nonce: string | undefined): void {
  if (nonce !== undefined) reply.header('dpop-nonce', nonce)
  if (challenge !== undefined) reply.header('www-authenticate', challenge)
  if (challenge !== undefined || nonce !== undefined) {
    exposeHeaders(reply, challenge === undefined ? EXPOSE_NONCE : nonce === undefined ? EXPOSE_CHALLENGE : EXPOSE_BOTH)
  }
}

function logDetails (reply: FastifyReply, code: string, logged: { readonly debug: unknown, readonly cause: unknown }): void {
  try {
    reply.log.debug({ code, debug: logged.debug, err: logged.cause }, `fastify-auth-errors: ${code} details`)
  } catch {
    reply.log.debug({ code }, `fastify-auth-errors: ${code} details could not be logged`) // RULES S2: a cause the logger cannot read
  }
}

/** The decision settings of a registration. */
function decisionSettings (options: ResolvedOptions): DecisionSettings {
  return Object.freeze({ schemes: options.schemes, format: options.format, exposeDetails: options.exposeDetails, referenceUrl: options.reference?.url })
}

/**
 * Builds the senders of one registration: the compiled catalog and challenge templates are
 * made here once.
 */
export function createSenders (options: ResolvedOptions, log: FastifyBaseLogger) {
  const catalog: CompiledCatalog = compileCatalog({ catalog: options.catalog, errorUri: options.errorUri, referenceUrl: options.reference?.url }, log)
  const templates = compileChallengeTemplates(options)
  const settings = decisionSettings(options)
  const events = createEventSink(options.onAuthError)
  const pages = options.pages
  // Problem bodies are localised only when there is another language than the built-in English.
  const localised = pages.negotiable || pages.defaultLocale.tag !== 'en'

  /**
   * Challenges already built, keyed by every input of the plan: descriptions are nearly always
   * literals, so each challenge is built once and later responses reuse one flat string.
   */
  const challenges = createMemo(MEMO_LIMIT)
  /** Bodies already built around a call's own description (a flat string costs less to write than a concatenation). */
  const bodies = createMemo(MEMO_LIMIT)

  function challengeOf (plan: ChallengePlan | undefined): string | undefined {
    if (plan === undefined) return undefined
    const params = plan.params
    // The key: the schemes, the scheme with the error, the code and the description, then every
    // other input of the plan in `rest` (almost always all undefined: a constant).
    const rest = restOf(plan)
    let value = challenges.get(plan.schemes, plan.errorScheme, params?.error, params?.error_description, rest)
    if (value === undefined) {
      value = challengeValue(templates, options.resourceMetadata, plan)
      challenges.set(plan.schemes, plan.errorScheme, params?.error, params?.error_description, rest, value)
    }
    return value
  }

  /** Decides the response to `code` for a request's facts. */
  function decide (code: string, facts: RequestFacts, opts: AuthErrorOptions, context: SendContext = NO_CONTEXT): Decision {
    return decideError(settings, catalog.lookup(code), facts, opts, context)
  }

  /** RULES S3: an error decided after the reply was sent is logged, naming the code, and not sent. */
  function alreadySent (reply: FastifyReply, code: string | undefined): boolean {
    if (!reply.sent) return false
    reply.log.warn({ code }, `fastify-auth-errors: ${code ?? 'a challenge'} was not sent: the reply had already been sent`)
    return true
  }

  function writeError (reply: FastifyReply, decision: Decision, thrown?: unknown): FastifyReply {
    if (alreadySent(reply, decision.code)) return reply
    if (decision.answer === 'not_an_error') {
      noStore(reply.code(200))
      return decision.body === '' ? reply.send() : reply.type(OAUTH_CONTENT_TYPE).send(decision.body)
    }
    // A 4xx is an expected answer: its debug text and cause go to the log at debug level (a 5xx's are logged at error by the error handler).
    if (decision.logged !== undefined && decision.status < 500) logDetails(reply, decision.code, decision.logged)
    if (decision.refusedUri !== undefined) {
      reply.log.warn({ code: decision.code, uri: decision.refusedUri.slice(0, 200) }, 'fastify-auth-errors: the uri option is not an absolute http(s) URI (RFC 6749 A.9); the code\'s own error_uri is sent')
    }
    // Extra headers first, so the challenge, the nonce and the expose list set below always win.
    if (decision.retryAfter !== undefined) reply.header('retry-after', decision.retryAfter)
    if (decision.headers !== undefined) for (const [name, value] of decision.headers) reply.header(name, value)
    setChallengeHeaders(reply, challengeOf(decision.challenge), decision.nonce)
    if (decision.negotiated) addVary(reply, 'Accept')
    if (events.active()) {
      events.publish(reply, { code: decision.code, status: decision.status, endpoint: decision.endpoint, delivery: decision.format === 'problem' ? 'problem' : 'json', reason: decision.reason, error: thrown })
    }
    // reply.type sets content-type as it is; reply.header would lower-case a name that already is.
    return noStore(reply.code(decision.status))
      .type(decision.format === 'problem' ? PROBLEM_CONTENT_TYPE : OAUTH_CONTENT_TYPE)
      .send(decision.format === 'problem' && localised ? localProblem(reply, decision) : errorBody(decision, bodies))
  }

  /**
   * A problem body in the language chosen for the request (RULES P1, P2), with Content-Language
   * and, when Accept-Language chose, `Vary: Accept-Language`. RFC 6749 bodies, redirect
   * parameters and challenges stay in English.
   */
  function localProblem (reply: FastifyReply, decision: ErrorDecision): string {
    const choice = chooseLocale(pages, reply.request, decision.uiLocales)
    reply.header('content-language', choice.tag)
    if (choice.byHeader) addVary(reply, 'Accept-Language')
    return localProblemBody(decision, localText(pages, choice.tag, decision.code))
  }

  /**
   * Sends an auth error. `context.endpoint` forces the kind of request; otherwise it comes from
   * the route config, then from the Authorization header (lib/request-facts.ts).
   */
  function sendError (reply: FastifyReply, code: string, opts: AuthErrorOptions, context: SendContext = NO_CONTEXT): FastifyReply {
    return writeError(reply, decide(code, requestFacts(reply.request, context.endpoint), opts, context), context.thrown)
  }

  function writeChallenge (reply: FastifyReply, decision: ChallengeDecision, thrown: unknown): FastifyReply {
    if (alreadySent(reply, undefined)) return reply
    setChallengeHeaders(reply, challengeOf(decision.challenge), decision.nonce)
    if (events.active()) {
      events.publish(reply, { code: undefined, status: 401, endpoint: requestFacts(reply.request).endpoint ?? 'resource', delivery: 'challenge', reason: decision.reason, error: thrown })
    }
    return noStore(reply.code(401)).send()
  }

  /** Sends the bare 401 challenge of RULES E4. */
  function sendChallenge (reply: FastifyReply, opts: AuthChallengeOptions, context: SendContext = NO_CONTEXT): FastifyReply {
    return writeChallenge(reply, decideChallenge(settings, opts), context.thrown)
  }

  /**
   * The WWW-Authenticate value the senders would send: the bare challenge without a code, else
   * the challenge of that error for `request` (a resource request when none is given);
   * `undefined` when that response carries no challenge.
   */
  function challengeFor (code: string | undefined, opts: AuthErrorOptions, request: FastifyRequest | undefined): string | undefined {
    if (code === undefined) return challengeOf(decideChallenge(settings, opts).challenge)
    const facts: RequestFacts = request === undefined
      ? { endpoint: 'resource', config: undefined, scheme: undefined, accept: undefined }
      : requestFacts(request)
    const decision = decide(code, facts, opts)
    return decision.answer === 'error' ? challengeOf(decision.challenge) : undefined
  }

  return { catalog, templates, settings, events, decide, write: writeError, sendError, sendChallenge, challengeFor }
}

/** The senders of one registration. */
export type Senders = ReturnType<typeof createSenders>
