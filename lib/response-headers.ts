/**
 * The headers every error response shares, set in one place: `Cache-Control: no-store` and
 * `Pragma: no-cache` (RULES D2), the names listed in `Access-Control-Expose-Headers` (RULES F5),
 * `Vary`, and the application's own headers through the framing filter (RULES S6).
 *
 * @module
 */
import type { FastifyReply } from 'fastify'
import { isHeaderValue } from './sanitize.js'

/** RFC 9110 5.1 field-name = token. A name starting with `:` (an HTTP/2 pseudo-header) never matches. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Fields that frame or route the message (RFC 9110 7.6.1, RFC 9113 8.2.2): set by an application's
 * `headers` they would corrupt the response on HTTP/1.1 and crash an HTTP/2 server (RULES S6).
 */
const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  'content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive',
  'te', 'trailer', 'upgrade', 'proxy-connection'
])

/** Whether a header an application (or a thrown error) brings may be sent as it is. */
export function isForwardableHeader (name: string, value: unknown): value is string {
  return HEADER_NAME.test(name) && !FRAMING_HEADERS.has(name.toLowerCase()) && isHeaderValue(value)
}

/**
 * The headers of a `headers` option that may be sent (RULES S6): names that are tokens and do not
 * frame the message, string values without CR, LF or other controls.
 */
export function forwardableHeaders (headers: unknown): ReadonlyArray<readonly [string, string]> | undefined {
  if (headers === undefined || headers === null || typeof headers !== 'object') return undefined
  let kept: Array<readonly [string, string]> | undefined
  for (const [name, value] of Object.entries(headers)) {
    if (isForwardableHeader(name, value)) (kept ??= []).push([name, value])
  }
  return kept
}

/** Marks a reply uncacheable, as every error response is (RFC 6749 5.1, RFC 6750 3, RULES D2). */
export function noStore (reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
}

/** Header names listed in `Access-Control-Expose-Headers`, with the list as sent. */
export interface ExposeList {
  readonly names: readonly string[]
  readonly value: string
}

function exposeList (...names: string[]): ExposeList {
  return Object.freeze({ names: Object.freeze(names), value: names.join(', ') })
}

/** The expose lists of a challenge, a nonce, and both (RULES F5). */
export const EXPOSE_CHALLENGE = exposeList('WWW-Authenticate')
export const EXPOSE_NONCE = exposeList('DPoP-Nonce')
export const EXPOSE_BOTH = exposeList('WWW-Authenticate', 'DPoP-Nonce')

/**
 * Adds header names to `Access-Control-Expose-Headers`, keeping what @fastify/cors or the
 * application already put there (a string or an array, any letter case): a name already listed
 * is not repeated, and nothing is removed (RULES F5).
 */
export function exposeHeaders (reply: FastifyReply, expose: ExposeList): void {
  const current = reply.getHeader('access-control-expose-headers')
  if (current === undefined) {
    reply.header('access-control-expose-headers', expose.value)
    return
  }
  const listed = Array.isArray(current) ? current.join(', ') : String(current)
  if (listed.trim() === '') {
    reply.header('access-control-expose-headers', expose.value)
    return
  }
  const present = new Set(listed.split(',').map(name => name.trim().toLowerCase()))
  const missing = expose.names.filter(name => !present.has(name.toLowerCase()))
  if (missing.length > 0) reply.header('access-control-expose-headers', listed + ', ' + missing.join(', '))
  else if (Array.isArray(current)) reply.header('access-control-expose-headers', listed)
}

/** Adds a field name to `Vary`, keeping what is there, e.g. @fastify/cors's `Origin` (RFC 9110 12.5.5). */
export function addVary (reply: FastifyReply, name: string): void {
  const current = reply.getHeader('vary')
  const listed = Array.isArray(current) ? current.join(', ') : typeof current === 'string' ? current : ''
  if (listed.trim() === '') {
    reply.header('vary', name)
    return
  }
  const names = listed.toLowerCase().split(',').map(field => field.trim())
  if (names.includes('*') || names.includes(name.toLowerCase())) {
    if (Array.isArray(current)) reply.header('vary', listed)
    return
  }
  reply.header('vary', listed + ', ' + name)
}
