import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import authErrors, { AuthErrorsConfigError, catalog, presets, type AuthErrorsOptions } from '../lib/index.js'
import { REFERENCE_CACHE_CONTROL, renderReferencePage } from '../lib/reference-page.js'
import { createHash } from 'node:crypto'
import { registrationError } from './helpers/app.js'

async function appWith (options: AuthErrorsOptions): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(authErrors, options)
  app.get('/api', { config: { authErrors: { endpoint: 'resource' } } }, async (request, reply) => reply.authError('invalid_token', { format: (request.query as { format?: 'problem' }).format }))
  await app.ready()
  return app
}

t.test('A6 the reference page is off by default', async (t) => {
  const app = await appWith({})
  const res = await app.inject('/errors')
  t.equal(res.statusCode, 404)
  t.equal(res.json().error, 'invalid_request', 'the not-found handler answers')
  const off = await appWith({ reference: false })
  t.equal((await off.inject('/errors')).statusCode, 404)
})

t.test('A6 reference: true serves every code with its own anchor, a strict CSP and a cache policy', async (t) => {
  const app = await appWith({ reference: true })
  const res = await app.inject('/errors')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  t.equal(res.headers['cache-control'], REFERENCE_CACHE_CONTROL)
  t.equal(res.headers['referrer-policy'], 'no-referrer')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  const csp = String(res.headers['content-security-policy'])
  t.match(csp, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/)
  const style = /<style>([^<]*)<\/style>/.exec(res.body)?.[1] ?? ''
  t.ok(csp.includes(`'sha256-${createHash('sha256').update(style).digest('base64')}'`), 'the one inline style is allowed by its hash')
  t.notMatch(res.body, /<script|<link|<img|<iframe|@import|url\(|src=/i, 'nothing that could load a resource')
  for (const code of Object.keys(catalog)) {
    t.ok(res.body.includes(`<section id="${code}">`), `${code} has an anchor`)
    t.ok(res.body.includes(`<li><a href="#${code}">`), `${code} is in the index`)
  }
  t.equal(res.body.match(/<section id=/g)?.length, Object.keys(catalog).length, 'one section per code')
  t.ok(res.body.includes('<dt>Status</dt><dd>400 (401 on resource requests)</dd>'), 'resource statuses are shown')
  t.ok(res.body.includes('<a href="https://www.rfc-editor.org/rfc/rfc6749#section-5.2" rel="noreferrer">RFC 6749, section 5.2</a>'))
  t.ok(res.body.includes('<dt>Defined in</dt><dd>Login Error Codes (seed), section none (seed only)</dd>'), 'a spec without a known address is plain text')

  const head = await app.inject({ method: 'HEAD', url: '/errors' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(head.headers['content-security-policy'], csp)
})

t.test('A6 the page answers 304 to a current If-None-Match and 200 otherwise', async (t) => {
  const app = await appWith({ reference: true })
  const first = await app.inject('/errors')
  const etag = String(first.headers.etag)
  t.match(etag, /^"[A-Za-z0-9_-]{32}"$/)
  for (const value of [etag, 'W/' + etag, `"other", ${etag}`, '*']) {
    const again = await app.inject({ url: '/errors', headers: { 'if-none-match': value } })
    t.equal(again.statusCode, 304, value)
    t.equal(again.body, '')
    t.equal(again.headers.etag, etag)
    t.equal(again.headers['cache-control'], REFERENCE_CACHE_CONTROL)
  }
  t.equal((await app.inject({ url: '/errors', headers: { 'if-none-match': '"stale"' } })).statusCode, 200)
  const other = await appWith({ reference: true, codes: presets.loginErrorCodes })
  t.not((await other.inject('/errors')).headers.etag, etag, 'another catalog, another ETag')
})

t.test('A6 the page shows a preset: other statuses, numeric codes, titles', async (t) => {
  const login = await (await appWith({ reference: { prefix: '/docs/auth-errors' }, codes: presets.loginErrorCodes })).inject('/docs/auth-errors')
  t.equal(login.statusCode, 200)
  t.ok(login.body.includes('<dt>Status</dt><dd>401</dd><dt>Description</dt><dd>The token expired.</dd><dt>With status 400</dt><dd>Invalid token format. Ensure that a valid token has been provided in the right format.</dd>'))
  t.ok(login.body.includes('client&#39;s configuration'), 'apostrophes are escaped')
  const problems = await (await appWith({ reference: true, codes: presets.authenticationApiProblems })).inject('/errors')
  t.ok(problems.body.includes('<dt>Status</dt><dd>440</dd>'))
  t.ok(problems.body.includes('<dt>Numeric code</dt><dd>53209</dd>'))
  t.ok(problems.body.includes('<span class="title">Invalid DPoP proof</span>'))
})

t.test('A6 every value is escaped: hostile codes, titles, descriptions and specs', async (t) => {
  const page = renderReferencePage({
    '<b>&\'x': { status: 400, description: '<img src=x onerror=alert(1)> & more', title: '<script>alert(1)</script>', spec: '<Spec>', section: '<1>', endpoints: ['token'] },
    'odd code': { status: 400, description: 'A space in the code.' },
    bare: { status: 418, description: 'Nothing else.', spec: 'RFC 7009', endpoints: [] }
  })
  t.notOk(page.html.includes('<img'), 'no injected element')
  t.notOk(page.html.includes('<script'), 'no injected script')
  t.notOk(page.html.includes('<b>'))
  t.ok(page.html.includes('<section id="&lt;b&gt;&amp;&#39;x">'))
  t.ok(page.html.includes('&lt;img src=x onerror=alert(1)&gt; &amp; more'))
  t.ok(page.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
  t.ok(page.html.includes('<dd>&lt;Spec&gt;, section &lt;1&gt;</dd>'))
  t.ok(page.html.includes('<section id="odd code"><h2><a href="#odd%20code">'), 'the fragment link is percent-encoded')
  t.ok(page.html.includes('<section id="bare"><h2><a href="#bare"><code>bare</code></a> <span class="title">Bare</span></h2><dl><dt>Status</dt><dd>418</dd><dt>Description</dt><dd>Nothing else.</dd><dt>Defined in</dt><dd><a href="https://www.rfc-editor.org/rfc/rfc7009" rel="noreferrer">RFC 7009</a></dd></dl></section>'), 'no endpoints row when there are none')
  t.notOk(page.html.includes('<dt>Endpoints</dt><dd></dd>'))
})

t.test('B3 with a baseUrl, error_uri and the problem type point at the page anchors', async (t) => {
  const app = await appWith({ reference: { prefix: '/errors', baseUrl: 'https://api.example.com/' } })
  const oauth = await app.inject({ url: '/api', headers: { authorization: 'Bearer x' } })
  t.equal(oauth.json().error_uri, 'https://api.example.com/errors#invalid_token')
  t.match(oauth.headers['www-authenticate'], /error_uri="https:\/\/api\.example\.com\/errors#invalid_token"/)
  const problem = await app.inject({ url: '/api?format=problem', headers: { authorization: 'Bearer x' } })
  t.equal(problem.json().type, 'https://api.example.com/errors#invalid_token')

  const withPath = await appWith({ reference: { baseUrl: 'https://example.com/auth' } })
  t.equal((await withPath.inject({ url: '/api', headers: { authorization: 'Bearer x' } })).json().error_uri, 'https://example.com/auth/errors#invalid_token')

  const own = await appWith({ reference: { baseUrl: 'https://api.example.com' }, errorUri: 'https://docs.example.com/oauth' })
  t.equal((await own.inject({ url: '/api', headers: { authorization: 'Bearer x' } })).json().error_uri, 'https://docs.example.com/oauth#invalid_token', 'an explicit errorUri wins')

  const noBase = await appWith({ reference: true })
  t.notOk('error_uri' in (await noBase.inject({ url: '/api', headers: { authorization: 'Bearer x' } })).json(), 'no base URL, no error_uri')
})

t.test('Bad input: reference options fail registration with FST_AUTH_ERRORS_INVALID_REFERENCE', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['yes', /reference must be a boolean or an object/],
    [() => '/errors', /reference must be a boolean or an object with prefix and baseUrl, got a function/],
    [null, /reference must be a boolean or an object/],
    [{ prefix: 'errors' }, /reference\.prefix must be a path/],
    [{ prefix: '/errors/:code' }, /reference\.prefix must be a path/],
    [{ prefix: '/errors/' }, /reference\.prefix must be a path/],
    [{ prefix: '//errors' }, /reference\.prefix must be a path/],
    [{ prefix: 42 }, /reference\.prefix must be a path/],
    [{ baseUrl: 'api.example.com' }, /reference\.baseUrl must be an http\(s\) URL/],
    [{ baseUrl: 'ftp://api.example.com' }, /reference\.baseUrl/],
    [{ baseUrl: 'https://api.example.com/?x=1' }, /reference\.baseUrl/],
    [{ baseUrl: 'https://api.example.com/#top' }, /reference\.baseUrl/],
    [{ baseUrl: 'https://api.example.com/a b' }, /reference\.baseUrl/],
    [{ baseUrl: 7 }, /reference\.baseUrl/]
  ]
  for (const [reference, message] of cases) {
    const error = await registrationError({ reference } as AuthErrorsOptions)
    t.ok(error instanceof AuthErrorsConfigError, JSON.stringify(reference))
    t.equal((error as AuthErrorsConfigError).code, 'FST_AUTH_ERRORS_INVALID_REFERENCE')
    t.match((error as Error).message, message)
  }
  t.equal(await registrationError({ reference: { baseUrl: 'http://127.0.0.1:3000' } }), undefined, 'http is accepted (local development)')
})
