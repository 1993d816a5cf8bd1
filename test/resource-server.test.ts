import t from 'tap'
import { AuthError, catalog, catalogCodes, type AuthErrorCode, type AuthErrorsRouteConfig } from '../lib/index.js'
import { routeApp } from './helpers/app.js'
import { challengeFor, parseChallenges, type ParsedChallenge } from './helpers/auth-params.js'

const ERROR_PARAMS = ['error', 'error_description', 'error_uri'] as const

const appWith = routeApp

function challengesOf (res: { headers: Record<string, unknown> }): ParsedChallenge[] {
  const header = res.headers['www-authenticate']
  if (typeof header !== 'string') throw new Error('no WWW-Authenticate header')
  return parseChallenges(header)
}

function auth (authorization: string | undefined) {
  return authorization === undefined ? {} : { authorization }
}

t.test('E1 every 4xx resource error carries a challenge; the error sits in the scheme used', async t => {
  const app = await appWith((request, reply) => {
    const code = (request.query as { code: AuthErrorCode }).code
    return reply.authError(code, { dpopNonce: 'n' })
  }, {}, { endpoint: 'resource' })
  for (const code of catalogCodes) {
    const res = await app.inject({ url: `/?code=${code}`, headers: { authorization: 'Bearer t' } })
    if (res.statusCode >= 500) {
      t.notOk('www-authenticate' in res.headers, `${code}: a server error is no challenge`)
      continue
    }
    const challenges = challengesOf(res)
    t.same(challenges.map(c => c.scheme), ['Bearer'], code)
    t.equal(challenges[0]?.params.error, code, code)
    t.equal(challenges[0]?.params.error_description, res.json().error_description, code)
  }
})

t.test('E1 every 401 carries WWW-Authenticate, at any kind of endpoint and with any credentials', async t => {
  const kinds: Array<AuthErrorsRouteConfig['endpoint']> = [undefined, 'resource', 'token', 'introspection', 'registration', 'revocation']
  const credentials = [undefined, 'Basic YTpi', 'Bearer t', 'DPoP t', 'Digest x']
  let seen = 0
  for (const endpoint of kinds) {
    const app = await appWith((request, reply) => {
      const { code, status } = request.query as { code: AuthErrorCode, status?: string }
      return reply.authError(code, { dpopNonce: 'n', status: status === undefined ? undefined : Number(status) })
    }, {}, endpoint === undefined ? undefined : { endpoint })
    for (const code of catalogCodes) {
      for (const authorization of credentials) {
        for (const status of ['', '&status=401']) {
          const res = await app.inject({ url: `/?code=${code}${status}`, headers: auth(authorization) })
          if (res.statusCode !== 401) continue
          seen++
          t.ok(challengesOf(res).length >= 1, `${endpoint} ${code} ${authorization} ${status}`)
        }
      }
    }
  }
  t.ok(seen > 1000)
})

t.test('E1 insufficient_scope carries a challenge on a resource, wherever a token was used, and as the 401 of introspection', async t => {
  for (const endpoint of ['resource', 'introspection', 'token', 'authorization'] as const) {
    const app = await appWith((_request, reply) => reply.authError('insufficient_scope', { scope: 'admin' }), {}, { endpoint })
    for (const authorization of [undefined, 'Bearer t', 'DPoP t', 'Basic YTpi']) {
      const res = await app.inject({ url: '/', headers: auth(authorization) })
      // RFC 7662 2.3: at introspection it is about the caller's own token, a 401 (which always challenges, E1).
      const status = endpoint === 'introspection' ? 401 : 403
      t.equal(res.statusCode, status, `${endpoint} ${authorization}`)
      if (status === 403 && endpoint !== 'resource' && (authorization === undefined || authorization.startsWith('Basic'))) {
        t.notOk('www-authenticate' in res.headers, `${endpoint} ${authorization}: no token, no challenge`)
        continue
      }
      const challenge = challengesOf(res).find(c => c.params.error !== undefined)
      t.equal(challenge?.params.error, 'insufficient_scope', `${endpoint} ${authorization}`)
      t.equal(challenge?.params.scope, 'admin')
    }
  }
})

t.test('E4 reply.authChallenge sends the bare challenge: 401, no error code, no error text', async t => {
  const app = await appWith((request, reply) => {
    const { schemes } = request.query as { schemes?: string }
    return reply.authChallenge(schemes === undefined ? undefined : { schemes: schemes.split(',') as Array<'Bearer' | 'DPoP'> })
  }, { algs: 'ES256' })
  const expected: Record<string, string> = {
    '': 'Bearer realm="api"',
    Bearer: 'Bearer realm="api"',
    DPoP: 'DPoP realm="api", algs="ES256"',
    'Bearer,DPoP': 'Bearer realm="api", DPoP realm="api", algs="ES256"',
    'DPoP,Bearer': 'DPoP realm="api", algs="ES256", Bearer realm="api"'
  }
  for (const [schemes, header] of Object.entries(expected)) {
    const res = await app.inject(schemes === '' ? '/' : `/?schemes=${schemes}`)
    t.equal(res.statusCode, 401)
    t.equal(res.headers['www-authenticate'], header)
    t.equal(res.body, '')
    t.equal(res.headers['cache-control'], 'no-store')
    for (const challenge of challengesOf(res)) {
      for (const name of ERROR_PARAMS) t.notOk(name in challenge.params, `${schemes}: ${name}`)
    }
  }
})

t.test('E4 the registration\'s schemes are the default of reply.authChallenge', async t => {
  const app = await appWith((_request, reply) => reply.authChallenge(), { schemes: ['DPoP'], realm: 'photos' })
  const res = await app.inject('/')
  t.equal(res.headers['www-authenticate'], 'DPoP realm="photos"')
})

t.test('E4 a bare challenge may name the scope, in every scheme, with no error', async t => {
  const app = await appWith((_request, reply) => reply.authChallenge({ schemes: ['Bearer', 'DPoP'], scope: ['read', '', 'read', 'write'] }))
  const res = await app.inject('/')
  t.equal(res.headers['www-authenticate'], 'Bearer realm="api", scope="read write", DPoP realm="api", scope="read write"')
})

t.test('E4 a foreign 401 without credentials becomes the bare challenge; with credentials invalid_token', async t => {
  const app = await appWith(() => {
    throw Object.assign(new Error('secret internal reason: user 42 not in LDAP'), { statusCode: 401 })
  })
  const bare = await app.inject('/')
  t.equal(bare.statusCode, 401)
  t.equal(bare.headers['www-authenticate'], 'Bearer realm="api"')
  t.notMatch(bare.body, /LDAP|secret/)
  const withToken = await app.inject({ url: '/', headers: { authorization: 'Bearer t' } })
  t.equal(withToken.statusCode, 401)
  const challenge = challengeFor(String(withToken.headers['www-authenticate']), 'Bearer')
  t.equal(challenge.params.error, 'invalid_token')
  t.notMatch(String(withToken.headers['www-authenticate']) + withToken.body, /LDAP|secret/)
})

t.test('E5 invalid_request 400, invalid_token 401, insufficient_scope 403 with a scope', async t => {
  const app = await appWith((request, reply) => {
    const { code } = request.query as { code: AuthErrorCode }
    return reply.authError(code, code === 'insufficient_scope' ? { scope: ['photos:read', 'photos:write'] } : {})
  }, {}, { endpoint: 'resource' })
  const expected = { invalid_request: 400, invalid_token: 401, insufficient_scope: 403 }
  for (const [code, status] of Object.entries(expected)) {
    const res = await app.inject({ url: `/?code=${code}`, headers: { authorization: 'Bearer t' } })
    t.equal(res.statusCode, status, code)
    t.equal(res.json().error, code)
    const challenge = challengeFor(String(res.headers['www-authenticate']), 'Bearer')
    t.equal(challenge.params.error, code)
    t.equal(challenge.params.error_description, catalog[code as 'invalid_token'].description)
    t.equal(challenge.params.scope, code === 'insufficient_scope' ? 'photos:read photos:write' : undefined)
  }
})

t.test('E5 insufficient_scope thrown as an AuthError with a scope string', async t => {
  const app = await appWith(() => { throw new AuthError('insufficient_scope', { scope: 'a  b a' }) })
  const res = await app.inject({ url: '/', headers: { authorization: 'Bearer t' } })
  t.equal(res.statusCode, 403)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="api", scope="a b", error="insufficient_scope", ' +
    'error_description="The request needs higher privileges than the access token provides."')
})

t.test('E5 token_inactive and request_unauthorized are 401 with the challenge too', async t => {
  const app = await appWith((request, reply) => reply.authError((request.query as { code: AuthErrorCode }).code))
  for (const code of ['token_inactive', 'request_unauthorized']) {
    const res = await app.inject({ url: `/?code=${code}`, headers: { authorization: 'Bearer t' } })
    t.equal(res.statusCode, 401)
    t.equal(challengeFor(String(res.headers['www-authenticate']), 'Bearer').params.error, code)
  }
})

t.test('E6 a hostile description never breaks the header and reads back sanitised', async t => {
  const cases: Array<[string, string]> = [
    ['say "hi"', 'say \'hi\''],
    ['back\\slash', 'back/slash'],
    ['line\r\nSet-Cookie: a=b', 'line Set-Cookie: a=b'],
    ['nul\u0000here', 'nul here'],
    ['caf\u00e9 \u{1F600} \u4e2d', 'caf'],
    ['tab\there', 'tab here']
  ]
  const app = await appWith((request, reply) => reply.authError('invalid_token', { description: (request.body as { d: string }).d }), {}, { endpoint: 'resource' })
  for (const [input, output] of cases) {
    const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Bearer t' }, payload: { d: input } })
    t.equal(res.statusCode, 401, JSON.stringify(input))
    const challenge = challengeFor(String(res.headers['www-authenticate']), 'Bearer')
    t.equal(challenge.params.error_description, output, JSON.stringify(input))
    t.equal(res.json().error_description, output)
  }
  const long = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Bearer t' }, payload: { d: 'x'.repeat(10_240) } })
  const description = challengeFor(String(long.headers['www-authenticate']), 'Bearer').params.error_description as string
  t.equal(description.length, 512)
  t.ok(description.endsWith('...'))
})

t.test('E6 a hostile scope is cut to scope tokens: no quote, backslash, control or non-ASCII', async t => {
  const app = await appWith((request, reply) => reply.authError('insufficient_scope', { scope: (request.body as { s: string | string[] }).s }), {}, { endpoint: 'resource' })
  const cases: Array<[string | string[], string | undefined]> = [
    ['read "write"', 'read write'],
    [['a\\b', 'c\r\nd', 'e\u0000f', 'g\u00e9h'], 'ab cd ef gh'],
    [['', 'read', '', 'read', 'write', ' '], 'read write'],
    [['', ' '], undefined],
    [[1, null, 'read', { a: 1 }] as unknown as string[], 'read'],
    ['x'.repeat(10_240), undefined],
    [Array.from({ length: 2000 }, (_, i) => `s${i}`), undefined]
  ]
  for (const [input, output] of cases) {
    const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Bearer t' }, payload: { s: input } })
    t.equal(res.statusCode, 403)
    const scope = challengeFor(String(res.headers['www-authenticate']), 'Bearer').params.scope
    if (Array.isArray(input) && input.length === 2000) {
      t.ok(scope !== undefined && scope.length <= 1024 && scope.startsWith('s0 s1 ') && !scope.endsWith(' '), 'long lists are cut at a whole token')
    } else {
      t.equal(scope, output, JSON.stringify(input).slice(0, 60))
    }
  }
})

t.test('D3 invalid_client: the challenge of the scheme the client authenticated with', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_client'), { realm: 'as "main"', algs: ['ES256'] }, { endpoint: 'token' })
  const basic = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Basic Y2xpZW50Ondyb25n' } })
  t.equal(basic.statusCode, 401)
  t.equal(basic.headers['www-authenticate'], 'Basic realm="as \\"main\\"", charset="UTF-8"')
  t.same(challengesOf(basic), [{ scheme: 'Basic', params: { realm: 'as "main"', charset: 'UTF-8' } }])
  t.equal(basic.json().error, 'invalid_client')

  for (const scheme of ['Bearer', 'DPoP']) {
    const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: `${scheme} t` } })
    t.equal(res.statusCode, 401, scheme)
    const challenges = challengesOf(res)
    t.same(challenges.map(c => c.scheme), [scheme], 'only the scheme used')
    t.equal(challenges[0]?.params.realm, 'as "main"')
    t.equal(challenges[0]?.params.error, 'invalid_client')
  }
})

t.test('D3 invalid_client without an Authorization header: 400 and no challenge at all', async t => {
  for (const format of ['oauth', 'problem'] as const) {
    const app = await appWith((_request, reply) => reply.authError('invalid_client'), { format })
    for (const payload of [undefined, { client_id: 'c', client_secret: 'wrong' }]) {
      const res = await app.inject({ method: 'POST', url: '/', payload })
      t.equal(res.statusCode, 400, `${format} ${JSON.stringify(payload)}`)
      t.notOk('www-authenticate' in res.headers)
      t.equal(res.json().error, 'invalid_client')
      if (format === 'problem') t.equal(res.json().status, 400, 'the problem body tells the same status')
    }
  }
})

t.test('D3 a scheme the plugin cannot challenge with gives 400 without a challenge', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_client'), {}, { endpoint: 'token' })
  const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Digest username="c"' } })
  t.equal(res.statusCode, 400)
  t.notOk('www-authenticate' in res.headers)
})

t.test('D3 an explicit 401 without credentials gets a Bearer challenge, never Basic', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_client', { status: 401 }), {}, { endpoint: 'token' })
  const res = await app.inject({ method: 'POST', url: '/' })
  t.equal(res.statusCode, 401)
  t.same(challengesOf(res).map(c => c.scheme), ['Bearer'])
})

t.test('D3 Basic is only ever sent for a 401 invalid_client; other 401s get a Bearer challenge', async t => {
  const app = await appWith((request, reply) => reply.authError((request.query as { code: AuthErrorCode }).code), {}, { endpoint: 'token' })
  for (const code of catalogCodes) {
    const res = await app.inject({ method: 'POST', url: `/?code=${code}`, headers: { authorization: 'Basic YTpi' } })
    const header = res.headers['www-authenticate']
    if (code === 'invalid_client') {
      t.equal(res.statusCode, 401)
      t.equal(header, 'Basic realm="api", charset="UTF-8"')
    } else if (res.statusCode === 401) {
      t.same(challengesOf(res).map(c => [c.scheme, c.params.error]), [['Bearer', code]], code)
    } else if (header !== undefined) {
      t.notMatch(String(header), /Basic/, code)
    }
  }
})

t.test('E5 an Authorization header with a scheme and no token still makes a resource request', async t => {
  const app = await appWith((_request, reply) => reply.authError('invalid_token'), { schemes: ['Bearer', 'DPoP'] })
  for (const scheme of ['Bearer', 'DPoP', 'bearer', 'DPOP']) {
    const res = await app.inject({ url: '/', headers: { authorization: scheme } })
    t.equal(res.statusCode, 401)
    const withError = challengesOf(res).filter(c => c.params.error === 'invalid_token').map(c => c.scheme)
    t.same(withError, [scheme.toLowerCase() === 'bearer' ? 'Bearer' : 'DPoP'], scheme)
  }
})
