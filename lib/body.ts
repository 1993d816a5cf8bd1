/**
 * Error bodies: the RFC 6749 JSON object and the RFC 9457 problem details object, each with
 * a serializer compiled once from its schema.
 *
 * @module
 */
import type { TObject } from '@sinclair/typebox'
import { sanitizeUri } from './sanitize.js'
import { AuthProblemSchema, OAuthErrorSchema } from './schemas.js'

/** The media type of RFC 6749 error bodies. */
export const OAUTH_CONTENT_TYPE = 'application/json; charset=utf-8'
/** The media type of RFC 9457 problem details (RFC 9457 3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

/** The fields of an RFC 6749 error body, as the serializer takes them. */
export interface OAuthErrorFields {
  error: string
  error_description?: string | undefined
  error_uri?: string | undefined
  error_hint?: string | undefined
  error_debug?: string | undefined
}

/** The fields of an RFC 9457 problem body, as the serializer takes them. */
export interface ProblemFields {
  type: string
  title: string
  status: number
  detail?: string | undefined
  instance?: string | undefined
  error: string
  code?: number | undefined
  hint?: string | undefined
  debug?: string | undefined
}

/**
 * How one member is written. `safe` members hold text that lib/sanitize.ts already limited to
 * RFC 6749's ASCII alphabet (no `"`, `\` or controls), so it needs no JSON escaping; `number`
 * members are integers; `text` members are arbitrary strings and go through JSON.stringify.
 */
type MemberKind = 'safe' | 'number' | 'text'

interface MemberWriter {
  readonly key: string
  readonly open: string
  readonly close: string
  readonly kind: MemberKind
}

/**
 * Compiles a serializer for a flat object schema: the member order, the `"key":` prefixes and
 * the quoting of each member are decided here once, so a call only concatenates.
 */
function compileSerializer<Fields extends object> (schema: TObject, kinds: Readonly<Record<string, MemberKind>>): (fields: Fields) => string {
  const writers: MemberWriter[] = Object.keys(schema.properties).map((key) => {
    const kind = kinds[key] ?? 'text'
    return { key, kind, open: JSON.stringify(key) + (kind === 'safe' ? ':"' : ':'), close: kind === 'safe' ? '"' : '' }
  })
  return function serializeErrorBody (fields: Fields): string {
    const record = fields as Record<string, unknown>
    let json = ''
    for (const writer of writers) {
      const value = record[writer.key]
      if (value === undefined) continue
      json += (json === '' ? '{' : ',') + writer.open +
        (writer.kind === 'text' ? JSON.stringify(String(value)) : value) + writer.close
    }
    return json + '}'
  }
}

/**
 * Serialises an RFC 6749 error body. `error`, `error_description` and `error_uri` must already
 * be sanitised (lib/sanitize.ts).
 */
export const serializeOAuthError: (fields: OAuthErrorFields) => string = compileSerializer<OAuthErrorFields>(OAuthErrorSchema, {
  error: 'safe', error_description: 'safe', error_uri: 'safe'
})

/**
 * Serialises an RFC 9457 problem body. `type`, `title`, `detail`, `instance` and `error` must
 * already be sanitised (lib/sanitize.ts).
 */
export const serializeProblem: (fields: ProblemFields) => string = compileSerializer<ProblemFields>(AuthProblemSchema, {
  type: 'safe', title: 'safe', status: 'number', detail: 'safe', instance: 'safe', error: 'safe', code: 'number'
})

/**
 * The default problem `type` of a code when no `errorUri` is configured: a `tag:` URI
 * (RFC 4151), which RFC 9457 3.1.1 allows for types that are not meant to be dereferenced.
 */
export function defaultProblemType (code: string): string {
  return 'tag:fastify-auth-errors,2026:' + sanitizeUri(code)
}

/** A stable problem `title` from a code: `invalid_grant` -> `Invalid grant`. */
export function titleFromCode (code: string): string {
  const words = code.replace(/[_-]+/g, ' ').trim()
  return words === '' ? code : words[0]?.toUpperCase() + words.slice(1)
}
