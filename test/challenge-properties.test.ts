import t from 'tap'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import Fastify from 'fastify'
import authErrors, { AuthErrorsConfigError, catalog, type AuthErrorsOptions, type AuthScheme } from '../lib/index.js'
import { challengeFor, parseChallenges, type ParsedChallenge } from './helpers/auth-params.js'

const RUNS = 300
/** RFC 6749 A.8 (error_description) and A.4 (scope-token) alphabets, written out independently of lib/sanitize.ts. */
const DESCRIPTION_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const NQCHAR = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const QUOTABLE = /^[\t\x20-\x7E]+$/
const DEFAULT = catalog.invalid_token.description

/** Strings rich in what breaks headers: quotes, backslashes, CR, LF, NUL, controls, non-ASCII, lone surrogates. */
const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom('"', '\\', '\r', '\n', '\r\n', '\u0000', '\t', ' ', '\u007f', ',', '=', 'é', '\u2028', '😀', '\ud800', '\udfff') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }
)
const hostile = fc.string({ unit: hostileUnit, maxLength: 80 })
const safeText = fc.string({ unit: fc.constantFrom(...' !#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[]^_`abcxyz{|}~'.split('')), minLength: 1, maxLength: 120 })
const scopeToken = fc.string({ unit: fc.constantFrom(...'!#$%&\'()*+,-./09:;<=>?@AZ[]^_`az{|}~'.split('')), minLength: 1, maxLength: 12 })

async function appWith (options: AuthErrorsOptions = {}) {
  const app = Fastify()
  await app.register(authErrors, options)
  app.post('/error', { config: { authErrors: { endpoint: 'resource' } } }, async (request, reply) => {
    const body = request.body as { description?: string, scope?: string | string[], schemes?: AuthScheme[] }
    return reply.authError('invalid_token', body)
  })
  app.post('/challenge', async (request, reply) => reply.authChallenge(request.body as { scope?: string[] }))
  app.post('/nonce', async (request, reply) => {
    try {
      return reply.authError('use_dpop_nonce', { dpopNonce: (request.body as { nonce: string }).nonce })
    } catch (err) {
      return reply.code(599).send({ misuse: err instanceof AuthErrorsConfigError, headers: reply.hasHeader('dpop-nonce') || reply.hasHeader('www-authenticate') })
    }
  })
  await app.ready()
  return app
}

t.test('E6 any description: the challenge parses strictly, in the RFC alphabet, equal to the body', async t => {
  const app = await appWith({ schemes: ['Bearer', 'DPoP'] })
  await fc.assert(fc.asyncProperty(hostile, fc.constantFrom('Bearer', 'DPoP'), async (description, scheme) => {
    const res = await app.inject({ method: 'POST', url: '/error', headers: { authorization: `${scheme} t` }, payload: { description } })
    assert.equal(res.statusCode, 401)
    const challenges = parseChallenges(String(res.headers['www-authenticate']))
    assert.deepEqual(challenges.map(c => c.scheme), ['Bearer', 'DPoP'])
    const used = challenges.find(c => c.scheme === scheme) as ParsedChallenge
    const sent = used.params.error_description as string
    assert.match(sent, DESCRIPTION_CHARS)
    assert.ok(sent.length <= 512)
    assert.equal(sent, res.json().error_description)
    assert.equal(used.params.error, 'invalid_token')
    for (const other of challenges.filter(c => c !== used)) assert.ok(!('error' in other.params))
  }), { numRuns: RUNS })
  t.pass()
})

t.test('E6 a description already in the RFC alphabet comes back exactly (trimmed, or the default when blank)', async t => {
  const app = await appWith()
  await fc.assert(fc.asyncProperty(safeText, async (description) => {
    const res = await app.inject({ method: 'POST', url: '/error', headers: { authorization: 'Bearer t' }, payload: { description } })
    const expected = description.trim() === '' ? DEFAULT : description.trim()
    assert.equal(challengeFor(String(res.headers['www-authenticate']), 'Bearer').params.error_description, expected)
  }), { numRuns: RUNS })
  t.pass()
})

t.test('E6 any scope, string or array: scope tokens only, no duplicates, or no scope at all', async t => {
  const app = await appWith()
  await fc.assert(fc.asyncProperty(fc.oneof(hostile, fc.array(hostile, { maxLength: 8 })), async (scope) => {
    const res = await app.inject({ method: 'POST', url: '/error', headers: { authorization: 'Bearer t' }, payload: { scope } })
    const sent = challengeFor(String(res.headers['www-authenticate']), 'Bearer').params.scope
    if (sent === undefined) return
    const tokens = sent.split(' ')
    for (const token of tokens) assert.match(token, SCOPE_TOKEN)
    assert.equal(new Set(tokens).size, tokens.length)
  }), { numRuns: RUNS })
  t.pass()
})

t.test('E6 a list of valid scope tokens comes back exactly, deduplicated, in every bare challenge', async t => {
  const app = await appWith({ schemes: ['Bearer', 'DPoP'] })
  await fc.assert(fc.asyncProperty(fc.array(scopeToken, { minLength: 1, maxLength: 10 }), async (scope) => {
    const res = await app.inject({ method: 'POST', url: '/challenge', payload: { scope } })
    const expected = [...new Set(scope)].join(' ')
    for (const challenge of parseChallenges(String(res.headers['www-authenticate']))) {
      assert.deepEqual(challenge.params, { realm: 'api', scope: expected })
    }
  }), { numRuns: RUNS })
  t.pass()
})

t.test('E6 any realm: registered and read back exactly when quotable, refused at registration otherwise', async t => {
  await fc.assert(fc.asyncProperty(fc.oneof(hostile, fc.string({ unit: fc.constantFrom('"', '\\', 'a', ' ', '\t', '='), minLength: 1, maxLength: 20 })), async (realm) => {
    const app = Fastify()
    const registered = await app.register(authErrors, { realm }).then(() => true, (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'FST_AUTH_ERRORS_INVALID_REALM')
      return false
    })
    assert.equal(registered, QUOTABLE.test(realm), JSON.stringify(realm))
    if (!registered) return
    app.get('/', async (_request, reply) => reply.authChallenge({ schemes: ['Bearer', 'DPoP'] }))
    const res = await app.inject('/')
    for (const challenge of parseChallenges(String(res.headers['www-authenticate']))) assert.equal(challenge.params.realm, realm)
  }), { numRuns: RUNS })
  t.pass()
})

t.test('F3 any nonce: sent as is when it is 1*NQCHAR, else a programming error with nothing written', async t => {
  const app = await appWith({ schemes: ['DPoP'] })
  await fc.assert(fc.asyncProperty(hostile, async (nonce) => {
    const res = await app.inject({ method: 'POST', url: '/nonce', headers: { authorization: 'DPoP t' }, payload: { nonce } })
    if (NQCHAR.test(nonce)) {
      assert.equal(res.statusCode, 401)
      assert.equal(res.headers['dpop-nonce'], nonce)
      assert.equal(challengeFor(String(res.headers['www-authenticate']), 'DPoP').params.error, 'use_dpop_nonce')
    } else {
      assert.deepEqual(res.json(), { misuse: true, headers: false }, JSON.stringify(nonce))
    }
  }), { numRuns: RUNS })
  t.pass()
})

t.test('F1 G1 any algs or acrValues list: exact when made of names, a programming error otherwise', async t => {
  const app = Fastify()
  await app.register(authErrors, { schemes: ['DPoP'] })
  app.post('/', { config: { authErrors: { endpoint: 'resource' } } }, async (request, reply) => {
    const { list } = request.body as { list: string[] }
    try {
      return reply.authError('insufficient_user_authentication', { algs: list, acrValues: list })
    } catch (err) {
      return reply.code(599).send({ code: (err as { code: string }).code, header: reply.hasHeader('www-authenticate') })
    }
  })
  await fc.assert(fc.asyncProperty(fc.oneof(fc.array(scopeToken, { minLength: 1, maxLength: 6 }), fc.array(hostile, { minLength: 1, maxLength: 4 })), async (list) => {
    const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'DPoP t' }, payload: { list } })
    if (list.every(name => SCOPE_TOKEN.test(name))) {
      const { params } = challengeFor(String(res.headers['www-authenticate']), 'DPoP')
      assert.equal(params.algs, [...new Set(list)].join(' '))
      assert.equal(params.acr_values, [...new Set(list)].join(' '))
    } else {
      assert.deepEqual(res.json(), { code: 'FST_AUTH_ERRORS_INVALID_ARGUMENT', header: false }, JSON.stringify(list))
    }
  }), { numRuns: RUNS })
  t.pass()
})
