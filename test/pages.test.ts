import t from 'tap'
import Fastify, { type FastifyReply, type InjectOptions, type LightMyRequestResponse } from 'fastify'
import helmet from '@fastify/helmet'
import authErrors, { AuthError, catalog, type AuthErrorsOptions, type AuthRedirectOptions } from '../lib/index.js'
import type { ErrorPageView } from '../lib/locales.js'
import { resolvePages } from '../lib/locales.js'
import { referenceRoute } from '../lib/reference-page.js'

// The pages a person reads, through fastify.inject: language, headers, escaping, errorPage.

const FR = {
  access_denied: { title: 'Accès refusé', description: 'La demande a été refusée.' },
  $page: { endpointStatus: '{status} aux points de terminaison {kind}', errorTitle: 'Erreur d\'autorisation', errorIntro: 'La demande n\'a pas pu aboutir.', formPostNoScript: 'Le script est désactivé.', continueLabel: 'Continuer', referenceTitle: 'Référence des erreurs' }
}
const HOSTILE = '<script>alert(1)</script> & "q" \'a\''
const EVIL = {
  access_denied: { title: HOSTILE, description: HOSTILE },
  $page: { errorTitle: HOSTILE, errorIntro: HOSTILE, statusLabel: HOSTILE, formPostTitle: HOSTILE, formPostNoScript: HOSTILE, continueLabel: HOSTILE, referenceTitle: HOSTILE, referenceIntro: HOSTILE, languageName: HOSTILE, languagesLabel: HOSTILE }
}
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

interface LogLine { level: number, msg: string }

async function send (register: AuthErrorsOptions, call: (reply: FastifyReply) => FastifyReply, inject: InjectOptions = {}): Promise<{ response: LightMyRequestResponse, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } } } })
  await app.register(authErrors, register)
  app.get('/authorize', (_request, reply) => call(reply))
  const response = await app.inject({ url: '/authorize', ...inject })
  await app.close()
  return { response, logs }
}

function direct (options: Partial<AuthRedirectOptions>, headers: Record<string, string>, register: AuthErrorsOptions = { locales: { fr: FR } }) {
  return send(register, reply => reply.authRedirect('access_denied', { redirectUri: undefined, ...options }), { headers: { accept: BROWSER, ...headers } })
}

function cspOf (response: LightMyRequestResponse): Map<string, string> {
  return new Map(String(response.headers['content-security-policy']).split(';').map((part) => {
    const [name = '', ...values] = part.trim().split(' ')
    return [name, values.join(' ')]
  }))
}

t.test('P1 the direct error page speaks the language of uiLocales, with Content-Language and <html lang>, and no Vary on the header', async (t) => {
  const { response } = await direct({ uiLocales: 'fr-CA en' }, { 'accept-language': 'de' })
  t.equal(response.statusCode, 400)
  t.equal(response.headers['content-language'], 'fr')
  t.equal(response.headers.vary, 'Accept', 'Accept-Language did not choose')
  t.match(response.body, /^<!DOCTYPE html>\n<html lang="fr">/)
  t.match(response.body, /<title>Erreur d&#39;autorisation<\/title>/)
  t.match(response.body, /<h1>Erreur d&#39;autorisation<\/h1>/)
  t.match(response.body, /<code>access_denied<\/code> Accès refusé/)
  t.match(response.body, /La demande a été refusée\./)
  t.match(response.body, /<dt>Status<\/dt><dd>400<\/dd>/, 'a word the locale leaves out is English')
})

t.test('P1 the direct page follows Accept-Language (fr-CA -> fr) and then says Vary: Accept-Language', async (t) => {
  const french = await direct({}, { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.8' })
  t.equal(french.response.headers['content-language'], 'fr')
  t.equal(french.response.headers.vary, 'Accept, Accept-Language')
  t.match(french.response.body, /<html lang="fr">/)
  const none = await direct({}, {})
  t.equal(none.response.headers['content-language'], 'en', 'no header: defaultLocale')
  t.equal(none.response.headers.vary, 'Accept, Accept-Language', 'the header was read, so the answer varies with it')
  t.match(none.response.body, /<html lang="en">[\s\S]*<h1>Authorization error<\/h1>/)
  const byDefault = await direct({}, { 'accept-language': 'ja' }, { locales: { fr: FR }, defaultLocale: 'fr' })
  t.equal(byDefault.response.headers['content-language'], 'fr', 'an unknown language: defaultLocale')
  const single = await direct({}, { 'accept-language': 'fr' }, {})
  t.equal(single.response.headers['content-language'], 'en')
  t.equal(single.response.headers.vary, 'Accept', 'one language: nothing to vary on')
})

t.test('P1 an AuthError carries uiLocales to authRedirect', async (t) => {
  const { response } = await send({ locales: { fr: FR } }, reply => reply.authRedirect(new AuthError('access_denied', { uiLocales: 'fr' }), { redirectUri: undefined }), { headers: { accept: 'text/html' } })
  t.equal(response.headers['content-language'], 'fr')
})

t.test('P2 whatever the language, error_description stays the English ASCII text in JSON, redirects and form_post fields', async (t) => {
  const json = await direct({ uiLocales: 'fr' }, { accept: 'application/json', 'accept-language': 'fr' })
  t.equal(json.response.json().error_description, catalog.access_denied.description)
  t.equal(json.response.headers['content-language'], undefined, 'the RFC 6749 body is not localised')
  const query = await send({ locales: { fr: FR } }, reply => reply.authRedirect('access_denied', { redirectUri: 'https://client.example.com/cb', uiLocales: 'fr' }), { headers: { 'accept-language': 'fr' } })
  t.equal(new URL(String(query.response.headers.location)).searchParams.get('error_description'), catalog.access_denied.description)
  const form = await send({ locales: { fr: FR } }, reply => reply.authRedirect('access_denied', { redirectUri: 'https://client.example.com/cb', responseMode: 'form_post', uiLocales: 'fr' }))
  t.match(form.response.body, new RegExp(`name="error_description" value="${catalog.access_denied.description.replace(/[.]/g, '\\.')}"`))
})

t.test('P1 the form_post page speaks the chosen language', async (t) => {
  const { response } = await send({ locales: { fr: FR } }, reply => reply.authRedirect('access_denied', { redirectUri: 'https://client.example.com/cb', responseMode: 'form_post' }), { headers: { 'accept-language': 'fr' } })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-language'], 'fr')
  t.equal(response.headers.vary, 'Accept-Language')
  t.match(response.body, /<html lang="fr">/)
  t.match(response.body, /<noscript><p>Le script est désactivé\.<\/p><button type="submit">Continuer<\/button><\/noscript>/)
  const ui = await send({ locales: { fr: FR } }, reply => reply.authRedirect('access_denied', { redirectUri: 'https://client.example.com/cb', responseMode: 'form_post', uiLocales: 'fr' }))
  t.equal(ui.response.headers.vary, undefined, 'chosen by uiLocales: no Vary')
})

t.test('P1 every text from a locale is escaped on the direct page and the form_post page', async (t) => {
  const page = await direct({ uiLocales: 'fr' }, {}, { locales: { fr: EVIL } })
  t.notMatch(page.response.body, /<script|"q"/, 'no raw markup or quote from the locale')
  t.ok(page.response.body.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;'))
  const form = await send({ locales: { fr: EVIL } }, reply => reply.authRedirect('access_denied', { redirectUri: 'https://client.example.com/cb', responseMode: 'form_post', uiLocales: 'fr' }))
  t.equal((form.response.body.match(/<script/g) ?? []).length, 1, 'only the page\'s own script')
  t.match(form.response.body, /<title>&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;q&quot; &#39;a&#39;<\/title>/)
})

t.test('P3 errorPage: the application\'s own HTML, with the plugin\'s status, no-store, Referrer-Policy, nosniff and a CSP around the view\'s nonce', async (t) => {
  const views: ErrorPageView[] = []
  const template = (view: ErrorPageView): string => `<!DOCTYPE html><html lang="${view.locale}"><title>${view.title}</title><style nonce="${view.nonce}">body{color:#000}</style><p>${view.code}</p>`
  const errorPage = (view: ErrorPageView): string => {
    views.push(view)
    return template(view)
  }
  const { response } = await direct({ uiLocales: 'fr', description: 'Custom text', uri: 'https://docs.example.com/e' }, {}, { locales: { fr: FR }, errorPage })
  const view = views[0] as ErrorPageView
  t.same({ ...view, nonce: 'n' }, { status: 400, code: 'access_denied', title: 'Accès refusé', description: 'Custom text', uri: 'https://docs.example.com/e', locale: 'fr', nonce: 'n' })
  t.match(view.nonce, /^[A-Za-z0-9+/]{24}$/, 'a base64 nonce of 18 random bytes')
  t.equal(response.statusCode, 400)
  t.equal(response.body, template(view))
  t.equal(response.headers['content-type'], 'text/html; charset=utf-8')
  t.equal(response.headers['cache-control'], 'no-store')
  t.equal(response.headers['referrer-policy'], 'no-referrer')
  t.equal(response.headers['x-content-type-options'], 'nosniff')
  t.equal(response.headers['x-frame-options'], 'DENY')
  t.equal(response.headers['content-language'], 'fr')
  const csp = cspOf(response)
  t.equal(csp.get('default-src'), '\'none\'')
  t.equal(csp.get('script-src'), `'nonce-${view.nonce}'`)
  t.equal(csp.get('style-src'), `'nonce-${view.nonce}' 'self'`)
  t.equal(csp.get('frame-ancestors'), '\'none\'')
  t.equal(csp.get('base-uri'), '\'none\'')
  await direct({}, {}, { errorPage })
  t.not(views[1]?.nonce, view.nonce, 'a fresh nonce for every page')
  t.equal(views[1]?.description, catalog.access_denied.description, 'the catalog description without a call description')
  t.equal(views[1]?.uri, undefined)
})

t.test('P3 an errorPage that throws or returns no string: the built-in page, and a warning', async (t) => {
  const pages: Array<() => unknown> = [() => { throw new Error('template bug') }, () => undefined, () => Promise.resolve('<p>async</p>')]
  for (const errorPage of pages) {
    const { response, logs } = await direct({}, {}, { errorPage: errorPage as () => string })
    t.equal(response.statusCode, 400)
    t.match(response.body, /<h1>Authorization error<\/h1>/)
    t.match(String(response.headers['content-security-policy']), /style-src 'sha256-/, 'the built-in page\'s own CSP')
    t.equal(logs.filter(line => line.level === 40 && /errorPage/.test(line.msg)).length, 1)
  }
})

t.test('I6 the form_post CSP lets only the redirect URI\'s origin frame the page, and no X-Frame-Options forbids it', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://client.example.com:8443/cb?x=1', 'https://client.example.com:8443'],
    ['http://127.0.0.1:9000/cb', 'http://127.0.0.1:9000'],
    ['http://localhost/cb', 'http://localhost']
  ]
  for (const [redirectUri, origin] of cases) {
    const { response } = await send({}, reply => reply.authRedirect('login_required', { redirectUri, responseMode: 'form_post' }))
    const csp = cspOf(response)
    t.equal(csp.get('form-action'), origin)
    t.equal(csp.get('frame-ancestors'), origin, `${redirectUri}: frame-ancestors ${origin}`)
    t.equal(response.headers['x-frame-options'], undefined)
  }
  const app = await send({}, reply => reply.authRedirect('login_required', { redirectUri: 'com.example.app:/cb', responseMode: 'form_post' }))
  t.equal(cspOf(app.response).get('form-action'), 'com.example.app:', 'a private-use scheme is its own origin')
  t.equal(cspOf(app.response).get('frame-ancestors'), '\'none\'', 'and frames nothing')
})

t.test('I6 with @fastify/helmet registered globally, the form_post page keeps its own CSP and loses helmet\'s X-Frame-Options; other routes keep helmet\'s', async (t) => {
  const app = Fastify()
  await app.register(helmet)
  await app.register(authErrors)
  app.get('/authorize', (_request, reply) => reply.authRedirect('login_required', { redirectUri: 'https://client.example.com/cb', responseMode: 'form_post' }))
  app.get('/direct', (_request, reply) => reply.authRedirect('login_required', { redirectUri: undefined }))
  app.get('/other', async () => 'ok')
  const form = await app.inject('/authorize')
  t.equal(form.headers['x-frame-options'], undefined)
  t.equal(cspOf(form).get('frame-ancestors'), 'https://client.example.com')
  t.match(cspOf(form).get('script-src'), /^'sha256-/, 'the page\'s CSP, not helmet\'s')
  const page = await app.inject({ url: '/direct', headers: { accept: 'text/html' } })
  t.equal(page.headers['x-frame-options'], 'DENY', 'the direct page may never be framed')
  t.equal(cspOf(page).get('frame-ancestors'), '\'none\'')
  const other = await app.inject('/other')
  t.equal(other.headers['x-frame-options'], 'SAMEORIGIN', 'helmet is untouched elsewhere')
  await app.close()
})

t.test('C3 form-action is never scheme-only for a web redirect URI: an origin no CSP source can name gets no form_post, but a direct answer and a warning', async (t) => {
  for (const redirectUri of ['http://[::1]/cb', 'http://[::1]:9000/cb', 'https://[2001:db8::1]:8443/cb', 'https://a;script-src=x.example.com/cb']) {
    const { response, logs } = await send({}, reply => reply.authRedirect('access_denied', { redirectUri, responseMode: 'form_post', state: 's' }), { headers: { accept: 'text/html' } })
    t.equal(response.statusCode, 400, `${redirectUri}: answered directly`)
    t.notMatch(response.body, /<form/, 'no form')
    t.equal(response.headers.location, undefined)
    const warning = logs.find(line => line.level === 40) as LogLine & { redirectUriProblem?: string }
    t.equal(warning?.redirectUriProblem, 'form_post_origin')
    t.match(warning?.msg, /form_post needs a redirect URI whose origin a CSP source can name/)
    const query = await send({}, reply => reply.authRedirect('access_denied', { redirectUri, state: 's' }))
    t.equal(query.response.statusCode, 302, `${redirectUri}: other modes still redirect`)
  }
})

t.test('P1 the reference page serves each language: ?lang=, then Accept-Language, with Content-Language, Vary, an ETag per language and a switch', async (t) => {
  const app = Fastify()
  const pages = resolvePages({ locales: { fr: FR, de: {} } }, catalog)
  app.get('/errors', referenceRoute(catalog, pages))
  const english = await app.inject('/errors')
  t.equal(english.headers['content-language'], 'en')
  t.equal(english.headers.vary, 'Accept-Language')
  t.match(english.body, /<html lang="en">/)
  t.match(english.body, /<nav aria-label="Languages"><ul><li><a href="\?lang=en" hreflang="en" lang="en" aria-current="page">English<\/a><\/li><li><a href="\?lang=fr" hreflang="fr" lang="fr">français<\/a><\/li><li><a href="\?lang=de" hreflang="de" lang="de">Deutsch<\/a><\/li><\/ul><\/nav>/)
  const french = await app.inject({ url: '/errors', headers: { 'accept-language': 'fr-FR' } })
  t.equal(french.headers['content-language'], 'fr')
  t.match(french.body, /<title>Référence des erreurs<\/title>/)
  t.match(french.body, /<section id="access_denied"><h2><a href="#access_denied"><code>access_denied<\/code><\/a> <span class="title">Accès refusé<\/span><\/h2><dl><dt>Status<\/dt><dd>400 \(403 aux points de terminaison backchannel\)<\/dd><dt>Description<\/dt><dd>La demande a été refusée\.<\/dd>/)
  t.match(french.body, /aria-current="page">français/)
  t.not(french.headers.etag, english.headers.etag, 'each language has its own ETag')
  const asked = await app.inject({ url: '/errors?lang=de', headers: { 'accept-language': 'fr' } })
  t.equal(asked.headers['content-language'], 'de', '?lang= beats Accept-Language')
  t.equal(asked.headers.vary, undefined, '?lang= chose: no Vary')
  const unknown = await app.inject({ url: '/errors?lang=ja', headers: { 'accept-language': 'fr' } })
  t.equal(unknown.headers['content-language'], 'fr', 'an unknown ?lang= falls back to the header')
  const cached = await app.inject({ url: '/errors?lang=fr', headers: { 'if-none-match': String(french.headers.etag) } })
  t.equal(cached.statusCode, 304)
  const stale = await app.inject({ url: '/errors?lang=de', headers: { 'if-none-match': String(french.headers.etag) } })
  t.equal(stale.statusCode, 200, 'another language\'s ETag does not match')
  await app.close()
})

t.test('P1 every text from a locale is escaped on the reference page', async (t) => {
  const app = Fastify()
  app.get('/errors', referenceRoute(catalog, resolvePages({ locales: { fr: EVIL }, defaultLocale: 'fr' }, catalog)))
  const res = await app.inject('/errors')
  t.notMatch(res.body, /<script|"q"/)
  t.ok(res.body.includes('<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;</h1>'))
  t.ok(res.body.includes('<nav aria-label="&lt;script&gt;'), 'an attribute too')
  await app.close()
})
