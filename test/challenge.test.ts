import t from 'tap'
import Fastify from 'fastify'
import authErrors, { AuthErrorsConfigError, type AuthErrorCode, type AuthErrorsOptions } from '../lib/index.js'
import { buildChallenge, compileChallengeTemplates, dpopTail } from '../lib/challenge.js'
import { AuthParamSyntaxError, challengeFor, parseChallenges } from './helpers/auth-params.js'

const METADATA = 'https://api.example.com/.well-known/oauth-protected-resource'

async function register (options: AuthErrorsOptions) {
  const app = Fastify()
  await app.register(authErrors, options)
  return app
}

async function resourceApp (options: AuthErrorsOptions) {
  const app = Fastify()
  await app.register(authErrors, options)
  app.get('/none', async (_request, reply) => reply.authChallenge())
  app.get('/both', async (_request, reply) => reply.authChallenge({ schemes: ['Bearer', 'DPoP'] }))
  app.get('/error/:code', { config: { authErrors: { endpoint: 'resource' } } }, async (request, reply) => {
    const { code } = request.params as { code: AuthErrorCode }
    return reply.authError(code, { dpopNonce: code === 'use_dpop_nonce' ? 'n-1' : undefined, schemes: ['Bearer', 'DPoP'] })
  })
  app.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (_request, reply) => reply.authError('invalid_client'))
  return app
}

t.test('the strict parser', async t => {
  t.test('E3 reads one or more challenges with quoted, escaped parameters', async t => {
    t.same(parseChallenges('Bearer realm="api"'), [{ scheme: 'Bearer', params: { realm: 'api' } }])
    t.same(parseChallenges('Bearer realm="a\\"b\\\\c", error="x",DPoP realm="api", algs="ES256 PS256"'), [
      { scheme: 'Bearer', params: { realm: 'a"b\\c', error: 'x' } },
      { scheme: 'DPoP', params: { realm: 'api', algs: 'ES256 PS256' } }
    ])
    t.same(parseChallenges('Basic realm = "x"\t, charset="UTF-8" , Bearer realm="y"'), [
      { scheme: 'Basic', params: { realm: 'x', charset: 'UTF-8' } },
      { scheme: 'Bearer', params: { realm: 'y' } }
    ])
    t.same(parseChallenges('Negotiate abc==, Bearer realm="y", Other', { requireRealm: false }), [
      { scheme: 'Negotiate', params: {}, token68: 'abc==' },
      { scheme: 'Bearer', params: { realm: 'y' } },
      { scheme: 'Other', params: {} }
    ])
    t.same(parseChallenges('Bearer realm=api, error=x', { quotedOnly: false }), [{ scheme: 'Bearer', params: { realm: 'api', error: 'x' } }])
  })

  t.test('E3 refuses a parameter given twice in one challenge, in any letter case', async t => {
    t.throws(() => parseChallenges('Bearer realm="a", realm="b"'), AuthParamSyntaxError)
    t.throws(() => parseChallenges('Bearer realm="a", error="x", ERROR="y"'), /error appears twice/)
    // the same parameter in two different challenges is fine
    t.equal(parseChallenges('Bearer realm="a", error="x", DPoP realm="a", error="y"').length, 2)
  })

  t.test('E2 refuses a challenge without realm', async t => {
    t.throws(() => parseChallenges('Bearer'), /no realm/)
    t.throws(() => parseChallenges('Bearer error="invalid_token"'), /no realm/)
    t.throws(() => parseChallenges('Bearer realm="a", DPoP'), /DPoP has no realm/)
  })

  t.test('E6 refuses what the plugin must never send', async t => {
    const bad = [
      '', ' Bearer realm="a"', 'Bearer realm="a" ', 'Bearer realm=api', 'Bearer realm="é"', 'Bearer realm="a\u0000"',
      'Bearer realm="a', 'Bearer realm="a\\', 'Bearer realm="a\\\u0001"', 'Bearer realm="a",', 'Bearer realm="a",, DPoP realm="b"',
      'Bearer realm="a" DPoP realm="b"', 'Bearer realm', 'Bearer realm="a", ="b"', '"Bearer" realm="a"', 'Bearer realm="a"x'
    ]
    for (const header of bad) t.throws(() => parseChallenges(header), AuthParamSyntaxError, JSON.stringify(header))
  })

  t.test('challengeFor finds exactly one challenge of a scheme', async t => {
    t.same(challengeFor('Bearer realm="a", DPoP realm="b"', 'dpop'), { scheme: 'DPoP', params: { realm: 'b' } })
    t.throws(() => challengeFor('Bearer realm="a"', 'DPoP'), /found 0/)
    t.throws(() => challengeFor('Bearer realm="a", Bearer realm="b"', 'Bearer'), /found 2/)
  })
})

t.test('challenge templates', async t => {
  t.test('E2 every scheme\'s template starts with its realm, built once at registration', async t => {
    const templates = compileChallengeTemplates({ realm: 'api' })
    t.ok(Object.isFrozen(templates))
    t.equal(templates.Bearer.head, 'Bearer realm="api"')
    t.equal(templates.DPoP.head, 'DPoP realm="api"')
    t.equal(templates.Basic.head, 'Basic realm="api", charset="UTF-8"')
    t.equal(templates.Bearer.tail, '')
    t.equal(templates.DPoP.tail, '')
  })

  t.test('E6 a realm with " and \\ is escaped as a quoted-string', async t => {
    const templates = compileChallengeTemplates({ realm: 'my "api" \\ v2' })
    t.equal(templates.Bearer.head, 'Bearer realm="my \\"api\\" \\\\ v2"')
    t.equal(challengeFor(templates.Bearer.head, 'Bearer').params.realm, 'my "api" \\ v2')
    t.equal(challengeFor(templates.Basic.head, 'Basic').params.realm, 'my "api" \\ v2')
  })

  t.test('E7 resource_metadata closes the Bearer and DPoP templates, not Basic', async t => {
    const templates = compileChallengeTemplates({ realm: 'api', resourceMetadata: METADATA, algs: 'ES256' })
    t.equal(templates.Bearer.tail, `, resource_metadata="${METADATA}"`)
    t.equal(templates.DPoP.tail, `, algs="ES256", resource_metadata="${METADATA}"`)
    t.equal(templates.Basic.tail, '')
  })

  t.test('F1 dpopTail gives algs then resource_metadata, each only when set', async t => {
    t.equal(dpopTail(undefined, undefined), '')
    t.equal(dpopTail('ES256 PS256', undefined), ', algs="ES256 PS256"')
    t.equal(dpopTail(undefined, METADATA), `, resource_metadata="${METADATA}"`)
  })

  t.test('E3 buildChallenge writes each parameter at most once, in a fixed order', async t => {
    const templates = compileChallengeTemplates({ realm: 'api', resourceMetadata: METADATA })
    const all = {
      error: 'insufficient_user_authentication',
      error_description: 'More',
      error_uri: 'https://docs.example.com/e',
      scope: 'a b',
      acr_values: 'gold silver',
      max_age: 0
    }
    const header = buildChallenge(templates.Bearer, all)
    t.equal(header, 'Bearer realm="api", scope="a b", error="insufficient_user_authentication", error_description="More", ' +
      'error_uri="https://docs.example.com/e", acr_values="gold silver", max_age="0", resource_metadata="' + METADATA + '"')
    t.same(challengeFor(header, 'Bearer').params, { realm: 'api', ...all, max_age: '0', resource_metadata: METADATA })
    t.equal(buildChallenge(templates.Bearer, undefined), `Bearer realm="api", resource_metadata="${METADATA}"`)
    t.equal(buildChallenge(templates.Bearer, { error: 'invalid_token' }, ''), 'Bearer realm="api", error="invalid_token"')
  })
})

t.test('realm and resource_metadata through the plugin', async t => {
  t.test('E2 the default realm is "api" and every challenge carries it', async t => {
    const app = await resourceApp({})
    for (const url of ['/none', '/both', '/error/invalid_token', '/error/insufficient_scope', '/error/use_dpop_nonce']) {
      const res = await app.inject({ url, headers: url.startsWith('/error') ? { authorization: 'Bearer x' } : {} })
      const challenges = parseChallenges(String(res.headers['www-authenticate']))
      t.ok(challenges.length >= 1, url)
      for (const challenge of challenges) t.equal(challenge.params.realm, 'api', url)
    }
  })

  t.test('E6 a realm with " and \\ reaches every challenge escaped, Basic included', async t => {
    const realm = 'the "protected" \\ api'
    const app = await resourceApp({ realm })
    const bare = await app.inject('/both')
    t.same(parseChallenges(String(bare.headers['www-authenticate'])).map(c => c.params.realm), [realm, realm])
    const basic = await app.inject({ method: 'POST', url: '/token', headers: { authorization: 'Basic YTpi' } })
    t.equal(basic.headers['www-authenticate'], 'Basic realm="the \\"protected\\" \\\\ api", charset="UTF-8"')
    t.equal(challengeFor(String(basic.headers['www-authenticate']), 'Basic').params.realm, realm)
  })

  t.test('E6 a realm with controls, line breaks or non-ASCII fails registration', async t => {
    for (const realm of ['a\r\nSet-Cookie: x=1', 'a\nb', 'a\u0000', 'a\u007f', 'caf\u00e9', '\u{1F600}', '', 42, null]) {
      await t.rejects(register({ realm: realm as string }), { name: 'AuthErrorsConfigError', code: 'FST_AUTH_ERRORS_INVALID_REALM' }, JSON.stringify(realm))
    }
    // a tab is qdtext: allowed
    const app = Fastify()
    await app.register(authErrors, { realm: 'a\tb' })
    app.get('/', async (_request, reply) => reply.authChallenge())
    const res = await app.inject('/')
    t.equal(challengeFor(String(res.headers['www-authenticate']), 'Bearer').params.realm, 'a\tb')
  })

  t.test('E7 with resourceMetadata, every challenge of every scheme carries resource_metadata', async t => {
    const app = await resourceApp({ resourceMetadata: METADATA, algs: ['ES256'] })
    const cases = [
      { url: '/none' },
      { url: '/both' },
      { url: '/error/invalid_token', authorization: 'Bearer x' },
      { url: '/error/invalid_request', authorization: 'Bearer x' },
      { url: '/error/insufficient_scope', authorization: 'DPoP x' },
      { url: '/error/invalid_dpop_proof', authorization: 'DPoP x' },
      { url: '/error/use_dpop_nonce', authorization: 'DPoP x' },
      { url: '/error/insufficient_user_authentication', authorization: 'Bearer x' }
    ]
    let challenges = 0
    for (const { url, authorization } of cases) {
      const res = await app.inject({ url, headers: authorization === undefined ? {} : { authorization } })
      for (const challenge of parseChallenges(String(res.headers['www-authenticate']))) {
        t.equal(challenge.params.resource_metadata, METADATA, `${url} ${challenge.scheme}`)
        challenges++
      }
    }
    t.equal(challenges, 15)
  })

  t.test('E7 resourceMetadata must be an https URL fit for a quoted-string', async t => {
    for (const resourceMetadata of ['http://api.example.com/.well-known/oauth-protected-resource', 'https://api.example.com/"x"', 'https://api.example.com/a b', 'not a url', 7]) {
      await t.rejects(register({ resourceMetadata: resourceMetadata as string }),
        { code: 'FST_AUTH_ERRORS_INVALID_RESOURCE_METADATA' }, String(resourceMetadata))
    }
  })

  t.test('E7 without resourceMetadata no challenge names one', async t => {
    const app = await resourceApp({})
    const res = await app.inject({ url: '/error/invalid_token', headers: { authorization: 'Bearer x' } })
    for (const challenge of parseChallenges(String(res.headers['www-authenticate']))) t.notOk('resource_metadata' in challenge.params)
  })

  t.test('AuthErrorsConfigError is what registration throws for a bad realm', async t => {
    const error = await register({ realm: 'x\ny' }).then(() => undefined, (err: unknown) => err)
    t.ok(error instanceof AuthErrorsConfigError)
    t.match((error as Error).message, /realm must be non-empty visible ASCII/)
  })
})
