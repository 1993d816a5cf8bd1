import t, { type Test } from 'tap'
import { createHash, webcrypto } from 'node:crypto'
import Fastify, { type FastifyReply, type FastifyRequest, type InjectOptions, type LightMyRequestResponse } from 'fastify'
import fc from 'fast-check'
import * as oauth from 'oauth4webapi'
import authErrors, { AuthError, catalog, type AuthErrorCode, type AuthErrorsOptions, type AuthRedirectOptions, type JarmClaims } from '../lib/index.js'

// Every top-level await runs before the first test is registered, so none of the tests is dropped.
const keyPair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
const { kty, crv, x, y } = await webcrypto.subtle.exportKey('jwk', keyPair.publicKey)
const { SignJWT, generateKeyPair, jwtVerify } = await import('jose')
const joseKeys = await generateKeyPair('ES256')

const ISSUER = 'https://as.example.com'
const CLIENT = 'client-1'
const REDIRECT = 'https://client.example.com/cb'
/** RFC 6749 A.7 / A.8 and A.9 alphabets. */
const TEXT_CHARSET = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
const URI_CHARSET = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const PROMPT_NONE = ['login_required', 'consent_required', 'interaction_required', 'account_selection_required'] as const

interface LogLine { level: number, msg: string, [key: string]: unknown }
interface Captured { response: LightMyRequestResponse, logs: LogLine[] }
type Call = (reply: FastifyReply, request: FastifyRequest) => FastifyReply

/** Registers the plugin, routes every method of /authorize to `call`, and injects one request. */
async function run (call: Call, inject: InjectOptions = {}, register: AuthErrorsOptions = { issuer: ISSUER }): Promise<Captured> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } } } })
  await app.register(authErrors, register)
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'], url: '/authorize', handler: (request, reply) => call(reply, request) })
  const response = await app.inject({ url: '/authorize', ...inject })
  await app.close()
  return { response, logs }
}

/** One redirect: `authRedirect(code, options)` answered for a GET. */
function redirect (code: AuthErrorCode | AuthError, options: AuthRedirectOptions, inject?: InjectOptions, register?: AuthErrorsOptions): Promise<Captured> {
  return run((reply) => reply.authRedirect(code, options), inject, register)
}

/** Lines at info level: what a request caused (RULES L1). */
function infos (logs: LogLine[]): LogLine[] {
  return logs.filter(line => line.level === 30 && typeof line.msg === 'string' && line.msg.startsWith('fastify-auth-errors'))
}

function warnings (logs: LogLine[]): LogLine[] {
  return logs.filter(line => line.level === 40)
}

/** The response parameters of a Location: its fragment when it has one, else its query. */
function responseParams (location: string): URLSearchParams {
  const url = new URL(location)
  return url.hash === '' ? url.searchParams : new URLSearchParams(url.hash.slice(1))
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': '\'', '&#9;': '\t', '&#10;': '\n', '&#13;': '\r' }
function unescapeHtml (value: string): string {
  return value.replace(/&(?:amp|lt|gt|quot|#39|#9|#10|#13);/g, entity => ENTITIES[entity] as string)
}

/** The form of a form_post page: its action and hidden fields, as an HTML parser would read them. */
function formOf (html: string): { action: string, fields: Array<[string, string]> } {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1]
  const fields: Array<[string, string]> = []
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.push([unescapeHtml(match[1] as string), unescapeHtml(match[2] as string)])
  }
  return { action: unescapeHtml(action as string), fields }
}

function cspDirectives (value: unknown): Map<string, string> {
  const map = new Map<string, string>()
  for (const part of String(value).split(';')) {
    const [name = '', ...sources] = part.trim().split(/\s+/)
    map.set(name, sources.join(' '))
  }
  return map
}

function isDirectAnswer (t: Test, response: LightMyRequestResponse, code: string, status = 400): void {
  t.equal(response.statusCode, status, 'a 4xx, never a redirect or a 500')
  t.equal(response.headers.location, undefined, 'no Location')
  t.equal(response.headers['cache-control'], 'no-store')
  t.equal(response.headers['referrer-policy'], 'no-referrer')
  t.equal(response.json().error, code, 'the given error code')
}

// ---------------------------------------------------------------------------------------------
// A. Redirect or not

t.test('A1 a missing redirect URI is answered directly: JSON for API clients, a page for browsers', async (t) => {
  for (const redirectUri of [undefined, null, '']) {
    const { response, logs } = await redirect('invalid_request', { redirectUri, description: 'Unknown client', state: 'xyz' })
    isDirectAnswer(t, response, 'invalid_request')
    t.same(response.json(), { error: 'invalid_request', error_description: 'Unknown client' }, 'RFC 6749 body, no state')
    t.match(response.headers['content-type'], /^application\/json/)
    t.equal(response.headers.pragma, 'no-cache')
    t.equal(warnings(logs).length, 0, 'L1 no warning: an unknown client is ordinary traffic')
    t.equal(infos(logs).length, 1, 'one line at info')
    t.equal(infos(logs)[0]?.redirectUriProblem, 'missing', 'the line names the problem')
  }
  const { response } = await redirect('unauthorized_client', { redirectUri: undefined }, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } })
  t.equal(response.statusCode, 400)
  t.match(response.headers['content-type'], /^text\/html; charset=utf-8/)
  t.match(response.body, /<code>unauthorized_client<\/code>/)
  t.match(response.body, new RegExp(catalog.unauthorized_client.description.replace(/[.]/g, '\\.')))
})

t.test('A1 the direct answer is the RFC 6749 body whatever the configured format', async (t) => {
  for (const format of ['problem', 'negotiate'] as const) {
    const { response } = await redirect('access_denied', { redirectUri: undefined }, { headers: { accept: 'application/problem+json' } }, { issuer: ISSUER, format })
    t.match(response.headers['content-type'], /^application\/json/, format)
    t.same(response.json(), { error: 'access_denied', error_description: catalog.access_denied.description })
  }
})

t.test('A1 the direct answer carries the code\'s 4xx status, else 400; never 401 or 5xx', async (t) => {
  const cases: Array<[AuthErrorCode, number | undefined, number]> = [
    ['access_denied', undefined, 400],
    ['invalid_client', undefined, 400], // 401 needs a challenge, which a browser page must not carry
    ['request_forbidden', undefined, 403],
    ['invalid_issuer', undefined, 404],
    ['server_error', undefined, 400],
    ['temporarily_unavailable', undefined, 400],
    ['invalid_request', 404, 404],
    ['invalid_request', 401, 400],
    ['request_forbidden', 500, 403],
    ['access_denied', 399, 400]
  ]
  for (const [code, status, expected] of cases) {
    for (const accept of ['application/json', 'text/html']) {
      const { response } = await redirect(code, { redirectUri: undefined, status }, { headers: { accept } })
      t.equal(response.statusCode, expected, `${code} status ${String(status)} ${accept}`)
      t.equal(response.headers['www-authenticate'], undefined, 'no challenge')
      t.equal(response.headers.location, undefined)
    }
  }
})

const hostileUris: Array<[string, unknown, string]> = [
  ['javascript: lower case', 'javascript:alert(1)', 'dangerous_scheme'],
  ['javascript: odd case', 'JaVaScRiPt:alert(document.domain)', 'dangerous_scheme'],
  ['javascript: after a space', ' javascript:alert(1)', 'dangerous_scheme'],
  ['javascript: with a tab', 'java\tscript:alert(1)', 'dangerous_scheme'],
  ['javascript: with a newline', 'java\nscript:alert(1)', 'dangerous_scheme'],
  ['javascript: with CR and NUL', '\u0000java\rscript:alert(1)', 'dangerous_scheme'],
  ['javascript: with a zero-width space', 'java\u200Bscript:alert(1)', 'dangerous_scheme'],
  ['data: odd case', 'DaTa:text/html,<script>alert(1)</script>', 'dangerous_scheme'],
  ['data: base64', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'dangerous_scheme'],
  ['vbscript: odd case', 'VBScript:MsgBox(1)', 'dangerous_scheme'],
  ['file: upper case', 'FILE:///etc/passwd', 'dangerous_scheme'],
  ['file: with a form feed', 'fi\fle://host/share', 'dangerous_scheme'],
  ['no scheme', 'client.example.com/cb', 'not_absolute'],
  ['a relative path', '/cb', 'not_absolute'],
  ['a scheme-relative URI', '//evil.example/cb', 'not_absolute'],
  ['http on a public host', 'http://client.example.com/cb', 'insecure_http'],
  ['http on a host that starts like loopback', 'http://127.0.0.1.evil.example/cb', 'insecure_http'],
  ['http on a subdomain of localhost', 'http://localhost.evil.example/cb', 'insecure_http'],
  ['http on 0.0.0.0', 'http://0.0.0.0:8080/cb', 'insecure_http'],
  ['an empty fragment', 'https://client.example.com/cb#', 'fragment'],
  ['a fragment', 'https://client.example.com/cb#section', 'fragment'],
  ['a fragment after a query', 'https://client.example.com/cb?x=1#', 'fragment'],
  ['over-long', 'https://client.example.com/cb?x=' + 'a'.repeat(3000), 'too_long'],
  ['an embedded space', 'https://client.example.com/c b', 'invalid_characters'],
  ['an embedded tab', 'https://client.example.com/c\tb', 'invalid_characters'],
  ['CR LF header injection', 'https://client.example.com/cb\r\nSet-Cookie: a=1', 'invalid_characters'],
  ['non-ASCII host', 'https://clïent.example.com/cb', 'invalid_characters'],
  ['quotes and angle brackets', 'https://client.example.com/"><script>alert(1)</script>', 'invalid_characters'],
  ['a backslash', 'https://client.example.com\\@evil.example/', 'invalid_characters'],
  ['a bad percent-escape', 'https://client.example.com/%zz', 'invalid_characters'],
  ['https without //', 'https:client.example.com/cb', 'no_host'],
  ['https with an empty host', 'https:///cb', 'no_host'],
  ['a bad port', 'https://client.example.com:99999/cb', 'malformed'],
  ['a broken IPv6 host', 'https://[::1/cb', 'malformed'],
  ['a scheme without a dot', 'myapp:/cb', 'unsupported_scheme'],
  ['ftp', 'ftp://client.example.com/cb', 'unsupported_scheme'],
  ['about:blank', 'about:blank', 'unsupported_scheme'],
  ['blob:', 'blob:https://client.example.com/uuid', 'unsupported_scheme'],
  ['not a string', 42, 'not_a_string'],
  ['an array', [REDIRECT], 'not_a_string']
]

t.test('A1 hostile or unsafe redirect URIs are never used, whatever the mode', async (t) => {
  for (const [name, redirectUri, problem] of hostileUris) {
    for (const responseMode of ['query', 'fragment', 'form_post']) {
      const { response, logs } = await redirect('access_denied', { redirectUri: redirectUri as string, responseMode, state: 'xyz' })
      isDirectAnswer(t, response, 'access_denied')
      t.notMatch(response.body, /<form/, `${name}: no form`)
      const warning = warnings(logs)[0]
      t.equal(warning?.redirectUriProblem, problem, `${name} (${responseMode}): ${problem}`)
      t.match(warning?.msg, /access_denied is answered directly, not redirected/)
      if (typeof redirectUri === 'string' && /[^\x21-\x7E]/.test(redirectUri)) {
        t.equal(warning?.redirectUri, undefined, `${name}: the raw URI is not logged`)
        t.notOk(warning?.msg.includes(redirectUri), `${name}: not in the message either`)
      }
    }
  }
  const { logs } = await redirect('access_denied', { redirectUri: 'http://client.example.com/cb' })
  t.equal(warnings(logs)[0]?.redirectUri, 'http://client.example.com/cb', 'a printable refused URI is quoted in the log')
})

t.test('A1 safe redirect URIs are used as given', async (t) => {
  const safe = [
    'https://client.example.com/cb',
    'HTTPS://Client.Example.com/cb',
    'https://client.example.com:8443/c%C3%A9/cb;v=1?tenant=a%20b&x=1',
    'http://127.0.0.1:8080/cb',
    'http://127.5.6.7/cb',
    'http://[::1]:3000/cb',
    'http://localhost/cb',
    'HTTP://LOCALHOST:80/cb',
    'com.example.app:/oauth2redirect/example-provider',
    'com.example.app://callback'
  ]
  for (const redirectUri of safe) {
    const { response, logs } = await redirect('access_denied', { redirectUri })
    t.equal(response.statusCode, 302, redirectUri)
    t.ok(response.headers.location?.startsWith(redirectUri), 'the exact URI starts the Location')
    t.equal(warnings(logs).length, 0)
  }
})

t.test('A1 a repeated check of the same URIs keeps its answer (the cache of recent checks is bounded)', async (t) => {
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 300; i++) {
      const ok = await redirect('access_denied', { redirectUri: `https://client${i}.example.com/cb` })
      if (ok.response.statusCode !== 302) t.fail(`client${i}`)
    }
    const bad = await redirect('access_denied', { redirectUri: 'http://client.example.com/cb' })
    t.equal(bad.response.statusCode, 400, `round ${round}: still refused`)
  }
})

t.test('A2 the redirect target never comes from the request', async (t) => {
  const { response } = await redirect('access_denied', { redirectUri: REDIRECT }, {
    url: '/authorize?redirect_uri=https%3A%2F%2Fevil.example%2Fcb&response_mode=form_post',
    headers: { referer: 'https://evil.example/', host: 'evil.example' }
  })
  t.equal(response.statusCode, 302)
  const location = new URL(response.headers.location as string)
  t.equal(location.origin + location.pathname, REDIRECT, 'only the caller\'s redirect URI')
  const direct = await redirect('access_denied', { redirectUri: undefined }, { url: '/authorize?redirect_uri=https%3A%2F%2Fevil.example%2Fcb' })
  isDirectAnswer(t, direct.response, 'access_denied')
})

t.test('A3 server_error and temporarily_unavailable are delivered by redirect, never as a 500/503', async (t) => {
  for (const code of ['server_error', 'temporarily_unavailable'] as const) {
    for (const responseMode of [undefined, 'fragment', 'form_post']) {
      const { response } = await redirect(code, { redirectUri: REDIRECT, responseMode, state: 's' })
      t.ok(response.statusCode === 302 || response.statusCode === 200, `${code} ${String(responseMode)}: ${response.statusCode}`)
      const params = response.statusCode === 302 ? responseParams(response.headers.location as string) : new URLSearchParams(formOf(response.body).fields)
      t.equal(params.get('error'), code)
      t.equal(params.get('state'), 's')
    }
  }
})

t.test('A4 prompt=none errors carry only error, state and iss', async (t) => {
  for (const code of PROMPT_NONE) {
    const options = { redirectUri: REDIRECT, state: 'af0ifjsldkj', description: 'You must log in', uri: 'https://docs.example.com/login' }
    const register = { issuer: ISSUER, errorUri: 'https://docs.example.com/errors' }
    const query = await redirect(code, options, {}, register)
    t.same([...responseParams(query.response.headers.location as string)], [['error', code], ['state', 'af0ifjsldkj'], ['iss', ISSUER]], `${code} by query`)
    const fragment = await redirect(code, { ...options, responseType: 'id_token' }, {}, register)
    t.same([...responseParams(fragment.response.headers.location as string)], [['error', code], ['state', 'af0ifjsldkj'], ['iss', ISSUER]], `${code} by fragment`)
    const formPost = await redirect(code, { ...options, responseMode: 'form_post' }, {}, register)
    t.same(formOf(formPost.response.body).fields, [['error', code], ['state', 'af0ifjsldkj'], ['iss', ISSUER]], `${code} by form_post`)
    const noIssuer = await redirect(code, options, {}, {})
    t.same([...responseParams(noIssuer.response.headers.location as string)], [['error', code], ['state', 'af0ifjsldkj']], `${code} without issuer`)
    const thrown = await redirect(new AuthError(code, { description: 'x', uri: 'https://docs.example.com/x' }), { redirectUri: REDIRECT }, {}, register)
    t.same([...responseParams(thrown.response.headers.location as string)], [['error', code], ['iss', ISSUER]], `${code} from an AuthError`)
  }
})

t.test('A5 302 answers GET and HEAD, 303 answers POST and other methods, never 307', async (t) => {
  const cases: Array<[InjectOptions['method'], number]> = [['GET', 302], ['HEAD', 302], ['POST', 303], ['PUT', 303], ['DELETE', 303]]
  for (const [method, status] of cases) {
    for (const responseMode of ['query', 'fragment', 'query.jwt'] as const) {
      const { response } = await redirect('access_denied', {
        redirectUri: REDIRECT, responseMode, clientId: CLIENT, jarm: { sign: () => 'aGVhZGVy.cGF5bG9hZA.c2ln' }
      }, { method, ...(method === 'POST' || method === 'PUT' ? { payload: { response_type: 'code' } } : {}) })
      t.equal(response.statusCode, status, `${String(method)} ${responseMode}`)
      t.not(response.statusCode, 307)
      t.equal(response.headers['cache-control'], 'no-store')
      t.equal(response.headers.pragma, 'no-cache')
      t.equal(response.headers['referrer-policy'], 'no-referrer')
    }
  }
})

t.test('A6 the direct error page loads nothing, sends no referrer, is not stored, and runs no script', async (t) => {
  const description = '<img src="https://tracker.example/x.gif"> "quoted" & done'
  const { response } = await redirect('access_denied', { redirectUri: undefined, description, uri: 'https://docs.example.com/e?a=1&b="2"' }, { headers: { accept: 'text/html' } })
  t.equal(response.statusCode, 400)
  t.equal(response.headers['cache-control'], 'no-store')
  t.equal(response.headers.pragma, 'no-cache')
  t.equal(response.headers['referrer-policy'], 'no-referrer')
  t.equal(response.headers['x-content-type-options'], 'nosniff')
  t.equal(response.headers['x-frame-options'], 'DENY')
  t.match(response.headers.vary, /Accept/)
  const csp = cspDirectives(response.headers['content-security-policy'])
  t.equal(csp.get('default-src'), '\'none\'')
  t.equal(csp.get('script-src'), undefined, 'no script allowed')
  t.equal(csp.get('frame-ancestors'), '\'none\'')
  t.equal(csp.get('form-action'), '\'none\'')
  const style = /<style>([^<]*)<\/style>/.exec(response.body)?.[1] as string
  t.equal(csp.get('style-src'), `'sha256-${createHash('sha256').update(style).digest('base64')}'`, 'only the page\'s own style, by hash')
  t.notMatch(response.body, /<(?:img|script|link|iframe|object|embed|a)\b/i, 'no element that loads or links anything')
  t.notMatch(response.body, /<[^>]*\b(?:src|href|style)=|url\(/i, 'no attribute that loads anything')
  t.match(response.body, /&lt;img src=&#39;https:\/\/tracker\.example\/x\.gif&#39;&gt; &#39;quoted&#39; &amp; done/, 'the description is sanitised (B2) then escaped')
  t.match(response.body, /<code>https:\/\/docs\.example\.com\/e\?a=1&amp;b=%222%22<\/code>/, 'error_uri shown as text')
})

t.test('A6 Accept decides between the page and the JSON body', async (t) => {
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ['*/*', false],
    ['application/json', false],
    ['text/html', true],
    ['application/xhtml+xml', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8', true],
    ['application/json, text/html;q=0.5', false],
    ['text/html;q=0.5, application/json', false],
    ['text/html;q=0', false],
    ['text/html;q=abc', false],
    ['text/html;level=1;q=0.9, application/*;q=0.9', true],
    ['text/*, application/json', false],
    ['text/html, application/json', false],
    ['text/html, application/*', true],
    ['text/plain', false],
    ['text/html' + ', x/y'.repeat(1000), false]
  ]
  for (const [accept, html] of cases) {
    const { response } = await redirect('access_denied', { redirectUri: undefined }, { headers: accept === undefined ? {} : { accept } })
    t.equal(/^text\/html/.test(String(response.headers['content-type'])), html, `${String(accept).slice(0, 60)} -> ${html ? 'page' : 'JSON'}`)
  }
})

// ---------------------------------------------------------------------------------------------
// B. Parameters

t.test('B1 error is the code, in the RFC 6749 charset, for every catalog code', async (t) => {
  for (const code of Object.keys(catalog) as AuthErrorCode[]) {
    const { response } = await redirect(code, { redirectUri: REDIRECT })
    const location = response.headers.location as string
    t.ok(location.startsWith(REDIRECT + '?error=' + code + '&') || location === REDIRECT + '?error=' + code + '&iss=' + encodeURIComponent(ISSUER), code)
    t.equal(responseParams(location).get('error'), code)
  }
  const custom = await redirect('my code!' as AuthErrorCode, { redirectUri: REDIRECT }, {}, { codes: { 'my code!': { status: 400, description: 'Custom' } } })
  t.match(custom.response.headers.location, /\?error=my\+code%21&/, 'a custom code with a space is form-encoded')
  t.equal(responseParams(custom.response.headers.location as string).get('error'), 'my code!')
})

t.test('B1 an unknown code is a programming error, like reply.authError', async (t) => {
  let thrown: unknown
  const { response } = await run((reply) => {
    try {
      return reply.authRedirect('no_such_code' as AuthErrorCode, { redirectUri: REDIRECT })
    } catch (err) {
      thrown = err
      return reply.code(418).send()
    }
  })
  t.equal(response.statusCode, 418)
  t.equal((thrown as { code?: string }).code, 'FST_AUTH_ERRORS_UNKNOWN_CODE')
})

const hostileText: Array<[string, string]> = [
  ['quotes', 'say "no" and \'never\''],
  ['ampersands and equals', 'a=1&b=2&error=access_granted'],
  ['hash', 'before#after'],
  ['angle brackets', '</script><script>alert(1)</script>'],
  ['non-ASCII', 'refusé ✓ 拒否 😀'],
  ['CR LF', 'line1\r\nLocation: https://evil.example/\r\n\r\n<b>'],
  ['backslashes', 'C:\\path\\to'],
  ['plus and percent', '100% + 1 %2B %20'],
  ['10 kB', 'x'.repeat(10 * 1024)]
]

t.test('B2 error_description is sanitised in every mode; hostile text never breaks the URL', async (t) => {
  for (const [name, description] of hostileText) {
    for (const responseMode of ['query', 'fragment', 'form_post']) {
      const { response } = await redirect('access_denied', { redirectUri: REDIRECT + '?x=1', responseMode, description, state: 's' })
      const params = responseMode === 'form_post' ? new URLSearchParams(formOf(response.body).fields) : responseParams(response.headers.location as string)
      const sent = params.get('error_description') as string
      t.match(sent, TEXT_CHARSET, `${name} (${responseMode}): RFC 6749 A.8 charset`)
      t.ok(sent.length <= 512, 'S4 limit')
      t.same(params.getAll('error'), ['access_denied'], 'no injected parameter')
      t.same(params.getAll('state'), ['s'])
      if (responseMode !== 'form_post') {
        const location = response.headers.location as string
        t.equal(location.split('#').length, responseMode === 'fragment' ? 2 : 1, 'one # at most')
        t.equal(new URL(location).searchParams.get('x'), '1', 'the own query survives')
        t.notMatch(location, /[^\x21-\x7E]/, 'the Location is printable ASCII')
      }
    }
  }
  const quoted = await redirect('access_denied', { redirectUri: REDIRECT, description: 'say "no"\\' })
  t.equal(responseParams(quoted.response.headers.location as string).get('error_description'), 'say \'no\'/')
})

t.test('B3 error_uri is sanitised in every mode', async (t) => {
  for (const [name, text] of hostileText) {
    const uri = 'https://docs.example.com/e?q=' + text
    for (const responseMode of ['query', 'fragment', 'form_post']) {
      const { response } = await redirect('access_denied', { redirectUri: REDIRECT, responseMode, uri }, {}, { issuer: ISSUER, errorUri: 'https://docs.example.com/errors' })
      const params = responseMode === 'form_post' ? new URLSearchParams(formOf(response.body).fields) : responseParams(response.headers.location as string)
      const sent = params.get('error_uri') as string
      t.match(sent, URI_CHARSET, `${name} (${responseMode}): RFC 6749 A.9 charset`)
      if (text.length > 2000) t.equal(sent, 'https://docs.example.com/errors#access_denied', 'an over-long URI falls back to the configured one')
    }
  }
  const empty = await redirect('access_denied', { redirectUri: REDIRECT, uri: '' })
  t.equal(responseParams(empty.response.headers.location as string).get('error_uri'), null, 'no error_uri without errorUri')
  const same = await redirect('access_denied', { redirectUri: REDIRECT, description: catalog.access_denied.description })
  t.equal(responseParams(same.response.headers.location as string).get('error_description'), catalog.access_denied.description)
})

t.test('B4 state is echoed exactly as received, in every mode', async (t) => {
  const states = [...hostileText.map(([, text]) => text), '+', '%20', '=', '?a=b#c', 'a'.repeat(20000), '\u0000\u007F']
  for (const state of states) {
    for (const responseMode of ['query', 'fragment', 'form_post']) {
      const { response } = await redirect('access_denied', { redirectUri: REDIRECT, responseMode, state })
      const params = responseMode === 'form_post' ? new URLSearchParams(formOf(response.body).fields) : responseParams(response.headers.location as string)
      t.equal(params.get('state'), state, `${JSON.stringify(state.slice(0, 30))} (${responseMode})`)
    }
  }
  const fromRequest = await run((reply, request) => reply.authRedirect('access_denied', { redirectUri: REDIRECT, state: (request.query as { state: string }).state }), {
    url: '/authorize?state=' + encodeURIComponent('a b&c=d#e<f>"é')
  })
  t.equal(responseParams(fromRequest.response.headers.location as string).get('state'), 'a b&c=d#e<f>"é', 'a state read from the request')
})

t.test('B4 an empty or missing state is absent; a repeated one is dropped with a warning', async (t) => {
  for (const state of [undefined, '']) {
    const { response } = await redirect('access_denied', { redirectUri: REDIRECT, state })
    t.equal(responseParams(response.headers.location as string).has('state'), false, JSON.stringify(state))
  }
  const repeated = await run((reply, request) => reply.authRedirect('access_denied', { redirectUri: REDIRECT, state: (request.query as { state: string }).state }), {
    url: '/authorize?state=a&state=b'
  })
  t.equal(responseParams(repeated.response.headers.location as string).has('state'), false)
  t.match(infos(repeated.logs)[0]?.msg, /state is not a string/, 'L1 a repeated parameter is logged at info')
  t.equal(warnings(repeated.logs).length, 0)
})

t.test('B4 property: any state survives the round trip; any description stays in the charset', async () => {
  const seen: string[] = []
  const app = Fastify()
  await app.register(authErrors, { issuer: ISSUER })
  app.post('/authorize', (request, reply) => {
    const body = request.body as { state: string, description: string, mode: string }
    return reply.authRedirect('access_denied', { redirectUri: REDIRECT + '?k=v', state: body.state, description: body.description, responseMode: body.mode })
  })
  await fc.assert(fc.asyncProperty(
    fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: 'binary' }), fc.constantFrom('query', 'fragment', 'form_post'),
    async (state, description, mode) => {
      const response = await app.inject({ method: 'POST', url: '/authorize', payload: { state, description, mode } })
      const params = mode === 'form_post' ? new URLSearchParams(formOf(response.body).fields) : responseParams(response.headers.location as string)
      seen.push(mode)
      return params.get('state') === state.toWellFormed() &&
        (params.get('error_description') ?? '').length <= 512 && TEXT_CHARSET.test(params.get('error_description') as string) &&
        (mode === 'form_post' || new URL(response.headers.location as string).searchParams.get('k') === 'v')
    }), { numRuns: 200 })
  await app.close()
})

t.test('B5 iss is added when the issuer is configured, and only then', async (t) => {
  for (const responseMode of ['query', 'fragment', 'form_post']) {
    const withIssuer = await redirect('access_denied', { redirectUri: REDIRECT, responseMode })
    const params = responseMode === 'form_post' ? new URLSearchParams(formOf(withIssuer.response.body).fields) : responseParams(withIssuer.response.headers.location as string)
    t.equal(params.get('iss'), ISSUER, `${responseMode}: iss`)
    const without = await redirect('access_denied', { redirectUri: REDIRECT, responseMode }, {}, {})
    const bare = responseMode === 'form_post' ? new URLSearchParams(formOf(without.response.body).fields) : responseParams(without.response.headers.location as string)
    t.equal(bare.has('iss'), false, `${responseMode}: no iss without issuer`)
  }
})

t.test('B6 parameters are form-urlencoded after the redirect URI\'s own query', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://client.example.com/cb', 'https://client.example.com/cb?'],
    ['https://client.example.com/cb?', 'https://client.example.com/cb?'],
    ['https://client.example.com/cb?tenant=a%20b&x=1', 'https://client.example.com/cb?tenant=a%20b&x=1&'],
    ['https://client.example.com/cb?x=1&', 'https://client.example.com/cb?x=1&'],
    ['https://client.example.com/c%C3%A9/cb?q=%2B+', 'https://client.example.com/c%C3%A9/cb?q=%2B+&']
  ]
  const state = 'st !\'()~*-._ é&=+'
  for (const [redirectUri, prefix] of cases) {
    const { response } = await redirect('access_denied', { redirectUri, state, description: 'Denied (by you) ~ now!' })
    const location = response.headers.location as string
    t.ok(location.startsWith(prefix), `${redirectUri}: the own query is kept as it was`)
    const expected = new URLSearchParams([['error', 'access_denied'], ['error_description', 'Denied (by you) ~ now!'], ['state', state], ['iss', ISSUER]]).toString()
    t.equal(location.slice(prefix.length), expected, 'exactly what URLSearchParams writes (application/x-www-form-urlencoded)')
  }
  const fragment = await redirect('access_denied', { redirectUri: 'https://client.example.com/cb?x=1', responseType: 'token', state: 'a b' })
  const location = fragment.response.headers.location as string
  t.ok(location.startsWith('https://client.example.com/cb?x=1#error=access_denied&'), 'fragment mode keeps the query and adds the fragment')
  t.equal(new URL(location).searchParams.get('x'), '1')
  t.equal(responseParams(location).get('state'), 'a b')
})

// ---------------------------------------------------------------------------------------------
// C. Response modes

t.test('C1 the default mode follows the response type', async (t) => {
  const cases: Array<[unknown, 'query' | 'fragment']> = [
    [undefined, 'query'],
    [null, 'query'],
    ['', 'query'],
    ['code', 'query'],
    ['none', 'query'],
    ['token', 'fragment'],
    ['id_token', 'fragment'],
    ['code id_token', 'fragment'],
    ['id_token code', 'fragment'],
    ['code token', 'fragment'],
    ['id_token token', 'fragment'],
    ['code id_token token', 'fragment'],
    ['vp_token', 'fragment'],
    [['code', 'token'], 'fragment']
  ]
  for (const [responseType, mode] of cases) {
    const { response } = await redirect('access_denied', { redirectUri: REDIRECT, responseType: responseType as string, state: 's' })
    const url = new URL(response.headers.location as string)
    t.equal(url.hash === '' ? 'query' : 'fragment', mode, `${JSON.stringify(responseType)} -> ${mode}`)
    t.equal(responseParams(url.href).get('error'), 'access_denied')
    if (mode === 'fragment') t.equal(url.search, '', 'nothing in the query')
  }
  const explicit = await redirect('access_denied', { redirectUri: REDIRECT, responseType: 'code', responseMode: 'fragment' })
  t.match(explicit.response.headers.location, /#error=access_denied/, 'an explicit fragment mode for code')
  const explicitQuery = await redirect('access_denied', { redirectUri: REDIRECT, responseType: 'none', responseMode: 'query' })
  t.match(explicitQuery.response.headers.location, /\?error=access_denied/)
})

t.test('C2 a query mode is never used for a fragment response type; unknown modes fail safe', async (t) => {
  const refused: Array<[string | undefined, unknown]> = [
    ['token', 'query'], ['id_token', 'query'], ['code id_token', 'query'], ['code token', 'query.jwt'],
    ['code', 'web_message'], ['code', 'QUERY'], ['code', 'form_post '], ['code', 42], ['code', '__proto__'], ['code', 'toString']
  ]
  for (const [responseType, responseMode] of refused) {
    const { response, logs } = await redirect('access_denied', {
      redirectUri: REDIRECT, responseType, responseMode: responseMode as string, state: 's', clientId: CLIENT, jarm: { sign: () => 'a.b.c' }
    })
    isDirectAnswer(t, response, 'access_denied')
    t.match(infos(logs)[0]?.msg, /response mode|RULES C2/, `${String(responseType)} + ${String(responseMode)}: logged at info (L1: the request chose it)`)
  }
  const { logs } = await redirect('access_denied', { redirectUri: REDIRECT, responseType: 'token\n', responseMode: 'query' })
  t.equal(infos(logs)[0]?.responseType, undefined, 'a response type with controls is not quoted in the log')
})

t.test('C3 form_post: a 200 page that POSTs every value, escaped, to the redirect URI', async (t) => {
  const state = '"><script>alert(1)</script><input name="x'
  const redirectUri = 'https://client.example.com/cb?tenant=a&b=%22'
  const { response } = await redirect('access_denied', { redirectUri, responseMode: 'form_post', state, description: 'No <b>way</b> & "never"', uri: 'https://docs.example.com/?a=1&b=2' })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'text/html; charset=utf-8')
  t.equal(response.headers['cache-control'], 'no-store')
  t.equal(response.headers.pragma, 'no-cache')
  t.equal(response.headers['referrer-policy'], 'no-referrer')
  t.equal(response.headers['x-content-type-options'], 'nosniff')
  t.equal(response.headers.location, undefined)
  const scripts = [...response.body.matchAll(/<script>([^<]*)<\/script>/g)].map(match => match[1] as string)
  t.equal(scripts.length, 1, 'one script element: the escaped state did not add one')
  t.equal((response.body.match(/<script/g) ?? []).length, 1)
  t.equal((response.body.match(/<input /g) ?? []).length, 5, 'five inputs: none injected')
  const csp = cspDirectives(response.headers['content-security-policy'])
  t.equal(csp.get('default-src'), '\'none\'')
  t.equal(csp.get('script-src'), `'sha256-${createHash('sha256').update(scripts[0] as string).digest('base64')}'`, 'only that script, by hash')
  t.equal(csp.get('form-action'), 'https://client.example.com', 'the form may only go to the redirect URI\'s origin')
  t.equal(csp.get('base-uri'), '\'none\'')
  const form = formOf(response.body)
  t.equal(form.action, redirectUri, 'the action is the redirect URI, own query included')
  t.same(form.fields, [
    ['error', 'access_denied'],
    ['error_description', 'No <b>way</b> & \'never\''],
    ['error_uri', 'https://docs.example.com/?a=1&b=2'],
    ['state', state],
    ['iss', ISSUER]
  ])
  t.match(response.body, /<noscript>.*<button type="submit">Continue<\/button><\/noscript>/s, 'a button for user agents without script')
  t.match(response.body, /<form method="post" action="https:\/\/client\.example\.com\/cb\?tenant=a&amp;b=%22">/)
  const crlf = await redirect('access_denied', { redirectUri, responseMode: 'form_post', state: 'a\r\nb\tc' })
  t.match(crlf.response.body, /value="a&#13;&#10;b&#9;c"/, 'CR, LF and tab as character references')
})

t.test('C3 form-action names the origin (a private-use scheme is its own); a web origin no CSP host-source can name gets no form_post (test/pages.test.ts)', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://client.example.com:8443/cb', 'https://client.example.com:8443'],
    ['http://127.0.0.1:9000/cb', 'http://127.0.0.1:9000'],
    ['http://localhost/cb', 'http://localhost'],
    ['com.example.app:/cb', 'com.example.app:']
  ]
  for (const [redirectUri, source] of cases) {
    const { response } = await redirect('access_denied', { redirectUri, responseMode: 'form_post' })
    t.equal(response.statusCode, 200, redirectUri)
    t.equal(cspDirectives(response.headers['content-security-policy']).get('form-action'), source, `${redirectUri} -> ${source}`)
  }
})

// ---------------------------------------------------------------------------------------------
// C4 JARM, verified by oauth4webapi with a real key pair

function b64u (value: string | ArrayBuffer): string {
  return Buffer.from(typeof value === 'string' ? Buffer.from(value) : new Uint8Array(value)).toString('base64url')
}

const jwks = { keys: [{ kty, crv, x, y, kid: 'jarm-1', alg: 'ES256', use: 'sig' }] }

/** The application's signer: ES256 with WebCrypto, no JOSE library. */
async function sign (claims: JarmClaims): Promise<string> {
  const input = b64u(JSON.stringify({ alg: 'ES256', kid: 'jarm-1', typ: 'JWT' })) + '.' + b64u(JSON.stringify(claims))
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.privateKey, Buffer.from(input))
  return input + '.' + b64u(signature)
}

function claimsOf (jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>
}

t.test('C4 JARM: one response parameter, a JWT that oauth4webapi validates, in every JWT mode', async (t) => {
  const app = Fastify()
  await app.register(authErrors, { issuer: ISSUER, errorUri: 'https://docs.example.com/errors' })
  app.get('/jwks', async () => jwks)
  app.get('/authorize', (request, reply) => {
    const query = request.query as Record<string, string>
    return reply.authRedirect('access_denied', {
      redirectUri: REDIRECT, responseType: query.response_type, responseMode: query.response_mode, state: query.state, clientId: CLIENT, jarm: { sign }
    })
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const as: oauth.AuthorizationServer = { issuer: ISSUER, jwks_uri: origin + '/jwks', authorization_signing_alg_values_supported: ['ES256'] }
  const client: oauth.Client = { client_id: CLIENT, authorization_signed_response_alg: 'ES256' }

  const cases: Array<[string, string, 'query' | 'fragment' | 'form_post']> = [
    ['code', 'jwt', 'query'],
    ['code id_token', 'jwt', 'fragment'],
    ['token', 'jwt', 'fragment'],
    ['none', 'jwt', 'query'],
    ['code', 'query.jwt', 'query'],
    ['code', 'fragment.jwt', 'fragment'],
    ['code', 'form_post.jwt', 'form_post'],
    ['id_token', 'form_post.jwt', 'form_post']
  ]
  const state = 'st&te "<x>" é'
  for (const [responseType, responseMode, delivery] of cases) {
    const response = await fetch(`${origin}/authorize?` + new URLSearchParams({ response_type: responseType, response_mode: responseMode, state }).toString(), { redirect: 'manual' })
    let params: URLSearchParams
    if (delivery === 'form_post') {
      t.equal(response.status, 200)
      params = new URLSearchParams(formOf(await response.text()).fields)
    } else {
      t.equal(response.status, 302, `${responseType} ${responseMode}`)
      const location = response.headers.get('location') as string
      const url = new URL(location)
      t.equal(url.hash === '' ? 'query' : 'fragment', delivery, `${responseType} + ${responseMode} -> ${delivery}.jwt`)
      params = responseParams(location)
    }
    t.same([...params.keys()], ['response'], 'only response: no iss beside it (B5), no state, no error')
    const err = await oauth.validateJwtAuthResponse(as, client, params, state, { [oauth.allowInsecureRequests]: true }).catch((e: unknown) => e)
    t.ok(err instanceof oauth.AuthorizationResponseError, 'oauth4webapi verified the signature, iss, aud and exp, then surfaced the error')
    const error = err as oauth.AuthorizationResponseError
    t.equal(error.error, 'access_denied')
    t.equal(error.error_description, catalog.access_denied.description)
    t.equal(error.cause.get('error_uri'), 'https://docs.example.com/errors#access_denied')
    t.equal(error.cause.get('state'), state)
    t.equal(error.cause.get('iss'), ISSUER, 'iss inside the JWT')
    const wrongState = await oauth.validateJwtAuthResponse(as, client, params, 'other', { [oauth.allowInsecureRequests]: true }).catch((e: unknown) => e)
    t.notOk(wrongState instanceof oauth.AuthorizationResponseError, 'a wrong state is caught before the error (the state is really checked)')
    const claims = claimsOf(params.get('response') as string)
    t.same(Object.keys(claims), ['iss', 'aud', 'exp', 'error', 'error_description', 'error_uri', 'state'])
    t.equal(claims.aud, CLIENT)
    const lifetime = (claims.exp as number) - Math.floor(Date.now() / 1000)
    t.ok(lifetime > 590 && lifetime <= 600, `exp is now + 600 s (${lifetime})`)
  }
  const otherIssuer = { ...as, issuer: 'https://other.example.com' }
  const response = await fetch(`${origin}/authorize?state=s`, { redirect: 'manual' })
  t.equal(response.status, 302, 'no response mode: a plain redirect')
  const jarmResponse = await fetch(`${origin}/authorize?state=s&response_mode=jwt`, { redirect: 'manual' })
  const mismatch = await oauth.validateJwtAuthResponse(otherIssuer, client, new URL(jarmResponse.headers.get('location') as string), 's', { [oauth.allowInsecureRequests]: true }).catch((e: unknown) => e)
  t.notOk(mismatch instanceof oauth.AuthorizationResponseError, 'the JWT iss is checked against the issuer')
})

t.test('C4 JARM claims: expiresIn, prompt=none codes, no state, an AuthError\'s options', async (t) => {
  const signed: JarmClaims[] = []
  const capture = (claims: JarmClaims): string => { signed.push(claims); return 'aGVhZGVy.cGF5bG9hZA.c2ln' }
  await redirect('access_denied', { redirectUri: REDIRECT, responseMode: 'jwt', clientId: CLIENT, jarm: { sign: capture, expiresIn: 60 } })
  const lifetime = (signed[0]?.exp as number) - Math.floor(Date.now() / 1000)
  t.ok(lifetime > 55 && lifetime <= 60, 'expiresIn sets exp')
  t.same(Object.keys(signed[0] as object), ['iss', 'aud', 'exp', 'error', 'error_description'], 'no state, no error_uri without errorUri')
  await redirect('login_required', { redirectUri: REDIRECT, responseMode: 'jwt', clientId: CLIENT, state: 's', description: 'x', jarm: { sign: capture } }, {}, { issuer: ISSUER, errorUri: 'https://docs.example.com/e' })
  t.same(signed[1], { iss: ISSUER, aud: CLIENT, exp: signed[1]?.exp, error: 'login_required', state: 's' }, 'A4 inside the JWT too')
  await redirect(new AuthError('invalid_scope', { description: 'Scope admin', uri: 'https://docs.example.com/scopes', state: 'from-error' }), {
    redirectUri: REDIRECT, responseMode: 'jwt', clientId: CLIENT, jarm: { sign: capture }, state: undefined
  })
  t.same(signed[2], { iss: ISSUER, aud: CLIENT, exp: signed[2]?.exp, error: 'invalid_scope', error_description: 'Scope admin', error_uri: 'https://docs.example.com/scopes', state: 'from-error' })
  const { response } = await redirect('access_denied', { redirectUri: REDIRECT, responseMode: 'fragment.jwt', clientId: CLIENT, jarm: { sign: () => 'aGVhZGVy.cGF5bG9hZA.c2ln.aXY.dGFn' } })
  t.equal(response.headers.location, REDIRECT + '#response=aGVhZGVy.cGF5bG9hZA.c2ln.aXY.dGFn', 'a compact JWE is accepted')
})

t.test('C4 JARM without issuer, clientId or signer fails safe, with a warning', async (t) => {
  const cases: Array<[string, Partial<AuthRedirectOptions>, AuthErrorsOptions, RegExp]> = [
    ['no issuer', { clientId: CLIENT, jarm: { sign } }, {}, /needs the issuer option/],
    ['no clientId', { jarm: { sign } }, { issuer: ISSUER }, /needs the clientId option/],
    ['empty clientId', { clientId: '', jarm: { sign } }, { issuer: ISSUER }, /needs the clientId option/],
    ['no jarm', { clientId: CLIENT }, { issuer: ISSUER }, /needs jarm\.sign/],
    ['sign not a function', { clientId: CLIENT, jarm: { sign: 'x' as never } }, { issuer: ISSUER }, /needs jarm\.sign/],
    ['expiresIn zero', { clientId: CLIENT, jarm: { sign, expiresIn: 0 } }, { issuer: ISSUER }, /expiresIn/],
    ['expiresIn fractional', { clientId: CLIENT, jarm: { sign, expiresIn: 1.5 } }, { issuer: ISSUER }, /expiresIn/]
  ]
  for (const [name, options, register, message] of cases) {
    for (const responseMode of ['jwt', 'form_post.jwt']) {
      const { response, logs } = await redirect('access_denied', { redirectUri: REDIRECT, responseMode, state: 's', ...options }, {}, register)
      isDirectAnswer(t, response, 'access_denied')
      t.match(warnings(logs)[0]?.msg, message, `${name} ${responseMode}`)
    }
  }
})

t.test('C4 a signer that throws, rejects or returns no JWT gives server_error by direct answer, never half-sent', async (t) => {
  const signers: Array<[string, () => unknown]> = [
    ['throws', () => { throw new Error('HSM offline') }],
    ['rejects', () => Promise.reject(new Error('HSM offline'))],
    ['rejects after a delay', () => new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), 5))],
    ['returns a number', () => 42],
    ['returns text', () => 'not a jwt'],
    ['returns a JWT with a newline', () => 'a.b.c\r\nSet-Cookie: x=1']
  ]
  for (const [name, badSign] of signers) {
    for (const accept of ['application/json', 'text/html']) {
      const { response, logs } = await redirect('access_denied', {
        redirectUri: REDIRECT, responseMode: 'jwt', clientId: CLIENT, state: 's', jarm: { sign: badSign as () => string }
      }, { headers: { accept } })
      t.equal(response.statusCode, 400, `${name}: a direct 4xx`)
      t.equal(response.headers.location, undefined, 'no redirect')
      t.equal(response.headers['cache-control'], 'no-store')
      if (accept === 'text/html') t.match(response.body, /<code>server_error<\/code>/)
      else t.equal(response.json().error, 'server_error')
      const errors = logs.filter(line => line.level === 50)
      t.equal(errors.length, 1, 'logged once at error level')
      t.match(errors[0]?.msg, /jarm\.sign failed/)
    }
  }
})

t.test('C4 a reply sent while the signer runs is not sent twice', async (t) => {
  let sent = 0
  for (const fail of [false, true]) {
    const { response, logs } = await run((reply) => reply.authRedirect('access_denied', {
      redirectUri: REDIRECT,
      responseMode: 'jwt',
      clientId: CLIENT,
      jarm: {
        sign: async () => {
          sent++
          await reply.code(409).send('conflict')
          if (fail) throw new Error('late failure')
          return 'aGVhZGVy.cGF5bG9hZA.c2ln'
        }
      }
    }))
    t.equal(response.statusCode, 409, 'the first answer stands')
    t.equal(response.body, 'conflict')
    if (fail) t.equal(logs.filter(line => line.level === 50).length, 1, 'the failure is logged')
    else t.match(warnings(logs)[0]?.msg, /JARM response is dropped/)
  }
  t.equal(sent, 2)
})

// ---------------------------------------------------------------------------------------------
// Call shapes

t.test('A3 an AuthError carries its description, uri and state into the redirect; call options win', async (t) => {
  const error = new AuthError('invalid_scope', { description: 'Scope admin is not allowed', uri: 'https://docs.example.com/scopes', state: 'from-error' })
  const plain = await redirect(error, { redirectUri: REDIRECT })
  t.same([...responseParams(plain.response.headers.location as string)], [
    ['error', 'invalid_scope'], ['error_description', 'Scope admin is not allowed'], ['error_uri', 'https://docs.example.com/scopes'], ['state', 'from-error'], ['iss', ISSUER]
  ])
  const overridden = await redirect(error, { redirectUri: REDIRECT, state: 'from-call', description: undefined })
  const params = responseParams(overridden.response.headers.location as string)
  t.equal(params.get('state'), 'from-call')
  t.equal(params.get('error_description'), 'Scope admin is not allowed', 'an undefined call option keeps the error\'s value')
  const noOptions = await run((reply) => (reply.authRedirect as (code: unknown, options?: unknown) => FastifyReply)(error))
  isDirectAnswer(t, noOptions.response, 'invalid_scope')
  const codeOnly = await run((reply) => (reply.authRedirect as (code: unknown, options?: unknown) => FastifyReply)('access_denied'))
  isDirectAnswer(t, codeOnly.response, 'access_denied')
})

// ---------------------------------------------------------------------------------------------
// JWT response modes from an async handler that does not return the reply (issue 16 item 5)

/** A real JARM signer (jose), slow enough that an async handler resolves before it does. */
async function joseSign (claims: JarmClaims): Promise<string> {
  await new Promise(resolve => setTimeout(resolve, 5))
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'jarm-1' }).sign(joseKeys.privateKey)
}

/** Registers an async route that calls `reply.authRedirect` and returns nothing, then injects one request. */
async function runForgetful (jarm: AuthRedirectOptions['jarm'], responseMode: string, after?: () => void): Promise<Captured> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } } } })
  await app.register(authErrors, { issuer: ISSUER })
  app.get('/authorize', async (_request, reply) => {
    reply.authRedirect('access_denied', { redirectUri: REDIRECT, responseMode, state: 's', clientId: CLIENT, jarm })
    after?.()
  })
  const response = await app.inject({ url: '/authorize' })
  await app.close()
  return { response, logs }
}

t.test('C4 a JWT response mode from an async handler that does not return the reply is still delivered, never a blank 200', async (t) => {
  for (const responseMode of ['jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt']) {
    const { response, logs } = await runForgetful({ sign: joseSign }, responseMode)
    let jwt: string | undefined
    if (responseMode === 'form_post.jwt') {
      t.equal(response.statusCode, 200, `${responseMode}: the form_post page`)
      const form = formOf(response.body)
      t.equal(form.action, REDIRECT)
      t.same(form.fields.map(([name]) => name), ['response'])
      jwt = form.fields[0]?.[1]
    } else {
      t.equal(response.statusCode, 302, `${responseMode}: a redirect`)
      jwt = responseParams(response.headers.location as string).get('response') ?? undefined
      t.equal(new URL(response.headers.location as string).hash === '', responseMode !== 'fragment.jwt', `${responseMode}: query or fragment`)
    }
    t.type(jwt, 'string', `${responseMode}: a response JWT`)
    const { payload } = await jwtVerify(jwt as string, joseKeys.publicKey, { issuer: ISSUER, audience: CLIENT })
    t.equal(payload.error, 'access_denied')
    t.equal(payload.state, 's')
    t.equal(response.headers['cache-control'], 'no-store')
    t.same(warnings(logs), [], `${responseMode}: nothing dropped, nothing sent twice`)
  }
})

t.test('C4 a failing signer behind an async handler that does not return the reply gives the direct server_error, not a blank 200', async (t) => {
  const { response, logs } = await runForgetful({ sign: async () => { await new Promise(resolve => setTimeout(resolve, 5)); throw new Error('HSM offline') } }, 'jwt')
  isDirectAnswer(t, response, 'server_error')
  t.equal(logs.filter(line => line.level === 50).length, 1, 'logged once at error level')
})

t.test('C4 an async handler that throws after authRedirect with a JWT mode is answered by the error handler; the late JWT is dropped', async (t) => {
  const { response, logs } = await runForgetful({ sign: joseSign }, 'jwt', () => { throw new Error('boom') })
  t.equal(response.statusCode, 500)
  t.equal(response.json().error, 'server_error')
  t.equal(response.headers.location, undefined, 'no redirect after the error answer')
  await new Promise(resolve => setTimeout(resolve, 20))
  t.match(warnings(logs).map(line => line.msg), [/JARM response is dropped/])
})

t.test('C4 a send the application wrapped on the reply is held, then put back as it was', async (t) => {
  const app = Fastify()
  await app.register(authErrors, { issuer: ISSUER })
  let wrappedCalls = 0
  let seen: { send: unknown } | undefined
  app.addHook('onRequest', async (_request, reply) => {
    const send = reply.send.bind(reply)
    reply.send = function wrappedSend (payload?: unknown) {
      wrappedCalls++
      return send(payload)
    }
  })
  app.get('/authorize', async (_request, reply) => {
    reply.authRedirect('access_denied', { redirectUri: REDIRECT, responseMode: 'query.jwt', clientId: CLIENT, jarm: { sign: joseSign } })
    seen = reply
  })
  const response = await app.inject({ url: '/authorize' })
  t.equal(response.statusCode, 302)
  t.ok(responseParams(response.headers.location as string).has('response'))
  t.ok(wrappedCalls >= 1, 'the application\'s own send ran')
  t.equal((seen?.send as { name?: string } | undefined)?.name, 'wrappedSend', 'its send is back in place')
})
