/**
 * The languages of the pages a person reads (RULES P1, P2): the `locales`, `defaultLocale` and
 * `errorPage` options, validated and compiled at registration, and the choice of one language
 * per request: the call's `uiLocales` (OpenID Connect `ui_locales`), then `Accept-Language`
 * (RFC 4647 3.4 lookup: `fr-CA` falls back to `fr`), then `defaultLocale`.
 *
 * English (`en`) is always there, from the catalog's own texts; a locale may override it. A text
 * a locale leaves out falls back to the default locale's, then to English.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4647#section-3.4
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @module
 */
import { titleFromCode } from './body.js'
import type { CatalogEntry } from './catalog.js'
import { ConfigErrorCodes, fail as failWith } from './config-error.js'

/**
 * What a locale says about one error code: the title and the description a person reads. Both
 * go to HTML escaped; neither ever reaches `error_description` (RULES P2).
 *
 * @example
 * ```ts
 * const text: LocaleText = { title: 'Accès refusé', description: 'Vous avez refusé la demande.' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3.1.3
 */
export interface LocaleText {
  readonly title?: string
  readonly description?: string
}

/**
 * The pages' own words, in one language. `{status}`, `{kind}`, `{spec}` and `{section}` are replaced
 * where the English text shows them.
 *
 * @example
 * ```ts
 * const words: Partial<PageWords> = { errorTitle: 'Erreur d\'autorisation', continueLabel: 'Continuer' }
 * ```
 * @see https://www.w3.org/TR/WCAG21/#language-of-page
 */
export interface PageWords {
  /** The direct error page's title and heading. */
  readonly errorTitle: string
  /** The sentence under the heading. */
  readonly errorIntro: string
  readonly statusLabel: string
  readonly errorLabel: string
  readonly descriptionLabel: string
  readonly moreLabel: string
  /** The form_post page's title. */
  readonly formPostTitle: string
  /** What the form_post page says when script is off, above its button. */
  readonly formPostNoScript: string
  /** The form_post page's button. */
  readonly continueLabel: string
  /** The reference page's title and heading. */
  readonly referenceTitle: string
  readonly referenceIntro: string
  /** The accessible name of the list of codes. */
  readonly codesLabel: string
  /** The accessible name of the language switch. */
  readonly languagesLabel: string
  /** `{status}` is replaced: `401 on resource requests`. */
  readonly resourceStatus: string
  /** `{status}` and `{kind}` are replaced: `403 at backchannel endpoints`. */
  readonly endpointStatus: string
  /** `{status}` is replaced: `With status 400`. */
  readonly withStatus: string
  readonly numericCodeLabel: string
  readonly definedInLabel: string
  /** `{spec}` and `{section}` are replaced: `RFC 6749, section 5.2`. */
  readonly specSection: string
  readonly endpointsLabel: string
  /** The language's own name in the language switch (default: what `Intl.DisplayNames` gives). */
  readonly languageName: string
}

/**
 * One language of the `locales` option: a map from error code to its {@link LocaleText}, plus
 * the pages' own words under the reserved key `$page`.
 *
 * @example
 * ```ts
 * const fr: LocaleMessages = {
 *   access_denied: { title: 'Accès refusé', description: 'La demande a été refusée.' },
 *   $page: { errorTitle: 'Erreur d\'autorisation' }
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5646
 */
export interface LocaleMessages {
  readonly [code: string]: LocaleText | Partial<PageWords> | undefined
  readonly $page?: Partial<PageWords>
}

/**
 * What an application's own `errorPage` receives: everything the direct error page shows, in
 * the chosen language, and the CSP nonce its inline `<script nonce>` and `<style nonce>` must
 * carry. Every value is raw text: escape it in your template.
 *
 * @example
 * ```ts
 * const errorPage = (view: ErrorPageView) => `<!DOCTYPE html><html lang="${esc(view.locale)}"><title>${esc(view.title)}</title>...`
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4
 */
export interface ErrorPageView {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly description: string
  readonly uri: string | undefined
  /** The language tag of the page (also sent as Content-Language). */
  readonly locale: string
  /** A fresh CSP nonce (base64), allowed by the page's `script-src` and `style-src`. */
  readonly nonce: string
}

/** One language, compiled: every text already complete (no fallback left to do per request). */
export interface ResolvedLocale {
  /** The canonical tag (`fr-CA`), as Content-Language and `<html lang>` carry it. */
  readonly tag: string
  readonly words: PageWords
  /** Title and description of every code of the catalog. */
  readonly texts: ReadonlyMap<string, Required<LocaleText>>
}

/**
 * A language chosen for one response.
 *
 * @example
 * ```ts
 * const { tag, byHeader } = chooseLocale(settings, request, 'fr-CA fr')
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
 */
export interface LocaleChoice {
  readonly tag: string
  /** Accept-Language was read to choose, so the response sends `Vary: Accept-Language`. */
  readonly byHeader: boolean
  readonly locale: ResolvedLocale
}

/** The compiled page settings of one registration. */
export interface PageSettings {
  readonly defaultLocale: ResolvedLocale
  /** Every language, the default first. */
  readonly locales: readonly ResolvedLocale[]
  /** More than one language: a request may choose. */
  readonly negotiable: boolean
  readonly errorPage: ((view: ErrorPageView) => string) | undefined
  /** Lower-case tag -> language. */
  readonly byTag: ReadonlyMap<string, ResolvedLocale>
  /** Per language: its choice made without and with the header. */
  readonly choices: ReadonlyMap<ResolvedLocale, readonly [LocaleChoice, LocaleChoice]>
  /** Recent Accept-Language values and the language each chose. */
  readonly recent: Map<string, ResolvedLocale>
}

/** The options this module reads. */
export interface PageOptions {
  locales?: Readonly<Record<string, LocaleMessages>>
  defaultLocale?: string
  errorPage?: (view: ErrorPageView) => string
}

const ENGLISH_WORDS: PageWords = Object.freeze({
  errorTitle: 'Authorization error',
  errorIntro: 'The authorization request could not be completed, and it was not safe to send you back to the application.',
  statusLabel: 'Status',
  errorLabel: 'Error',
  descriptionLabel: 'Description',
  moreLabel: 'More information',
  formPostTitle: 'Returning to the application',
  formPostNoScript: 'Script is turned off. Press Continue to return to the application.',
  continueLabel: 'Continue',
  referenceTitle: 'Error reference',
  referenceIntro: 'Every error code this server can answer with. Each code has its own anchor: #<code>.',
  codesLabel: 'Codes',
  languagesLabel: 'Languages',
  resourceStatus: '{status} on resource requests',
  endpointStatus: '{status} at {kind} endpoints',
  withStatus: 'With status {status}',
  numericCodeLabel: 'Numeric code',
  definedInLabel: 'Defined in',
  specSection: '{spec}, section {section}',
  endpointsLabel: 'Endpoints',
  languageName: 'English'
})
const WORD_KEYS: ReadonlySet<string> = new Set(Object.keys(ENGLISH_WORDS))
const TEXT_KEYS: ReadonlySet<string> = new Set(['title', 'description'])
const PAGE_KEY = '$page'
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
/** Longest text a locale may give (a page text, not a wire value). */
export const LOCALE_TEXT_LIMIT = 2000
const CONTROL = /\p{Cc}/u
const HEADER_LIMIT = 4096
const RANGES_LIMIT = 32
const RECENT_LIMIT = 256

function fail (message: string): never {
  return failWith(ConfigErrorCodes.INVALID_OPTION, message)
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function checkText (where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > LOCALE_TEXT_LIMIT || CONTROL.test(value) || !value.isWellFormed()) {
    fail(`${where} must be a non-empty text of at most ${LOCALE_TEXT_LIMIT} characters without control characters`)
  }
  return value
}

function checkKeys (where: string, value: unknown, known: ReadonlySet<string>): Record<string, unknown> {
  if (!isRecord(value)) fail(`${where} must be an object`)
  for (const key of Object.keys(value)) {
    if (!known.has(key)) fail(`${where} has an unknown key ${JSON.stringify(key)} (known: ${[...known].join(', ')})`)
  }
  return value
}

/** The canonical form of a BCP 47 tag, or a registration error naming it. */
function canonicalTag (where: string, tag: unknown): string {
  try {
    if (typeof tag === 'string' && tag !== '' && !tag.includes('*')) return Intl.getCanonicalLocales(tag)[0] as string
  } catch {}
  return fail(`${where} must be a BCP 47 language tag such as 'fr' or 'pt-BR', got ${JSON.stringify(String(tag))}`)
}

/** The autonym of a language (`fr` -> `français`); a canonical tag never makes DisplayNames throw. */
function languageName (tag: string): string {
  return new Intl.DisplayNames([tag], { type: 'language', fallback: 'code' }).of(tag) as string
}

function pageWords (where: string, value: unknown, base: PageWords, tag: string): PageWords {
  const words: Record<string, string> = { ...base, languageName: languageName(tag) }
  if (value === undefined) return Object.freeze(words) as unknown as PageWords
  for (const [key, text] of Object.entries(checkKeys(`${where}.${PAGE_KEY}`, value, WORD_KEYS))) {
    words[key] = checkText(`${where}.${PAGE_KEY}.${key}`, text)
  }
  return Object.freeze(words) as unknown as PageWords
}

function englishTexts (catalog: Readonly<Record<string, CatalogEntry>>): Map<string, Required<LocaleText>> {
  const texts = new Map<string, Required<LocaleText>>()
  for (const [code, entry] of Object.entries(catalog)) {
    texts.set(code, Object.freeze({ title: entry.title ?? titleFromCode(code), description: entry.description }))
  }
  return texts
}

/** Checks one language's messages and completes them over `base` (the fallback language). */
function compileLocale (tag: string, messages: unknown, base: ResolvedLocale, catalog: Readonly<Record<string, CatalogEntry>>): ResolvedLocale {
  const where = `locales.${tag}`
  if (!isRecord(messages)) fail(`${where} must be an object keyed by error code`)
  const texts = new Map(base.texts)
  for (const [code, value] of Object.entries(messages)) {
    if (code === PAGE_KEY) continue
    if (!Object.hasOwn(catalog, code) || FORBIDDEN_KEYS.has(code)) fail(`${where} names ${JSON.stringify(code)}, which is not a code of the catalog`)
    const given = checkKeys(`${where}.${code}`, value, TEXT_KEYS)
    const fallback = base.texts.get(code) as Required<LocaleText>
    texts.set(code, Object.freeze({
      title: given.title === undefined ? fallback.title : checkText(`${where}.${code}.title`, given.title),
      description: given.description === undefined ? fallback.description : checkText(`${where}.${code}.description`, given.description)
    }))
  }
  return Object.freeze({ tag, words: pageWords(where, messages[PAGE_KEY], base.words, tag), texts })
}

function canonicalLocales (locales: unknown): Map<string, unknown> {
  const given = new Map<string, unknown>()
  if (locales === undefined) return given
  if (!isRecord(locales)) fail('locales must be an object keyed by BCP 47 language tag')
  for (const [key, messages] of Object.entries(locales)) {
    const tag = canonicalTag(`locales key ${JSON.stringify(key)}`, key)
    if ([...given.keys()].some(seen => seen.toLowerCase() === tag.toLowerCase())) fail(`locales names ${tag} twice`)
    given.set(tag, messages)
  }
  return given
}

/**
 * Validates `locales`, `defaultLocale` and `errorPage` against the resolved catalog and
 * compiles every language. Throws an `AuthErrorsConfigError` naming the first bad value.
 *
 * @example
 * ```ts
 * const pages = resolvePages({ locales: { fr: { access_denied: { title: 'Accès refusé' } } }, defaultLocale: 'fr' }, catalog)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc5646#section-2.1
 */
export function resolvePages (options: PageOptions, catalog: Readonly<Record<string, CatalogEntry>>): PageSettings {
  if (options.errorPage !== undefined && typeof options.errorPage !== 'function') fail('errorPage must be a function of the view that returns HTML')
  const given = canonicalLocales(options.locales)
  const defaultTag = options.defaultLocale === undefined ? 'en' : canonicalTag('defaultLocale', options.defaultLocale)
  const english: ResolvedLocale = { tag: 'en', words: ENGLISH_WORDS, texts: englishTexts(catalog) }
  const englishGiven = [...given.keys()].find(tag => tag === 'en')
  const en = englishGiven === undefined ? english : compileLocale('en', given.get('en'), english, catalog)
  const byTag = new Map<string, ResolvedLocale>([['en', en]])
  const defaultGiven = [...given.keys()].find(tag => tag.toLowerCase() === defaultTag.toLowerCase())
  if (defaultGiven === undefined && defaultTag !== 'en') fail(`defaultLocale ${JSON.stringify(defaultTag)} is neither 'en' nor a key of locales`)
  const fallback = defaultGiven === undefined || defaultGiven === 'en' ? en : compileLocale(defaultGiven, given.get(defaultGiven), en, catalog)
  byTag.set(fallback.tag.toLowerCase(), fallback)
  for (const [tag, messages] of given) {
    if (!byTag.has(tag.toLowerCase())) byTag.set(tag.toLowerCase(), compileLocale(tag, messages, fallback, catalog))
  }
  const locales = [fallback, ...[...byTag.values()].filter(locale => locale !== fallback)]
  const choices = new Map(locales.map(locale => [locale, Object.freeze([
    Object.freeze({ tag: locale.tag, byHeader: false, locale }),
    Object.freeze({ tag: locale.tag, byHeader: true, locale })
  ] as const)]))
  return Object.freeze({
    defaultLocale: fallback,
    locales: Object.freeze(locales),
    negotiable: locales.length > 1,
    errorPage: options.errorPage,
    byTag,
    choices,
    recent: new Map()
  })
}

/** RFC 4647 3.4 lookup of one tag: `zh-Hant-TW`, then `zh-Hant`, then `zh` (a singleton goes with what follows it). */
function lookup (settings: PageSettings, tag: string): ResolvedLocale | undefined {
  let range = tag.trim().toLowerCase()
  for (;;) {
    const found = settings.byTag.get(range)
    if (found !== undefined) return found
    let cut = range.lastIndexOf('-')
    if (cut === -1) return undefined
    if (cut >= 2 && range[cut - 2] === '-') cut -= 2
    range = range.slice(0, cut)
  }
}

/** The quality of one language range: `q=` of its parameters (RFC 9110 12.4.2), 1 without. */
function quality (params: string | undefined): number {
  if (params === undefined) return 1
  const match = /^\s*q\s*=\s*([0-9.]{1,5})\s*$/i.exec(params)
  const q = match === null ? 0 : Number(match[1])
  return q >= 0 && q <= 1 ? q : 0
}

/** The language an Accept-Language value picks: the best-quality range that has one; earlier on a tie. */
function fromAcceptLanguage (settings: PageSettings, header: string): ResolvedLocale {
  let best = settings.defaultLocale
  let bestQ = 0
  for (const part of header.split(',', RANGES_LIMIT)) {
    const semi = part.indexOf(';')
    const q = quality(semi === -1 ? undefined : part.slice(semi + 1))
    if (q <= bestQ) continue
    const range = (semi === -1 ? part : part.slice(0, semi)).trim()
    const found = range === '*' ? settings.defaultLocale : lookup(settings, range)
    if (found !== undefined) {
      best = found
      bestQ = q
    }
  }
  return best
}

function byHeader (settings: PageSettings, header: unknown): ResolvedLocale {
  if (typeof header !== 'string' || header === '' || header.length > HEADER_LIMIT) return settings.defaultLocale
  let found = settings.recent.get(header)
  if (found === undefined) {
    found = fromAcceptLanguage(settings, header)
    if (settings.recent.size >= RECENT_LIMIT) settings.recent.delete(settings.recent.keys().next().value as string)
    settings.recent.set(header, found)
  }
  return found
}

/** The first tag of a space-separated `ui_locales` value that names a language, if any. */
function fromUiLocales (settings: PageSettings, uiLocales: unknown): ResolvedLocale | undefined {
  if (typeof uiLocales !== 'string' || uiLocales.length > HEADER_LIMIT) return undefined
  for (const tag of uiLocales.split(' ', RANGES_LIMIT)) {
    const found = tag === '' ? undefined : lookup(settings, tag)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Chooses the language of one response: the first of `uiLocales` (the request's `ui_locales`,
 * space-separated) that is configured, else the best of `Accept-Language`, else
 * `defaultLocale`. A regional tag falls back to its language (`fr-CA` -> `fr`). `byHeader` is
 * true whenever Accept-Language was read (then send `Vary: Accept-Language`); with a single
 * language nothing is read.
 *
 * @example
 * ```ts
 * const choice = chooseLocale(options.pages, request, callOptions.uiLocales)
 * reply.header('content-language', choice.tag)
 * if (choice.byHeader) reply.header('vary', 'Accept-Language')
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
 */
export function chooseLocale (settings: PageSettings, request: { readonly headers: Readonly<Record<string, unknown>> }, uiLocales?: unknown): LocaleChoice {
  const fromUi = settings.negotiable ? fromUiLocales(settings, uiLocales) : settings.defaultLocale
  if (fromUi !== undefined) return (settings.choices.get(fromUi) as readonly [LocaleChoice, LocaleChoice])[0]
  return (settings.choices.get(byHeader(settings, request.headers['accept-language'])) as readonly [LocaleChoice, LocaleChoice])[1]
}

/**
 * The language of an explicit choice (the reference page's `?lang=`), if it names one.
 *
 * @example
 * ```ts
 * pickLocale(settings, 'fr-CA')?.tag // 'fr' when only fr is configured
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4647#section-3.4
 */
export function pickLocale (settings: PageSettings, tag: unknown): ResolvedLocale | undefined {
  return typeof tag === 'string' && tag.length <= RANGES_LIMIT * 8 ? lookup(settings, tag) : undefined
}

/**
 * The title and description of a code in a language (the default language when `tag` is not
 * configured); both are set for every code of the catalog, `{}` for any other code. For
 * problem+json `title` and `detail` (RULES P2): never for `error_description`.
 *
 * @example
 * ```ts
 * localText(options.pages, 'fr', 'access_denied') // { title: 'Accès refusé', description: '...' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3.1
 */
export function localText (settings: PageSettings, tag: string, code: string): LocaleText {
  const locale = settings.byTag.get(tag.toLowerCase()) ?? settings.defaultLocale
  return locale.texts.get(code) ?? {}
}

/**
 * Replaces `{name}` placeholders of a page word.
 *
 * @example
 * ```ts
 * fillWord('With status {status}', { status: '400' }) // 'With status 400'
 * ```
 * @see https://www.w3.org/TR/WCAG21/#language-of-parts
 */
export function fillWord (word: string, values: Readonly<Record<string, string>>): string {
  return word.replace(/\{(status|spec|section|kind)\}/g, (whole, name: string) => values[name] ?? whole)
}
