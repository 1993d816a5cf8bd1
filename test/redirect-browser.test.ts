import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { chromium, type Browser, type Page } from 'playwright-core'
import authErrors from '../lib/index.js'
import { callbackSink } from './helpers/callbacks.js'

// A real headless Chromium (Debian's package) runs the pages authRedirect sends.

const ISSUER = 'https://as.example.com'
const HOSTILE_STATES = [
  '</script><script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '\'><svg onload=alert(1)>',
  'javascript:alert(1)',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  'é ✓ 😀 & = + % #'
]

interface Hit {
  method: string
  url: string
  contentType: string | undefined
  referer: string | undefined
  fields: Array<[string, string]>
}

function portOf (app: FastifyInstance): number {
  return (app.server.address() as { port: number }).port
}

/** The client: records every hit on /cb (GET or POST) and hands them out in order. */
const callbacks = callbackSink<Hit>()
const record = callbacks.record
const nextHit = callbacks.next

const callback = Fastify()
callback.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
callback.route({
  method: ['GET', 'POST'],
  url: '/cb',
  handler: async (request, reply) => {
    record({
      method: request.method,
      url: request.url,
      contentType: request.headers['content-type'],
      referer: request.headers.referer,
      fields: [...new URLSearchParams(typeof request.body === 'string' ? request.body : '')]
    })
    return reply.type('text/html').send('<!DOCTYPE html><title>callback</title><p>received</p>')
  }
})
/** The same form_post page, served with one more inline script an attacker would like to run. */
let tampered = { html: '', csp: '' }
callback.get('/tampered', async (_request, reply) => reply.type('text/html').header('content-security-policy', tampered.csp).send(tampered.html))
await callback.listen({ host: '127.0.0.1', port: 0 })
const CALLBACK = `http://127.0.0.1:${portOf(callback)}/cb?tenant=t1`

const as = Fastify()
await as.register(authErrors, { issuer: ISSUER })
as.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body as string)))
})
as.route({
  method: ['GET', 'POST'],
  url: '/authorize',
  handler: (request, reply) => {
    const params = (request.method === 'GET' ? request.query : request.body) as Record<string, string>
    return reply.authRedirect('access_denied', {
      redirectUri: params.safe === 'no' ? undefined : CALLBACK,
      responseType: params.response_type,
      responseMode: params.response_mode,
      state: params.state,
      description: params.description
    })
  }
})
await as.listen({ host: '127.0.0.1', port: 0 })
const AS = `http://127.0.0.1:${portOf(as)}`

const browser: Browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']
})
t.teardown(async () => {
  await browser.close()
  await as.close()
  await callback.close()
})

/** A fresh page that records dialogs and CSP reports. */
async function openPage (javaScriptEnabled = true): Promise<{ page: Page, dialogs: string[], violations: string[], close: () => Promise<void> }> {
  const context = await browser.newContext({ javaScriptEnabled })
  const page = await context.newPage()
  const dialogs: string[] = []
  const violations: string[] = []
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss().catch(() => {}) })
  // Playwright's init script is not subject to the page's CSP: it only listens for CSP reports.
  await page.exposeFunction('reportViolation', (directive: string) => { violations.push(directive) })
  await page.addInitScript('document.addEventListener("securitypolicyviolation", (event) => { reportViolation(event.effectiveDirective) })')
  return { page, dialogs, violations, close: () => context.close() }
}

function authorizeUrl (params: Record<string, string>): string {
  return AS + '/authorize?' + new URLSearchParams(params).toString()
}

t.test('C3 Chromium submits the form_post page: a POST to the redirect URI with every field', async (t) => {
  const { page, violations, close } = await openPage()
  await page.goto(authorizeUrl({ response_mode: 'form_post', state: 'af0ifjsldkj', description: 'Denied by the user' }), { waitUntil: 'commit' })
  const hit = await nextHit()
  t.equal(hit.method, 'POST')
  t.equal(hit.url, '/cb?tenant=t1', 'to the redirect URI, its own query kept')
  t.equal(hit.contentType, 'application/x-www-form-urlencoded')
  t.equal(hit.referer, undefined, 'no Referer (Referrer-Policy: no-referrer)')
  t.same(hit.fields, [['error', 'access_denied'], ['error_description', 'Denied by the user'], ['state', 'af0ifjsldkj'], ['iss', ISSUER]])
  await page.waitForURL(CALLBACK)
  t.same(violations, [], 'no CSP violation: the page\'s own script ran')
  await close()
})

t.test('C3 a hostile state runs nothing and comes back exactly as sent', async (t) => {
  for (const state of HOSTILE_STATES) {
    const { page, dialogs, close } = await openPage()
    await page.goto(authorizeUrl({ response_mode: 'form_post', state, description: state }), { waitUntil: 'commit' })
    const hit = await nextHit()
    await page.waitForURL(CALLBACK)
    t.same(dialogs, [], `${state}: no dialog`)
    t.equal(new URLSearchParams(hit.fields).get('state'), state, `${state}: the state is intact`)
    await close()
  }
})

t.test('C3 without script, the noscript button posts the same form', async (t) => {
  const { page, close } = await openPage(false)
  await page.goto(authorizeUrl({ response_mode: 'form_post', state: 'no-js' }))
  await page.getByRole('button', { name: 'Continue' }).click()
  const hit = await nextHit()
  t.equal(hit.method, 'POST')
  t.same(hit.fields, [['error', 'access_denied'], ['error_description', 'The resource owner or authorization server denied the request.'], ['state', 'no-js'], ['iss', ISSUER]])
  await close()
})

t.test('C3 the CSP lets no other inline script run on the page', async (t) => {
  const response = await fetch(authorizeUrl({ response_mode: 'form_post', state: 'csp' }))
  tampered = {
    csp: response.headers.get('content-security-policy') as string,
    html: (await response.text()).replace('<form ', '<script>alert("injected")</script>\n<form ')
  }
  const { page, dialogs, close } = await openPage()
  await page.goto(`http://127.0.0.1:${portOf(callback)}/tampered`, { waitUntil: 'commit' })
  const hit = await nextHit()
  t.equal(new URLSearchParams(hit.fields).get('state'), 'csp', 'the page\'s own script still submits')
  t.same(dialogs, [], 'the injected script did not run')
  await close()

  // The same page without its submitting script stays put, so the CSP report can be read.
  tampered.html = tampered.html.replace('<script>document.forms[0].submit()</script>', '')
  const still = await openPage()
  await still.page.goto(`http://127.0.0.1:${portOf(callback)}/tampered`)
  for (let waited = 0; still.violations.length === 0 && waited < 5000; waited += 50) await new Promise(resolve => setTimeout(resolve, 50))
  t.same(still.dialogs, [], 'no dialog')
  t.ok(still.violations.includes('script-src-elem'), 'Chromium blocked the injected script by the page\'s script-src')
  await still.close()
})

t.test('A5 Chromium follows the 302 of a GET and the 303 of a POST with a GET, never re-posting', async (t) => {
  const { page, close } = await openPage()
  await page.goto(authorizeUrl({ state: 'by-query' }))
  const query = await nextHit()
  t.equal(query.method, 'GET')
  const url = new URL(query.url, 'http://x')
  t.equal(url.searchParams.get('tenant'), 't1')
  t.equal(url.searchParams.get('error'), 'access_denied')
  t.equal(url.searchParams.get('state'), 'by-query')

  await page.goto(authorizeUrl({ response_type: 'id_token', state: 'by-fragment' }))
  const fragment = await nextHit()
  t.equal(fragment.method, 'GET')
  t.equal(new URL(fragment.url, 'http://x').searchParams.has('error'), false, 'the server never sees the fragment')
  const hash = new URLSearchParams((await page.evaluate<string>('window.location.hash')).slice(1))
  t.equal(hash.get('error'), 'access_denied', 'the page reads the error from the fragment')
  t.equal(hash.get('state'), 'by-fragment')

  await page.setContent(`<form method="post" action="${AS}/authorize"><input name="state" value="by-post"></form>`)
  await page.evaluate('document.forms[0].submit()')
  const posted = await nextHit()
  t.equal(posted.method, 'GET', '303: the browser switched to GET')
  t.equal(new URL(posted.url, 'http://x').searchParams.get('state'), 'by-post')
  await close()
})

t.test('A6 the direct error page loads nothing but itself and applies only its own style', async (t) => {
  const { page, violations, close } = await openPage()
  const requests: string[] = []
  page.on('request', (request) => { requests.push(request.url()) })
  const response = await page.goto(authorizeUrl({ safe: 'no', description: '<img src="http://127.0.0.1:1/x.gif">' }))
  t.equal(response?.status(), 400)
  t.same(requests, [authorizeUrl({ safe: 'no', description: '<img src="http://127.0.0.1:1/x.gif">' })], 'one request: the page')
  t.equal(await page.evaluate<string>('getComputedStyle(document.body).maxWidth'), '640px', 'the inline style passed the CSP hash')
  t.equal(await page.locator('code').first().textContent(), 'access_denied')
  t.equal(await page.locator('img').count(), 0, 'the description is text')
  t.same(violations, [], 'no CSP violation')
  await close()
})
