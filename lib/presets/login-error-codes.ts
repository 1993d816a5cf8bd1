/**
 * The "Login Error Codes" preset: the codes of the Login with Unstoppable error reference
 * (copied in test/fixtures/login-error-codes.md), each with that page's HTTP status and
 * description. The page's HTML (`<p>`, `<br>`) is reduced to plain text with single spaces
 * and its Markdown escapes (`\_`) are undone; every description is RFC 6749 Appendix A.8 ASCII
 * as written, so nothing had to be substituted.
 *
 * @module
 */
import type { CodeDefinition } from '../options.js'

/**
 * The codes of the Login Error Codes page.
 *
 * @example
 * ```ts
 * const code: LoginErrorCode = 'jti_known'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export type LoginErrorCode =
  | 'invalid_request' | 'unauthorized_client' | 'unsupported_response_type' | 'unsupported_response_mode'
  | 'invalid_scope' | 'unsupported_grant_type' | 'invalid_grant' | 'invalid_state' | 'insufficient_entropy'
  | 'invalid_token' | 'login_required' | 'interaction_required' | 'consent_required' | 'request_not_supported'
  | 'request_uri_not_supported' | 'invalid_request_uri' | 'invalid_request_object' | 'jti_known' | 'error'
  | 'token_inactive' | 'request_unauthorized' | 'invalid_client'
  | 'scope_not_granted' | 'access_denied' | 'request_forbidden'
  | 'not_found' | 'misconfiguration' | 'server_error' | 'temporarily_unavailable'

/**
 * The Login Error Codes page as a `codes` table. `invalid_token` appears twice on the page:
 * 401 "The token expired." is its default, and 400 "Invalid token format..." is reached by
 * passing `status: 400` at the call (on resource requests too).
 *
 * @example
 * ```ts
 * await app.register(authErrors, { codes: presets.loginErrorCodes })
 * reply.authError('invalid_token')                  // 401, "The token expired."
 * reply.authError('invalid_token', { status: 400 }) // 400, "Invalid token format. ..."
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const loginErrorCodes: { readonly [Code in LoginErrorCode]: CodeDefinition } = {
  // 400 Error: Bad Request
  invalid_request: {
    status: 400,
    description: 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed. Ensure the various parameters are correct, be aware of case sensitivity, and trim the parameters. Ensure that the client being used has added the specified redirect_url to its allowlist.'
  },
  unauthorized_client: {
    status: 400,
    description: 'The client is not authorized to request a token using this method. Make sure that client id and secret are correctly specified and that the client exists.'
  },
  unsupported_response_type: {
    status: 400,
    description: 'The authorization server does not support obtaining a token using this method.'
  },
  unsupported_response_mode: {
    status: 400,
    description: 'The authorization server does not support obtaining a response using this response mode.'
  },
  invalid_scope: {
    status: 400,
    description: 'The requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner. Make sure that the requested scope has been previously configured inside the client\'s configuration (inside the advanced section).'
  },
  unsupported_grant_type: {
    status: 400,
    description: 'The authorization grant type is not supported by the authorization server.'
  },
  invalid_grant: {
    status: 400,
    description: 'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.'
  },
  invalid_state: {
    status: 400,
    description: 'The state is missing or does not have enough characters and is therefore considered too weak.'
  },
  insufficient_entropy: {
    status: 400,
    description: 'The request used a security parameter (e.g., anti-replay, anti-csrf) with insufficient entropy.'
  },
  login_required: {
    status: 400,
    description: 'The Authorization Server requires End-User authentication. This error MAY be returned when the prompt parameter value in the Authentication Request is none. Still, you cannot complete the Authentication Request without displaying a user interface for End-User authentication.'
  },
  interaction_required: {
    status: 400,
    description: 'The Authorization Server requires End-User interaction of some form to proceed. This error MAY be returned when the prompt parameter value in the Authentication Request is none. Still, you cannot complete the Authentication Request without displaying a user interface for End-User interaction.'
  },
  consent_required: {
    status: 400,
    description: 'The Authorization Server requires End-User consent. This error MAY be returned when the prompt parameter value in the Authentication Request is none. Still, you cannot complete the Authentication Request without displaying a user interface for End-User consent.'
  },
  request_not_supported: {
    status: 400,
    description: 'The OpenID Connect Provider (OP) does not support using the request parameter.'
  },
  request_uri_not_supported: {
    status: 400,
    description: 'The OpenID Connect Provider (OP) does not support using the request_uri parameter.'
  },
  invalid_request_uri: {
    status: 400,
    description: 'The request_uri in the Authorization Request returns an error or contains invalid data.'
  },
  invalid_request_object: {
    status: 400,
    description: 'The request parameter contains an invalid Request Object.'
  },
  jti_known: {
    status: 400,
    description: 'The jti was already used.'
  },
  error: {
    status: 400,
    description: 'The handler is not responsible for this request.'
  },

  // 401 Error: Unauthorized (invalid_token is listed under 400 as well: its byStatus variant)
  token_inactive: {
    status: 401,
    description: 'Token is inactive because it is malformed, expired, or invalid. Token validation failed.'
  },
  invalid_token: {
    status: 401,
    description: 'The token expired.',
    byStatus: {
      400: { description: 'Invalid token format. Ensure that a valid token has been provided in the right format.' }
    }
  },
  request_unauthorized: {
    status: 401,
    description: 'The request could not be authorized. Ensure that valid credentials are provided in the correct format.'
  },
  invalid_client: {
    status: 401,
    description: 'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method). The authorization server MAY return an HTTP 401 (Unauthorized) status code to indicate which HTTP authentication schemes are supported.'
  },

  // 403 Error: Forbidden
  scope_not_granted: {
    status: 403,
    description: 'You did not grant the token the requested scope. The resource owner did not grant the requested scope.'
  },
  access_denied: {
    status: 403,
    description: 'The resource owner or authorization server denied the request. Make sure that the request is valid. Maybe the credential or request parameters being used are limited in scope or otherwise restricted.'
  },
  request_forbidden: {
    status: 403,
    description: 'The request is not allowed. This action is not allowed to be performed.'
  },

  // 404 Error: Resource Not Found
  not_found: {
    status: 404,
    description: 'Could not find the requested resource(s).'
  },

  // 500 Error: Internal Server Error
  misconfiguration: {
    status: 500,
    description: 'The request failed because of an internal error that is probably caused by misconfiguration.'
  },
  server_error: {
    status: 500,
    description: 'The authorization server encountered an unexpected condition that prevented it from fulfilling the request.'
  },

  // 503 Error: Service Unavailable
  temporarily_unavailable: {
    status: 503,
    description: 'The authorization server cannot handle the request due to the server\'s temporary overloading or maintenance.'
  }
}
