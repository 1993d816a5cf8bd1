/**
 * The error reference as a web page: the resolved catalog rendered once, at registration, as a
 * self-contained HTML page with one anchor per code (`id` = the code), so `error_uri` values and
 * problem `type` URIs can point at `<page>#<code>`. It loads nothing: no scripts, no images, no
 * fonts, one inline style allowed by its hash in a `default-src 'none'` Content Security Policy.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify'
import { titleFromCode } from './body.js'
import { statusSummary, type CatalogEntry } from './catalog.js'
import { specUrl } from './catalog-markdown.js'
import { escapeHtml, sanitizeUri } from './sanitize.js'

/** A rendered page and the headers that go with it. */
export interface ReferencePage {
  /** The HTML document. */
  readonly html: string
  /** The `Content-Security-Policy`: nothing but the page's own inline style, by hash. */
  readonly csp: string
  /** A strong validator of the page (RFC 9110 8.8.3). */
  readonly etag: string
}

const STYLE = [
  'body{margin:0 auto;max-width:52rem;padding:1rem;font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff}',
  'h1{font-size:1.6rem}h2{font-size:1.15rem;margin:0 0 .4rem}',
  'nav ul{display:flex;flex-wrap:wrap;gap:.3rem .8rem;padding:0;list-style:none}',
  'section{border-top:1px solid #ccc;padding:.8rem 0}section:target{background:#fff6d5}',
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}dt{font-weight:600}dd{margin:0}',
  'code{font-family:ui-monospace,monospace}.title{font-weight:400;color:#555}a{color:#0645ad}'
].join('')

/** The page's cache policy: it changes only when the application is redeployed, and carries an ETag. */
export const REFERENCE_CACHE_CONTROL = 'public, max-age=3600'

function row (name: string, value: string): string {
  return `<dt>${name}</dt><dd>${value}</dd>`
}

function statusRows (entry: CatalogEntry): string {
  let rows = row('Status', statusSummary(entry))
  rows += row('Description', escapeHtml(entry.description))
  for (const [status, variant] of Object.entries(entry.byStatus ?? {})) {
    rows += row(`With status ${escapeHtml(status)}`, escapeHtml(variant.description))
  }
  return rows
}

function specRow (entry: CatalogEntry): string {
  if (entry.spec === undefined) return ''
  const label = escapeHtml(entry.section === undefined ? entry.spec : `${entry.spec}, section ${entry.section}`)
  const url = specUrl(entry.spec, entry.section)
  return row('Defined in', url === undefined ? label : `<a href="${escapeHtml(url)}" rel="noreferrer">${label}</a>`)
}

function section (code: string, entry: CatalogEntry): string {
  const id = escapeHtml(code)
  const href = '#' + escapeHtml(sanitizeUri(code) as string)
  return `<section id="${id}"><h2><a href="${href}"><code>${id}</code></a> <span class="title">${escapeHtml(entry.title ?? titleFromCode(code))}</span></h2><dl>` +
    statusRows(entry) +
    (entry.code === undefined ? '' : row('Numeric code', String(entry.code))) +
    specRow(entry) +
    (entry.endpoints === undefined || entry.endpoints.length === 0 ? '' : row('Endpoints', escapeHtml(entry.endpoints.join(', ')))) +
    '</dl></section>\n'
}

/**
 * Renders a catalog as the HTML error reference: a list of every code, then one section per
 * code (alphabetical) whose `id` is the code, with its status, description, other statuses,
 * numeric code, defining spec and endpoints. Every value is HTML-escaped.
 *
 * @param catalog - The codes to list, e.g. `fastify.authErrors.catalog`.
 * @returns The page, its Content-Security-Policy and its ETag.
 * @example
 * ```ts
 * import { catalog } from './catalog.js'
 * const { html, csp } = renderReferencePage(catalog)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export function renderReferencePage (catalog: Readonly<Record<string, CatalogEntry>>): ReferencePage {
  const codes = Object.keys(catalog).sort()
  const index = codes.map(code => `<li><a href="#${escapeHtml(sanitizeUri(code) as string)}"><code>${escapeHtml(code)}</code></a></li>`).join('')
  const html = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">' +
    `<title>Error reference</title><style>${STYLE}</style></head>\n<body><main><h1>Error reference</h1>` +
    '<p>Every error code this server can answer with. Each code has its own anchor: <code>#&lt;code&gt;</code>.</p>' +
    `<nav aria-label="Codes"><ul>${index}</ul></nav>\n` +
    codes.map(code => section(code, catalog[code] as CatalogEntry)).join('') +
    '</main></body></html>\n'
  const styleHash = createHash('sha256').update(STYLE).digest('base64')
  return Object.freeze({
    html,
    csp: `default-src 'none'; style-src 'sha256-${styleHash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    etag: '"' + createHash('sha256').update(html).digest('base64url').slice(0, 32) + '"'
  })
}

/** Whether an `If-None-Match` header matches the page's ETag (weak comparison, RFC 9110 13.1.2). */
function matches (ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  return ifNoneMatch.split(',').some(tag => {
    const value = tag.trim()
    return value === '*' || value === etag || value === 'W/' + etag
  })
}

/**
 * The route options of the reference page: GET (and HEAD) answered with the page rendered
 * once, hidden from OpenAPI output, 304 when the client's copy is current.
 *
 * @example
 * ```ts
 * fastify.get('/errors', referenceRoute(options.catalog))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
 */
export function referenceRoute (catalog: Readonly<Record<string, CatalogEntry>>): RouteShorthandOptions & { handler: (request: FastifyRequest, reply: FastifyReply) => FastifyReply } {
  const page = renderReferencePage(catalog)
  return {
    schema: { hide: true } as RouteShorthandOptions['schema'], // @fastify/swagger: not an API operation
    handler: function authErrorsReference (request, reply) {
      reply
        .header('cache-control', REFERENCE_CACHE_CONTROL)
        .header('etag', page.etag)
        .header('content-security-policy', page.csp)
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
      if (matches(request.headers['if-none-match'], page.etag)) return reply.code(304).send()
      return reply.header('content-type', 'text/html; charset=utf-8').send(page.html)
    }
  }
}
