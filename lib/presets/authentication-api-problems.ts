/**
 * The "Authentication API Problems" preset: the 16 literals of that reference (copied in
 * test/fixtures/authentication-api-problems.md) with their numeric codes 53201-53216, HTTP
 * status 440 and problem details bodies. Descriptions are the page's, character for character
 * (all of them are RFC 6749 Appendix A.8 ASCII, so nothing had to be substituted).
 *
 * Status 440 is not an HTTP status any OAuth specification allows: use this preset for API
 * resources whose clients expect it, never for token, authorization or other protocol
 * endpoints (docs/presets.md says why).
 *
 * @module
 */
import type { CodeDefinition } from '../options.js'

/**
 * The literals of the Authentication API Problems page.
 *
 * @example
 * ```ts
 * const literal: AuthenticationApiProblem = 'invalid_request' // sent with code 53201 and status 440
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3
 */
export type AuthenticationApiProblem =
  | 'invalid_request' | 'unauthorized_client' | 'access_denied' | 'unsupported_response_type'
  | 'invalid_scope' | 'server_error' | 'temporarily_unavailable' | 'interaction_required'
  | 'login_required' | 'account_selection_required' | 'consent_required' | 'invalid_request_uri'
  | 'invalid_request_object' | 'request_not_supported' | 'request_uri_not_supported'
  | 'registration_not_supported'

/** The status every problem of the page is sent with (not a standard HTTP status). */
const STATUS = 440

/**
 * The Authentication API Problems page as a `codes` table: status 440, `format: 'problem'`
 * and the numeric `code` of each literal, so a response is `application/problem+json` with
 * `"status":440`, `"error":"<literal>"` and `"code":<number>`.
 *
 * @example
 * ```ts
 * await api.register(authErrors, { codes: presets.authenticationApiProblems })
 * reply.authError('login_required')
 * // HTTP/1.1 440
 * // Content-Type: application/problem+json; charset=utf-8
 * // {"type":"tag:fastify-auth-errors,2026:login_required","title":"Login required","status":440,
 * //  "detail":"The Authorization Server requires End-User authentication. ...","error":"login_required","code":53209}
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3
 */
export const authenticationApiProblems: { readonly [Code in AuthenticationApiProblem]: CodeDefinition } = {
  invalid_request: {
    status: STATUS,
    format: 'problem',
    code: 53201,
    description: 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.'
  },
  unauthorized_client: {
    status: STATUS,
    format: 'problem',
    code: 53202,
    description: 'The client is not authorized to request an authorization code using this method.'
  },
  access_denied: {
    status: STATUS,
    // The catalog's 403 at the CIBA backchannel endpoint is not this page's status.
    statusAt: { backchannel: STATUS },
    format: 'problem',
    code: 53203,
    description: 'The resource owner or authorization server denied the request.'
  },
  unsupported_response_type: {
    status: STATUS,
    format: 'problem',
    code: 53204,
    description: 'The authorization server does not support obtaining an authorization code using this method.'
  },
  invalid_scope: {
    status: STATUS,
    format: 'problem',
    code: 53205,
    description: 'The requested scope is invalid, unknown, or malformed.'
  },
  server_error: {
    status: STATUS,
    format: 'problem',
    code: 53206,
    description: 'The authorization server encountered an unexpected condition that prevented it from fulfilling the request.'
  },
  temporarily_unavailable: {
    status: STATUS,
    format: 'problem',
    code: 53207,
    description: 'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server. HTTP redirect.)'
  },
  interaction_required: {
    status: STATUS,
    format: 'problem',
    code: 53208,
    description: 'The Authorization Server requires End-User interaction of some form to proceed. This error MAY be returned when the prompt parameter value in the Authentication Request is none, but the Authentication Request cannot be completed.'
  },
  login_required: {
    status: STATUS,
    format: 'problem',
    code: 53209,
    description: 'The Authorization Server requires End-User authentication. This error MAY be returned when the prompt parameter value in the Authentication Request is none, but the Authentication Request cannot be completed'
  },
  account_selection_required: {
    status: STATUS,
    format: 'problem',
    code: 53210,
    description: 'The End-User is REQUIRED to select a session at the Authorization Server. The End-User MAY be authenticated at the Authorization Server with different associated accounts, but the End-User did not select a session.'
  },
  consent_required: {
    status: STATUS,
    format: 'problem',
    code: 53211,
    description: 'The Authorization Server requires End-User consent. This error MAY be returned when the prompt parameter value in the Authentication Request is none, but the Authentication Request cannot be completed.'
  },
  invalid_request_uri: {
    status: STATUS,
    format: 'problem',
    code: 53212,
    description: 'The request_uri in the Authorization Request returns an error or contains invalid data.'
  },
  invalid_request_object: {
    status: STATUS,
    format: 'problem',
    code: 53213,
    description: 'The request parameter contains an invalid Request Object.'
  },
  request_not_supported: {
    status: STATUS,
    format: 'problem',
    code: 53214,
    description: 'The OP does not support use of the request parameter'
  },
  request_uri_not_supported: {
    status: STATUS,
    format: 'problem',
    code: 53215,
    description: 'The OP does not support use of the request_uri parameter'
  },
  registration_not_supported: {
    status: STATUS,
    format: 'problem',
    code: 53216,
    description: 'The OP does not support use of the registration parameter'
  }
}
