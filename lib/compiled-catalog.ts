/**
 * The catalog of one registration, compiled: for each code, everything its responses need that
 * the registration options fix (its `error_uri`, problem `type` and `title`, and a body per
 * status), so a request only picks and concatenates.
 *
 * @module
 */
import type { FastifyBaseLogger } from 'fastify'
import { defaultProblemType, serializeOAuthError, serializeProblem, titleFromCode } from './body.js'
import type { CatalogEntry, EndpointKind } from './catalog.js'
import { AuthErrorsConfigError, ConfigErrorCodes, fail, show } from './config-error.js'
import { sanitizeUri } from './sanitize.js'

/** A code's texts and bodies for one status. */
export interface CompiledVariant {
  readonly status: number
  readonly description: string
  readonly title: string
  readonly oauthBody: string
  readonly problemBody: string
  /** The bodies around their description, for a call that brings only its own description. */
  readonly oauthAround: readonly [string, string]
  readonly problemAround: readonly [string, string]
}

/** A catalog entry with everything a response needs precomputed. */
export interface CompiledCode {
  readonly code: string
  readonly entry: CatalogEntry
  readonly status: number
  /** The status at each kind of endpoint where it differs from `status`. */
  readonly statusAt: Readonly<Partial<Record<EndpointKind, number>>>
  /** The `error_uri`: absolute http(s) (RULES B3), or `undefined`. */
  readonly uri: string | undefined
  readonly problemType: string
  readonly title: string
  readonly format: 'oauth' | 'problem' | undefined
  readonly variants: ReadonlyMap<number, CompiledVariant>
}

/** What compiling needs of the registration options. */
export interface CatalogSettings {
  readonly catalog: Readonly<Record<string, CatalogEntry>>
  readonly errorUri: ((code: string) => string | undefined) | undefined
  /** The reference page's public URL: a relative `error_uri` is resolved against it (RULES B3). */
  readonly referenceUrl: string | undefined
}

/**
 * A character no sanitised value holds (RULES B2): bodies compiled around it split into what
 * comes before and after the description, so a call that only brings its own description
 * concatenates three strings, and the result is what the serializer would have written.
 */
const DESCRIPTION_SLOT = '\u0000'

function around (body: string): readonly [string, string] {
  const at = body.indexOf(DESCRIPTION_SLOT)
  return Object.freeze([body.slice(0, at), body.slice(at + DESCRIPTION_SLOT.length)] as const)
}

/** Whether a URI is absolute with an http or https scheme, as certified clients require of error_uri. */
function isHttpUri (uri: string): boolean {
  return /^https?:\/\/[^/?#]/i.test(uri)
}

/**
 * Makes an `error_uri` absolute (RULES B3): an absolute http(s) URI as it is, a relative one
 * resolved against `base`; `undefined` when it cannot be (no base, or another scheme).
 */
export function absoluteErrorUri (uri: string, base: string | undefined): string | undefined {
  if (isHttpUri(uri)) return uri
  if (base === undefined || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) return undefined
  return sanitizeUri(new URL(uri, base).href)
}

function errorUriOf (settings: CatalogSettings, code: string, log: FastifyBaseLogger): string | undefined {
  let given: string | undefined
  try {
    given = settings.errorUri === undefined ? undefined : sanitizeUri(settings.errorUri(code))
  } catch (err) {
    const message = 'fastify-auth-errors: errorUri threw; the code is sent without error_uri'
    try {
      log.warn({ err, code }, message)
    } catch {
      log.warn({ code }, message) // RULES S2: a thrown value the logger cannot read (a hostile Proxy)
    }
    return undefined
  }
  if (given === undefined) return undefined
  const uri = absoluteErrorUri(given, settings.referenceUrl)
  if (uri === undefined) {
    fail(ConfigErrorCodes.INVALID_ERROR_URI, `errorUri gives ${show(given)} for ${code}: an error_uri must be an absolute http(s) URI (RFC 6749 A.9; certified clients refuse a relative one). Return absolute URIs, or serve the reference page with a baseUrl to resolve them against`)
  }
  return uri
}

function compileVariant (code: string, entry: CatalogEntry, status: number, texts: { description: string, title: string }, uri: string | undefined, problemType: string): CompiledVariant {
  const oauth = (text: string): string => serializeOAuthError({ error: code, error_description: text, error_uri: uri })
  const problem = (text: string): string => serializeProblem({ type: problemType, title: texts.title, status, detail: text, error: code, code: entry.code })
  return Object.freeze({
    status,
    description: texts.description,
    title: texts.title,
    oauthBody: oauth(texts.description),
    problemBody: problem(texts.description),
    oauthAround: around(oauth(DESCRIPTION_SLOT)),
    problemAround: around(problem(DESCRIPTION_SLOT))
  })
}

function compileCode (settings: CatalogSettings, code: string, entry: CatalogEntry, log: FastifyBaseLogger): CompiledCode {
  const uri = errorUriOf(settings, code, log)
  // RULES H1: a problem type is an absolute URI; without an error_uri, a tag: URI.
  const problemType = uri ?? defaultProblemType(code)
  const title = entry.title ?? titleFromCode(code)
  const statusAt = entry.statusAt ?? {}
  const variants = new Map<number, CompiledVariant>()
  for (const status of new Set([entry.status, ...Object.values(statusAt)])) {
    variants.set(status, compileVariant(code, entry, status, { description: entry.description, title }, uri, problemType))
  }
  for (const [key, variant] of Object.entries(entry.byStatus ?? {})) {
    const status = Number(key)
    variants.set(status, compileVariant(code, entry, status, { description: variant.description, title: variant.title ?? title }, uri, problemType))
  }
  return Object.freeze({ code, entry, status: entry.status, statusAt, uri, problemType, title, format: entry.format, variants })
}

/** The compiled catalog of one registration, and the look-up every sender uses. */
export interface CompiledCatalog {
  readonly codes: ReadonlyMap<string, CompiledCode>
  /** The compiled code; throws `FST_AUTH_ERRORS_UNKNOWN_CODE` for a code the catalog does not have. */
  lookup (code: string): CompiledCode
}

/** Compiles every code of the resolved catalog (at registration). */
export function compileCatalog (settings: CatalogSettings, log: FastifyBaseLogger): CompiledCatalog {
  const codes = new Map<string, CompiledCode>()
  for (const [code, entry] of Object.entries(settings.catalog)) codes.set(code, compileCode(settings, code, entry, log))
  return Object.freeze({
    codes,
    lookup (code: string): CompiledCode {
      const compiled = codes.get(code)
      if (compiled === undefined) {
        throw new AuthErrorsConfigError(ConfigErrorCodes.UNKNOWN_CODE,
          `unknown error code ${JSON.stringify(String(code)).slice(0, 80)}: add it with the codes option at registration`)
      }
      return compiled
    }
  })
}
