import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { chromium } from 'playwright-core'
import authErrors, { presets } from '../lib/index.js'

// The browser globals the page functions below use: this project is type-checked without the DOM library.
interface PageElement { readonly id: string, readonly tagName: string, getAttribute (name: string): string | null }
declare const document: {
  readonly body: PageElement
  getElementById (id: string): PageElement | null
  querySelector (selector: string): PageElement | null
  querySelectorAll (selector: string): Iterable<PageElement>
  addEventListener (type: 'securitypolicyviolation', listener: (event: { violatedDirective: string, blockedURI: string }) => void): void
}
declare const window: object
declare function getComputedStyle (element: PageElement | null): { maxWidth: string, display: string, backgroundColor: string }

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic']

t.test('A6 the error reference renders in Chromium: every code anchor resolves, nothing loads from another origin, the CSP holds', async (t) => {
  const app = Fastify()
  await app.register(authErrors, { codes: presets.loginErrorCodes, reference: { prefix: '/docs/errors' } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const codes = Object.keys(app.authErrors.catalog)

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const requests: string[] = []
  const problems: string[] = []
  page.on('request', (request) => { requests.push(request.url()) })
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text()) })
  page.on('pageerror', (error) => { problems.push(error.message) })
  // Counts CSP violations from inside the page (init scripts are not subject to the page's CSP).
  await page.addInitScript(() => {
    const violations: string[] = []
    Object.defineProperty(window, '__violations', { value: violations })
    document.addEventListener('securitypolicyviolation', (event) => { violations.push(event.violatedDirective + ' ' + event.blockedURI) })
  })

  const response = await page.goto(origin + '/docs/errors')
  t.equal(response?.status(), 200)
  t.equal(await page.title(), 'Error reference')
  t.equal(await page.textContent('h1'), 'Error reference')

  const missing = await page.evaluate((list) => list.filter((code) => document.getElementById(code)?.tagName !== 'SECTION'), codes)
  t.same(missing, [], `all ${codes.length} code anchors resolve to their section`)
  const links = await page.evaluate(() => [...document.querySelectorAll('nav a')].map((a) => a.getAttribute('href')))
  t.equal(links.length, codes.length, 'the index links every code')
  t.same(links, [...codes].sort().map((code) => '#' + code))

  // The hashed inline style applies: the CSP allowed it.
  t.equal(await page.evaluate(() => getComputedStyle(document.body).maxWidth), '832px', 'the inline style is applied (allowed by hash)')
  t.equal(await page.evaluate(() => getComputedStyle(document.querySelector('dl')).display), 'grid')

  // A code URL lands on its section (the page's anchor is what error_uri points at).
  await page.goto(origin + '/docs/errors#invalid_token')
  t.equal(await page.evaluate(() => document.querySelector(':target')?.id), 'invalid_token')
  t.match(await page.textContent('#invalid_token'), /The token expired\.\s*With status 400\s*Invalid token format\./)
  t.equal(await page.evaluate(() => getComputedStyle(document.querySelector(':target')).backgroundColor), 'rgb(255, 246, 213)', ':target is highlighted')
  await page.click('nav a[href="#slow_down"]')
  t.equal(await page.evaluate(() => document.querySelector(':target')?.id), 'slow_down', 'index links navigate to their anchor')
  t.equal(new URL(page.url()).hash, '#slow_down')

  // A spec link is a link, never a fetched resource.
  t.equal(await page.getAttribute('#invalid_grant a[rel="noreferrer"]', 'href'), 'https://www.rfc-editor.org/rfc/rfc6749#section-5.2')

  const foreign = requests.filter((url) => new URL(url).origin !== origin)
  t.same(foreign, [], 'no request left the page origin')
  t.ok(requests.includes(origin + '/docs/errors'), 'the page itself was requested')
  t.same(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), [], 'no CSP violation')
  t.same(problems.filter((text) => !text.includes('favicon')), [], 'no console error or warning')
  t.comment(`${codes.length} anchors resolved, ${requests.length} requests, all to ${origin}`)
})
