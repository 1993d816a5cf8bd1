import t from 'tap'
import { defaultProblemType, serializeOAuthError, serializeProblem, titleFromCode } from '../lib/body.js'
import { prefersProblem } from '../lib/accept.js'

t.test('the compiled OAuth serializer writes members in schema order and skips undefined ones', async t => {
  const json = serializeOAuthError({ error_uri: 'https://x.example/e', error: 'invalid_grant', error_description: undefined })
  t.equal(json, '{"error":"invalid_grant","error_uri":"https://x.example/e"}')
  t.same(JSON.parse(json), { error: 'invalid_grant', error_uri: 'https://x.example/e' })
})

t.test('free-text members are JSON-escaped', async t => {
  const json = serializeOAuthError({ error: 'invalid_grant', error_hint: 'a "quoted"\nhint', error_debug: '\\' })
  t.same(JSON.parse(json), { error: 'invalid_grant', error_hint: 'a "quoted"\nhint', error_debug: '\\' })
})

t.test('H1 the problem serializer writes numbers unquoted', async t => {
  const json = serializeProblem({ type: 'tag:x,2026:e', title: 'E', status: 440, detail: 'd', error: 'e', code: 53201, instance: undefined })
  t.same(JSON.parse(json), { type: 'tag:x,2026:e', title: 'E', status: 440, detail: 'd', error: 'e', code: 53201 })
})

t.test('titles and default problem types come from the code', async t => {
  t.equal(titleFromCode('invalid_grant'), 'Invalid grant')
  t.equal(titleFromCode('use-dpop-nonce'), 'Use dpop nonce')
  t.equal(titleFromCode('___'), '___')
  t.equal(defaultProblemType('invalid_grant'), 'tag:fastify-auth-errors,2026:invalid_grant')
  t.ok(new URL(defaultProblemType('invalid_grant')).protocol === 'tag:', 'an absolute URI')
})

t.test('Accept negotiation prefers problem+json only when the client does (q-values honoured)', async t => {
  const cases: Array<[unknown, boolean]> = [
    [undefined, false],
    ['application/json', false],
    ['application/problem+json', true],
    ['application/problem+json, application/json', false],
    ['application/json;q=0.5, application/problem+json', true],
    ['application/problem+json;q=0.4, application/json;q=0.9', false],
    ['application/problem+json, */*', true],
    ['application/problem+json;q=0.8, */*', false],
    ['application/problem+json, application/*;q=0.1', true],
    ['application/problem+json;q=0', false],
    ['application/problem+json;q=abc', false],
    ['application/problem+json;level=1;q=0.9, text/html', true],
    ['APPLICATION/PROBLEM+JSON', true],
    [';;;,,,problem', false],
    ['application/problem+json' + ', x'.repeat(3000), false],
    [['application/problem+json'], false]
  ]
  for (const [accept, expected] of cases) t.equal(prefersProblem(accept), expected, String(accept).slice(0, 60))
})
