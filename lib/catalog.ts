/**
 * The error catalog: one frozen table of every OAuth 2.0 / OpenID Connect error code,
 * keyed by its wire name. Behaviour elsewhere reads this table; nothing switches on codes.
 *
 * @example
 * ```ts
 * import { catalog } from './catalog.js'
 * catalog.invalid_grant.status // 400
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-11.4
 * @module
 */

/**
 * The kinds of endpoint an error code may be sent from.
 *
 * @example
 * ```ts
 * const kind: EndpointKind = 'token'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3
 */
export type EndpointKind =
  | 'authorization'
  | 'token'
  | 'resource'
  | 'registration'
  | 'revocation'
  | 'introspection'
  | 'device'
  | 'backchannel'
  | 'par'

/**
 * Every endpoint kind, in a stable order (a runtime twin of {@link EndpointKind}).
 *
 * @example
 * ```ts
 * endpointKinds.includes('par') // true
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3
 */
export const endpointKinds = [
  'authorization', 'token', 'resource', 'registration', 'revocation',
  'introspection', 'device', 'backchannel', 'par'
] as const satisfies readonly EndpointKind[]

/**
 * One entry of the catalog, or of a `codes` table given at registration.
 * Only `status` and `description` are required.
 *
 * @example
 * ```ts
 * const entry: CatalogEntry = {
 *   status: 400,
 *   description: 'The grant is invalid.',
 *   spec: 'RFC 6749',
 *   section: '5.2',
 *   endpoints: ['token']
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface CatalogEntry {
  /** Default HTTP status (400-599). */
  readonly status: number
  /** Default `error_description`: RFC 6749 Appendix A.8 safe ASCII. */
  readonly description: string
  /** The specification that defines the code, e.g. `RFC 6749`. */
  readonly spec?: string
  /** The section of that specification, e.g. `5.2`. */
  readonly section?: string
  /** Where the code may be sent from. */
  readonly endpoints?: readonly EndpointKind[]
  /** Optional numeric code (problem details `code` member). */
  readonly code?: number
  /** Problem details `title`; defaults to the code in words (`invalid_grant` -> `Invalid grant`). */
  readonly title?: string
  /**
   * Statuses that differ at particular kinds of endpoint (a route's `config.authErrors.endpoint`,
   * or `resource` for a request inferred to be one), e.g. access_denied is 403 at the CIBA
   * backchannel endpoint and use_dpop_nonce 401 at a resource.
   */
  readonly statusAt?: Readonly<Partial<Record<EndpointKind, number>>>
  /** Default body format for this code (a preset's choice); per call and route config still win. */
  readonly format?: 'oauth' | 'problem'
  /**
   * Other statuses the same code is documented with, each with its own description,
   * chosen by passing that `status` at the call (e.g. invalid_token 400 "bad format" / 401 "expired").
   */
  readonly byStatus?: Readonly<Record<string, { readonly description: string, readonly title?: string }>>
  /**
   * A resource-server code (RFC 6750 3.1, RFC 9470 3): its response carries the WWW-Authenticate
   * challenge wherever it is sent, and on an unmarked route it makes the request a resource
   * request even without an Authorization header (the token may have come in the body or the
   * query, RFC 6750 2.2 and 2.3). RULES E1.
   */
  readonly challenge?: boolean
  /**
   * A code about the client's own authentication (RFC 6749 5.2): 401 with the challenge of the
   * scheme the client used, 400 when it sent no Authorization header (RULES D3).
   */
  readonly clientAuthentication?: boolean
  /** A prompt=none failure (OIDC 3.1.2.6): redirected with error and state only (RULES A4). */
  readonly promptNone?: boolean
  /** The response must carry a fresh `DPoP-Nonce` (RFC 9449 8, 9): senders require the `dpopNonce` option. */
  readonly needsNonce?: boolean
  /**
   * The code says a token the client asked about is invalid or inactive: at revocation that is a
   * success (200, RFC 7009 2.2) and at introspection `{"active":false}` (RFC 7662 2.2), unless the
   * code is a challenge code about the caller's own Bearer or DPoP credential (RULES D9, D10).
   */
  readonly inactiveToken?: boolean
}

/*
 * The table. Statuses are the defaults a spec gives (400 unless it says otherwise);
 * `statusAt` is set only where a kind of endpoint takes another status.
 * Descriptions follow RFC 6749 Appendix A.8 (%x20-21 / %x23-5B / %x5D-7E), one
 * sentence of at most 200 characters. `title` is set only where the code in words
 * would lose an acronym. Numeric codes are left to presets.
 */
const table = {
  // RFC 6749 (4.1.2.1, 4.2.2.1, 5.2), with RFC 6750 3.1 for invalid_request at a resource.
  invalid_request: {
    status: 400,
    description: 'The request is missing a required parameter, includes an invalid or repeated parameter, or is otherwise malformed.',
    spec: 'RFC 6749',
    section: '4.1.2.1',
    endpoints: ['authorization', 'token', 'resource', 'registration', 'revocation', 'introspection', 'device', 'backchannel', 'par']
  },
  unauthorized_client: {
    status: 400,
    description: 'The client is not authorized to make this request with this grant type or response type.',
    spec: 'RFC 6749',
    section: '4.1.2.1',
    endpoints: ['authorization', 'token', 'device', 'backchannel', 'par']
  },
  access_denied: {
    status: 400,
    description: 'The resource owner or authorization server denied the request.',
    spec: 'RFC 6749',
    section: '4.1.2.1',
    endpoints: ['authorization', 'token', 'backchannel'],
    statusAt: { backchannel: 403 }
  },
  unsupported_response_type: {
    status: 400,
    description: 'The authorization server does not support obtaining a response with this response type.',
    spec: 'RFC 6749',
    section: '4.1.2.1',
    endpoints: ['authorization', 'par']
  },
  invalid_scope: {
    status: 400,
    description: 'The requested scope is invalid, unknown, malformed, or exceeds what the resource owner granted.',
    spec: 'RFC 6749',
    section: '4.1.2.1',
    endpoints: ['authorization', 'token', 'device', 'backchannel', 'par']
  },
  server_error: {
    status: 500,
    description: 'The server met an unexpected condition that prevented it from fulfilling the request.',
    spec: 'RFC 6749',
    section: '4.1.2.1',
    endpoints: ['authorization', 'token', 'resource', 'registration', 'revocation', 'introspection', 'device', 'backchannel', 'par']
  },
  temporarily_unavailable: {
    status: 503,
    description: 'The server cannot handle the request right now because of temporary overloading or maintenance.',
    spec: 'RFC 6749',
    section: '4.1.2.1',
    endpoints: ['authorization', 'token', 'resource', 'registration', 'revocation', 'introspection', 'device', 'backchannel', 'par']
  },
  invalid_client: {
    status: 401,
    clientAuthentication: true,
    description: 'Client authentication failed: the client is unknown, sent no client authentication, or used an unsupported method.',
    spec: 'RFC 6749',
    section: '5.2',
    endpoints: ['authorization', 'token', 'revocation', 'introspection', 'device', 'backchannel', 'par']
  },
  invalid_grant: {
    status: 400,
    description: 'The authorization grant or refresh token is invalid, expired, revoked, bound to another redirect URI, or was issued to another client.',
    spec: 'RFC 6749',
    section: '5.2',
    endpoints: ['token']
  },
  unsupported_grant_type: {
    status: 400,
    description: 'The authorization server does not support this authorization grant type.',
    spec: 'RFC 6749',
    section: '5.2',
    endpoints: ['token']
  },

  // RFC 6750 3.1 (and RFC 7662 2.3 for introspection callers, RFC 7591 3 for initial access tokens).
  invalid_token: {
    status: 401,
    challenge: true,
    inactiveToken: true,
    description: 'The access token is expired, revoked, malformed, or invalid for another reason.',
    spec: 'RFC 6750',
    section: '3.1',
    endpoints: ['resource', 'introspection', 'registration']
  },
  insufficient_scope: {
    status: 403,
    challenge: true,
    description: 'The request needs higher privileges than the access token provides.',
    spec: 'RFC 6750',
    section: '3.1',
    endpoints: ['resource', 'introspection'],
    statusAt: { introspection: 401 }
  },

  // RFC 7009 2.2.1
  unsupported_token_type: {
    status: 400,
    description: 'The authorization server does not support revoking this type of token.',
    spec: 'RFC 7009',
    section: '2.2.1',
    endpoints: ['revocation']
  },

  // OpenID Connect Core 1.0, 3.1.2.6
  interaction_required: {
    status: 400,
    promptNone: true,
    description: 'The authorization server needs some form of end-user interaction, which prompt=none does not allow.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization']
  },
  login_required: {
    status: 400,
    promptNone: true,
    description: 'The authorization server needs the end-user to authenticate, which prompt=none does not allow.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization']
  },
  account_selection_required: {
    status: 400,
    promptNone: true,
    description: 'The end-user must select a session or account at the authorization server, which prompt=none does not allow.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization']
  },
  consent_required: {
    status: 400,
    promptNone: true,
    description: 'The authorization server needs the end-user to give consent, which prompt=none does not allow.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization']
  },
  invalid_request_uri: {
    status: 400,
    description: 'The request_uri of the authorization request returns an error or contains invalid data.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization'],
    title: 'Invalid request URI'
  },
  invalid_request_object: {
    status: 400,
    description: 'The request parameter contains an invalid Request Object.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization', 'par']
  },
  request_not_supported: {
    status: 400,
    description: 'The authorization server does not support the request parameter.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization']
  },
  request_uri_not_supported: {
    status: 400,
    description: 'The authorization server does not support the request_uri parameter.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization'],
    title: 'Request URI not supported'
  },
  registration_not_supported: {
    status: 400,
    description: 'The authorization server does not support the registration parameter.',
    spec: 'OpenID Connect Core 1.0',
    section: '3.1.2.6',
    endpoints: ['authorization']
  },

  // UMA 2.0 Grant for OAuth 2.0 Authorization, 3.3.6 (403 at the token endpoint)
  need_info: {
    status: 403,
    description: 'The authorization server needs more information, such as claims, before it can decide on the request.',
    spec: 'UMA 2.0 Grant for OAuth 2.0 Authorization',
    section: '3.3.6',
    endpoints: ['token']
  },
  request_denied: {
    status: 403,
    description: 'The client is not authorized to have the requested permissions.',
    spec: 'UMA 2.0 Grant for OAuth 2.0 Authorization',
    section: '3.3.6',
    endpoints: ['token']
  },
  request_submitted: {
    status: 403,
    description: 'The authorization server needs the resource owner to decide whether the client is authorized.',
    spec: 'UMA 2.0 Grant for OAuth 2.0 Authorization',
    section: '3.3.6',
    endpoints: ['token']
  },

  // RFC 7591 3.2.2
  invalid_redirect_uri: {
    status: 400,
    description: 'The value of one or more redirection URIs is invalid.',
    spec: 'RFC 7591',
    section: '3.2.2',
    endpoints: ['registration'],
    title: 'Invalid redirect URI'
  },
  invalid_client_metadata: {
    status: 400,
    description: 'The value of a client metadata field is invalid and the server rejected the registration.',
    spec: 'RFC 7591',
    section: '3.2.2',
    endpoints: ['registration']
  },
  invalid_software_statement: {
    status: 400,
    description: 'The software statement presented is invalid.',
    spec: 'RFC 7591',
    section: '3.2.2',
    endpoints: ['registration']
  },
  unapproved_software_statement: {
    status: 400,
    description: 'The software statement presented is not approved for use by this authorization server.',
    spec: 'RFC 7591',
    section: '3.2.2',
    endpoints: ['registration']
  },

  // RFC 8628 3.5 (polling at the token endpoint; CIBA 11 reuses them). access_denied is above.
  authorization_pending: {
    status: 400,
    description: 'The authorization request is still pending while the end-user completes the interaction steps.',
    spec: 'RFC 8628',
    section: '3.5',
    endpoints: ['token']
  },
  slow_down: {
    status: 400,
    description: 'The authorization request is still pending and the client must poll less often, adding 5 seconds to its interval.',
    spec: 'RFC 8628',
    section: '3.5',
    endpoints: ['token']
  },
  expired_token: {
    status: 400,
    description: 'The device_code or auth_req_id has expired, so the client must start a new authorization request.',
    spec: 'RFC 8628',
    section: '3.5',
    endpoints: ['token']
  },

  // RFC 8707 2 (also RFC 8693 2.2.2)
  invalid_target: {
    status: 400,
    description: 'The requested resource or audience is invalid, unknown, malformed, or not acceptable to the authorization server.',
    spec: 'RFC 8707',
    section: '2',
    endpoints: ['authorization', 'token', 'par']
  },

  // RFC 9200 5.8.3 (ACE; CoAP 4.00 Bad Request)
  unsupported_pop_key: {
    status: 400,
    description: 'The client sent a proof-of-possession key that the resource server cannot process.',
    spec: 'RFC 9200',
    section: '5.8.3',
    endpoints: ['token'],
    title: 'Unsupported PoP key'
  },
  incompatible_ace_profiles: {
    status: 400,
    description: 'The client and the resource server do not share a common ACE profile.',
    spec: 'RFC 9200',
    section: '5.8.3',
    endpoints: ['token'],
    title: 'Incompatible ACE profiles'
  },

  // RFC 9396 5
  invalid_authorization_details: {
    status: 400,
    description: 'The authorization_details value has an unknown type, unknown or missing fields, or invalid values.',
    spec: 'RFC 9396',
    section: '5',
    endpoints: ['authorization', 'token', 'par']
  },

  // RFC 9449 5, 7.1, 8, 9: 400 at the authorization server, 401 with a DPoP challenge at a resource.
  invalid_dpop_proof: {
    status: 400,
    statusAt: { resource: 401 },
    description: 'The DPoP proof is missing, malformed, or failed validation.',
    spec: 'RFC 9449',
    section: '5',
    endpoints: ['token', 'par', 'resource'],
    title: 'Invalid DPoP proof'
  },
  use_dpop_nonce: {
    status: 400,
    needsNonce: true,
    statusAt: { resource: 401 },
    description: 'The server requires a DPoP nonce: retry with the value of the DPoP-Nonce header in the proof.',
    spec: 'RFC 9449',
    section: '8',
    endpoints: ['token', 'par', 'resource'],
    title: 'Use DPoP nonce'
  },

  // RFC 9470 3
  insufficient_user_authentication: {
    status: 401,
    challenge: true,
    description: 'The authentication event behind the access token does not meet the requirements of the resource server.',
    spec: 'RFC 9470',
    section: '3',
    endpoints: ['resource']
  },

  // OpenID Connect CIBA Core 1.0: 13 (backchannel authentication endpoint) and 12 (push error payload,
  // sent to the client's notification endpoint, so transaction_failed is no response of any endpoint here)
  expired_login_hint_token: {
    status: 400,
    description: 'The login_hint_token in the authentication request has expired.',
    spec: 'OpenID Connect CIBA Core 1.0',
    section: '13',
    endpoints: ['backchannel']
  },
  unknown_user_id: {
    status: 400,
    description: 'The authorization server cannot identify a valid end-user from the hint in the request.',
    spec: 'OpenID Connect CIBA Core 1.0',
    section: '13',
    endpoints: ['backchannel'],
    title: 'Unknown user ID'
  },
  missing_user_code: {
    status: 400,
    description: 'This request needs a user_code, and none was supplied.',
    spec: 'OpenID Connect CIBA Core 1.0',
    section: '13',
    endpoints: ['backchannel']
  },
  invalid_user_code: {
    status: 400,
    description: 'The user_code in the request is invalid.',
    spec: 'OpenID Connect CIBA Core 1.0',
    section: '13',
    endpoints: ['backchannel']
  },
  invalid_binding_message: {
    status: 400,
    description: 'The binding_message is invalid or not acceptable to the authorization server.',
    spec: 'OpenID Connect CIBA Core 1.0',
    section: '13',
    endpoints: ['backchannel']
  },
  transaction_failed: {
    status: 400,
    description: 'The authorization server met an unexpected condition and could not complete the transaction.',
    spec: 'OpenID Connect CIBA Core 1.0',
    section: '12',
    endpoints: []
  },

  // OpenID Federation 1.0, 8.9 (registered with the usage location: authorization endpoint). The trust
  // codes go in PAR error responses, never to a redirect URI (12.1.3), as 400 there (RFC 9126 2.3 uses the
  // token endpoint's error format), and in explicit registration errors (12.2.4).
  invalid_issuer: {
    status: 404,
    description: 'The endpoint cannot serve the requested issuer.',
    spec: 'OpenID Federation 1.0',
    section: '8.9',
    endpoints: ['authorization']
  },
  invalid_subject: {
    status: 404,
    description: 'The endpoint cannot serve the requested subject.',
    spec: 'OpenID Federation 1.0',
    section: '8.9',
    endpoints: ['authorization']
  },
  invalid_trust_anchor: {
    status: 404,
    description: 'The Trust Anchor cannot be found or used.',
    spec: 'OpenID Federation 1.0',
    section: '8.9',
    endpoints: ['authorization', 'par', 'registration'],
    statusAt: { par: 400 }
  },
  invalid_trust_chain: {
    status: 400,
    description: 'The Trust Chain cannot be validated.',
    spec: 'OpenID Federation 1.0',
    section: '8.9',
    endpoints: ['authorization', 'par', 'registration']
  },
  invalid_metadata: {
    status: 400,
    description: 'Metadata or metadata policy values are invalid or in conflict.',
    spec: 'OpenID Federation 1.0',
    section: '8.9',
    endpoints: ['authorization', 'par', 'registration']
  },
  not_found: {
    status: 404,
    description: 'The requested resource or entity identifier could not be found.',
    spec: 'OpenID Federation 1.0',
    section: '8.9',
    endpoints: ['authorization', 'resource']
  },
  unsupported_parameter: {
    status: 400,
    description: 'The server does not support a parameter of the request.',
    spec: 'OpenID Federation 1.0',
    section: '8.9',
    endpoints: ['authorization']
  },

  // OpenID for Verifiable Presentations 1.0, 8.5
  vp_formats_not_supported: {
    status: 400,
    description: 'The wallet supports none of the credential formats the verifier requested.',
    spec: 'OpenID for Verifiable Presentations 1.0',
    section: '8.5',
    endpoints: ['authorization', 'token'],
    title: 'VP formats not supported'
  },
  invalid_request_uri_method: {
    status: 400,
    description: 'The request_uri_method value is neither get nor post.',
    spec: 'OpenID for Verifiable Presentations 1.0',
    section: '8.5',
    endpoints: ['authorization'],
    title: 'Invalid request URI method'
  },
  wallet_unavailable: {
    status: 400,
    description: 'The wallet is unavailable and cannot respond to the request.',
    spec: 'OpenID for Verifiable Presentations 1.0',
    section: '8.5',
    endpoints: ['authorization', 'token']
  },
  invalid_transaction_data: {
    status: 400,
    description: 'An object of transaction_data has an unknown type, unknown, missing or invalid fields, unmatched credential_ids, or Credentials the wallet lacks.',
    spec: 'OpenID for Verifiable Presentations 1.0',
    section: '8.5',
    endpoints: ['authorization']
  },

  // OpenID for Verifiable Credential Issuance 1.0: the Credential Endpoint (8.3.1.2), the Deferred
  // Credential Endpoint (9.3) and the Notification Endpoint (11.3) are OAuth protected resources
  // (RFC 6750), and each of these errors is HTTP 400 with an application/json body.
  invalid_credential_request: {
    status: 400,
    description: 'The Credential Request is missing a required parameter, has an unsupported or repeated parameter or value, or is otherwise malformed.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '8.3.1.2',
    endpoints: ['resource']
  },
  unknown_credential_configuration: {
    status: 400,
    description: 'The requested Credential Configuration is unknown.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '8.3.1.2',
    endpoints: ['resource']
  },
  unknown_credential_identifier: {
    status: 400,
    description: 'The requested Credential identifier is unknown.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '8.3.1.2',
    endpoints: ['resource']
  },
  invalid_proof: {
    status: 400,
    description: 'The proofs parameter is missing, one of its key proofs is invalid, or a key proof has no c_nonce.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '8.3.1.2',
    endpoints: ['resource']
  },
  invalid_nonce: {
    status: 400,
    description: 'A key proof carries an invalid c_nonce: get a fresh c_nonce from the Nonce Endpoint and retry.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '8.3.1.2',
    endpoints: ['resource']
  },
  invalid_encryption_parameters: {
    status: 400,
    description: 'The encryption parameters of the Credential Request are invalid, or missing while the Credential Issuer requires an encrypted response.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '8.3.1.2',
    endpoints: ['resource']
  },
  credential_request_denied: {
    status: 400,
    description: 'The Credential Issuer did not accept the Credential Request, and the Credential cannot be issued.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '8.3.1.2',
    endpoints: ['resource']
  },
  invalid_transaction_id: {
    status: 400,
    description: 'The transaction_id of the Deferred Credential Request was not issued by this Credential Issuer or was already used.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '9.3',
    endpoints: ['resource'],
    title: 'Invalid transaction ID'
  },
  invalid_notification_id: {
    status: 400,
    description: 'The notification_id of the Notification Request is invalid.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '11.3',
    endpoints: ['resource'],
    title: 'Invalid notification ID'
  },
  invalid_notification_request: {
    status: 400,
    description: 'The Notification Request is missing a required parameter, has an unsupported or repeated parameter or value, or is otherwise malformed.',
    spec: 'OpenID for Verifiable Credential Issuance 1.0',
    section: '11.3',
    endpoints: ['resource']
  },

  // OpenID Connect Core Error Code unmet_authentication_requirements 1.0, 1 (an authentication error response)
  unmet_authentication_requirements: {
    status: 400,
    description: 'The authorization server cannot authenticate the end-user as the client requires, for example with an essential acr claim.',
    spec: 'OpenID Connect Core Error Code unmet_authentication_requirements 1.0',
    section: '1',
    endpoints: ['authorization']
  },

  // Federated Authorization for UMA 2.0: the permission endpoint (4.4) and the resource registration
  // endpoint (3.2), both protection API endpoints guarded by a PAT (an OAuth access token).
  invalid_resource_id: {
    status: 400,
    description: 'At least one of the resource identifiers in the permission request was not found at the authorization server.',
    spec: 'Federated Authorization for UMA 2.0',
    section: '4.3',
    endpoints: ['resource'],
    title: 'Invalid resource ID'
  },
  unsupported_method_type: {
    status: 405,
    description: 'The resource registration request used an HTTP method the authorization server does not support.',
    spec: 'Federated Authorization for UMA 2.0',
    section: '3.2',
    endpoints: ['resource']
  },

  // Codes found only in the Login Error Codes seed (seeds/login-error-codes.md), with its statuses.
  // No specification defines them, so their section says so.
  unsupported_response_mode: {
    status: 400,
    description: 'The authorization server does not support returning the response with this response mode.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['authorization', 'par']
  },
  invalid_state: {
    status: 400,
    description: 'The state parameter is missing or too short to be considered secure.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['authorization']
  },
  insufficient_entropy: {
    status: 400,
    description: 'A security parameter such as state or nonce has too little entropy.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['authorization']
  },
  jti_known: {
    status: 400,
    description: 'The JWT ID (jti) of this token or assertion has already been used.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['token', 'authorization', 'par'],
    title: 'JTI known'
  },
  error: {
    status: 400,
    description: 'No handler is responsible for this request.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['authorization', 'token']
  },
  token_inactive: {
    status: 401,
    inactiveToken: true,
    description: 'The token is inactive because it is malformed, expired, or otherwise invalid.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['resource', 'token']
  },
  request_unauthorized: {
    status: 401,
    description: 'The request could not be authorized: send valid credentials in the expected format.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['resource', 'token']
  },
  request_forbidden: {
    status: 403,
    description: 'The request is not allowed.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['resource', 'authorization', 'token']
  },
  scope_not_granted: {
    status: 403,
    description: 'The resource owner did not grant the requested scope.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['resource', 'authorization', 'token']
  },
  misconfiguration: {
    status: 500,
    description: 'The request failed because of an internal error, probably a server misconfiguration.',
    spec: 'Login Error Codes (seed)',
    section: 'none (seed only)',
    endpoints: ['authorization', 'token', 'resource']
  }
} as const satisfies Record<string, CatalogEntry>

/**
 * Every error code of the built-in catalog (a union of string literals).
 *
 * @example
 * ```ts
 * const code: CatalogCode = 'insufficient_scope'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-11.4
 */
export type CatalogCode = keyof typeof table

/**
 * The built-in catalog: every OAuth 2.0 / OpenID Connect error code with its default status,
 * description, defining spec and section, and the endpoints it may be sent from.
 * The object, each entry and each `endpoints` array are frozen.
 *
 * @example
 * ```ts
 * catalog.use_dpop_nonce.status          // 400 at the authorization server
 * catalog.use_dpop_nonce.statusAt?.resource // 401 on resource requests
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const catalog: Readonly<Record<CatalogCode, CatalogEntry>> = deepFreeze(table)

/**
 * The codes of {@link catalog}, in table order (frozen).
 *
 * @example
 * ```ts
 * catalogCodes.includes('invalid_grant') // true
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-11.4
 */
export const catalogCodes: readonly CatalogCode[] = Object.freeze(Object.keys(catalog) as CatalogCode[])

/**
 * An entry's statuses in words, as the generated reference and the reference page show them:
 * the default status, then each kind of endpoint where it differs.
 *
 * @example
 * ```ts
 * statusSummary(catalog.use_dpop_nonce) // '400 (401 on resource requests)'
 * statusSummary(catalog.access_denied) // '400 (403 at backchannel endpoints)'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function statusSummary (entry: CatalogEntry): string {
  const others = Object.entries(entry.statusAt ?? {}).map(([kind, status]) => kind === 'resource' ? `${status} on resource requests` : `${status} at ${kind} endpoints`)
  return others.length === 0 ? String(entry.status) : `${entry.status} (${others.join(', ')})`
}

/** Freezes the table, each entry and each entry's `endpoints` in place. */
function deepFreeze<T extends Record<string, CatalogEntry>> (source: T): T {
  for (const entry of Object.values(source)) freezeEntry(entry)
  return Object.freeze(source)
}

/**
 * Freezes an entry in place, with its `endpoints`, `statusAt` and `byStatus` (the built-in table
 * and every entry of a `codes` table go through here).
 */
export function freezeEntry (entry: CatalogEntry): CatalogEntry {
  if (entry.endpoints !== undefined) Object.freeze(entry.endpoints)
  if (entry.statusAt !== undefined) Object.freeze(entry.statusAt)
  if (entry.byStatus !== undefined) {
    for (const variant of Object.values(entry.byStatus)) Object.freeze(variant)
    Object.freeze(entry.byStatus)
  }
  return Object.freeze(entry)
}
