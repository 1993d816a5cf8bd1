/**
 * The JSON schemas of the error bodies, written with TypeBox. The plugin registers them with
 * `addSchema`, so routes can `$ref` them (`{ $ref: 'OAuthError#' }`) and OpenAPI output names
 * them `OAuthError` and `AuthProblem`.
 *
 * @module
 */
import { Type, type Static } from '@sinclair/typebox'

/**
 * The RFC 6749 5.2 error body: `error`, and optionally `error_description` and `error_uri`.
 * `error_hint` and `error_debug` appear only when the application turned `exposeDetails` on.
 *
 * @example
 * ```ts
 * app.post('/token', {
 *   schema: { response: { 400: { $ref: 'OAuthError#' } } }
 * }, handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const OAuthErrorSchema = Type.Object({
  error: Type.String({
    description: 'A single ASCII error code (RFC 6749 Appendix A.7).',
    pattern: '^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]+$'
  }),
  error_description: Type.Optional(Type.String({
    description: 'Human-readable ASCII text that helps the client developer (RFC 6749 Appendix A.8).',
    pattern: '^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]+$'
  })),
  error_uri: Type.Optional(Type.String({
    description: 'A URI of a page about the error (RFC 6749 Appendix A.9).',
    pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$'
  })),
  error_hint: Type.Optional(Type.String({ description: 'A hint for developers; present only when the server exposes details.' })),
  error_debug: Type.Optional(Type.String({ description: 'Debug detail; present only when the server exposes details.' }))
}, {
  $id: 'OAuthError',
  title: 'OAuthError',
  description: 'An OAuth 2.0 error response (RFC 6749 section 5.2; RFC 6750 section 3.1).',
  additionalProperties: false
})

/**
 * An RFC 6749 error body.
 *
 * @example
 * ```ts
 * const body: OAuthErrorBody = { error: 'invalid_grant', error_description: 'The code has expired' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export type OAuthErrorBody = Static<typeof OAuthErrorSchema>

/**
 * The RFC 9457 problem details body, with the extension members `error` (the OAuth code)
 * and `code` (the numeric code, when the catalog has one).
 *
 * @example
 * ```ts
 * app.get('/api/items', {
 *   schema: { response: { 401: { $ref: 'AuthProblem#' } } }
 * }, handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3
 */
export const AuthProblemSchema = Type.Object({
  type: Type.String({ description: 'A URI reference that identifies the problem type (RFC 9457 3.1.1).' }),
  title: Type.String({ description: 'A short, stable summary of the problem type (RFC 9457 3.1.3).' }),
  status: Type.Integer({ description: 'The HTTP status code of this response (RFC 9457 3.1.2).', minimum: 400, maximum: 599 }),
  detail: Type.Optional(Type.String({ description: 'An explanation of this occurrence (RFC 9457 3.1.4).' })),
  instance: Type.Optional(Type.String({ description: 'A URI reference that identifies this occurrence (RFC 9457 3.1.5).' })),
  error: Type.String({
    description: 'The OAuth error code, so OAuth clients can read the body (RFC 6749 Appendix A.7).',
    pattern: '^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]+$'
  }),
  code: Type.Optional(Type.Integer({ description: 'The numeric error code, when the error catalog assigns one.' })),
  hint: Type.Optional(Type.String({ description: 'A hint for developers; present only when the server exposes details.' })),
  debug: Type.Optional(Type.String({ description: 'Debug detail; present only when the server exposes details.' }))
}, {
  $id: 'AuthProblem',
  title: 'AuthProblem',
  description: 'An RFC 9457 problem details object for an authentication or authorization error.',
  additionalProperties: true
})

/**
 * An RFC 9457 problem details body.
 *
 * @example
 * ```ts
 * const body: AuthProblemBody = { type: 'https://docs.example.com/errors#invalid_token', title: 'Invalid token', status: 401, error: 'invalid_token' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3
 */
export type AuthProblemBody = Static<typeof AuthProblemSchema>
