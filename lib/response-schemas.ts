/**
 * `fastify.authErrors.responses(...)`: the `response` schema map of a route, built from the
 * codes, or the kinds of endpoint, it names. Each status lists the codes it can carry (an
 * `enum` over `error`), one example per code (the exact body the plugin sends) and a
 * description, under `$ref`s to the shared `OAuthError` and `AuthProblem` schemas, so
 * @fastify/swagger documents every error response of the route.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http'
import type { AuthErrorCode, AuthErrorFormat, AuthErrorOptions } from './auth-error.js'
import { errorBody } from './error-body.js'
import { endpointKinds, type EndpointKind } from './catalog.js'
import type { CompiledCatalog, CompiledCode } from './compiled-catalog.js'
import { AuthErrorsConfigError, ConfigErrorCodes } from './config-error.js'
import { decideError, formatOf, type DecisionSettings, type ErrorDecision } from './decision.js'
import type { UsedScheme } from './request-facts.js'

/**
 * Options of `responses(...)`: how the route that uses the map is configured.
 *
 * @example
 * ```ts
 * app.get('/items', { schema: { response: app.authErrors.responses('resource', { format: 'problem' }) } }, handler)
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#responses-object
 */
export interface ErrorResponsesOptions {
  /**
   * The route's kind (its `config.authErrors.endpoint`) for the codes named one by one. Kinds
   * named in the list always describe a route of that kind.
   */
  endpoint?: EndpointKind
  /** The route's `config.authErrors.format`. Protocol endpoints still document RFC 6749 JSON (RULES H2). */
  format?: AuthErrorFormat
}

/**
 * What `responses(...)` takes: error codes, endpoint kinds and, anywhere in the list, options.
 *
 * @example
 * ```ts
 * app.authErrors.responses('token', 'invalid_dpop_proof', { format: 'oauth' })
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#responses-object
 */
export type ErrorResponsesItem = AuthErrorCode | EndpointKind | ErrorResponsesOptions

/**
 * The body schema of one media type: the shared schema, narrowed to the codes of that status.
 *
 * @example
 * ```ts
 * const schema = app.authErrors.responses('invalid_grant')[400]?.content['application/json']?.schema
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#schema-object
 */
export interface ErrorBodySchema {
  readonly allOf: readonly [
    { readonly $ref: 'OAuthError#' | 'AuthProblem#' },
    {
      readonly type: 'object'
      readonly properties: Readonly<Record<string, { readonly type: string, readonly enum: readonly unknown[] }>>
    }
  ]
}

/**
 * An OpenAPI Example Object: the body sent for one code.
 *
 * @example
 * ```ts
 * const example = app.authErrors.responses('invalid_grant')[400]?.content['application/json']?.examples.invalid_grant
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#example-object
 */
export interface ErrorExample {
  readonly summary: string
  readonly value: Readonly<Record<string, string | number>>
}

/**
 * One media type of an error response: its schema and one example per code.
 *
 * @example
 * ```ts
 * const media = app.authErrors.responses('token')[400]?.content['application/json']
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#media-type-object
 */
export interface ErrorMediaType {
  readonly schema: ErrorBodySchema
  readonly examples: Readonly<Record<string, ErrorExample>>
}

/**
 * The response of one status: description, documented headers and one entry per media type.
 *
 * @example
 * ```ts
 * const unauthorized = app.authErrors.responses('resource')[401]
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#responses-object
 */
export interface ErrorResponse {
  readonly description: string
  readonly headers: Readonly<Record<string, { readonly type: 'string', readonly description: string }>>
  readonly content: {
    readonly 'application/json'?: ErrorMediaType
    readonly 'application/problem+json'?: ErrorMediaType
  }
}

/**
 * A route `response` map of error statuses, to spread beside the route's own success schemas.
 *
 * @example
 * ```ts
 * app.post('/token', { schema: { response: { 200: tokenSchema, ...app.authErrors.responses('token') } } }, handler)
 * ```
 * @see https://spec.openapis.org/oas/v3.1.0#responses-object
 */
export type ErrorResponses = Record<number, ErrorResponse>

type BodyFormat = 'oauth' | 'problem'

const MEDIA: Readonly<Record<BodyFormat, 'application/json' | 'application/problem+json'>> = {
  oauth: 'application/json',
  problem: 'application/problem+json'
}
const REF: Readonly<Record<BodyFormat, 'OAuthError#' | 'AuthProblem#'>> = { oauth: 'OAuthError#', problem: 'AuthProblem#' }
const KINDS: ReadonlySet<string> = new Set(endpointKinds)
const CACHE_CONTROL = { type: 'string', description: 'no-store: error responses are never cached (RFC 6749 5.1).' } as const
const CHALLENGE = { type: 'string', description: 'The Bearer or DPoP challenge (RFC 6750 3, RFC 9449 7.1), or Basic for client authentication.' } as const

/** One code as a route of some kind sends it. */
interface Use {
  readonly code: string
  readonly kind: EndpointKind | undefined
}

function misuse (message: string): AuthErrorsConfigError {
  return new AuthErrorsConfigError(ConfigErrorCodes.INVALID_ARGUMENT, 'responses(): ' + message)
}

/** The Authorization schemes a documented request may carry: none, Basic (client authentication), Bearer. */
const DOCUMENTED_SCHEMES: readonly (UsedScheme | undefined)[] = [undefined, 'Basic', 'Bearer']
/** Options that let every code be decided for the documentation (use_dpop_nonce needs a nonce). */
const DOCUMENTED_OPTIONS: AuthErrorOptions = Object.freeze({ dpopNonce: 'nonce' })

/**
 * The responses a code can be sent as on a route of a kind: the decision (lib/decision.ts) asked
 * for every documented scheme and every status the code is documented with, and for both formats
 * when the route negotiates. No rule is restated here.
 */
function decisionsOf (settings: DecisionSettings, compiled: CompiledCode, kind: EndpointKind | undefined, format: AuthErrorFormat | undefined): ErrorDecision[] {
  const config = { endpoint: kind, format }
  const accepts = formatOf(settings, compiled, { endpoint: kind, config, scheme: undefined, accept: undefined }, undefined) === 'negotiate'
    ? [undefined, 'application/problem+json']
    : [undefined]
  // An unmarked route is a resource request when a Bearer token came, for codes a resource sends.
  const schemes = kind === undefined && compiled.entry.endpoints?.includes('resource') !== true ? [undefined, 'Basic' as const] : DOCUMENTED_SCHEMES
  const statuses = [undefined, ...Object.keys(compiled.entry.byStatus ?? {}).map(Number)]
  const decisions: ErrorDecision[] = []
  for (const scheme of schemes) {
    for (const status of statuses) {
      for (const accept of accepts) {
        const decision = decideError(settings, compiled, { endpoint: kind, config, scheme, accept }, { ...DOCUMENTED_OPTIONS, status }, {})
        if (decision.answer === 'error') decisions.push(decision)
      }
    }
  }
  return decisions
}

/**
 * Builds `responses(...)` for one registration.
 */
export function createResponsesBuilder (settings: DecisionSettings, catalog: CompiledCatalog) {
  const entries = [...catalog.codes.values()]

  function uses (items: readonly unknown[]): { list: Use[], format: AuthErrorFormat | undefined } {
    let endpoint: EndpointKind | undefined
    let format: AuthErrorFormat | undefined
    for (const item of items) {
      if (item === null || typeof item !== 'object') continue
      const given = item as ErrorResponsesOptions
      if (given.endpoint !== undefined && !KINDS.has(given.endpoint)) throw misuse(`endpoint must be one of ${endpointKinds.join(', ')}, got ${String(given.endpoint)}`)
      if (given.format !== undefined && !['oauth', 'problem', 'negotiate'].includes(given.format)) throw misuse(`format must be 'oauth', 'problem' or 'negotiate', got ${String(given.format)}`)
      endpoint = given.endpoint ?? endpoint
      format = given.format ?? format
    }
    const list: Use[] = []
    for (const item of items) {
      if (typeof item === 'string' && KINDS.has(item)) {
        const kind = item as EndpointKind
        for (const compiled of entries) {
          if (compiled.entry.endpoints?.includes(kind) === true) list.push({ code: compiled.code, kind })
        }
      } else if (typeof item === 'string') {
        catalog.lookup(item) // throws FST_AUTH_ERRORS_UNKNOWN_CODE for a code the catalog does not have
        list.push({ code: item, kind: endpoint })
      } else if (item === null || typeof item !== 'object') {
        throw misuse(`name error codes or endpoint kinds (${endpointKinds.join(', ')}), got ${String(item)}`)
      }
    }
    if (list.length === 0) throw misuse('name at least one error code, or an endpoint kind that has codes')
    return { list, format }
  }

  /**
   * Builds a route `response` map for the codes and endpoint kinds named, grouped by status.
   */
  return function responses (...items: readonly ErrorResponsesItem[]): ErrorResponses {
    const { list, format } = uses(items)
    // status -> format -> code -> example; insertion order is catalog order, statuses sorted below.
    const byStatus = new Map<number, Map<BodyFormat, Map<string, ErrorExample>>>()
    const challenged = new Set<number>()
    for (const { code, kind } of list) {
      for (const decision of decisionsOf(settings, catalog.lookup(code), kind, format)) {
        const status = decision.status
        if (decision.challenge !== undefined) challenged.add(status)
        let formats = byStatus.get(status)
        if (formats === undefined) byStatus.set(status, formats = new Map())
        let examples = formats.get(decision.format)
        if (examples === undefined) formats.set(decision.format, examples = new Map())
        if (!examples.has(code)) examples.set(code, { summary: code + ': ' + decision.description, value: JSON.parse(errorBody(decision)) })
      }
    }

    const map: ErrorResponses = {}
    for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
      const formats = byStatus.get(status) as Map<BodyFormat, Map<string, ErrorExample>>
      const content: Partial<Record<'application/json' | 'application/problem+json', ErrorMediaType>> = {}
      const codes = new Set<string>()
      for (const [bodyFormat, examples] of formats) {
        const properties: Record<string, { type: string, enum: unknown[] }> = { error: { type: 'string', enum: [...examples.keys()] } }
        if (bodyFormat === 'problem') properties.status = { type: 'integer', enum: [status] }
        content[MEDIA[bodyFormat]] = {
          schema: { allOf: [{ $ref: REF[bodyFormat] }, { type: 'object', properties }] },
          examples: Object.fromEntries(examples)
        }
        for (const code of examples.keys()) codes.add(code)
      }
      const reason = STATUS_CODES[status]
      map[status] = {
        description: `${reason === undefined ? 'HTTP ' + status : status + ' ' + reason}: the error is one of ${[...codes].map(code => '`' + code + '`').join(', ')}.`,
        headers: challenged.has(status) ? { 'Cache-Control': CACHE_CONTROL, 'WWW-Authenticate': CHALLENGE } : { 'Cache-Control': CACHE_CONTROL },
        content
      }
    }
    return map
  }
}
