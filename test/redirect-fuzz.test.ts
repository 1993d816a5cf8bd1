/**
 * Redirect-URI fuzzing: a corpus of hostile and legitimate redirect URIs
 * (test/fixtures/redirect-uris.json, hand-written) plus generated variants, each sent through
 * `reply.authRedirect` in every plain response mode. Each one is either answered directly (the
 * fail-safe 4xx of DESIGN.md: no Location, no form, a warning logged) or delivered to exactly
 * the URI the application passed: same origin, same path, its own query kept, and only the
 * error parameters added. Never anywhere else.
 */
import t from 'tap'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import Fastify, { type FastifyInstance } from 'fastify'
import authErrors from '../lib/index.js'
import { PARAMS, RUNS, SEED, hostileString } from './properties/arbitraries.js'
import { checkResponse, formOf, redirectParams } from './properties/checks.js'

interface CorpusEntry {
  uri: string
  expect: 'redirect' | 'refuse'
  why: string
  /** Characters (`a`) appended to `uri`, for the over-long cases. */
  pad?: number
}

interface LogLine { level: number, msg: string, [key: string]: unknown }

const ISSUER = 'https://as.example.com'
const MODES = ['query', 'fragment', 'form_post'] as const
const ADDED = new Set(['error', 'error_description', 'error_uri', 'state', 'iss'])

const corpus: CorpusEntry[] = (JSON.parse(readFileSync(new URL('./fixtures/redirect-uris.json', import.meta.url), 'utf8')) as CorpusEntry[])
  .map(entry => entry.pad === undefined ? entry : { ...entry, uri: entry.uri + 'a'.repeat(entry.pad) })

/** Characters a browser may skip inside a scheme: whitespace, controls and invisible format characters. */
const HIDDEN = ['\t', '\n', '\r', '\u0000', ' ', '\u000b', '\u000c', '\u001f', '\u007f', '\u0085', '\u00a0', '\u00ad', '\u200b', '\u2028', '\ufeff']
/** Characters outside RFC 3986: a URI holding one is refused wherever it sits. */
const NOT_URI = [' ', '\t', '\n', '\r', '\u0000', '"', '<', '>', '\\', '^', '`', '{', '|', '}', '\u00e9', '\u2028', '\ud800', '\u007f']

function caseVariants (word: string): string[] {
  const alternate = [...word].map((char, i) => i % 2 === 0 ? char.toUpperCase() : char).join('')
  const inverse = [...word].map((char, i) => i % 2 === 1 ? char.toUpperCase() : char).join('')
  return [word, word.toUpperCase(), alternate, inverse, word[0]?.toUpperCase() + word.slice(1)]
}

/** Script, data and file schemes in every case variant, with a hidden character at every position. */
function dangerousVariants (): CorpusEntry[] {
  const entries: CorpusEntry[] = []
  for (const [scheme, rest] of [['javascript', 'alert(1)'], ['data', 'text/html,x'], ['vbscript', 'msgbox(1)'], ['file', '///etc/passwd']] as const) {
    for (const variant of caseVariants(scheme)) entries.push({ uri: `${variant}:${rest}`, expect: 'refuse', why: `${scheme}: in case ${variant}` })
    const word = scheme + ':'
    for (let at = 0; at <= word.length - 1; at++) {
      for (const hidden of HIDDEN) {
        entries.push({ uri: word.slice(0, at) + hidden + word.slice(at) + rest, expect: 'refuse', why: `${scheme}: with U+${hidden.charCodeAt(0).toString(16)} at ${at}` })
      }
    }
  }
  return entries
}

/** A legitimate URI with one character outside RFC 3986 at each position. */
function invalidCharacterVariants (): CorpusEntry[] {
  const base = 'https://client.example.com:8443/cb?x=1'
  const entries: CorpusEntry[] = []
  for (const at of [0, 5, 8, 15, 26, 31, 34, 36, base.length]) {
    for (const char of NOT_URI) {
      entries.push({ uri: base.slice(0, at) + char + base.slice(at), expect: 'refuse', why: `U+${char.charCodeAt(0).toString(16)} at ${at}` })
    }
  }
  return entries
}

const generated = [...dangerousVariants(), ...invalidCharacterVariants()]

t.comment(`fast-check seed ${SEED}, ${RUNS} runs (PROPS_SEED, PROPS_RUNS)`)
t.comment(`redirect-URI corpus: ${corpus.length} hand-written entries (test/fixtures/redirect-uris.json) + ${generated.length} generated = ${corpus.length + generated.length}`)

/** The redirect URI, mode and Accept of the next request. */
let current: { redirectUri: unknown, responseMode: string } = { redirectUri: undefined, responseMode: 'query' }

async function build (): Promise<{ app: FastifyInstance, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({ disableRequestLogging: true, logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } } } })
  await app.register(authErrors, { issuer: ISSUER })
  app.get('/authorize', (_request, reply) => reply.authRedirect('access_denied', {
    redirectUri: current.redirectUri as string,
    responseMode: current.responseMode,
    state: 'st&ate=1'
  }))
  await app.ready()
  return { app, logs }
}

const { app, logs } = await build()
t.teardown(() => app.close())

type Outcome = 'redirect' | 'refuse'

/**
 * Sends one redirect URI in one mode and checks the outcome is one of the two allowed ones.
 * Gives which one it was.
 */
async function attempt (redirectUri: string, responseMode: typeof MODES[number], accept: string): Promise<Outcome> {
  current = { redirectUri, responseMode }
  logs.length = 0
  const response = await app.inject({ method: 'GET', url: '/authorize', headers: { accept } })
  checkResponse({ statusCode: response.statusCode, headers: response.headers, body: response.body }, { redirectUri, state: 'st&ate=1' })
  const location = response.headers.location
  if (response.statusCode >= 400) {
    assert.ok(response.statusCode < 500, 'A1 a refusal is a 4xx, never a 500')
    assert.equal(location, undefined, 'A1 a refusal has no Location')
    assert.doesNotMatch(response.body, /<form/, 'A1 a refusal has no form')
    const refusals = logs.filter(line => typeof line.redirectUriProblem === 'string')
    assert.equal(refusals.length, 1, 'A1 a refusal is logged once')
    // L1: a missing redirect URI (an unknown client) at info; an unsafe one the application passed at warn.
    assert.equal(refusals[0]?.level, refusals[0]?.redirectUriProblem === 'missing' ? 30 : 40, 'L1 its level says whose mistake it was')
    return 'refuse'
  }
  assert.equal(logs.length, 0, 'a redirect logs no warning')
  const target = new URL(redirectUri)
  if (responseMode === 'form_post') {
    assert.equal(response.statusCode, 200)
    const form = formOf(response.body)
    assert.equal(form.action, redirectUri, 'C3 the form action is exactly the redirect URI')
    const csp = String(response.headers['content-security-policy'])
    const formAction = /form-action ([^;]+)/.exec(csp)?.[1]
    assert.ok(formAction === target.origin || formAction === target.protocol, `C3 form-action names the target: ${String(formAction)}`)
    return 'redirect'
  }
  assert.equal(response.statusCode, 302, 'A5 302 for a GET')
  const params = redirectParams(location as string, redirectUri)
  for (const name of params.keys()) assert.ok(ADDED.has(name), `B6 only error parameters are added: ${name}`)
  assert.equal(params.get('error'), 'access_denied')
  assert.equal(params.get('state'), 'st&ate=1', 'B4 state exact')
  assert.equal(new URL(location as string).host, target.host, 'A2 never another host')
  return 'redirect'
}

t.test('A1 A2 B6 every corpus URI is either refused directly or used exactly as given, in every mode', async (t) => {
  t.ok(corpus.length >= 200, `the corpus has ${corpus.length} entries`)
  for (const entry of corpus) {
    for (const responseMode of MODES) {
      const outcome = await attempt(entry.uri, responseMode, responseMode === 'query' ? 'text/html' : 'application/json')
      // No CSP source can name an IPv6 literal, so a form_post to one is answered directly (never form-action http:).
      const expected = responseMode === 'form_post' && /^https?:\/\/\[/i.test(entry.uri) ? 'refuse' : entry.expect
      if (outcome !== expected) t.fail(`${JSON.stringify(entry.uri.slice(0, 120))} (${entry.why}, ${responseMode}): expected ${expected}, got ${outcome}`)
    }
  }
  t.pass(`${corpus.length} URIs x ${MODES.length} modes`)
})

t.test('A1 generated: script, data and file schemes in odd case or with hidden characters, and characters outside RFC 3986, are always refused', async (t) => {
  for (const entry of generated) {
    for (const responseMode of MODES) {
      const outcome = await attempt(entry.uri, responseMode, 'application/json')
      if (outcome !== 'refuse') t.fail(`${JSON.stringify(entry.uri)} (${entry.why}, ${responseMode}) was used`)
    }
  }
  t.pass(`${generated.length} generated URIs x ${MODES.length} modes refused`)
})

/** URL-like strings: valid web URLs, the same with hostile pieces spliced in, and anything at all. */
const urlLike = fc.oneof(
  fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true, withFragments: true, authoritySettings: { withIPv4: true, withIPv6: true, withPort: true, withUserInfo: true } }),
  fc.tuple(fc.webUrl({ withQueryParameters: true }), fc.nat(), hostileString).map(([url, at, piece]) => url.slice(0, at % (url.length + 1)) + piece + url.slice(at % (url.length + 1))),
  fc.tuple(fc.constantFrom('http://127.0.0.1', 'http://localhost', 'http://[::1]', 'com.example.app:', 'javascript:', 'HTTPS://'), hostileString).map(([head, tail]) => head + tail),
  hostileString
)

t.test('A1 A2 property: any string as a redirect URI gives a direct answer or a redirect to exactly that URI', async () => {
  await fc.assert(fc.asyncProperty(urlLike, fc.constantFrom(...MODES), fc.constantFrom('text/html', 'application/json'), async (redirectUri, mode, accept) => {
    await attempt(redirectUri, mode, accept)
  }), PARAMS)
})
