/**
 * The error handler: an `AuthError` becomes its response; Fastify's own errors (validation,
 * bad JSON, 413, 415) and other plugins' 4xx become `invalid_request` (or a challenge) with the
 * same status; everything else becomes a generic `server_error`, the original logged once
 * (RULES S1-S3, D2).
 *
 * @module
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isAuthError, type AuthErrorOptions } from './auth-error.js'
import { answerTokenPluginError } from './jwt-errors.js'
import type { Senders } from './senders.js'
import { sanitizeDescription } from './sanitize.js'

/** How a foreign error is answered: the code, the status and the description to send. */
interface Mapped {
  readonly code: string
  readonly status: number
  readonly description?: string | undefined
}

/** Fastify's content-type-parser and body errors, by their `code`. */
const FASTIFY_ERRORS: Readonly<Record<string, Mapped>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'invalid_request', status: 415, description: 'The request content type is not supported' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'invalid_request', status: 413, description: 'The request body is too large' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_request', status: 400, description: 'The request body could not be parsed' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_request', status: 400, description: 'The request body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'invalid_request', status: 400, description: 'The request content length does not match its body' },
  FST_ERR_CTP_EMPTY_TYPE: { code: 'invalid_request', status: 415, description: 'The request content type is empty' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'invalid_request', status: 415, description: 'The request content type is not supported' }
}

/** The code other plugins' 4xx errors are answered with, by status; `invalid_request` otherwise. */
const FOREIGN_STATUS_CODES: Readonly<Record<number, string>> = {
  401: 'invalid_token',
  403: 'access_denied'
}

const SERVER_ERROR: Mapped = { code: 'server_error', status: 500 }

function readProperty (value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
}

function clientStatus (error: unknown): number | undefined {
  const status = readProperty(error, 'statusCode') ?? readProperty(error, 'status')
  return Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 499 ? status as number : undefined
}

/** Maps a value that is not an `AuthError` to the auth error that answers it. */
function mapForeignError (error: unknown): Mapped {
  const code = readProperty(error, 'code')
  const known = typeof code === 'string' && Object.hasOwn(FASTIFY_ERRORS, code) ? FASTIFY_ERRORS[code] : undefined
  if (known !== undefined) return known
  if (Array.isArray(readProperty(error, 'validation'))) {
    return { code: 'invalid_request', status: 400, description: sanitizeDescription(readProperty(error, 'message')) }
  }
  const status = clientStatus(error)
  if (status === undefined) return SERVER_ERROR
  return { code: FOREIGN_STATUS_CODES[status] ?? 'invalid_request', status, description: STATUS_CODES[status] }
}

/** A short, safe description of any thrown value, for the log. */
function describeThrown (value: unknown): string {
  try {
    return typeof value === 'symbol' ? value.toString() : typeof value + ': ' + String(value).slice(0, 200)
  } catch {
    return typeof value
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
    return responder.sendError(reply, 'server_error', {})
  }

  function sendAuthError (request: FastifyRequest, reply: FastifyReply, code: string, options: AuthErrorOptions, original: unknown): FastifyReply {
    try {
      responder.sendError(reply, code, options)
    } catch (misuse) {
      return sendServerError(request, reply, misuse, 'fastify-auth-errors: an auth error could not be sent as given; answered with server_error')
    }
    if (reply.statusCode >= 500) logUnexpected(request, original, 'fastify-auth-errors: server error')
    return reply
  }

  /** RULES E4: a request without credentials gets the bare challenge; the original is still logged, once. */
  function sendBareChallenge (request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
    request.log.info({ statusCode: 401, thrown: describeThrown(error) }, 'fastify-auth-errors: no credentials; answered with a bare challenge')
    return responder.sendChallenge(reply, {})
  }

  /**
   * Answers any thrown value with a safe auth error. Usable as Fastify's error handler, or
   * called from an application's own handler (`fastify.authErrors.handle`).
   */
  return function authErrorsHandler (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (reply.sent) {
      request.log.warn({ thrown: describeThrown(error) }, 'fastify-auth-errors: error raised after the reply was sent; not sent again')
      return reply
    }
    let mapped: Mapped
    try {
      if (isAuthError(error)) {
        const cause = error.options.cause
        return sendAuthError(request, reply, error.error, error.options, cause === undefined ? error : cause)
      }
      // @fastify/jwt and @fastify/bearer-auth: RULES E4 / E5, never their own messages
      const token = answerTokenPluginError(error, request)
      if (token?.bare === true) return sendBareChallenge(request, reply, error)
      if (token !== undefined) {
        request.log.info({ statusCode: token.status, thrown: describeThrown(error) }, 'fastify-auth-errors: token plugin error answered with ' + token.code)
        return sendAuthError(request, reply, token.code, { status: token.status, description: token.description }, error)
      }
      mapped = mapForeignError(error)
    } catch {
      mapped = SERVER_ERROR
    }
    if (mapped === SERVER_ERROR) {
      return sendServerError(request, reply, error, 'fastify-auth-errors: unexpected error answered with server_error')
    }
    if (mapped.status === 401 && request.headers.authorization === undefined) return sendBareChallenge(request, reply, error)
    request.log.info({ statusCode: mapped.status, thrown: describeThrown(error) }, 'fastify-auth-errors: client error answered with ' + mapped.code)
    return responder.sendError(reply, mapped.code, { status: mapped.status, description: mapped.description }, { foreign: true })
  }
}

/** The error handler of one registration. */
export type AuthErrorsHandler = ReturnType<typeof createErrorHandler>
