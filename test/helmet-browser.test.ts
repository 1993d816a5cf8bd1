import t from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'
import { chromium, type Browser, type Page } from 'playwright-core'
import authErrors from '../lib/index.js'
import { callbackSink } from './helpers/callbacks.js'

// RULES I6 in a real headless Chromium (Debian's package): with @fastify/helmet registered
// globally as its README shows, the form_post page still submits itself, at the top level and
// inside a hidden iframe on the client's origin (prompt=none silent authentication), and only
// the client's origin may frame it.

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic']

function originOf (app: FastifyInstance): string {
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

interface Hit { method: string, fields: Record<string, string> }
const callbacks = callbackSink<Hit>()
const nextHit = callbacks.next

/** The client: the page that frames the authorization request, and the redirect URI. */
async function client (): Promise<FastifyInstance> {
  const app = Fastify()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
  app.post('/cb', async (request, reply) => {
    const hit = { method: request.method, fields: Object.fromEntries(new URLSearchParams(request.body as string)) }
    callbacks.record(hit)
    return reply.type('text/html').send('<!DOCTYPE html><title>callback</title>')
  })
  app.get('/silent', async (request, reply) => {
    const src = (request.query as { src: string }).src
    return reply.type('text/html').send(`<!DOCTYPE html><html lang="en"><title>client</title><iframe title="silent" hidden src="${src.replace(/"/g, '&quot;')}"></iframe>`)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  return app
}

const rp = await client()
const stranger = await client()
const CALLBACK = originOf(rp) + '/cb'

const as = Fastify()
await as.register(helmet)
await as.register(authErrors)
as.get('/authorize', (request, reply) => reply.authRedirect('login_required', {
  redirectUri: CALLBACK,
  responseMode: 'form_post',
  state: (request.query as { state: string }).state
}))
as.get('/plain', async (_request, reply) => reply.type('text/html').send('<!DOCTYPE html><title>plain</title>'))
await as.listen({ host: '127.0.0.1', port: 0 })
t.teardown(() => as.close())
const AS = originOf(as)

const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
t.teardown(() => browser.close())

async function openPage (): Promise<{ page: Page, console: string[], close: () => Promise<void> }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const console: string[] = []
  page.on('console', (message) => { console.push(message.text()) })
  return { page, console, close: () => context.close() }
}

async function consoleSays (lines: string[], pattern: RegExp): Promise<boolean> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (lines.some(line => pattern.test(line))) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return false
}

t.test('I6 with helmet, Chromium submits the form_post page at the top level', async (t) => {
  const { page, close } = await openPage()
  const response = await page.goto(`${AS}/authorize?state=top`, { waitUntil: 'commit' })
  t.equal(response?.headers()['x-frame-options'], undefined, 'helmet\'s X-Frame-Options is gone from the page')
  t.equal(response?.headers()['strict-transport-security'] !== undefined, true, 'helmet\'s other headers stay')
  const hit = await nextHit()
  t.same(hit, { method: 'POST', fields: { error: 'login_required', state: 'top' } })
  await close()
})

t.test('I6 with helmet, the form_post page submits inside a hidden iframe on the client\'s origin (prompt=none)', async (t) => {
  const { page, console, close } = await openPage()
  await page.goto(`${originOf(rp)}/silent?src=${encodeURIComponent(`${AS}/authorize?state=silent`)}`)
  const hit = await nextHit()
  t.same(hit, { method: 'POST', fields: { error: 'login_required', state: 'silent' } })
  t.notOk(console.some(line => /X-Frame-Options|frame-ancestors/.test(line)), 'no framing refusal')
  await close()
})

t.test('I6 another origin may not frame the form_post page (frame-ancestors), and helmet still guards other pages', async (t) => {
  const { page, console, close } = await openPage()
  await page.goto(`${originOf(stranger)}/silent?src=${encodeURIComponent(`${AS}/authorize?state=stranger`)}`)
  t.ok(await consoleSays(console, new RegExp(`frame-ancestors ${originOf(rp)}`)), 'Chromium refused the frame by the page\'s frame-ancestors, naming the client\'s origin')
  t.same(callbacks.pending(), [], 'nothing was posted')
  await close()

  const plain = await openPage()
  await plain.page.goto(`${originOf(rp)}/silent?src=${encodeURIComponent(`${AS}/plain`)}`)
  t.ok(await consoleSays(plain.console, /frame-ancestors 'self'|X-Frame-Options/), 'helmet (its frame-ancestors \'self\' and X-Frame-Options) still blocks a page of the application\'s own')
  await plain.close()
})
