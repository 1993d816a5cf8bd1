import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import Fastify from 'fastify'
import axe from 'axe-core'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import authErrors, { type AuthErrorsOptions } from '../lib/index.js'
import { resolvePages, type ErrorPageView } from '../lib/locales.js'
import { referenceRoute } from '../lib/reference-page.js'

// The pages a person reads, in a real headless Chromium (Debian's package): axe-core's WCAG 2.1
// A and AA rules on each (RULES P4), the errorPage nonce (P3), and the screenshots of docs/pages.md
// (written to docs/images/ when SCREENSHOTS=update).

declare const document: { title: string }
declare const window: { axe: typeof axe, ranBadScript?: boolean }

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic']
const WCAG21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']
const IMAGES = join(import.meta.dirname, '..', 'docs', 'images')
const UPDATE = process.env.SCREENSHOTS === 'update'

const FR = {
  access_denied: { title: 'Accès refusé', description: 'Le propriétaire de la ressource ou le serveur d\'autorisation a refusé la demande.' },
  invalid_request: { title: 'Requête invalide', description: 'Il manque un paramètre obligatoire à la requête, ou elle en contient un invalide.' },
  $page: {
    errorTitle: 'Erreur d\'autorisation',
    errorIntro: 'La demande d\'autorisation n\'a pas pu aboutir, et il n\'était pas sûr de vous renvoyer vers l\'application.',
    statusLabel: 'Statut',
    errorLabel: 'Erreur',
    moreLabel: 'En savoir plus',
    formPostTitle: 'Retour à l\'application',
    formPostNoScript: 'Le script est désactivé. Appuyez sur Continuer pour revenir à l\'application.',
    continueLabel: 'Continuer',
    referenceTitle: 'Référence des erreurs',
    referenceIntro: 'Tous les codes d\'erreur de ce serveur. Chaque code a son ancre : #<code>.',
    codesLabel: 'Codes',
    languagesLabel: 'Langues',
    resourceStatus: '{status} sur les requêtes de ressource',
    endpointStatus: '{status} aux points de terminaison {kind}',
    withStatus: 'Avec le statut {status}',
    numericCodeLabel: 'Code numérique',
    definedInLabel: 'Défini dans',
    specSection: '{spec}, section {section}',
    endpointsLabel: 'Points de terminaison'
  }
}

function customPage (view: ErrorPageView): string {
  const text = (value: string): string => value.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`)
  return `<!DOCTYPE html><html lang="${text(view.locale)}"><head><meta charset="utf-8"><title>${text(view.title)} - Example</title>` +
    `<style nonce="${view.nonce}">body{font:16px/1.5 Georgia,serif;margin:3rem auto;max-width:36rem;color:#1a1a2e;background:#f4f1ea}header{border-bottom:4px solid #8a1538;margin-bottom:1rem}</style></head>` +
    `<body><header><p>Example Bank</p></header><main><h1>${text(view.title)}</h1><p>${text(view.description)}</p><p>Code: <code>${text(view.code)}</code> (${view.status})</p></main>` +
    `<script nonce="${view.nonce}">document.title = 'ran: ' + document.title</script><script>window.ranBadScript = true</script></body></html>`
}

async function server (options: AuthErrorsOptions): Promise<string> {
  const app = Fastify()
  await app.register(authErrors, options)
  // The reference page in every language: lib/index.ts registers it with the catalog only so far.
  app.get('/errors', referenceRoute(app.authErrors.catalog, resolvePages(options, app.authErrors.catalog)))
  app.get('/authorize', (request, reply) => {
    const query = request.query as Record<string, string | undefined>
    return reply.authRedirect(query.code === 'invalid_request' ? 'invalid_request' : 'access_denied', {
      redirectUri: query.form === 'post' ? 'http://127.0.0.1:9/cb' : undefined,
      responseMode: query.form === 'post' ? 'form_post' : undefined,
      state: 'af0ifjsldkj',
      uiLocales: query.ui_locales
    })
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

const origin = await server({ locales: { fr: FR } })
const custom = await server({ locales: { fr: FR }, errorPage: customPage })
const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
t.teardown(() => browser.close())

/** A page in a context whose CSP lets the test inject axe-core (the page's own CSP is tested elsewhere). */
async function auditPage (javaScriptEnabled = true): Promise<{ context: BrowserContext, page: Page }> {
  const context = await browser.newContext({ bypassCSP: true, javaScriptEnabled, viewport: { width: 800, height: 600 }, locale: 'en-US' })
  return { context, page: await context.newPage() }
}

async function violationsOf (page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source })
  const result = await page.evaluate(async (tags) => window.axe.run({ exclude: [] }, { runOnly: { type: 'tag', values: tags } }), WCAG21_AA)
  t.comment(`axe-core ${axe.version} on ${page.url().slice(0, 80)}: ${result.passes.length} rules passed, ${result.violations.length} violated`)
  return result.violations.map(violation => `${violation.id}: ${violation.help} (${violation.nodes.length})`)
}

t.test('P4 the audit can fail: a page without language, alt text or contrast has violations', async (t) => {
  const { context, page } = await auditPage()
  await page.setContent('<!DOCTYPE html><html><head><title>x</title></head><body><img src="data:,"><p style="color:#ccc;background:#fff">faint</p><a href="#"></a></body></html>')
  const found = (await violationsOf(page)).map(line => line.split(':')[0])
  t.same(found.sort(), ['color-contrast', 'html-has-lang', 'image-alt', 'link-name'])
  await context.close()
})

async function screenshot (page: Page, name: string): Promise<Buffer> {
  const png = await page.screenshot({ fullPage: name !== 'reference-page' })
  if (UPDATE) {
    mkdirSync(IMAGES, { recursive: true })
    writeFileSync(join(IMAGES, name + '.png'), png)
  }
  return png
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47])

t.test('P4 axe-core finds no WCAG 2.1 A or AA violation on the direct error page, in English and in French', async (t) => {
  for (const [language, url] of [['en', '/authorize'], ['fr', '/authorize?ui_locales=fr-CA'], ['fr', '/authorize?code=invalid_request&ui_locales=fr']]) {
    const { context, page } = await auditPage()
    const response = await page.goto(origin + url)
    t.equal(response?.status(), 400)
    t.equal(await page.getAttribute('html', 'lang'), language)
    t.same(await violationsOf(page), [], `${url}: no violation`)
    if (url !== '/authorize?code=invalid_request&ui_locales=fr') t.same((await screenshot(page, `error-page-${language}`)).subarray(0, 4), PNG)
    await context.close()
  }
})

t.test('P4 axe-core finds no WCAG 2.1 A or AA violation on the reference page, in English and in French', async (t) => {
  for (const language of ['en', 'fr']) {
    const { context, page } = await auditPage()
    await page.goto(`${origin}/errors?lang=${language}`)
    t.equal(await page.getAttribute('html', 'lang'), language)
    t.same(await violationsOf(page), [], `${language}: no violation`)
    if (language === 'en') t.same((await screenshot(page, 'reference-page')).subarray(0, 4), PNG)
    await context.close()
  }
})

t.test('P4 axe-core finds no WCAG 2.1 A or AA violation on the form_post page, with and without script', async (t) => {
  // With script the page submits at once: the submission is stopped, so the page stays to be read.
  const { context, page } = await auditPage()
  await page.route('http://127.0.0.1:9/**', route => route.abort('aborted'))
  const submitted = page.waitForRequest('http://127.0.0.1:9/cb')
  await page.goto(origin + '/authorize?form=post', { waitUntil: 'commit' })
  t.equal((await submitted).method(), 'POST', 'the page submitted itself')
  await page.locator('form').waitFor({ state: 'attached' })
  t.same(await violationsOf(page), [], 'with script: no violation')
  await context.close()

  // Without script, the page shows its button: what a person sees, and the screenshot of the docs.
  const still = await auditPage(false)
  await still.page.goto(origin + '/authorize?form=post&ui_locales=fr')
  t.equal(await still.page.getByRole('button', { name: 'Continuer' }).count(), 1)
  t.same((await screenshot(still.page, 'form-post-page')).subarray(0, 4), PNG)
  await still.context.close()
  const audit = await auditPage()
  const html = await (await fetch(origin + '/authorize?form=post&ui_locales=fr')).text()
  await audit.page.setContent(html.replace('<script>document.forms[0].submit()</script>', '').replace(/<\/?noscript>/g, ''))
  t.same(await violationsOf(audit.page), [], 'the noscript content: no violation')
  await audit.context.close()
})

t.test('P3 Chromium runs the errorPage script that carries the nonce and blocks the one that does not', async (t) => {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } })
  const page = await context.newPage()
  const blocked: string[] = []
  page.on('console', (message) => { if (/Content Security Policy/.test(message.text())) blocked.push(message.text()) })
  const response = await page.goto(custom + '/authorize?ui_locales=fr')
  t.equal(response?.status(), 400)
  t.equal(response?.headers()['cache-control'], 'no-store')
  t.equal(await page.evaluate(() => document.title), 'ran: Accès refusé - Example', 'the nonce\'d script ran')
  t.equal(await page.evaluate(() => window.ranBadScript), undefined, 'the script without the nonce did not')
  t.ok(blocked.some(text => /script-src/.test(text)), 'Chromium reported the blocked script')
  t.equal(await page.evaluate('getComputedStyle(document.body).maxWidth'), '576px', 'the nonce\'d style applied')
  t.same((await screenshot(page, 'custom-error-page')).subarray(0, 4), PNG)
  await context.close()
  const audit = await auditPage()
  await audit.page.goto(custom + '/authorize?ui_locales=fr')
  t.same(await violationsOf(audit.page), [], 'the example custom page passes too')
  await audit.context.close()
})
