/**
 * `WWW-Authenticate` challenges for Bearer (RFC 6750 3), DPoP (RFC 9449 7.1), step-up
 * (RFC 9470 3) and Basic (RFC 7617 2, for invalid_client, RFC 6749 5.2).
 *
 * ```
 * challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]   ; RFC 9110 11.6.1
 * auth-param  = token BWS "=" BWS ( token / quoted-string )
 * ```
 *
 * Every value here is a quoted-string. OAuth values (error, error_description, error_uri, scope,
 * algs, acr_values) were limited by lib/sanitize.ts to an alphabet without `"`, `\` or controls,
 * so they are quoted as they are; only the realm, which is free text, is escaped. The part of a
 * challenge that depends on registration options alone is built once at registration.
 *
 * @module
 */
import type { AuthScheme } from './auth-error.js'
import { escapeQuotedString } from './sanitize.js'

/** The per-scheme strings of a challenge that registration options fix. */
export interface ChallengeTemplate {
  /** `Bearer realm="api"`: scheme and realm. */
  readonly head: string
  /** `, algs="ES256", resource_metadata="https://..."`: the trailing parameters (may be empty). */
  readonly tail: string
}

/** Registration options that shape every challenge. */
export interface ChallengeSettings {
  /** The realm (free text, already validated by the options check). */
  readonly realm: string
  /** RFC 9728 protected resource metadata URL (already sanitised). */
  readonly resourceMetadata?: string | undefined
  /** DPoP `algs`, space-separated (already validated). */
  readonly algs?: string | undefined
}

/** The challenge templates of every scheme the plugin can send. */
export type ChallengeTemplates = Readonly<Record<AuthScheme | 'Basic', ChallengeTemplate>>

/** Parameters of one occurrence; every value is already sanitised. */
export interface ChallengeParams {
  error?: string | undefined
  error_description?: string | undefined
  error_uri?: string | undefined
  scope?: string | undefined
  acr_values?: string | undefined
  max_age?: number | undefined
}

function param (name: string, value: string | number | undefined): string {
  return value === undefined ? '' : ', ' + name + '="' + value + '"'
}

/**
 * The trailing parameters a DPoP challenge carries for a given `algs` list (RFC 9449 7.1),
 * followed by `resource_metadata` (RFC 9728 5.1).
 */
export function dpopTail (algs: string | undefined, resourceMetadata: string | undefined): string {
  return param('algs', algs) + param('resource_metadata', resourceMetadata)
}

/**
 * Builds, once at registration, the fixed head and tail of each scheme's challenge
 * (RULES E2: the realm is always present; E7: `resource_metadata` when configured).
 */
export function compileChallengeTemplates (settings: ChallengeSettings): ChallengeTemplates {
  const realm = 'realm="' + escapeQuotedString(settings.realm) + '"'
  const metadata = param('resource_metadata', settings.resourceMetadata)
  return Object.freeze({
    Bearer: Object.freeze({ head: 'Bearer ' + realm, tail: metadata }),
    DPoP: Object.freeze({ head: 'DPoP ' + realm, tail: dpopTail(settings.algs, settings.resourceMetadata) }),
    Basic: Object.freeze({ head: 'Basic ' + realm + ', charset="UTF-8"', tail: '' })
  })
}

/**
 * One challenge: the template's head, then scope, error, error_description, error_uri,
 * acr_values and max_age (each at most once, RULES E3), then the template's tail.
 *
 * @example
 * ```ts
 * buildChallenge(templates.Bearer, { error: 'insufficient_scope', scope: 'read' })
 * // 'Bearer realm="api", scope="read", error="insufficient_scope"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function buildChallenge (template: ChallengeTemplate, params: ChallengeParams | undefined, tail: string = template.tail): string {
  if (params === undefined) return template.head + tail
  return template.head +
    param('scope', params.scope) +
    param('error', params.error) +
    param('error_description', params.error_description) +
    param('error_uri', params.error_uri) +
    param('acr_values', params.acr_values) +
    param('max_age', params.max_age) +
    tail
}
