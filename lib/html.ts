/**
 * The two HTML pages of the authorization endpoint: the OAuth 2.0 Form Post Response Mode page
 * (RULES C3) and the page that answers the user agent directly when no redirect is possible
 * (RULES A1, A6). Both are self-contained: no third-party resources, their only inline script or
 * style allowed by a hash computed once when this module loads, every value HTML-escaped.
 *
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html#FormPostResponseMode
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4
 * @module
 */
import { createHash } from 'node:crypto'
import type { ResolvedLocale } from './locales.js'
import { escapeHtml } from './sanitize.js'

/** The media type of both pages. */
export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8'

/** The form_post page's only script: constant, so its CSP hash is computed once. */
const FORM_POST_SCRIPT = 'document.forms[0].submit()'
/** The error page's only style: constant, so its CSP hash is computed once. */
const ERROR_PAGE_STYLE = 'body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:40rem;padding:0 1rem;color:#222}' +
  'code{font-size:.95em;word-break:break-all}dt{font-weight:600;margin-top:.75rem}dd{margin:0}'

function cspHash (source: string): string {
  return '\'sha256-' + createHash('sha256').update(source, 'utf8').digest('base64') + '\''
}

const FORM_POST_SCRIPT_HASH = cspHash(FORM_POST_SCRIPT)

/**
 * The error page's CSP: nothing may load, run, frame it or be submitted from it; only its own
 * style block applies.
 */
export const ERROR_PAGE_CSP = `default-src 'none'; style-src ${cspHash(ERROR_PAGE_STYLE)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`

/**
 * The CSP of an application's own error page (`errorPage`): its inline scripts and styles run
 * only with the response's nonce; images, styles and fonts may come from the server's own
 * origin, nothing from anywhere else (RULES A6, P3).
 *
 * @example
 * ```ts
 * errorPageCsp('rAnd0m') // "default-src 'none'; script-src 'nonce-rAnd0m'; ..."
 * ```
 * @see https://www.w3.org/TR/CSP3/#framework-directive-source-list
 */
export function errorPageCsp (nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}' 'self'; img-src 'self' data:; font-src 'self'; ` +
    'base-uri \'none\'; form-action \'self\'; frame-ancestors \'none\''
}

/**
 * The form_post page's CSP: only its own script runs, nothing loads, the form may only be
 * submitted to the redirect URI's origin, and only that origin may frame the page (silent
 * authentication renders it in a hidden iframe on the client's origin, RULES I6). `origin` is a
 * CSP host-source (`https://client.example.com:8443`), or a private-use scheme (`com.example.app:`),
 * which may receive the form but frame nothing.
 *
 * @example
 * ```ts
 * formPostCsp('https://client.example.com')
 * ```
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html#FormPostResponseMode
 */
export function formPostCsp (origin: string): string {
  const ancestors = origin.includes('//') ? origin : '\'none\''
  return `default-src 'none'; script-src ${FORM_POST_SCRIPT_HASH}; form-action ${origin}; frame-ancestors ${ancestors}; base-uri 'none'`
}

/** The words of a language, escaped once, for the two pages of this module. */
interface PageParts {
  readonly formPostHead: string
  readonly formPostTail: string
  readonly errorHead: string
  readonly errorLabels: { readonly status: string, readonly error: string, readonly description: string, readonly more: string }
}

const HEAD = '<!DOCTYPE html>\n<html lang="'
const META = '">\n<head>\n<meta charset="utf-8">\n<meta name="referrer" content="no-referrer">\n<meta name="robots" content="noindex">\n'
const parts = new WeakMap<ResolvedLocale, PageParts>()

/** Both pages' fixed parts in one language, built on first use and kept. */
function partsOf (locale: ResolvedLocale): PageParts {
  let found = parts.get(locale)
  if (found === undefined) {
    const words = locale.words
    const lang = escapeHtml(locale.tag)
    const title = escapeHtml(words.errorTitle)
    found = Object.freeze({
      formPostHead: `${HEAD}${lang}${META}<title>${escapeHtml(words.formPostTitle)}</title>\n</head>\n<body>\n<main>\n<h1>${escapeHtml(words.formPostTitle)}</h1>\n`,
      formPostTail: `<noscript><p>${escapeHtml(words.formPostNoScript)}</p><button type="submit">${escapeHtml(words.continueLabel)}</button></noscript>\n` +
        `</form>\n</main>\n<script>${FORM_POST_SCRIPT}</script>\n</body>\n</html>\n`,
      errorHead: `${HEAD}${lang}${META}<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
        `<title>${title}</title>\n<style>${ERROR_PAGE_STYLE}</style>\n</head>\n<body>\n<main>\n<h1>${title}</h1>\n<p>${escapeHtml(words.errorIntro)}</p>\n`,
      errorLabels: Object.freeze({
        status: escapeHtml(words.statusLabel),
        error: escapeHtml(words.errorLabel),
        description: escapeHtml(words.descriptionLabel),
        more: escapeHtml(words.moreLabel)
      })
    })
    parts.set(locale, found)
  }
  return found
}

/**
 * The auto-submitting form_post page in one language: a POST form to `action` with one hidden
 * input per field, a constant script that submits it, and a `<noscript>` button for user agents
 * without script.
 *
 * @example
 * ```ts
 * renderFormPost('https://client.example.com/cb', [['error', 'access_denied'], ['state', 'xyz']], settings.defaultLocale)
 * ```
 * @see https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html#FormPostResponseMode
 */
export function renderFormPost (action: string, fields: ReadonlyArray<readonly [string, string]>, locale: ResolvedLocale): string {
  const page = partsOf(locale)
  let inputs = ''
  for (const [name, value] of fields) {
    inputs += `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">\n`
  }
  return `${page.formPostHead}<form method="post" action="${escapeHtml(action)}">\n${inputs}${page.formPostTail}`
}

/** What the direct error page shows. */
export interface ErrorPageFields {
  readonly status: number
  readonly error: string
  /** The code's title in the page's language. */
  readonly title: string
  readonly description: string
  readonly uri?: string | undefined
}

/**
 * The page that answers the user agent directly (no redirect), in one language: the error
 * code and its title, its description, the status and `error_uri` as text (never a link or a
 * loaded resource).
 *
 * @example
 * ```ts
 * renderErrorPage({ status: 400, error: 'invalid_request', title: 'Invalid request', description: 'Unknown client' }, settings.defaultLocale)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export function renderErrorPage (fields: ErrorPageFields, locale: ResolvedLocale): string {
  const page = partsOf(locale)
  const labels = page.errorLabels
  let details = `<dt>${labels.error}</dt><dd><code>${escapeHtml(fields.error)}</code> ${escapeHtml(fields.title)}</dd>\n` +
    `<dt>${labels.description}</dt><dd>${escapeHtml(fields.description)}</dd>\n`
  if (fields.uri !== undefined) details += `<dt>${labels.more}</dt><dd><code>${escapeHtml(fields.uri)}</code></dd>\n`
  details += `<dt>${labels.status}</dt><dd>${fields.status}</dd>\n`
  return `${page.errorHead}<dl>\n${details}</dl>\n</main>\n</body>\n</html>\n`
}
