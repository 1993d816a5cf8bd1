/**
 * The senders behind `reply.authError` and `reply.authChallenge`: everything that can be
 * decided from the registration options is compiled here once (per-code bodies, challenge
 * heads and tails), so a request only picks and concatenates.
 *
 * @module
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { AuthErrorFormat, AuthErrorOptions, AuthScheme } from './auth-error.js'
import {
  OAUTH_CONTENT_TYPE, PROBLEM_CONTENT_TYPE, defaultProblemType, prefersProblem,
  serializeOAuthError, serializeProblem, titleFromCode
} from './body.js'
import type { CatalogEntry, EndpointKind } from './catalog.js'
import {
  buildChallenge, compileChallengeTemplates, dpopTail,
  type ChallengeParams, type ChallengeTemplates
} from './challenge.js'
import {
  AuthErrorsConfigError, ConfigErrorCodes, validateNameList, validateSchemes,
  type AuthErrorsRouteConfig, type ResolvedOptions
} from './options.js'
import { isHeaderValue, sanitizeDescription, sanitizeScope, sanitizeUri } from './sanitize.js'

/** A code's body and texts for one status, compiled at registration. */
interface CompiledVariant {
  readonly description: string
  readonly title: string
  readonly oauthBody: string
  readonly problemBody: string
  /** The bodies around their description, for a call that only changes the description. */
  readonly oauthAround: readonly [string, string]
  readonly problemAround: readonly [string, string]
}

/**
 * A character no sanitised value holds (RULES B2): the bodies compiled around it split into what
 * comes before and after the description, so a call that only brings its own description
 * concatenates three strings, and the result is what the serializer would have written.
 */
const DESCRIPTION_SLOT = '\u0000'

function around (body: string): readonly [string, string] {
  const at = body.indexOf(DESCRIPTION_SLOT)
  return [body.slice(0, at), body.slice(at + DESCRIPTION_SLOT.length)]
}

/** A catalog entry with everything a response needs precomputed. */
export interface CompiledCode {
  readonly code: string
  readonly entry: CatalogEntry
  readonly status: number
  readonly resourceStatus: number
  /** The status at each kind of endpoint where it differs from `status`. */
  readonly statusAt: Readonly<Partial<Record<EndpointKind, number>>>
  readonly uri: string | undefined
  readonly problemType: string
  readonly format: 'oauth' | 'problem' | undefined
  readonly variants: ReadonlyMap<number, CompiledVariant>
}

/**
 * Options of `reply.authChallenge`.
 *
 * @example
 * ```ts
 * return reply.authChallenge({ schemes: ['Bearer', 'DPoP'], scope: 'read' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface AuthChallengeOptions {
  /** The schemes to challenge with (default: the registration's `schemes`). */
  schemes?: readonly AuthScheme[]
  /** Scope the resource needs, as a space-separated string or an array. */
  scope?: string | readonly string[]
  /** DPoP `algs` for this response (default: the registration's `algs`). */
  algs?: string | readonly string[]
  /** A `DPoP-Nonce` to send with the challenge (RFC 9449 9). */
  dpopNonce?: string
}

/** Codes that authenticate the client itself: 401 only with the challenge of the scheme it used (RULES D3). */
export const CLIENT_AUTHENTICATION_CODES: ReadonlySet<string> = new Set(['invalid_client'])
/**
 * Codes that only a protected resource sends (RFC 6750 3.1, RFC 9470 3): on a route that is not
 * marked, they make the request a resource request even without an Authorization header (the
 * token may have come in the body or the query, RFC 6750 2.2 and 2.3), so they carry their
 * challenge (RULES E1).
 */
const RESOURCE_CODES: ReadonlySet<string> = new Set(['invalid_token', 'insufficient_scope', 'insufficient_user_authentication'])
/** Codes whose response must carry a fresh `DPoP-Nonce` (RFC 9449 8 and 9). */
const NONCE_CODES: ReadonlySet<string> = new Set(['use_dpop_nonce'])
/** How a sender was reached, beside the call's options. */
export interface SendContext {
  /** The kind of request, forced (the not-found handler answers as a token endpoint). */
  readonly endpoint?: EndpointKind | undefined
  /** An answer to another library's error: a challenge only on a 401 or a challenge code (RULES I3). */
  readonly foreign?: boolean | undefined
}

const NO_CONTEXT: SendContext = Object.freeze({})

/** RFC 9449 4.2: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** RFC 9110 5.1 field-name = token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/**
 * Answers that are not errors at all at some endpoints: an invalid token given to revocation is
 * a success (RFC 7009 2.2, RULES D9) and an inactive token given to introspection is
 * `{"active":false}` (RFC 7662 2.2, RULES D10). When the caller itself authenticated with a
 * Bearer or DPoP token, `invalid_token` is about that credential and stays a 401 (RFC 7662 2.3).
 */
const NOT_AN_ERROR_AT: Readonly<Partial<Record<EndpointKind, { readonly codes: ReadonlySet<string>, readonly body: string }>>> = {
  revocation: { codes: new Set(['invalid_token', 'token_inactive']), body: '' },
  introspection: { codes: new Set(['invalid_token', 'token_inactive']), body: '{"active":false}' }
}
/** The scheme of the request's `Authorization` header, when it is Basic, Bearer or DPoP (any letter case). */
export function usedScheme (request: FastifyRequest): 'Basic' | AuthScheme | undefined {
  const authorization = request.headers.authorization
  if (typeof authorization !== 'string') return undefined
  const space = authorization.indexOf(' ')
  // Compared, not looked up in a table: a table keyed by request text is a megamorphic lookup.
  const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase()
  return scheme === 'bearer' ? 'Bearer' : scheme === 'dpop' ? 'DPoP' : scheme === 'basic' ? 'Basic' : undefined
}

/** The route's `config.authErrors`, if any. */
export function routeConfig (request: FastifyRequest): AuthErrorsRouteConfig | undefined {
  return (request.routeOptions.config as { authErrors?: AuthErrorsRouteConfig } | undefined)?.authErrors
}

function misuse (message: string): AuthErrorsConfigError {
  return new AuthErrorsConfigError(ConfigErrorCodes.INVALID_ARGUMENT, message)
}

function causeMessage (cause: unknown): string | undefined {
  if (cause instanceof Error) return cause.message
  return typeof cause === 'string' ? cause : undefined
}

/** Header names the plugin lists in `Access-Control-Expose-Headers` (RULES F5), per case, with the list as sent. */
interface ExposeList {
  readonly names: readonly string[]
  readonly value: string
}

function exposeList (...names: string[]): ExposeList {
  return Object.freeze({ names: Object.freeze(names), value: names.join(', ') })
}

const EXPOSE_CHALLENGE = exposeList('WWW-Authenticate')
const EXPOSE_NONCE = exposeList('DPoP-Nonce')
const EXPOSE_BOTH = exposeList('WWW-Authenticate', 'DPoP-Nonce')

/**
 * Adds header names to `Access-Control-Expose-Headers`, keeping what @fastify/cors or the
 * application already put there (a string or an array, any letter case): a name already listed
 * is not repeated, and nothing is removed (RULES F5).
 */
function exposeHeaders (reply: FastifyReply, expose: ExposeList): void {
  const current = reply.getHeader('access-control-expose-headers')
  if (current === undefined) {
    reply.header('access-control-expose-headers', expose.value)
    return
  }
  const names = expose.names
  const listed = Array.isArray(current) ? current.join(', ') : String(current)
  if (listed.trim() === '') {
    reply.header('access-control-expose-headers', expose.value)
    return
  }
  const present = new Set(listed.split(',').map(name => name.trim().toLowerCase()))
  const missing = names.filter(name => !present.has(name.toLowerCase()))
  if (missing.length > 0) reply.header('access-control-expose-headers', listed + ', ' + missing.join(', '))
  else if (Array.isArray(current)) reply.header('access-control-expose-headers', listed)
}

/** Adds a field name to `Vary`, keeping what is there (RFC 9110 12.5.5). */
function addVary (reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary')
  if (typeof current !== 'string' || current === '') {
    reply.header('vary', name)
    return
  }
  const listed = current.toLowerCase().split(',').map(field => field.trim())
  if (!listed.includes('*') && !listed.includes(name.toLowerCase())) reply.header('vary', current + ', ' + name)
}

/**
 * How many descriptions one memo keeps, and all memos of a registration together; a full memo,
 * or all of them, start over. Descriptions built from request data must not grow memory: the
 * memos of a registration hold at most MEMO_TOTAL texts (each description is at most 512
 * characters, RULES S4).
 */
const MEMO_LIMIT = 32
const MEMO_TOTAL = 256

/** RFC 3986 3.1: an absolute URI starts with a scheme. */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/

/**
 * Builds the senders for one registration.
 */
export function createResponder (options: ResolvedOptions, log: FastifyBaseLogger) {
  const templates: ChallengeTemplates = compileChallengeTemplates(options)
  const codes = new Map<string, CompiledCode>()

  function errorUriOf (code: string): string | undefined {
    if (options.errorUri === undefined) return undefined
    try {
      return sanitizeUri(options.errorUri(code))
    } catch (err) {
      const message = 'fastify-auth-errors: errorUri threw; the code is sent without error_uri'
      try {
        log.warn({ err, code }, message)
      } catch {
        log.warn({ code }, message) // RULES S2: a thrown value the logger cannot read (a hostile Proxy)
      }
      return undefined
    }
  }

  function compileVariant (code: string, status: number, description: string, title: string, uri: string | undefined, problemType: string, numeric: number | undefined): CompiledVariant {
    const oauth = (text: string): string => serializeOAuthError({ error: code, error_description: text, error_uri: uri })
    const problem = (text: string): string => serializeProblem({ type: problemType, title, status, detail: text, error: code, code: numeric })
    return {
      description,
      title,
      oauthBody: oauth(description),
      problemBody: problem(description),
      oauthAround: around(oauth(DESCRIPTION_SLOT)),
      problemAround: around(problem(DESCRIPTION_SLOT))
    }
  }

  function compileCode (code: string, entry: CatalogEntry): CompiledCode {
    const uri = errorUriOf(code)
    // RULES H1: a problem type is an absolute URI; a relative error_uri keeps the default type.
    const problemType = uri !== undefined && ABSOLUTE_URI.test(uri) ? uri : defaultProblemType(code)
    const title = entry.title ?? titleFromCode(code)
    const variants = new Map<number, CompiledVariant>()
    const resourceStatus = entry.statusAt?.resource ?? entry.resourceStatus ?? entry.status
    const statusAt = Object.freeze({ ...entry.statusAt, resource: resourceStatus })
    for (const status of new Set([entry.status, ...Object.values(statusAt)])) {
      variants.set(status, compileVariant(code, status, entry.description, title, uri, problemType, entry.code))
    }
    for (const [key, variant] of Object.entries(entry.byStatus ?? {})) {
      const status = Number(key)
      variants.set(status, compileVariant(code, status, variant.description, variant.title ?? title, uri, problemType, entry.code))
    }
    return Object.freeze({ code, entry, status: entry.status, resourceStatus, statusAt, uri, problemType, format: entry.format, variants })
  }

  for (const [code, entry] of Object.entries(options.catalog)) codes.set(code, compileCode(code, entry))

  function compiledCode (code: string): CompiledCode {
    const compiled = codes.get(code)
    if (compiled === undefined) {
      throw new AuthErrorsConfigError(ConfigErrorCodes.UNKNOWN_CODE,
        `unknown error code ${JSON.stringify(String(code)).slice(0, 80)}: add it with the codes option at registration`)
    }
    return compiled
  }

  function checkStatus (status: unknown): number {
    if (!Number.isInteger(status) || (status as number) < 400 || (status as number) > 599) {
      throw misuse(`status must be an integer from 400 to 599, got ${String(status)}`)
    }
    return status as number
  }

  function resolveFormat (opts: AuthErrorOptions, config: AuthErrorsRouteConfig | undefined, compiled: CompiledCode, reply: FastifyReply): 'oauth' | 'problem' {
    let format: AuthErrorFormat | undefined = opts.format
    if (format === undefined) {
      // RULES H2: marked OAuth protocol endpoints keep the RFC 6749 body unless the call asks.
      const endpoint = config?.endpoint
      format = endpoint !== undefined && endpoint !== 'resource' ? 'oauth' : config?.format ?? compiled.format ?? options.format
    }
    if (format === 'negotiate') {
      addVary(reply, 'Accept')
      return prefersProblem(reply.request.headers.accept) ? 'problem' : 'oauth'
    }
    return format
  }

  /**
   * The challenges of a resource request: one per scheme, `params` (the error) only in the
   * challenge of `errorScheme`, `others` (e.g. a bare challenge's scope) in the rest (RULES F4).
   */
  function resourceChallenges (schemes: readonly AuthScheme[], errorScheme: AuthScheme | undefined, params: ChallengeParams | undefined, algs: string | undefined, others?: ChallengeParams): string {
    const dpop = algs === undefined ? templates.DPoP.tail : dpopTail(algs, options.resourceMetadata)
    let value = ''
    for (const scheme of schemes) {
      const challenge = buildChallenge(templates[scheme], scheme === errorScheme ? params : others, scheme === 'DPoP' ? dpop : templates[scheme].tail)
      value = value === '' ? challenge : value + ', ' + challenge
    }
    return value
  }

  /**
   * Bodies and challenges already built for a code sent with nothing but a description, by
   * description: descriptions are nearly always literals, so each text is built once, and later
   * responses reuse the same flat string. Bodies are kept per variant (slot 0 RFC 6749, 1 problem),
   * challenges per code (a slot per kind of challenge set: every served scheme or only the one
   * used, and which scheme was used). Each memo holds at most MEMO_LIMIT descriptions, all of
   * them together at most MEMO_TOTAL.
   */
  const memos = new Map<object, Array<Map<string, string> | undefined>>()
  let remembered = 0

  function remember (memo: Map<string, string>, description: string, text: string): void {
    if (remembered >= MEMO_TOTAL) {
      memos.clear()
      remembered = 0
      return
    }
    if (memo.size >= MEMO_LIMIT) {
      remembered -= memo.size
      memo.clear()
    }
    memo.set(description, text)
    remembered++
  }

  function memoOf (owner: object, slot: number): Map<string, string> {
    let slots = memos.get(owner)
    if (slots === undefined) memos.set(owner, slots = [])
    let memo = slots[slot]
    if (memo === undefined) slots[slot] = memo = new Map()
    return memo
  }

  /** A compiled body with another description in it. */
  function bodyWith (variant: CompiledVariant, problem: boolean, description: string): string {
    const memo = memoOf(variant, problem ? 1 : 0)
    let body = memo.get(description)
    if (body === undefined) {
      const [open, close] = problem ? variant.problemAround : variant.oauthAround
      body = open + description + close
      remember(memo, description, body)
    }
    return body
  }

  function servedSchemes (opts: { schemes?: readonly AuthScheme[] | undefined }): readonly AuthScheme[] {
    return opts.schemes === undefined ? options.schemes : validateSchemes(opts.schemes, 'schemes option')
  }

  /** Checks a `dpopNonce` option before anything is written to the reply (RFC 9449 4.2 NQCHAR). */
  function checkNonce (nonce: unknown): string | undefined {
    if (nonce === undefined) return undefined
    if (typeof nonce !== 'string' || !NONCE.test(nonce)) {
      throw misuse('dpopNonce must be a non-empty string of %x21 / %x23-5B / %x5D-7E characters (RFC 9449 4.2)')
    }
    return nonce
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

  function setExtraHeaders (reply: FastifyReply, opts: AuthErrorOptions): void {
    if (opts.retryAfter !== undefined) {
      if (!Number.isFinite(opts.retryAfter) || opts.retryAfter < 0) throw misuse(`retryAfter must be a number of seconds >= 0, got ${String(opts.retryAfter)}`)
      reply.header('retry-after', String(Math.ceil(opts.retryAfter)))
    }
    if (opts.headers !== undefined && opts.headers !== null) {
      for (const [name, value] of Object.entries(opts.headers)) {
        if (HEADER_NAME.test(name) && isHeaderValue(value)) reply.header(name, value)
      }
    }
  }

  /**
   * Sends an auth error. `context.endpoint` forces the kind of request (the not-found handler
   * uses it); otherwise it comes from the route config, then from the Authorization header.
   * `context.foreign` marks an answer to another library's error: it carries a challenge only
   * when it is a 401 or its code is a challenge code (RULES I3).
   */
  function sendError (reply: FastifyReply, code: string, opts: AuthErrorOptions, context: SendContext = NO_CONTEXT): FastifyReply {
    const endpoint = context.endpoint
    const compiled = compiledCode(code)
    const request = reply.request
    const config = routeConfig(request)
    const scheme = usedScheme(request)
    const kind = endpoint ?? config?.endpoint ?? (scheme === 'Bearer' || scheme === 'DPoP' || RESOURCE_CODES.has(code) ? 'resource' : undefined)
    const resource = kind === 'resource'
    const success = kind === undefined ? undefined : NOT_AN_ERROR_AT[kind]
    if (success !== undefined && opts.status === undefined && success.codes.has(code) && !(code === 'invalid_token' && (scheme === 'Bearer' || scheme === 'DPoP'))) {
      reply.code(200).header('cache-control', 'no-store').header('pragma', 'no-cache')
      return success.body === '' ? reply.send() : reply.header('content-type', OAUTH_CONTENT_TYPE).send(success.body)
    }
    const bound = scheme === 'Basic' ? undefined : scheme
    let status = opts.status === undefined ? (kind === undefined ? compiled.status : compiled.statusAt[kind] ?? compiled.status) : checkStatus(opts.status)
    // RULES D3: a client that sent no Authorization header gets 400, never a 401 that would need a challenge.
    if (!resource && scheme === undefined && opts.status === undefined && status === 401 && CLIENT_AUTHENTICATION_CODES.has(code)) status = 400
    const variant = compiled.variants.get(status)
    const description = (opts.description === undefined ? undefined : sanitizeDescription(opts.description)) ?? variant?.description ?? compiled.entry.description
    const uri = (opts.uri === undefined ? undefined : sanitizeUri(opts.uri)) ?? compiled.uri

    // Challenges: on every 4xx of a resource request, every 401, and an insufficient_scope about a
    // Bearer or DPoP token wherever it is sent (RULES E1, D3). A 5xx is not about credentials: a
    // challenge would make clients retry authentication.
    let challenge: string | undefined
    const challengeCode = code === 'insufficient_scope' || RESOURCE_CODES.has(code)
    if (context.foreign === true ? status === 401 || (challengeCode && resource && status < 500) : (resource && status < 500) || status === 401 || (code === 'insufficient_scope' && bound !== undefined)) {
      if (!resource && scheme === 'Basic' && status === 401 && CLIENT_AUTHENTICATION_CODES.has(code)) {
        challenge = templates.Basic.head // RULES D3: the client authenticated with Basic and failed
      } else {
        const maxAge = opts.maxAge
        if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) throw misuse(`maxAge must be an integer number of seconds >= 0, got ${String(maxAge)}`)
        // A resource challenges with every scheme it serves plus the one used (RULES F4); another
        // endpoint answers a client that used Bearer or DPoP with that scheme only (RULES D3).
        const everyScheme = resource || bound === undefined
        const memo = opts.schemes === undefined && opts.scope === undefined && opts.acrValues === undefined &&
          maxAge === undefined && opts.algs === undefined && uri === compiled.uri
          ? memoOf(compiled, (everyScheme ? 0 : 3) + (bound === undefined ? 0 : bound === 'Bearer' ? 1 : 2))
          : undefined
        challenge = memo?.get(description)
        if (challenge === undefined) {
          const served = everyScheme ? servedSchemes(opts) : undefined
          const schemes = served === undefined ? [bound as AuthScheme] : bound === undefined || served.includes(bound) ? served : [...served, bound]
          challenge = resourceChallenges(schemes, bound ?? schemes[0], {
            error: code,
            error_description: description,
            error_uri: uri,
            scope: sanitizeScope(opts.scope),
            acr_values: validateNameList(opts.acrValues, 'acrValues', ConfigErrorCodes.INVALID_ARGUMENT),
            max_age: maxAge
          }, validateNameList(opts.algs, 'algs', ConfigErrorCodes.INVALID_ARGUMENT))
          if (memo !== undefined) remember(memo, description, challenge)
        }
      }
    }

    const nonce = checkNonce(opts.dpopNonce)
    // The authorization endpoint has no DPoP nonce to give (RFC 9449 8 and 9 are the token endpoint and resources), and its fail-safe answer is never a 500 (RULES A1).
    if (nonce === undefined && NONCE_CODES.has(code) && kind !== 'authorization') throw misuse(`${code} needs the dpopNonce option: the response must carry a fresh DPoP-Nonce (RFC 9449 8)`)
    // Extra headers first, so the challenge, the nonce and the expose list set below always win.
    setExtraHeaders(reply, opts)
    setChallengeHeaders(reply, challenge, nonce)

    const format = resolveFormat(opts, config, compiled, reply)
    const details = options.exposeDetails
    const hint = details ? opts.hint : undefined
    const debug = details ? opts.debug ?? causeMessage(opts.cause) : undefined
    // The precompiled body when only the description may have changed, the status included
    // (RULES D3 may turn 401 into 400); the serializer otherwise.
    const compiledBody = variant !== undefined && variant === compiled.variants.get(status) && uri === compiled.uri &&
      opts.instance === undefined && hint === undefined && debug === undefined
    let body: string
    if (format === 'problem') {
      body = compiledBody
        ? description === variant.description ? variant.problemBody : bodyWith(variant, true, description)
        : serializeProblem({
          type: compiled.problemType,
          title: variant?.title ?? compiled.entry.title ?? titleFromCode(code),
          status,
          detail: description,
          instance: sanitizeUri(opts.instance),
          error: code,
          code: compiled.entry.code,
          hint,
          debug
        })
    } else {
      body = compiledBody
        ? description === variant.description ? variant.oauthBody : bodyWith(variant, false, description)
        : serializeOAuthError({ error: code, error_description: description, error_uri: uri, error_hint: hint, error_debug: debug })
    }
    // reply.type sets content-type as it is; reply.header would lower-case a name that already is.
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .type(format === 'problem' ? PROBLEM_CONTENT_TYPE : OAUTH_CONTENT_TYPE)
      .send(body)
  }

  /**
   * Sends the bare 401 challenge of RULES E4: no error, no error text; a `scope` goes in every
   * scheme's challenge, since none of them carries an error (RULES F4).
   */
  function sendChallenge (reply: FastifyReply, opts: AuthChallengeOptions): FastifyReply {
    const schemes = servedSchemes(opts)
    const scope = sanitizeScope(opts.scope)
    const challenge = resourceChallenges(schemes, undefined, undefined,
      validateNameList(opts.algs, 'algs', ConfigErrorCodes.INVALID_ARGUMENT),
      scope === undefined ? undefined : { scope })
    setChallengeHeaders(reply, challenge, checkNonce(opts.dpopNonce))
    return reply
      .code(401)
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send()
  }

  return { codes, templates, compiledCode, sendError, sendChallenge }
}

/** The senders of one registration. */
export type Responder = ReturnType<typeof createResponder>
