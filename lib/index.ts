/**
 * fastify-auth-errors: OAuth 2.0 and OpenID Connect error responses for Fastify v5.
 *
 * This file only wires the concerns together: each lives in its own module.
 *
 * @module
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AuthError, isAuthError, withCallOptions, type AuthErrorCode, type AuthErrorOptions } from './auth-error.js'
import type { CatalogEntry } from './catalog.js'
import { AuthErrorsConfigError, ConfigErrorCodes } from './config-error.js'
import { createErrorHandler, type AuthErrorsHandler } from './error-handler.js'
import { resolveOptions, type AuthErrorsOptions, type ResolvedOptions } from './options.js'
import { createRedirector, type AuthRedirectOptions } from './redirect.js'
import { referenceRoute } from './reference-page.js'
import type { AuthErrorsRouteConfig } from './request-facts.js'
import { createResponsesBuilder, type ErrorResponses, type ErrorResponsesItem } from './response-schemas.js'
import { AuthProblemSchema, OAuthErrorSchema } from './schemas.js'
import { createSenders, type AuthChallengeOptions, type Senders } from './senders.js'

/**
 * The `fastify.authErrors` decorator.
 *
 * @example
 * ```ts
 * app.authErrors.catalog.invalid_grant.status // 400
 * throw app.authErrors.create('invalid_grant', { description: 'The code has expired' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface AuthErrorsDecorator {
  /** The resolved catalog: the built-in codes merged with the `codes` option (frozen). */
  readonly catalog: Readonly<Record<string, CatalogEntry>>
  /** Creates an {@link AuthError}; throws when the code is not in the resolved catalog. */
  create<Code extends AuthErrorCode>(code: Code, options?: AuthErrorOptions): AuthError<Code>
  /** Answers any thrown value as the plugin's error handler would (for an application's own handler). */
  handle(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply
  /**
   * A route `response` map for the codes or endpoint kinds named (`'token'`, `'resource'`, ...),
   * grouped by status: `$ref` to `OAuthError` or `AuthProblem`, the code enum, an example per code.
   *
   * @example
   * ```ts
   * app.post('/token', { schema: { response: { 200: TokenResponse, ...app.authErrors.responses('token') } } }, handler)
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
   */
  responses(...items: readonly ErrorResponsesItem[]): ErrorResponses
  /**
   * The `WWW-Authenticate` value the plugin would send, as a string, for transports that carry it
   * elsewhere (an MCP tool result's `_meta`, a WebSocket close reason, a log): the bare challenge
   * without a code, else that error's challenge for `request` (a resource request when none is
   * given); `undefined` when that response carries no challenge (a 5xx, say).
   *
   * @example
   * ```ts
   * const value = app.authErrors.challenge('insufficient_scope', { scope: 'files:write' })
   * // 'Bearer realm="api", scope="files:write", error="insufficient_scope", error_description="..."'
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
   */
  challenge(codeOrError?: AuthErrorCode | AuthError, options?: AuthErrorOptions, request?: FastifyRequest): string | undefined
}

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Sends an OAuth error: the catalog's status, an RFC 6749 JSON (or RFC 9457) body,
     * `Cache-Control: no-store`, and the `WWW-Authenticate` challenge a resource error needs.
     *
     * @example
     * ```ts
     * return reply.authError('invalid_grant', { description: 'The code has expired' })
     * ```
     * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
     */
    authError(codeOrError: AuthErrorCode | AuthError, options?: AuthErrorOptions): FastifyReply
    /**
     * Sends the bare 401 challenge for a request that carried no credentials: no error code,
     * no error text (RFC 6750 3.1).
     *
     * @example
     * ```ts
     * if (request.headers.authorization === undefined) return reply.authChallenge()
     * ```
     * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
     */
    authChallenge(options?: AuthChallengeOptions): FastifyReply
    /**
     * Delivers an authorization endpoint error to the client's redirect URI (already matched
     * exactly against its registration): by query, fragment, form_post or JARM, chosen from
     * `responseMode` or the response type's default, with `state` echoed and `iss` added.
     * A missing or unsafe redirect URI, or a mode that cannot be honoured safely, is never used:
     * the error is answered directly (a 4xx HTML page or JSON body) and a warning is logged.
     * Return the reply (JWT modes finish once `jarm.sign` resolves).
     *
     * @example
     * ```ts
     * return reply.authRedirect('access_denied', {
     *   redirectUri: client.redirectUri,
     *   responseType: request.query.response_type,
     *   state: request.query.state
     * })
     * ```
     * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
     */
    authRedirect(codeOrError: AuthErrorCode | AuthError, options: AuthRedirectOptions): FastifyReply
  }
  interface FastifyInstance {
    /** The resolved catalog and helpers of fastify-auth-errors. */
    authErrors: AuthErrorsDecorator
  }
  interface FastifyContextConfig {
    /** Route settings of fastify-auth-errors. */
    authErrors?: AuthErrorsRouteConfig
  }
}

/** The name a decorator or schema of the plugin would take, if something else already has it (RULES I7). */
function registrationConflict (fastify: FastifyInstance, options: ResolvedOptions): string | undefined {
  for (const name of ['authError', 'authChallenge', 'authRedirect'] as const) {
    if (fastify.hasReplyDecorator(name)) return `reply.${name} is already decorated`
  }
  if (fastify.hasDecorator('authErrors')) return 'fastify.authErrors is already decorated (the plugin is registered twice?)'
  const schemas = fastify.getSchemas() as Record<string, unknown>
  for (const id of ['OAuthError', 'AuthProblem']) {
    if (Object.hasOwn(schemas, id)) return `a schema with $id ${id} is already added`
  }
  if (options.reference !== undefined && fastify.hasRoute({ method: 'GET', url: options.reference.prefix })) {
    return `a GET route at the reference prefix ${options.reference.prefix} already exists`
  }
  return undefined
}

/** The reply decorators: each one merges an error's options with the call's the same way. */
function decorateReply (fastify: FastifyInstance, senders: Senders, sendAuthRedirect: ReturnType<typeof createRedirector>): void {
  fastify.decorateReply('authError', function authError (this: FastifyReply, codeOrError: AuthErrorCode | AuthError, callOptions?: AuthErrorOptions) {
    if (isAuthError(codeOrError)) return senders.sendError(this, codeOrError.error, withCallOptions(codeOrError, callOptions))
    return senders.sendError(this, codeOrError, callOptions ?? {})
  })
  fastify.decorateReply('authChallenge', function authChallenge (this: FastifyReply, callOptions?: AuthChallengeOptions) {
    return senders.sendChallenge(this, callOptions ?? {})
  })
  fastify.decorateReply('authRedirect', function authRedirect (this: FastifyReply, codeOrError: AuthErrorCode | AuthError, callOptions: AuthRedirectOptions) {
    return sendAuthRedirect(this, codeOrError, callOptions)
  })
}

function createDecorator (options: ResolvedOptions, senders: Senders, handle: AuthErrorsHandler): AuthErrorsDecorator {
  return Object.freeze({
    catalog: options.catalog,
    create<Code extends AuthErrorCode> (code: Code, createOptions?: AuthErrorOptions): AuthError<Code> {
      senders.catalog.lookup(code)
      return new AuthError(code, createOptions)
    },
    handle,
    responses: createResponsesBuilder(senders.settings, senders.catalog),
    challenge (codeOrError?: AuthErrorCode | AuthError, callOptions?: AuthErrorOptions, request?: FastifyRequest): string | undefined {
      if (isAuthError(codeOrError)) return senders.challengeFor(codeOrError.error, withCallOptions(codeOrError, callOptions), request)
      return senders.challengeFor(codeOrError, callOptions ?? {}, request)
    }
  })
}

function install (fastify: FastifyInstance, options: ResolvedOptions): void {
  const conflict = registrationConflict(fastify, options)
  if (conflict !== undefined) throw new AuthErrorsConfigError(ConfigErrorCodes.REGISTRATION_CONFLICT, conflict)
  const senders = createSenders(options, fastify.log)
  const handle = createErrorHandler(senders)
  fastify.addSchema(OAuthErrorSchema)
  fastify.addSchema(AuthProblemSchema)
  decorateReply(fastify, senders, createRedirector(options, senders))
  fastify.decorate('authErrors', createDecorator(options, senders, handle))
  if (options.reference !== undefined) fastify.get(options.reference.prefix, referenceRoute(options.catalog, options.pages))
  if (options.errorHandler) {
    // Returns nothing: a returned reply is a thenable to Fastify, which would then wait on it.
    fastify.setErrorHandler(function authErrorsErrorHandler (error, request, reply) {
      handle(error, request, reply)
    })
  }
  if (options.notFoundHandler) setNotFound(fastify, senders)
}

/** The not-found handler: 404 invalid_request with no-store (DESIGN "Unknown routes"); one already set is a conflict (RULES I7). */
function setNotFound (fastify: FastifyInstance, senders: Senders): void {
  try {
    fastify.setNotFoundHandler(function authErrorsNotFound (_request, reply) {
      senders.sendError(reply, 'invalid_request', { status: 404, description: 'The requested resource was not found' }, { endpoint: 'token' })
    })
  } catch (error) {
    throw new AuthErrorsConfigError(ConfigErrorCodes.REGISTRATION_CONFLICT,
      `a not-found handler is already set (${(error as Error).message}); register the plugin with notFoundHandler: false to keep yours`)
  }
}

const plugin: FastifyPluginCallback<AuthErrorsOptions> = function fastifyAuthErrors (fastify, opts, done) {
  try {
    install(fastify, resolveOptions(opts))
  } catch (error) {
    // A bad option or a conflict fails `register`/`ready`, never the process (RULES I7).
    done(error as Error)
    return
  }
  done()
}

/**
 * The plugin. Register it once; every encapsulated context sees its decorators, schemas and
 * (unless turned off) its error handler.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import authErrors from 'fastify-auth-errors'
 *
 * const app = Fastify()
 * await app.register(authErrors, { realm: 'api' })
 * app.post('/token', async (request, reply) => reply.authError('unsupported_grant_type'))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
const fastifyAuthErrors = fp(plugin, { name: 'fastify-auth-errors', fastify: '5.x' })
export default fastifyAuthErrors

export { AuthError, isAuthError, withCallOptions } from './auth-error.js'
export type { AuthErrorCode, AuthErrorCodes, AuthErrorFormat, AuthErrorOptions, AuthScheme } from './auth-error.js'
export { catalog, catalogCodes, endpointKinds } from './catalog.js'
export type { CatalogCode, CatalogEntry, EndpointKind } from './catalog.js'
export { AuthErrorsConfigError, ConfigErrorCodes } from './config-error.js'
export type { AuthErrorsOptions, CodeDefinition, ReferencePageOptions } from './options.js'
export type { AuthErrorsRouteConfig, TokenContext } from './request-facts.js'
export type { AuthRedirectOptions, AuthResponseMode, JarmClaims, JarmOptions } from './redirect.js'
export type { ErrorPageView, LocaleMessages, LocaleText, PageWords } from './locales.js'
export { presets } from './presets/index.js'
export type { AuthenticationApiProblem, LoginErrorCode } from './presets/index.js'
export type { ErrorBodySchema, ErrorExample, ErrorMediaType, ErrorResponse, ErrorResponses, ErrorResponsesItem, ErrorResponsesOptions } from './response-schemas.js'
export type { AuthChallengeOptions } from './senders.js'
export { AuthProblemSchema, OAuthErrorSchema } from './schemas.js'
export type { AuthProblemBody, OAuthErrorBody } from './schemas.js'
export { DESCRIPTION_LIMIT } from './sanitize.js'
export { AUTH_ERROR_CHANNEL } from './events.js'
export type { AuthErrorDelivery, AuthErrorEvent } from './events.js'
