/**
 * `fastify-auth-errors/otel`: OpenTelemetry for the plugin's error responses. It only
 * subscribes to the diagnostics_channel the plugin publishes on (lib/events.ts) and depends on
 * `@opentelemetry/api` alone (an optional peer dependency; the main entry never imports it), so
 * the application's SDK decides where metrics and spans go.
 *
 * Per error response: the counter `oauth.server.errors` with `oauth.error.code`,
 * `oauth.endpoint`, `http.response.status_code` and `error.type` (`client` or `server`), an
 * `oauth.error` event on the active span, and the span's status set to error for a 5xx only.
 * Attribute values are codes and kinds: never a description, a client id or a token.
 *
 * @module
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { SpanStatusCode, metrics, trace, type Attributes, type MeterProvider } from '@opentelemetry/api'
import { AUTH_ERROR_CHANNEL, type AuthErrorEvent } from './events.js'

/**
 * Options of {@link instrumentAuthErrors}.
 *
 * @example
 * ```ts
 * instrumentAuthErrors({ meterProvider })
 * ```
 * @see https://opentelemetry.io/docs/specs/otel/metrics/api/#meterprovider
 */
export interface InstrumentAuthErrorsOptions {
  /** Where the counter is created; default: the global meter provider. */
  meterProvider?: MeterProvider
}

/** The instrumentation scope: the package's name (its version is not read at run time). */
const SCOPE = 'fastify-auth-errors'

/** The low-cardinality attributes of one event (RULES L2: no text, no identifier). */
function attributesOf (event: AuthErrorEvent): Attributes {
  const attributes: Attributes = { 'http.response.status_code': event.status, 'error.type': event.fault }
  if (event.code !== undefined) attributes['oauth.error.code'] = event.code
  if (event.endpoint !== undefined) attributes['oauth.endpoint'] = event.endpoint
  return attributes
}

/**
 * Records every error response the plugin sends as OpenTelemetry data. Returns a function that
 * stops it (unsubscribes).
 *
 * @example
 * ```ts
 * import { instrumentAuthErrors } from 'fastify-auth-errors/otel'
 * const stop = instrumentAuthErrors()
 * // ... on shutdown:
 * stop()
 * ```
 * @see https://opentelemetry.io/docs/specs/semconv/general/recording-errors/
 */
export function instrumentAuthErrors (options: InstrumentAuthErrorsOptions = {}): () => void {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE)
  const counter = meter.createCounter('oauth.server.errors', {
    description: 'OAuth error responses sent by fastify-auth-errors',
    unit: '{response}'
  })
  function recordAuthError (message: unknown): void {
    const event = message as AuthErrorEvent
    const attributes = attributesOf(event)
    counter.add(1, attributes)
    const span = trace.getActiveSpan()
    if (span === undefined) return
    span.addEvent('oauth.error', event.code === undefined ? { 'error.type': event.fault } : { 'oauth.error.code': event.code, 'error.type': event.fault })
    if (event.fault === 'server') span.setStatus({ code: SpanStatusCode.ERROR, message: event.code })
  }
  subscribe(AUTH_ERROR_CHANNEL, recordAuthError)
  return function stopAuthErrorsInstrumentation () {
    unsubscribe(AUTH_ERROR_CHANNEL, recordAuthError)
  }
}
