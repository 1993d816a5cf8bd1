/**
 * What a request says about itself, read once per error: the kind of endpoint it reached (the
 * route's `config.authErrors`, or a kind a sender forces), the authentication scheme it used and
 * its `Accept` header. The decision (lib/decision.ts) reads these facts; nothing else reads the
 * request's headers to decide a response.
 *
 * @module
 */
import type { FastifyRequest } from 'fastify'
import type { AuthErrorFormat, AuthScheme } from './error-options.js'
import type { EndpointKind } from './catalog.js'

/**
 * What a route's errors are about when a library's error reaches the error handler: the
 * credential being verified (RULES I5). A resource request defaults to `access_token`.
 *
 * @example
 * ```ts
 * app.post('/token', { config: { authErrors: { endpoint: 'token', token: 'client_assertion' } } }, handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
export type TokenContext = 'access_token' | 'dpop_proof' | 'client_assertion' | 'request_object' | 'grant' | 'subject_token'

/**
 * Route-level settings, under `config.authErrors` of a route.
 *
 * @example
 * ```ts
 * app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export interface AuthErrorsRouteConfig {
  /** The kind of endpoint the route is; decides challenges, statuses and (for protocol endpoints) the body format. */
  endpoint?: EndpointKind
  /** Body format for errors of this route (a per-call `format` still wins). */
  format?: AuthErrorFormat
  /** What the route verifies, for errors thrown by token libraries (RULES I5). */
  token?: TokenContext
}

/** The scheme of an `Authorization` header the plugin knows. */
export type UsedScheme = 'Basic' | AuthScheme

/** The facts of one request that decide its error response. */
export interface RequestFacts {
  /** The kind of endpoint: forced by the sender, else the route's; `undefined` for an unmarked route. */
  readonly endpoint: EndpointKind | undefined
  /** The route's `config.authErrors`. */
  readonly config: AuthErrorsRouteConfig | undefined
  /** The scheme of the request's `Authorization` header, when it is one the plugin knows. */
  readonly scheme: UsedScheme | undefined
  /** The request's `Accept` header, as it came. */
  readonly accept: unknown
}

/** The scheme of an `Authorization` header, when it is Basic, Bearer or DPoP (any letter case). */
export function schemeOf (authorization: unknown): UsedScheme | undefined {
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

/**
 * Reads the facts of a request. `endpoint` forces the kind (the not-found handler answers as a
 * token endpoint, authRedirect's direct answer as the authorization endpoint).
 */
export function requestFacts (request: FastifyRequest, endpoint?: EndpointKind): RequestFacts {
  const config = routeConfig(request)
  const headers = request.headers
  return { endpoint: endpoint ?? config?.endpoint, config, scheme: schemeOf(headers.authorization), accept: headers.accept }
}
