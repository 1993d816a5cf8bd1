/**
 * One event per error response the plugin sends (RULES L3): published on the diagnostics_channel
 * `fastify-auth-errors:error` and passed to the `onAuthError` registration option. Nothing is
 * built while nobody listens: a sender asks {@link EventSink.active} before it makes an event.
 *
 * @module
 */
import { channel } from 'node:diagnostics_channel'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { EndpointKind } from './catalog.js'

/**
 * The name of the diagnostics_channel every error response is published on.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel'
 * subscribe(AUTH_ERROR_CHANNEL, (event) => audit((event as AuthErrorEvent).code))
 * ```
 * @see https://nodejs.org/api/diagnostics_channel.html
 */
export const AUTH_ERROR_CHANNEL = 'fastify-auth-errors:error'

/**
 * How an error reached the client: a JSON or problem body, a bare challenge, a redirect by query
 * or fragment, a form_post page, a JWT response mode, or a page rendered for the user.
 *
 * @example
 * ```ts
 * const delivery: AuthErrorDelivery = 'redirect'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export type AuthErrorDelivery = 'json' | 'problem' | 'challenge' | 'redirect' | 'form_post' | 'jwt' | 'page'

/**
 * An error response the plugin sent, for operators (audit logs, metrics). `reason` is the
 * server-side reason a sender was given; it never reaches a response (RULES L4).
 *
 * @example
 * ```ts
 * await app.register(authErrors, {
 *   onAuthError (event) {
 *     if (event.code === 'invalid_client') audit.warn({ client: event.request.ip, reason: event.reason })
 *   }
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export interface AuthErrorEvent {
  readonly request: FastifyRequest
  readonly reply: FastifyReply
  /** The OAuth error code; `undefined` for a bare challenge (RULES E4), which has none. */
  readonly code: string | undefined
  readonly status: number
  /** The kind of request, when it is known (a route's config, or a Bearer/DPoP request). */
  readonly endpoint: EndpointKind | undefined
  readonly delivery: AuthErrorDelivery
  /** `server` for a 5xx, `client` otherwise. */
  readonly fault: 'client' | 'server'
  readonly reason: string | undefined
  /** The thrown value the response answers, if any. */
  readonly error: unknown
}

/** What a sender knows of one error response; the sink adds request, reply and fault. */
export interface EventFields {
  readonly code: string | undefined
  readonly status: number
  readonly endpoint: EndpointKind | undefined
  readonly delivery: AuthErrorDelivery
  readonly reason: unknown
  readonly error: unknown
}

/** Where a registration's senders publish their events. */
export interface EventSink {
  /** Whether anything listens: a sender builds no event otherwise. */
  active (): boolean
  /** Publishes one event to the channel and to `onAuthError`; a listener that throws is logged, never felt by the response. */
  publish (reply: FastifyReply, fields: EventFields): void
}

const errorChannel = channel(AUTH_ERROR_CHANNEL)
const REASON = /^[\x21-\x7E]{1,64}$/

/** A `reason` as operators see it: a short token of visible ASCII, else nothing. */
function reasonOf (value: unknown): string | undefined {
  return typeof value === 'string' && REASON.test(value) ? value : undefined
}

/** Creates the event sink of one registration. */
export function createEventSink (onAuthError: ((event: AuthErrorEvent) => void) | undefined): EventSink {
  return {
    active (): boolean {
      return onAuthError !== undefined || errorChannel.hasSubscribers
    },
    publish (reply: FastifyReply, fields: EventFields): void {
      const event: AuthErrorEvent = {
        request: reply.request,
        reply,
        code: fields.code,
        status: fields.status,
        endpoint: fields.endpoint,
        delivery: fields.delivery,
        fault: fields.status >= 500 ? 'server' : 'client',
        reason: reasonOf(fields.reason),
        error: fields.error
      }
      try {
        if (errorChannel.hasSubscribers) errorChannel.publish(event)
        onAuthError?.(event)
      } catch (err) {
        const message = 'fastify-auth-errors: an auth error listener threw; the response is unchanged'
        try {
          reply.log.warn({ err, code: fields.code }, message)
        } catch {
          reply.log.warn({ code: fields.code }, message)
        }
      }
    }
  }
}
