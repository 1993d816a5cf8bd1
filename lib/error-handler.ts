/**
 * The error handler: an `AuthError` becomes its response; anything else is answered with the
 * OAuth error it means, read from the table of lib/foreign-errors.ts (RULES I1-I5): Fastify's
 * own errors, other plugins' and libraries' errors; whatever is not recognised becomes a generic
 * `server_error`, the original logged once (RULES S1-S3, D2).
 *
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isAuthError, type AuthErrorOptions } from './auth-error.js'
import { answerOptions, mapForeignError, type ForeignAnswer, type ForeignSituation } from './foreign-errors.js'
import { routeConfig, schemeOf } from './request-facts.js'
import type { Senders } from './senders.js'

/** A short, safe description of any thrown value, for the log. */
function describeThrown (value: unknown): string {
  try {
    return typeof value === 'symbol' ? value.toString() : typeof value + ': ' + String(value).slice(0, 200)
  } catch {
    return typeof value
  }
}

/**
 * What the request tells the table: the route's `config.authErrors` (`endpoint`, `token`), the
 * scheme the client used, and a status another plugin already set on the reply (RULES I1).
 */
function situationOf (request: FastifyRequest, reply: FastifyReply): ForeignSituation {
  const config = routeConfig(request)
  const endpoint = config?.endpoint
  const kind = endpoint === undefined ? undefined : endpoint === 'resource' ? 'resource' : 'client'
  return {
    token: config?.token ?? (kind === 'client' ? undefined : 'access_token'),
    endpoint: kind,
    scheme: schemeOf(request.headers.authorization),
    // A status the plugin's own answer set (an onSend hook that threw while it went out) is not
    // another plugin's verdict: every answer of the plugin carries Pragma: no-cache.
    replyStatus: reply.getHeader('pragma') === 'no-cache' ? undefined : reply.statusCode
  }
}

/**
 * Builds the error handler of one registration.
 */
export function createErrorHandler (responder: Senders) {
  function logUnexpected (request: FastifyRequest, error: unknown, message: string): void {
    try {
      if (error instanceof Error) request.log.error({ err: error }, message)
      else request.log.error({ thrown: describeThrown(error) }, message)
    } catch {
      request.log.error({ thrown: describeThrown(error) }, message)
    }
  }

  function sendServerError (request: FastifyRequest, reply: FastifyReply, error: unknown, message: string): FastifyReply {
    logUnexpected(request, error, message)
    return responder.sendError(reply, 'server_error', {}, { thrown: error })
  }

  function sendAuthError (request: FastifyRequest, reply: FastifyReply, error: unknown, code: string, options: AuthErrorOptions, original: unknown): FastifyReply {
    try {
      responder.sendError(reply, code, options, { thrown: error })
    } catch (misuse) {
      return sendServerError(request, reply, misuse, 'fastify-auth-errors: an auth error could not be sent as given; answered with server_error')
    }
    if (reply.statusCode >= 500) logUnexpected(request, original, 'fastify-auth-errors: server error')
    return reply
  }

  /**
   * Sends the answer the table gives: the bare challenge (RULES E4) or the error, marked foreign
   * so that only a 401 or a challenge code carries a challenge (RULES I3). A challenge another
   * plugin set (basic-auth's `Basic realm`) never stays: the plugin sets the one the answer needs.
   * A code the registration's catalog does not have is answered as invalid_request.
   */
  function sendForeign (request: FastifyRequest, reply: FastifyReply, error: unknown, answer: ForeignAnswer): FastifyReply {
    if (answer.level === 'error') return sendServerError(request, reply, error, 'fastify-auth-errors: unexpected error answered with server_error')
    const code = answer.bare ? undefined : responder.catalog.codes.has(answer.code) ? answer.code : 'invalid_request'
    request.log[answer.level]({ statusCode: answer.status, source: answer.source, thrown: describeThrown(error) },
      'fastify-auth-errors: ' + answer.source + ' error answered with ' + (code ?? 'the bare challenge'))
    reply.removeHeader('www-authenticate')
    if (code === undefined) return responder.sendChallenge(reply, {}, { thrown: error })
    try {
      return responder.sendError(reply, code, answerOptions(answer), { foreign: true, thrown: error })
    } catch (misuse) {
      return sendServerError(request, reply, misuse, 'fastify-auth-errors: a foreign error could not be answered; answered with server_error')
    }
  }

  /**
   * Answers any thrown value with a safe auth error. Usable as Fastify's error handler, or
   * called from an application's own handler (`fastify.authErrors.handle`), also from the
   * `frameworkErrors` server option (FST_ERR_BAD_URL).
   */
  return function authErrorsHandler (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (reply.sent) {
      request.log.warn({ thrown: describeThrown(error) }, 'fastify-auth-errors: error raised after the reply was sent; not sent again')
      return reply
    }
    let answer: ForeignAnswer | undefined
    try {
      if (isAuthError(error)) {
        const cause = error.options.cause
        return sendAuthError(request, reply, error, error.error, error.options, cause === undefined ? error : cause)
      }
      answer = mapForeignError(error, situationOf(request, reply))
    } catch {
      answer = undefined
    }
    if (answer === undefined) return sendServerError(request, reply, error, 'fastify-auth-errors: unexpected error answered with server_error')
    return sendForeign(request, reply, error, answer)
  }
}

/** The error handler of one registration. */
export type AuthErrorsHandler = ReturnType<typeof createErrorHandler>
