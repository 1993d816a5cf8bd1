import t from 'tap'
import {
  DESCRIPTION_LIMIT, URI_LIMIT, escapeHtml, escapeQuotedString, isErrorCode, isHeaderValue,
  isQuotableText, isTokenList, sanitizeDescription, sanitizeScope, sanitizeUri, toNameList
} from '../lib/sanitize.js'

const B2 = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
const B3 = /^[\x21\x23-\x5B\x5D-\x7E]+$/

t.test('B1 error codes use %x20-21 / %x23-5B / %x5D-7E only', async t => {
  for (const code of ['invalid_grant', 'a', 'with space', '~!#$%&\'()*+,-./:;<=>?@[]^_`{|}']) t.ok(isErrorCode(code), code)
  for (const code of ['', 'quo"te', 'back\\slash', 'new\nline', 'tab\t', 'caf\u00e9', '\u0000', 42, null, undefined]) t.notOk(isErrorCode(code), String(code))
})

t.test('B2 descriptions: quotes, backslashes, controls and non-ASCII are replaced, never passed through', async t => {
  t.equal(sanitizeDescription('Plain text stays as it is.'), 'Plain text stays as it is.')
  t.equal(sanitizeDescription('say "hi"'), 'say \'hi\'')
  t.equal(sanitizeDescription('C:\\path'), 'C:/path')
  t.equal(sanitizeDescription('line\r\nbreak\tand\u0000nul'), 'line break and nul')
  t.equal(sanitizeDescription('caf\u00e9 \u{1F600} \u2028'), 'caf')
  t.equal(sanitizeDescription('  \r\n  '), undefined, 'nothing left is undefined')
  t.equal(sanitizeDescription(''), undefined)
  t.equal(sanitizeDescription(42), undefined, 'non-strings are dropped')
  t.equal(sanitizeDescription({ toString: () => 'x' }), undefined)
  const hostile = '\u0000"\\\r\n<script>\u00ff\ud800'
  t.match(sanitizeDescription(hostile + 'ok'), B2)
})

t.test('S4 descriptions longer than the limit are cut and end with an ellipsis', async t => {
  t.equal(DESCRIPTION_LIMIT, 512)
  const cut = sanitizeDescription('word '.repeat(1000)) as string
  t.ok(cut.length <= DESCRIPTION_LIMIT)
  t.ok(cut.endsWith('...'))
  t.equal(sanitizeDescription('x'.repeat(DESCRIPTION_LIMIT)), 'x'.repeat(DESCRIPTION_LIMIT), 'exactly the limit is kept')
  t.equal((sanitizeDescription('x'.repeat(64), 10) as string).length, 10, 'a custom limit')
})

t.test('B3 error_uri: characters outside %x21 / %x23-5B / %x5D-7E are percent-encoded', async t => {
  t.equal(sanitizeUri('https://docs.example.com/errors#invalid_grant'), 'https://docs.example.com/errors#invalid_grant')
  t.equal(sanitizeUri('https://x.example/a b"c\\d'), 'https://x.example/a%20b%22c%5Cd')
  t.equal(sanitizeUri('https://x.example/caf\u00e9'), 'https://x.example/caf%C3%A9')
  t.equal(sanitizeUri('https://x.example/\r\nSet-Cookie: a=b'), 'https://x.example/%0D%0ASet-Cookie:%20a=b')
  t.equal(sanitizeUri('https://x.example/\ud800'), 'https://x.example/%EF%BF%BD', 'a lone surrogate never throws')
  t.equal(sanitizeUri(''), undefined)
  t.equal(sanitizeUri(undefined), undefined)
  t.equal(sanitizeUri('https://x.example/' + 'a'.repeat(URI_LIMIT)), undefined, 'over-long URIs are dropped')
  t.match(sanitizeUri('\u0000 "<>\\ \u{1F600}'), B3)
})

t.test('scopes are normalised to RFC 6749 3.3 scope tokens', async t => {
  t.equal(sanitizeScope('read write'), 'read write')
  t.equal(sanitizeScope(['read', 'read', '', 'write']), 'read write', 'duplicates and empty entries dropped')
  t.equal(sanitizeScope('read  "write"\r\n'), 'read write')
  t.equal(sanitizeScope(['ok', 42 as unknown as string]), 'ok', 'non-string entries dropped')
  t.equal(sanitizeScope(''), undefined)
  t.equal(sanitizeScope(['"']), undefined)
  t.equal(sanitizeScope(7), undefined)
  const long = sanitizeScope(Array.from({ length: 400 }, (_, i) => `scope${i}`)) as string
  t.ok(long.length <= 1024, 'long scopes are cut at a token boundary')
  t.match(long, /^scope0 .* scope\d+$/)
  t.equal(sanitizeScope('x'.repeat(2000)), undefined, 'a single over-long token is dropped')
})

t.test('E6 quoted-strings: only tab and visible ASCII; quote and backslash are escaped', async t => {
  t.ok(isQuotableText('my "realm" \\ here'))
  t.notOk(isQuotableText('line\nbreak'))
  t.notOk(isQuotableText('caf\u00e9'))
  t.notOk(isQuotableText(1))
  t.equal(escapeQuotedString('a "b" \\c'), 'a \\"b\\" \\\\c')
})

t.test('name lists and header values', async t => {
  t.same(toNameList('ES256  PS256'), ['ES256', 'PS256'])
  t.same(toNameList(['a']), ['a'])
  t.equal(toNameList(3), undefined)
  t.ok(isTokenList(['ES256', 'urn:acr:mfa']))
  t.notOk(isTokenList(['ES 256']))
  t.notOk(isTokenList([1]))
  t.ok(isHeaderValue('value with\ttab'))
  t.notOk(isHeaderValue('a\r\nb'))
  t.notOk(isHeaderValue('\u0100'))
  t.notOk(isHeaderValue(undefined))
})

t.test('HTML escaping covers the five special characters', async t => {
  t.equal(escapeHtml('<a href="x">\'&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  t.equal(escapeHtml('plain'), 'plain')
})

/** Milliseconds per call of `sanitize(value)`: the best of several rounds, so a pause of the shared machine does not count. */
function costOf (sanitize: (value: string) => unknown, value: string, rounds = 5): number {
  let best = Infinity
  for (let round = 0; round < rounds; round++) {
    const start = performance.now()
    for (let i = 0; i < 20; i++) sanitize(value)
    best = Math.min(best, (performance.now() - start) / 20)
  }
  return best
}

const HOSTILE_UNIT = 'caf\u00e9 "x" \\ \r\n\t\u0000 '
const MEGABYTE = HOSTILE_UNIT.repeat(Math.ceil(2 ** 20 / HOSTILE_UNIT.length)).slice(0, 2 ** 20)

t.test('S7 a 1 MB description, uri or scope costs no more than one at the limit: it is cut before it is cleaned', async t => {
  const cases: Array<[string, (value: string) => unknown, string]> = [
    ['description', sanitizeDescription, MEGABYTE.slice(0, DESCRIPTION_LIMIT)],
    ['uri', sanitizeUri, MEGABYTE.slice(0, URI_LIMIT)],
    ['scope', sanitizeScope, MEGABYTE.slice(0, 1024)]
  ]
  for (const [name, sanitize, atLimit] of cases) {
    costOf(sanitize, MEGABYTE, 1) // warm up both paths before measuring
    costOf(sanitize, atLimit, 1)
    const huge = costOf(sanitize, MEGABYTE)
    const limit = costOf(sanitize, atLimit)
    // Cleaning all of a megabyte is about 2000 times the work of 512 characters; cut first, both are the same work.
    t.ok(huge <= Math.max(limit, 0.002) * 10, `${name}: ${huge.toFixed(4)} ms for 1 MB, ${limit.toFixed(4)} ms at the limit`)
  }
})

t.test('S7 cutting first keeps the S4 and B2 results: at most the limit, an ellipsis, only safe characters', async t => {
  const cut = sanitizeDescription(MEGABYTE) as string
  t.ok(cut.length <= DESCRIPTION_LIMIT)
  t.ok(cut.endsWith('...'))
  t.match(cut, B2)
  t.equal(sanitizeDescription('x'.repeat(DESCRIPTION_LIMIT) + '\r\n'), 'x'.repeat(DESCRIPTION_LIMIT - 3) + '...', 'over the limit before cleaning is cut')
  t.equal(sanitizeDescription(' '.repeat(DESCRIPTION_LIMIT + 1)), undefined, 'nothing but an ellipsis left is undefined')
  t.equal(sanitizeDescription('\r\n'.repeat(DESCRIPTION_LIMIT)), undefined)
  t.equal(sanitizeUri('https://x.example/' + 'a'.repeat(URI_LIMIT - 18)), 'https://x.example/' + 'a'.repeat(URI_LIMIT - 18), 'exactly the URI limit is kept')
  t.equal(sanitizeUri(MEGABYTE), undefined, 'a URI over the limit is dropped unread')
  t.equal(sanitizeUri('\u00e9'.repeat(URI_LIMIT / 2)), undefined, 'a URI that grows over the limit once encoded is dropped')
})

t.test('S7 scopes: only the first limit characters or entries are read, and no token is cut in two', async t => {
  const words = Array.from({ length: 400 }, (_, i) => `scope${i}`)
  const fromString = sanitizeScope(words.join(' ')) as string
  t.ok(fromString.length <= 1024)
  t.ok(fromString.split(' ').every(token => words.includes(token)), 'every token is whole')
  t.equal(sanitizeScope(words) as string, fromString, 'an array gives the same scope as the string')
  t.equal(sanitizeScope('a'.repeat(1024) + ' b'), 'a'.repeat(1024), 'a token ending at the limit is kept')
  t.equal(sanitizeScope('a'.repeat(1023) + ' b'), 'a'.repeat(1023), 'a token that would pass the limit is dropped')
  t.equal(sanitizeScope('b ' + 'a'.repeat(1100)), 'b', 'a token cut by the limit is dropped')
  t.equal(sanitizeScope(['x'.repeat(1025), 'ok']), undefined, 'tokens after an over-long one are dropped')
  t.equal(sanitizeScope(['read', 'read', 'write'], 10), 'read write', 'duplicates do not count against the limit')
  t.equal(sanitizeScope([...Array.from({ length: 2000 }, () => 'read'), 'late']), 'read', 'entries past the limit are not read')
})
