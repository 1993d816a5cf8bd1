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
import type { CatalogEntry } from './catalog.js'
import { escapeHtml } from './sanitize.js'
import { chooseLocale, fillWord, pickLocale, resolvePages, type LocaleText, type PageSettings, type PageWords, type ResolvedLocale } from './locales.js'
import { specUrl } from './catalog-markdown.js'
import { sanitizeUri } from './sanitize.js'

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
  'code{font-family:ui-monospace,monospace}.title{font-weight:400;color:#555}a{color:#0645ad}',
  'a[aria-current]{color:#1b1b1b;font-weight:700;text-decoration:none}'
].join('')

/** The page's cache policy: it changes only when the application is redeployed, and carries an ETag. */
export const REFERENCE_CACHE_CONTROL = 'public, max-age=3600'

function row (name: string, value: string): string {
  return `<dt>${name}</dt><dd>${value}</dd>`
}

/** One language's words, escaped once for the whole page. */
type Words = { readonly [Key in keyof PageWords]: string }

function escapeWords (words: PageWords): Words {
  return Object.fromEntries(Object.entries(words).map(([key, word]) => [key, escapeHtml(word)])) as unknown as Words
}

function statusRows (entry: CatalogEntry, text: Required<LocaleText>, words: Words): string {
  // As statusSummary (lib/catalog.ts) writes it, in the page's words.
  const others = Object.entries(entry.statusAt ?? {}).map(([kind, status]) =>
    fillWord(kind === 'resource' ? words.resourceStatus : words.endpointStatus, { status: String(status), kind: escapeHtml(kind) }))
  let rows = row(words.statusLabel, others.length === 0 ? String(entry.status) : `${entry.status} (${others.join(', ')})`)
  rows += row(words.descriptionLabel, escapeHtml(text.description))
  // Other statuses have their own (English) texts; a translated description stands for all.
  if (text.description !== entry.description) return rows
  for (const [status, variant] of Object.entries(entry.byStatus ?? {})) {
    rows += row(fillWord(words.withStatus, { status: escapeHtml(status) }), escapeHtml(variant.description))
  }
  return rows
}

function specRow (entry: CatalogEntry, words: Words): string {
  if (entry.spec === undefined) return ''
  const spec = escapeHtml(entry.spec)
  const label = entry.section === undefined ? spec : fillWord(words.specSection, { spec, section: escapeHtml(entry.section) })
  const url = specUrl(entry.spec, entry.section)
  return row(words.definedInLabel, url === undefined ? label : `<a href="${escapeHtml(url)}" rel="noreferrer">${label}</a>`)
}

function section (code: string, entry: CatalogEntry, text: Required<LocaleText>, words: Words): string {
  const id = escapeHtml(code)
  const href = '#' + escapeHtml(sanitizeUri(code) as string)
  return `<section id="${id}"><h2><a href="${href}"><code>${id}</code></a> <span class="title">${escapeHtml(text.title)}</span></h2><dl>` +
    statusRows(entry, text, words) +
    (entry.code === undefined ? '' : row(words.numericCodeLabel, String(entry.code))) +
    specRow(entry, words) +
    (entry.endpoints === undefined || entry.endpoints.length === 0 ? '' : row(words.endpointsLabel, escapeHtml(entry.endpoints.join(', ')))) +
    '</dl></section>\n'
}

/** The language switch: one link per language (`?lang=<tag>`), each named in its own language. */
function languageNav (current: ResolvedLocale, languages: readonly ResolvedLocale[], words: Words): string {
  if (languages.length < 2) return ''
  const links = languages.map((locale) => {
    const tag = escapeHtml(locale.tag)
    const here = locale === current ? ' aria-current="page"' : ''
    return `<li><a href="?lang=${tag}" hreflang="${tag}" lang="${tag}"${here}>${escapeHtml(locale.words.languageName)}</a></li>`
  })
  return `<nav aria-label="${words.languagesLabel}"><ul>${links.join('')}</ul></nav>\n`
}

/**
 * Renders a catalog as the HTML error reference in one language: a list of every code, then
 * one section per code (alphabetical) whose `id` is the code, with its title, status,
 * description, other statuses, numeric code, defining spec and endpoints, and a link to each
 * other language. Every value and every text of a locale is HTML-escaped.
 *
 * @param catalog - The codes to list, e.g. `fastify.authErrors.catalog`.
 * @param locale - The language (default: English, from the catalog).
 * @param languages - Every language the page is served in, for the language switch.
 * @returns The page, its Content-Security-Policy and its ETag.
 * @example
 * ```ts
 * import { catalog } from './catalog.js'
 * const { html, csp } = renderReferencePage(catalog)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export function renderReferencePage (catalog: Readonly<Record<string, CatalogEntry>>, locale?: ResolvedLocale, languages: readonly ResolvedLocale[] = []): ReferencePage {
  const language = locale ?? resolvePages({}, catalog).defaultLocale
  const words = escapeWords(language.words)
  const codes = Object.keys(catalog).sort()
  const index = codes.map(code => `<li><a href="#${escapeHtml(sanitizeUri(code) as string)}"><code>${escapeHtml(code)}</code></a></li>`).join('')
  const html = `<!DOCTYPE html>\n<html lang="${escapeHtml(language.tag)}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">' +
    `<title>${words.referenceTitle}</title><style>${STYLE}</style></head>\n<body><main><h1>${words.referenceTitle}</h1>` +
    languageNav(language, languages, words) +
    `<p>${words.referenceIntro}</p>` +
    `<nav aria-label="${words.codesLabel}"><ul>${index}</ul></nav>\n` +
    codes.map(code => section(code, catalog[code] as CatalogEntry, language.texts.get(code) as Required<LocaleText>, words)).join('') +
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
 * once per language at registration, hidden from OpenAPI output, 304 when the client's copy is
 * current. The language is `?lang=<tag>`, else Accept-Language (then `Vary: Accept-Language`),
 * else the default one; the response says which in Content-Language (RULES P1).
 *
 * @example
 * ```ts
 * fastify.get('/errors', referenceRoute(options.catalog, options.pages))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
 */
export function referenceRoute (catalog: Readonly<Record<string, CatalogEntry>>, pages: PageSettings): RouteShorthandOptions & { handler: (request: FastifyRequest, reply: FastifyReply) => FastifyReply } {
  const rendered = new Map(pages.locales.map(locale => [locale, renderReferencePage(catalog, locale, pages.locales)]))
  return {
    schema: { hide: true } as RouteShorthandOptions['schema'], // @fastify/swagger: not an API operation
    handler: function authErrorsReference (request, reply) {
      const asked = pickLocale(pages, (request.query as Record<string, unknown> | undefined)?.lang)
      const choice = asked === undefined ? chooseLocale(pages, request) : { locale: asked, byHeader: false }
      const page = rendered.get(choice.locale) as ReferencePage
      if (choice.byHeader) reply.header('vary', 'Accept-Language')
      reply
        .header('cache-control', REFERENCE_CACHE_CONTROL)
        .header('etag', page.etag)
        .header('content-language', choice.locale.tag)
        .header('content-security-policy', page.csp)
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
      if (matches(request.headers['if-none-match'], page.etag)) return reply.code(304).send()
      return reply.header('content-type', 'text/html; charset=utf-8').send(page.html)
    }
  }
}
