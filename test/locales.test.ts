import t from 'tap'
import { AuthErrorsConfigError, catalog, ConfigErrorCodes, type AuthErrorsOptions } from '../lib/index.js'
import { chooseLocale, fillWord, localText, pickLocale, resolvePages, type PageSettings } from '../lib/locales.js'
import { registrationError } from './helpers/app.js'

// The language choice and the texts of each language: pure functions the pages and problem+json use.

const FR = {
  access_denied: { title: 'Accès refusé', description: 'La demande a été refusée.' },
  invalid_request: { description: 'La requête est invalide.' },
  $page: { errorTitle: 'Erreur d\'autorisation' }
}
const DE = { access_denied: { title: 'Zugriff verweigert' } }

function settings (options: Parameters<typeof resolvePages>[0] = { locales: { fr: FR, de: DE, 'pt-BR': {} } }): PageSettings {
  return resolvePages(options, catalog)
}

function choose (pages: PageSettings, acceptLanguage: string | undefined, uiLocales?: unknown): string {
  const choice = chooseLocale(pages, { headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage } }, uiLocales)
  return choice.tag + (choice.byHeader ? ' (header)' : '')
}

t.test('P1 the language is uiLocales, then Accept-Language (a regional tag falls back to its language), then defaultLocale', async (t) => {
  const pages = settings()
  const cases: Array<[string | undefined, unknown, string]> = [
    [undefined, undefined, 'en (header)'],
    ['', undefined, 'en (header)'],
    ['fr', undefined, 'fr (header)'],
    ['fr-CA', undefined, 'fr (header)'],
    ['FR-ca', undefined, 'fr (header)'],
    ['de-DE-x-private', undefined, 'de (header)'],
    ['zh-Hant-TW, de;q=0.5', undefined, 'de (header)'],
    ['de;q=0.5, fr;q=0.8', undefined, 'fr (header)'],
    ['de, fr', undefined, 'de (header)'],
    ['de;q=0.8, fr;q=0.8', undefined, 'de (header)'],
    ['fr;q=0, de;q=0.1', undefined, 'de (header)'],
    ['ja, *;q=0.5', undefined, 'en (header)'],
    ['ja', undefined, 'en (header)'],
    ['pt', undefined, 'en (header)'],
    ['pt-BR', undefined, 'pt-BR (header)'],
    ['pt-br;q=0.9', undefined, 'pt-BR (header)'],
    ['fr;q=abc, de;q=2', undefined, 'en (header)'],
    ['fr;level=1', undefined, 'en (header)'],
    ['fr' + ', x'.repeat(3000), undefined, 'en (header)'],
    ['de', 'fr-CA', 'fr'],
    ['de', 'ja fr', 'fr'],
    ['de', '  ja  de-AT', 'de'],
    ['de', 'ja', 'de (header)'],
    ['de', 42, 'de (header)'],
    ['de', ['fr'], 'de (header)'],
    ['de', 'fr'.padEnd(5000, ' '), 'de (header)'],
    ['de', '', 'de (header)']
  ]
  for (const [header, ui, expected] of cases) {
    t.equal(choose(pages, header, ui), expected, `Accept-Language ${JSON.stringify(header?.slice(0, 40))}, uiLocales ${JSON.stringify(ui)?.slice(0, 40)}`)
  }
  t.equal(choose(pages, 'fr'), 'fr (header)', 'a value seen before gives the same language')
})

t.test('P1 with one language nothing is read: no Vary', async (t) => {
  const pages = settings({})
  t.equal(pages.negotiable, false)
  t.equal(choose(pages, 'fr', 'fr'), 'en')
  const french = settings({ locales: { fr: FR }, defaultLocale: 'fr' })
  t.equal(choose(french, undefined), 'fr (header)', 'en is built in, so two languages')
  t.equal(choose(french, 'en-GB'), 'en (header)')
})

t.test('P1 the memo of Accept-Language values stays bounded', async (t) => {
  const pages = settings()
  for (let i = 0; i < 600; i++) choose(pages, `x-${i}, fr`)
  t.ok(pages.recent.size <= 256, `${pages.recent.size} values kept`)
  t.equal(choose(pages, 'x-599, fr'), 'fr (header)')
})

t.test('P2 localText gives the title and description of a code in a language, the default language for an unknown tag', async (t) => {
  const pages = settings({ locales: { fr: FR, de: DE }, defaultLocale: 'fr' })
  t.same(localText(pages, 'fr', 'access_denied'), FR.access_denied)
  t.same(localText(pages, 'FR', 'invalid_request'), { title: 'Invalid request', description: 'La requête est invalide.' }, 'a missing title falls back to the catalog')
  t.same(localText(pages, 'de', 'access_denied'), { title: 'Zugriff verweigert', description: 'La demande a été refusée.' }, 'a missing description falls back to the default language')
  t.same(localText(pages, 'ja', 'access_denied'), FR.access_denied, 'an unknown tag gives the default language')
  t.same(localText(pages, 'en', 'access_denied'), { title: 'Access denied', description: catalog.access_denied.description })
  t.same(localText(pages, 'en', 'not_a_code'), {})
  t.equal(pages.defaultLocale.words.errorTitle, 'Erreur d\'autorisation')
  t.equal(pages.defaultLocale.words.languageName, 'français', 'a language is named in itself')
  t.equal(pages.byTag.get('de')?.words.errorTitle, 'Erreur d\'autorisation', 'page words fall back to the default language')
  t.equal(pages.locales[0], pages.defaultLocale, 'the default language comes first')
})

t.test('P1 an English locale overrides the built-in words', async (t) => {
  const pages = settings({ locales: { en: { $page: { errorTitle: 'Sign-in problem' }, access_denied: { title: 'Not allowed' } } } })
  t.equal(pages.defaultLocale.words.errorTitle, 'Sign-in problem')
  t.equal(localText(pages, 'en', 'access_denied').title, 'Not allowed')
  t.equal(pages.negotiable, false)
})

t.test('P1 pickLocale reads an explicit tag (the reference page ?lang=)', async (t) => {
  const pages = settings()
  t.equal(pickLocale(pages, 'fr-CA')?.tag, 'fr')
  t.equal(pickLocale(pages, 'ja'), undefined)
  t.equal(pickLocale(pages, ['fr']), undefined)
  t.equal(pickLocale(pages, 'fr'.repeat(200)), undefined)
})

t.test('P1 fillWord fills placeholders it knows and leaves others', async (t) => {
  t.equal(fillWord('{spec}, section {section} ({status}) {other}', { spec: 'RFC 6749', section: '5.2' }), 'RFC 6749, section 5.2 ({status}) {other}')
})

t.test('Bad input: locales, defaultLocale and errorPage fail registration naming the option', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ locales: 'fr' }, /locales must be an object keyed by BCP 47 language tag/],
    [{ locales: { 'not a tag': {} } }, /locales key "not a tag" must be a BCP 47 language tag/],
    [{ locales: { '*': {} } }, /locales key "\*" must be a BCP 47 language tag/],
    [{ locales: { fr: {}, FR: {} } }, /locales names fr twice/],
    [{ locales: { fr: [] } }, /locales\.fr must be an object keyed by error code/],
    [{ locales: { fr: { not_a_code: { title: 'x' } } } }, /locales\.fr names "not_a_code", which is not a code of the catalog/],
    [{ locales: { fr: JSON.parse('{"__proto__": {"title": "x"}}') } }, /locales\.fr names "__proto__"/],
    [{ locales: { fr: { access_denied: 'Refusé' } } }, /locales\.fr\.access_denied must be an object/],
    [{ locales: { fr: { access_denied: { text: 'Refusé' } } } }, /locales\.fr\.access_denied has an unknown key "text"/],
    [{ locales: { fr: { access_denied: { title: '' } } } }, /locales\.fr\.access_denied\.title must be a non-empty text/],
    [{ locales: { fr: { access_denied: { title: 'a\nb' } } } }, /without control characters/],
    [{ locales: { fr: { access_denied: { description: 'x'.repeat(2001) } } } }, /at most 2000 characters/],
    [{ locales: { fr: { access_denied: { description: '\uD800' } } } }, /locales\.fr\.access_denied\.description/],
    [{ locales: { fr: { access_denied: { title: 7 } } } }, /locales\.fr\.access_denied\.title/],
    [{ locales: { fr: { $page: { heading: 'x' } } } }, /locales\.fr\.\$page has an unknown key "heading"/],
    [{ locales: { fr: { $page: { errorTitle: 1 } } } }, /locales\.fr\.\$page\.errorTitle must be a non-empty text/],
    [{ defaultLocale: 'fr' }, /defaultLocale "fr" is neither 'en' nor a key of locales/],
    [{ defaultLocale: 12 }, /defaultLocale must be a BCP 47 language tag/],
    [{ errorPage: '<html>' }, /errorPage must be a function of the view that returns HTML/]
  ]
  for (const [options, message] of cases) {
    const err = await registrationError(options as AuthErrorsOptions)
    t.ok(err instanceof AuthErrorsConfigError, `${String(message)}: an AuthErrorsConfigError`)
    t.equal((err as AuthErrorsConfigError).code, ConfigErrorCodes.INVALID_OPTION)
    t.match((err as Error).message, message)
  }
  t.equal(await registrationError({ locales: { 'fr-ca': FR }, defaultLocale: 'FR-CA' }), undefined, 'tags compare without case')
  t.equal(settings({ locales: { 'fr-ca': FR } }).byTag.get('fr-ca')?.tag, 'fr-CA', 'tags are canonicalised')
  t.equal(await registrationError({ locales: { fr: { my_code: { title: 'Le mien' } } }, codes: { my_code: { status: 400, description: 'Mine.' } } }), undefined, 'an application code can be translated')
})
