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
}

/** A catalog entry with everything a response needs precomputed. */
export interface CompiledCode {
  readonly code: string
  readonly entry: CatalogEntry
  readonly status: number
  readonly resourceStatus: number
  readonly uri: string | undefined
  readonly problemType: string
  readonly format: 'oauth' | 'problem' | undefined
  readonly variants: ReadonlyMap<number, CompiledVariant>
}

/** Options of `reply.authChallenge`. */
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
/** Codes whose response must carry a fresh `DPoP-Nonce` (RFC 9449 8 and 9). */
const NONCE_CODES: ReadonlySet<string> = new Set(['use_dpop_nonce'])
/** RFC 9449 4.2: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/
/** RFC 9110 5.1 field-name = token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const AUTHORIZATION_SCHEMES: Readonly<Record<string, 'Basic' | AuthScheme>> = { basic: 'Basic', bearer: 'Bearer', dpop: 'DPoP' }

/** The scheme of the request's `Authorization` header, when it is Basic, Bearer or DPoP. */
export function usedScheme (request: FastifyRequest): 'Basic' | AuthScheme | undefined {
  const authorization = request.headers.authorization
  if (typeof authorization !== 'string') return undefined
  const space = authorization.indexOf(' ')
  return AUTHORIZATION_SCHEMES[(space === -1 ? authorization : authorization.slice(0, space)).toLowerCase()]
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

/** Appends header names to `Access-Control-Expose-Headers`, keeping what is there (RULES F5). */
function exposeHeaders (reply: FastifyReply, names: string): void {
  const current = reply.getHeader('access-control-expose-headers')
  if (typeof current !== 'string' || current === '') {
    reply.header('access-control-expose-headers', names)
    return
  }
  const listed = current.toLowerCase().split(',').map(name => name.trim())
  const missing = names.split(', ').filter(name => !listed.includes(name.toLowerCase()))
  if (missing.length > 0) reply.header('access-control-expose-headers', current + ', ' + missing.join(', '))
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
      log.warn({ err, code }, 'fastify-auth-errors: errorUri threw; the code is sent without error_uri')
      return undefined
    }
  }

  function compileVariant (code: string, status: number, description: string, title: string, uri: string | undefined, problemType: string, numeric: number | undefined): CompiledVariant {
    return {
      description,
      title,
      oauthBody: serializeOAuthError({ error: code, error_description: description, error_uri: uri }),
      problemBody: serializeProblem({ type: problemType, title, status, detail: description, error: code, code: numeric })
    }
  }

  function compileCode (code: string, entry: CatalogEntry): CompiledCode {
    const uri = errorUriOf(code)
    // RULES H1: a problem type is an absolute URI; a relative error_uri keeps the default type.
    const problemType = uri !== undefined && ABSOLUTE_URI.test(uri) ? uri : defaultProblemType(code)
    const title = entry.title ?? titleFromCode(code)
    const variants = new Map<number, CompiledVariant>()
    const resourceStatus = entry.resourceStatus ?? entry.status
    for (const status of new Set([entry.status, resourceStatus])) {
      variants.set(status, compileVariant(code, status, entry.description, title, uri, problemType, entry.code))
    }
    for (const [key, variant] of Object.entries(entry.byStatus ?? {})) {
      const status = Number(key)
      variants.set(status, compileVariant(code, status, variant.description, variant.title ?? title, uri, problemType, entry.code))
    }
    return Object.freeze({ code, entry, status: entry.status, resourceStatus, uri, problemType, format: entry.format, variants })
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

  /** The challenges of a resource request: one per served scheme, the error in the used one's (RULES F4). */
  function resourceChallenges (schemes: readonly AuthScheme[], errorScheme: AuthScheme | undefined, params: ChallengeParams | undefined, algs: string | undefined): string {
    const dpop = algs === undefined ? templates.DPoP.tail : dpopTail(algs, options.resourceMetadata)
    let value = ''
    for (const scheme of schemes) {
      const challenge = buildChallenge(templates[scheme], scheme === errorScheme ? params : undefined, scheme === 'DPoP' ? dpop : templates[scheme].tail)
      value = value === '' ? challenge : value + ', ' + challenge
    }
    return value
  }

  function servedSchemes (opts: { schemes?: readonly AuthScheme[] | undefined }): readonly AuthScheme[] {
    return opts.schemes === undefined ? options.schemes : validateSchemes(opts.schemes, 'schemes option')
  }

  function setNonce (reply: FastifyReply, nonce: unknown): boolean {
    if (nonce === undefined) return false
    if (typeof nonce !== 'string' || !NONCE.test(nonce)) {
      throw misuse('dpopNonce must be a non-empty string of %x21 / %x23-5B / %x5D-7E characters (RFC 9449 4.2)')
    }
    reply.header('dpop-nonce', nonce)
    return true
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
   * Sends an auth error. `endpoint` forces the kind of request (the not-found handler uses it);
   * otherwise it comes from the route config, then from the Authorization header.
   */
  function sendError (reply: FastifyReply, code: string, opts: AuthErrorOptions, endpoint?: EndpointKind): FastifyReply {
    const compiled = compiledCode(code)
    const request = reply.request
    const config = routeConfig(request)
    const scheme = usedScheme(request)
    const kind = endpoint ?? config?.endpoint ?? (scheme === 'Bearer' || scheme === 'DPoP' ? 'resource' : undefined)
    const resource = kind === 'resource'
    let status = opts.status === undefined ? (resource ? compiled.resourceStatus : compiled.status) : checkStatus(opts.status)
    const variant = compiled.variants.get(status)
    const description = (opts.description === undefined ? undefined : sanitizeDescription(opts.description)) ?? variant?.description ?? compiled.entry.description
    const uri = (opts.uri === undefined ? undefined : sanitizeUri(opts.uri)) ?? compiled.uri

    // Challenges: on every resource-request error and on every 401 (RULES E1, D3).
    let challenge: string | undefined
    if (resource || status === 401) {
      if (!resource && scheme === 'Basic') {
        challenge = templates.Basic.head
      } else if (!resource && scheme === undefined && opts.status === undefined && CLIENT_AUTHENTICATION_CODES.has(code)) {
        status = 400 // RULES D3: no Authorization header, so no challenge and no 401
      } else {
        const served = servedSchemes(opts)
        const bound = scheme === 'Bearer' || scheme === 'DPoP' ? scheme : undefined
        const schemes = bound === undefined || served.includes(bound) ? served : [...served, bound]
        const maxAge = opts.maxAge
        if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) throw misuse(`maxAge must be an integer number of seconds >= 0, got ${String(maxAge)}`)
        challenge = resourceChallenges(schemes, bound ?? schemes[0], {
          error: code,
          error_description: description,
          error_uri: uri,
          scope: sanitizeScope(opts.scope),
          acr_values: validateNameList(opts.acrValues, 'acrValues', ConfigErrorCodes.INVALID_ARGUMENT),
          max_age: maxAge
        }, validateNameList(opts.algs, 'algs', ConfigErrorCodes.INVALID_ARGUMENT))
      }
    }

    const hasNonce = setNonce(reply, opts.dpopNonce)
    if (!hasNonce && NONCE_CODES.has(code)) throw misuse(`${code} needs the dpopNonce option: the response must carry a fresh DPoP-Nonce (RFC 9449 8)`)
    if (challenge !== undefined) {
      reply.header('www-authenticate', challenge)
      exposeHeaders(reply, hasNonce ? 'WWW-Authenticate, DPoP-Nonce' : 'WWW-Authenticate')
    } else if (hasNonce) {
      exposeHeaders(reply, 'DPoP-Nonce')
    }
    setExtraHeaders(reply, opts)

    const format = resolveFormat(opts, config, compiled, reply)
    const details = options.exposeDetails
    const hint = details ? opts.hint : undefined
    const debug = details ? opts.debug ?? causeMessage(opts.cause) : undefined
    // The precompiled body only when nothing changed, the status included (RULES D3 may turn 401 into 400).
    const staticBody = variant !== undefined && variant === compiled.variants.get(status) && description === variant.description && uri === compiled.uri &&
      opts.instance === undefined && hint === undefined && debug === undefined
    let body: string
    if (format === 'problem') {
      body = staticBody
        ? variant.problemBody
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
      body = staticBody
        ? variant.oauthBody
        : serializeOAuthError({ error: code, error_description: description, error_uri: uri, error_hint: hint, error_debug: debug })
    }
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .header('content-type', format === 'problem' ? PROBLEM_CONTENT_TYPE : OAUTH_CONTENT_TYPE)
      .send(body)
  }

  /** Sends the bare 401 challenge of RULES E4 (no error, no error text). */
  function sendChallenge (reply: FastifyReply, opts: AuthChallengeOptions): FastifyReply {
    const schemes = servedSchemes(opts)
    const scope = sanitizeScope(opts.scope)
    const challenge = resourceChallenges(schemes, scope === undefined ? undefined : schemes[0],
      scope === undefined ? undefined : { scope },
      validateNameList(opts.algs, 'algs', ConfigErrorCodes.INVALID_ARGUMENT))
    const hasNonce = setNonce(reply, opts.dpopNonce)
    exposeHeaders(reply, hasNonce ? 'WWW-Authenticate, DPoP-Nonce' : 'WWW-Authenticate')
    return reply
      .code(401)
      .header('www-authenticate', challenge)
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send()
  }

  return { codes, templates, compiledCode, sendError, sendChallenge }
}

/** The senders of one registration. */
export type Responder = ReturnType<typeof createResponder>
