// The decision (lib/decision.ts) as a table: request facts and call options in, the response as
// a plain value out. No Fastify instance and no inject: every rule about status, format,
// challenges and the "not an error here" answers is decided here, and the senders only write it.
import t from 'tap'
import { catalog } from '../lib/catalog.js'
import { compileCatalog } from '../lib/compiled-catalog.js'
import { decideChallenge, decideError, type DecisionSettings, type SendContext } from '../lib/decision.js'
import type { AuthErrorOptions } from '../lib/auth-error.js'
import type { RequestFacts } from '../lib/request-facts.js'
import { mergeCatalog } from '../lib/catalog-entry.js'

const log = { warn () {} } as never
const settings: DecisionSettings = { schemes: ['Bearer'], format: 'oauth', exposeDetails: false, referenceUrl: undefined }
const compiled = compileCatalog({ catalog, errorUri: undefined, referenceUrl: undefined }, log)

function facts (partial: Partial<RequestFacts> & { route?: RequestFacts['config'] } = {}): RequestFacts {
  const config = partial.route ?? partial.config
  return { endpoint: partial.endpoint ?? config?.endpoint, config, scheme: partial.scheme, accept: partial.accept }
}

/** What a row expects of the decision: an error's status, format and challenge, or a not-an-error body. */
interface Expected {
  status: number
  format?: 'oauth' | 'problem'
  /** `none`, `basic`, or the schemes in order with the one carrying the error starred (`Bearer*, DPoP`). */
  challenge?: string
  endpoint?: string | undefined
  body?: string
  nonce?: string
}

const rows: Array<[string, string, RequestFacts, AuthErrorOptions, SendContext, Expected]> = [
  ['D1 invalid_grant at a token route is 400 JSON without a challenge', 'invalid_grant', facts({ route: { endpoint: 'token' } }), {}, {}, { status: 400, format: 'oauth', challenge: 'none', endpoint: 'token' }],
  ['D3 invalid_client without an Authorization header is 400 without a challenge', 'invalid_client', facts({ route: { endpoint: 'token' } }), {}, {}, { status: 400, challenge: 'none' }],
  ['D3 invalid_client after Basic is 401 with the Basic challenge', 'invalid_client', facts({ route: { endpoint: 'token' }, scheme: 'Basic' }), {}, {}, { status: 401, challenge: 'basic' }],
  ['D3 invalid_client after a Bearer client credential is 401 with that scheme only', 'invalid_client', facts({ route: { endpoint: 'token' }, scheme: 'Bearer' }), {}, {}, { status: 401, challenge: 'Bearer*' }],
  ['D7 use_dpop_nonce at the token endpoint is 400 with the nonce and no challenge', 'use_dpop_nonce', facts({ route: { endpoint: 'token' } }), { dpopNonce: 'n1' }, {}, { status: 400, challenge: 'none', nonce: 'n1' }],
  ['F3 use_dpop_nonce on a DPoP request is 401 with a DPoP challenge', 'use_dpop_nonce', facts({ scheme: 'DPoP' }), { dpopNonce: 'n1' }, {}, { status: 401, challenge: 'Bearer, DPoP*', endpoint: 'resource', nonce: 'n1' }],
  ['F2 invalid_dpop_proof on an unmarked route without a token is 400 JSON', 'invalid_dpop_proof', facts(), {}, {}, { status: 400, challenge: 'none', endpoint: undefined }],
  ['E5 invalid_token on an unmarked route is a resource error with the challenge', 'invalid_token', facts(), {}, {}, { status: 401, challenge: 'Bearer*', endpoint: 'resource' }],
  ['E5 invalid_request on a Bearer request is 400 with the challenge', 'invalid_request', facts({ scheme: 'Bearer' }), {}, {}, { status: 400, challenge: 'Bearer*', endpoint: 'resource' }],
  ['E5 insufficient_scope is 403 with the challenge', 'insufficient_scope', facts({ route: { endpoint: 'resource' } }), {}, {}, { status: 403, challenge: 'Bearer*' }],
  ['E1 insufficient_scope about a Bearer token at a token route still carries the challenge', 'insufficient_scope', facts({ route: { endpoint: 'token' }, scheme: 'Bearer' }), {}, {}, { status: 403, challenge: 'Bearer*' }],
  ['F4 a DPoP request at a Bearer resource gets both challenges, the error in DPoP', 'invalid_token', facts({ route: { endpoint: 'resource' }, scheme: 'DPoP' }), {}, {}, { status: 401, challenge: 'Bearer, DPoP*' }],
  ['F4 the call names the schemes served', 'invalid_token', facts({ route: { endpoint: 'resource' } }), { schemes: ['DPoP', 'Bearer'] }, {}, { status: 401, challenge: 'DPoP*, Bearer' }],
  ['D4 server_error at a resource carries no challenge', 'server_error', facts({ scheme: 'Bearer' }), {}, {}, { status: 500, challenge: 'none' }],
  ['D9 invalid_token at revocation is not an error', 'invalid_token', facts({ route: { endpoint: 'revocation' } }), {}, {}, { status: 200, body: '' }],
  ['D10 token_inactive at introspection is {"active":false}', 'token_inactive', facts({ route: { endpoint: 'introspection' } }), {}, {}, { status: 200, body: '{"active":false}' }],
  ['D10 invalid_token about the caller\'s own Bearer token at introspection stays 401', 'invalid_token', facts({ route: { endpoint: 'introspection' }, scheme: 'Bearer' }), {}, {}, { status: 401, challenge: 'Bearer*' }],
  ['D10 an explicit status keeps the error at introspection', 'invalid_token', facts({ route: { endpoint: 'introspection' } }), { status: 400 }, {}, { status: 400 }],
  ['D6 access_denied is 403 at the backchannel endpoint', 'access_denied', facts({ route: { endpoint: 'backchannel' } }), {}, {}, { status: 403, challenge: 'none' }],
  ['H2 a protocol endpoint keeps RFC 6749 JSON under a problem route format', 'invalid_grant', facts({ route: { endpoint: 'token', format: 'problem' } }), {}, {}, { status: 400, format: 'oauth' }],
  ['H2 the call may still ask for problem details', 'invalid_grant', facts({ route: { endpoint: 'token' } }), { format: 'problem' }, {}, { status: 400, format: 'problem' }],
  ['H1 an unmarked route follows its format', 'invalid_request', facts({ route: { format: 'problem' } }), {}, {}, { status: 400, format: 'problem' }],
  ['H1 negotiate chooses problem details by Accept', 'invalid_request', facts({ route: { format: 'negotiate' }, accept: 'application/problem+json' }), {}, {}, { status: 400, format: 'problem' }],
  ['H1 negotiate keeps RFC 6749 JSON for application/json', 'invalid_request', facts({ route: { format: 'negotiate' }, accept: 'application/json' }), {}, {}, { status: 400, format: 'oauth' }],
  ['I3 a foreign 404 on a Bearer request carries no challenge', 'invalid_request', facts({ scheme: 'Bearer' }), { status: 404 }, { foreign: true }, { status: 404, challenge: 'none' }],
  ['I3 a foreign 429 at a resource route carries no challenge', 'invalid_request', facts({ route: { endpoint: 'resource' }, scheme: 'Bearer' }), { status: 429 }, { foreign: true }, { status: 429, challenge: 'none' }],
  ['I2 a foreign 401 at a resource is answered with the challenge', 'invalid_token', facts({ scheme: 'Bearer' }), { status: 401 }, { foreign: true }, { status: 401, challenge: 'Bearer*' }],
  ['E1 the not-found handler answers as a token endpoint', 'invalid_request', facts({ endpoint: 'token', scheme: 'Bearer' }), { status: 404 }, {}, { status: 404, challenge: 'none', endpoint: 'token' }]
]

function challengeShape (plan: { basic: boolean, schemes: readonly string[], errorScheme: string | undefined } | undefined): string {
  if (plan === undefined) return 'none'
  if (plan.basic) return 'basic'
  return plan.schemes.map(scheme => scheme === plan.errorScheme ? scheme + '*' : scheme).join(', ')
}

for (const [title, code, requestFacts, opts, context, expected] of rows) {
  t.test(title, async (t) => {
    const decision = decideError(settings, compiled.lookup(code), requestFacts, opts, context)
    t.equal(decision.status, expected.status, 'status')
    if (expected.body !== undefined) {
      t.equal(decision.answer, 'not_an_error')
      if (decision.answer === 'not_an_error') t.equal(decision.body, expected.body, 'body')
      return
    }
    t.equal(decision.answer, 'error')
    if (decision.answer !== 'error') return
    if (expected.format !== undefined) t.equal(decision.format, expected.format, 'format')
    if (expected.challenge !== undefined) t.equal(challengeShape(decision.challenge), expected.challenge, 'challenge')
    if ('endpoint' in expected) t.equal(decision.endpoint, expected.endpoint, 'kind of request')
    if (expected.nonce !== undefined) t.equal(decision.nonce, expected.nonce, 'nonce')
  })
}

t.test('E4 the bare challenge has no error, and a scope in every scheme', async (t) => {
  const decision = decideChallenge({ ...settings, schemes: ['Bearer', 'DPoP'] }, { scope: ['read', 'write'] })
  t.equal(decision.status, 401)
  t.equal(decision.challenge.params, undefined)
  t.same(decision.challenge.others, { scope: 'read write' })
  t.same(decision.challenge.schemes, ['Bearer', 'DPoP'])
})

t.test('an application code carries behaviour through its catalog flags', async (t) => {
  const own = compileCatalog({
    catalog: mergeCatalog({
      session_expired: { status: 401, description: 'The session token expired.', challenge: true },
      bad_client_key: { status: 401, description: 'The client key is wrong.', clientAuthentication: true }
    }),
    errorUri: undefined,
    referenceUrl: undefined
  }, log)
  const resource = decideError(settings, own.lookup('session_expired'), facts(), {}, {})
  t.equal(resource.answer === 'error' && resource.endpoint, 'resource', 'a challenge code makes an unmarked request a resource request')
  t.equal(resource.answer === 'error' && challengeShape(resource.challenge), 'Bearer*')
  const client = decideError(settings, own.lookup('bad_client_key'), facts({ route: { endpoint: 'token' } }), {}, {})
  t.equal(client.status, 400, 'D3: a client-authentication code without an Authorization header is 400')
  const basic = decideError(settings, own.lookup('bad_client_key'), facts({ route: { endpoint: 'token' }, scheme: 'Basic' }), {}, {})
  t.equal(basic.answer === 'error' && challengeShape(basic.challenge), 'basic')
})

t.test('bad call options are refused before anything is written', async (t) => {
  const token = compiled.lookup('invalid_token')
  const cases: Array<[string, AuthErrorOptions, RegExp]> = [
    ['status', { status: 302 }, /status must be an integer from 400 to 599/],
    ['maxAge', { maxAge: -1 }, /maxAge must be an integer/],
    ['dpopNonce', { dpopNonce: 'a b' }, /dpopNonce must be/],
    ['S8 retryAfter', { retryAfter: 1e21 }, /retryAfter must be a number of seconds from 0 to 2147483647/],
    ['algs', { algs: ['ES 256'] }, /algs must be/]
  ]
  for (const [name, opts, message] of cases) {
    t.throws(() => decideError(settings, token, facts(), opts, {}), { code: 'FST_AUTH_ERRORS_INVALID_ARGUMENT', message }, name)
  }
  t.throws(() => decideError(settings, compiled.lookup('use_dpop_nonce'), facts({ scheme: 'DPoP' }), {}, {}), { message: /needs the dpopNonce option/ })
})

t.test('S8 Retry-After is whole delay-seconds', async (t) => {
  const unavailable = compiled.lookup('temporarily_unavailable')
  for (const [given, sent] of [[0, '0'], [1.2, '2'], [2147483647, '2147483647']] as const) {
    const decision = decideError(settings, unavailable, facts({ route: { endpoint: 'token' } }), { retryAfter: given }, {})
    t.equal(decision.answer === 'error' && decision.retryAfter, sent, String(given))
  }
})

t.test('B3 a relative uri without a reference page is not sent: the code\'s error_uri is, and the decision says why', async (t) => {
  const decision = decideError(settings, compiled.lookup('invalid_grant'), facts(), { uri: '/relative' }, {})
  t.equal(decision.answer === 'error' && decision.uri, undefined)
  t.equal(decision.answer === 'error' && decision.refusedUri, '/relative')
  const absolute = decideError(settings, compiled.lookup('invalid_grant'), facts(), { uri: 'https://docs.example.com/e' }, {})
  t.equal(absolute.answer === 'error' && absolute.refusedUri, undefined)
})

t.test('B3 a relative uri is resolved against the reference page URL', async (t) => {
  const decision = decideError({ ...settings, referenceUrl: 'https://api.example.com/errors' }, compiled.lookup('invalid_grant'), facts(), { uri: '#invalid_grant' }, {})
  t.equal(decision.answer === 'error' && decision.uri, 'https://api.example.com/errors#invalid_grant')
})
