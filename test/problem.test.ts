import t from 'tap'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import authErrors, {
  AuthError, catalog, endpointKinds,
  type AuthErrorCode, type AuthErrorOptions, type AuthErrorsOptions, type EndpointKind
} from '../lib/index.js'
import { defaultProblemType, titleFromCode } from '../lib/body.js'
import { prefersProblem } from '../lib/accept.js'

const PROBLEM = 'application/problem+json; charset=utf-8'
const JSON_TYPE = 'application/json; charset=utf-8'
const PROTOCOL_KINDS = endpointKinds.filter((kind) => kind !== 'resource')

interface Call {
  code: AuthErrorCode
  options?: AuthErrorOptions
}

/** An app whose routes answer with `reply.authError(code, options)` taken from the query (JSON). */
async function build (options: AuthErrorsOptions, routes: Record<string, { config?: { endpoint?: EndpointKind, format?: 'oauth' | 'problem' | 'negotiate' }, before?: (reply: import('fastify').FastifyReply) => void }> = { '/': {} }): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(authErrors, options)
  for (const [url, route] of Object.entries(routes)) {
    app.get(url, { config: route.config === undefined ? {} : { authErrors: route.config } }, async (request, reply) => {
      const call = JSON.parse((request.query as { call: string }).call) as Call
      route.before?.(reply)
      return reply.authError(call.code, call.options)
    })
  }
  await app.ready()
  return app
}

function query (code: string, options?: AuthErrorOptions): string {
  return '?call=' + encodeURIComponent(JSON.stringify({ code, options }))
}

t.test('H1 problem+json carries type, title, status, detail, instance, error and the numeric code', async (t) => {
  const app = await build({
    format: 'problem',
    errorUri: 'https://docs.example.com/errors',
    codes: { account_locked: { status: 423, description: 'The account is locked.', code: 4231, title: 'Account locked' } }
  })
  const res = await app.inject('/' + query('account_locked', { instance: '/requests/42', description: 'Locked after 5 failed logins.' }))
  t.equal(res.statusCode, 423)
  t.equal(res.headers['content-type'], PROBLEM)
  t.equal(res.headers['cache-control'], 'no-store')
  t.same(res.json(), {
    type: 'https://docs.example.com/errors#account_locked',
    title: 'Account locked',
    status: 423,
    detail: 'Locked after 5 failed logins.',
    instance: '/requests/42',
    error: 'account_locked',
    code: 4231
  })
  t.same(Object.keys(res.json()), ['type', 'title', 'status', 'detail', 'instance', 'error', 'code'], 'members in RFC 9457 order, then extensions')

  const plain = await app.inject('/' + query('invalid_grant'))
  t.same(plain.json(), {
    type: 'https://docs.example.com/errors#invalid_grant',
    title: 'Invalid grant',
    status: 400,
    detail: catalog.invalid_grant.description,
    error: 'invalid_grant'
  }, 'no code member when the catalog has none, no instance when none is given')
})

t.test('H1 the status member equals the HTTP status for every code, on every kind of request', async (t) => {
  const app = await build({ format: 'problem' }, { '/': {}, '/token': { config: { endpoint: 'token' } } })
  const requests = [
    { url: '/', headers: {} },
    { url: '/', headers: { authorization: 'Bearer abc' } },
    { url: '/', headers: { authorization: 'Basic YTpi' } }
  ]
  let compared = 0
  for (const code of Object.keys(catalog) as AuthErrorCode[]) {
    const options: AuthErrorOptions = code === 'use_dpop_nonce' ? { dpopNonce: 'n-1' } : {}
    for (const { url, headers } of requests) {
      for (const status of [undefined, 400, 403, 429, 503]) {
        const res = await app.inject({ url: url + query(code, { ...options, status }), headers })
        t.equal(res.headers['content-type'], PROBLEM)
        t.equal(res.json().status, res.statusCode, `${code} ${JSON.stringify(headers)} status ${status}`)
        t.equal(res.json().error, code)
        compared++
      }
    }
  }
  // RULES D3: invalid_client without an Authorization header is answered with 400, and says so.
  const d3 = await app.inject('/' + query('invalid_client'))
  t.equal(d3.statusCode, 400)
  t.equal(d3.json().status, 400)
  t.comment(`${compared} problem responses checked: status member = HTTP status`)
})

t.test('H1 type is an absolute URI: errorUri when absolute, a tag: URI otherwise', async (t) => {
  // RULES B3: a relative error_uri is resolved against the reference page's baseUrl ...
  const resolved = await build({ format: 'problem', errorUri: (code) => '/errors#' + code, reference: { baseUrl: 'https://api.example.com' } })
  const res = await resolved.inject('/' + query('invalid_scope'))
  t.equal(res.json().type, 'https://api.example.com/errors#invalid_scope', 'the resolved error_uri is the problem type')
  const oauth = await resolved.inject('/' + query('invalid_scope', { format: 'oauth' }))
  t.equal(oauth.json().error_uri, 'https://api.example.com/errors#invalid_scope', 'the OAuth body carries the absolute error_uri')
  // ... and refused at register without one.
  const refused = Fastify()
  await t.rejects(async () => { await refused.register(authErrors, { errorUri: (code) => '/errors#' + code }) }, { code: 'FST_AUTH_ERRORS_INVALID_ERROR_URI', message: /errorUri gives "\/errors#invalid_request"/ })

  const none = await build({ format: 'problem', codes: { 'odd code': { status: 400, description: 'A code with a space.' } } })
  const odd = await none.inject('/' + query('odd code'))
  t.equal(odd.json().type, 'tag:fastify-auth-errors,2026:odd%20code')
  t.equal(defaultProblemType('invalid_grant'), 'tag:fastify-auth-errors,2026:invalid_grant')
  for (const type of [res.json().type as string, odd.json().type as string]) t.match(type, /^[a-z][a-z0-9+.-]*:[^\s]+$/, 'absolute URI without spaces')
  t.ok(new URL(odd.json().type).protocol === 'tag:')
})

t.test('H1 the title is stable per code: the entry title, else the code in words', async (t) => {
  const app = await build({ format: 'problem' })
  const titles = new Set<string>()
  for (const description of ['First occurrence.', 'Second occurrence.']) {
    for (const status of [undefined, 400, 401]) {
      const res = await app.inject({ url: '/' + query('invalid_dpop_proof', { description, status }), headers: { authorization: 'DPoP x' } })
      titles.add(res.json().title)
    }
  }
  t.same([...titles], ['Invalid DPoP proof'])
  t.equal(titleFromCode('invalid_grant'), 'Invalid grant')
  t.equal(titleFromCode('__'), '__')
  t.equal((await app.inject('/' + query('slow_down'))).json().title, 'Slow down')
})

t.test('H1 problem per registration, per route config and per call', async (t) => {
  const byRegistration = await build({ format: 'problem' })
  t.equal((await byRegistration.inject('/' + query('invalid_request'))).headers['content-type'], PROBLEM)
  t.equal((await byRegistration.inject('/' + query('invalid_request', { format: 'oauth' }))).headers['content-type'], JSON_TYPE, 'a call beats registration')

  const byRoute = await build({}, { '/api': { config: { format: 'problem' } }, '/other': {} })
  t.equal((await byRoute.inject('/api' + query('invalid_request'))).headers['content-type'], PROBLEM)
  t.equal((await byRoute.inject('/other' + query('invalid_request'))).headers['content-type'], JSON_TYPE)
  t.equal((await byRoute.inject('/api' + query('invalid_request', { format: 'oauth' }))).headers['content-type'], JSON_TYPE, 'a call beats the route')

  const byCall = await build({})
  const res = await byCall.inject('/' + query('invalid_request', { format: 'problem' }))
  t.equal(res.headers['content-type'], PROBLEM)
  t.equal(res.json().error, 'invalid_request')

  const byEntry = await build({ codes: { invalid_request: { format: 'problem' } } }, { '/': {}, '/route': { config: { format: 'oauth' } } })
  t.equal((await byEntry.inject('/' + query('invalid_request'))).headers['content-type'], PROBLEM, 'an entry format beats registration')
  t.equal((await byEntry.inject('/route' + query('invalid_request'))).headers['content-type'], JSON_TYPE, 'route config beats the entry')
})

t.test('H2 protocol endpoints keep the RFC 6749 body whatever the registration, route or entry says', async (t) => {
  const routes = Object.fromEntries(PROTOCOL_KINDS.map((kind) => ['/' + kind, { config: { endpoint: kind, format: 'problem' as const } }]))
  const app = await build({ format: 'problem', codes: { invalid_request: { format: 'problem' } } }, { ...routes, '/resource': { config: { endpoint: 'resource' } } })
  t.equal(PROTOCOL_KINDS.length, 8)
  for (const kind of PROTOCOL_KINDS) {
    const res = await app.inject('/' + kind + query('invalid_request'))
    t.equal(res.headers['content-type'], JSON_TYPE, kind)
    t.same(res.json(), { error: 'invalid_request', error_description: catalog.invalid_request.description }, kind)
    const asked = await app.inject('/' + kind + query('invalid_request', { format: 'problem' }))
    t.equal(asked.headers['content-type'], PROBLEM, `${kind}: the call itself may ask for problem`)
    t.equal(asked.json().error, 'invalid_request', `${kind}: the problem body still carries error`)
  }
  const resource = await app.inject('/resource' + query('invalid_request'))
  t.equal(resource.headers['content-type'], PROBLEM, 'a resource route follows the configured format')
})

t.test('H1 negotiate: problem+json only when Accept prefers it, q-values honoured, Vary: Accept', async (t) => {
  const app = await build({ format: 'negotiate' })
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ['application/json', false],
    ['application/problem+json', true],
    ['Application/Problem+JSON', true],
    ['application/json, application/problem+json', false],
    ['application/json;q=0.5, application/problem+json', true],
    ['application/problem+json;q=0.4, application/json;q=0.8', false],
    ['application/problem+json;q=0.9, application/json;q=0.8', true],
    ['application/problem+json; q=0', false],
    ['application/problem+json;Q=0.7, */*;q=0.5', true],
    ['*/*;q=0.1, application/problem+json;q=0.1', true],
    ['application/*, application/problem+json;q=0.9', false],
    ['text/html, application/problem+json;q=0.2', true],
    ['application/problem+json;q=2', false],
    ['application/problem+json;q=abc', false],
    ['application/problem+json;level=1;q=0.6, application/json;q=0.5', true],
    ['application/problem+json;', true]
  ]
  for (const [accept, problem] of cases) {
    t.equal(prefersProblem(accept), problem, `prefersProblem(${accept})`)
    const res = await app.inject({ url: '/' + query('invalid_token'), headers: accept === undefined ? {} : { accept } })
    t.equal(res.headers['content-type'], problem ? PROBLEM : JSON_TYPE, String(accept))
    t.equal(res.headers.vary, 'Accept', `Vary for ${accept}`)
    t.equal(res.json().error, 'invalid_token')
  }
})

t.test('H1 negotiate merges Vary: Accept into what the application set', async (t) => {
  const app = await build({ format: 'negotiate' }, {
    '/origin': { before: (reply) => { reply.header('vary', 'Origin') } },
    '/twice': { before: (reply) => { reply.header('vary', 'Origin, accept') } },
    '/star': { before: (reply) => { reply.header('vary', '*') } },
    '/empty': { before: (reply) => { reply.header('vary', '') } },
    '/oauth': { config: { format: 'oauth' }, before: (reply) => { reply.header('vary', 'Origin') } }
  })
  t.equal((await app.inject('/origin' + query('invalid_request'))).headers.vary, 'Origin, Accept')
  t.equal((await app.inject('/twice' + query('invalid_request'))).headers.vary, 'Origin, accept')
  t.equal((await app.inject('/star' + query('invalid_request'))).headers.vary, '*')
  t.equal((await app.inject('/empty' + query('invalid_request'))).headers.vary, 'Accept')
  t.equal((await app.inject('/oauth' + query('invalid_request'))).headers.vary, 'Origin', 'no Vary added when nothing is negotiated')
})

t.test('Bad input: a malformed or 8 kB Accept header never throws and falls back to RFC 6749 JSON', async (t) => {
  const app = await build({ format: 'negotiate' })
  const long = 'application/problem+json;q=1, ' + 'x/y;q=0.1, '.repeat(800)
  t.ok(long.length > 8000)
  const malformed = [
    long,
    ';;;,,,problem',
    'application/problem+json;q',
    'application/problem+json;=;q=',
    'problem',
    ',,application/problem+json;q=NaN',
    'application/problem+json;q=-1',
    'application/problem+json;q=Infinity',
    '\tapplication/problem+json ; q = 0.5 , application/json ; q = 0.9'
  ]
  for (const accept of malformed) {
    t.equal(prefersProblem(accept), false, accept.slice(0, 60))
    const res = await app.inject({ url: '/' + query('invalid_request'), headers: { accept } })
    t.equal(res.statusCode, 400)
    t.equal(res.headers['content-type'], JSON_TYPE, accept.slice(0, 60))
    t.equal(res.json().error, 'invalid_request')
  }
  for (const value of [null, 42, ['application/problem+json'], {}]) t.equal(prefersProblem(value), false)

  // The same 8 kB header over a real socket.
  await app.close()
  const server = Fastify()
  await server.register(authErrors, { format: 'negotiate' })
  server.get('/', async (_request, reply) => reply.authError('invalid_request'))
  await server.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => server.close())
  const { port } = server.server.address() as AddressInfo
  const answer = await new Promise<{ status: number, type: string, body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { accept: long } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(answer.status, 400)
  t.equal(answer.type, JSON_TYPE)
  t.equal(JSON.parse(answer.body).error, 'invalid_request')
})

t.test('H3 no stack, cause or internal message in any body unless exposeDetails is on', async (t) => {
  const secret = 'postgres://admin:hunter2@db.internal/users'
  for (const format of ['oauth', 'problem'] as const) {
    const app = Fastify({ logger: false })
    await app.register(authErrors, { format })
    app.get('/auth', async () => {
      throw new AuthError('invalid_grant', { cause: new Error(secret), hint: 'check ' + secret, debug: 'query ' + secret })
    })
    app.get('/crash', async () => { throw new Error(secret) })
    app.get('/crash-status', async () => { throw Object.assign(new Error(secret), { statusCode: 502 }) })
    const thrown: unknown = secret
    app.get('/thrown', async () => { throw thrown })
    app.get('/reply', async (_request, reply) => reply.authError('access_denied', { cause: new Error(secret), debug: secret }))
    for (const url of ['/auth', '/crash', '/crash-status', '/thrown', '/reply']) {
      const res = await app.inject(url)
      t.notOk(res.body.includes('hunter2'), `${format} ${url}: no internal message`)
      t.notOk(/stack|cause|hint|debug|\bat .+:\d+:\d+/.test(res.body), `${format} ${url}: no stack, cause, hint or debug member`)
      t.ok(res.statusCode >= 400, `${format} ${url}`)
    }
    const crash = await app.inject('/crash')
    t.equal(crash.statusCode, 500)
    t.equal(crash.json().error, 'server_error')
    t.equal(format === 'problem' ? crash.json().detail : crash.json().error_description, catalog.server_error.description, 'a generic description')
  }

  const exposed = Fastify()
  await exposed.register(authErrors, { exposeDetails: true })
  exposed.get('/oauth', async () => { throw new AuthError('invalid_grant', { cause: new Error('the code was used twice'), hint: 'Ask for a new code' }) })
  exposed.get('/problem', async () => { throw new AuthError('invalid_grant', { format: 'problem', debug: 'row 7', hint: 'Ask for a new code' }) })
  exposed.get('/crash', async () => { throw new Error('db is down') })
  exposed.get('/string-cause', async (_request, reply) => reply.authError('invalid_grant', { cause: 'the code was used twice' }))
  exposed.get('/other-cause', async (_request, reply) => reply.authError('invalid_grant', { cause: { sql: 'SELECT 1' } }))
  const oauth = (await exposed.inject('/oauth')).json()
  t.equal(oauth.error_hint, 'Ask for a new code')
  t.equal(oauth.error_debug, 'the code was used twice', 'the cause message only with exposeDetails')
  t.notOk(JSON.stringify(oauth).includes('at '), 'never a stack')
  const problem = (await exposed.inject('/problem')).json()
  t.equal(problem.hint, 'Ask for a new code')
  t.equal(problem.debug, 'row 7')
  t.notOk((await exposed.inject('/crash')).body.includes('db is down'), 'a 5xx stays generic even with exposeDetails')
  t.equal((await exposed.inject('/string-cause')).json().error_debug, 'the code was used twice', 'a string cause is its own message')
  const other = (await exposed.inject('/other-cause')).json()
  t.same(other, { error: 'invalid_grant', error_description: catalog.invalid_grant.description }, 'a cause that is neither Error nor string is never serialised')
})

t.test('P2 problem title and detail in the chosen language, with Content-Language; RFC 6749 texts stay English', async (t) => {
  const app = Fastify()
  await app.register(authErrors, {
    format: 'problem',
    codes: { my_code: { status: 400, description: 'An application code.' } },
    locales: { fr: { invalid_request: { title: 'Requête invalide', description: 'La requête est "mal" formée \\ incomplète.' } } }
  })
  app.get('/mine', async (_request, reply) => reply.authError('my_code' as never, { status: 422 }))
  app.get('/mine-default', async (_request, reply) => reply.authError('my_code' as never))
  app.get('/', async (request, reply) => reply.authError('invalid_request', { uiLocales: (request.query as { ui?: string }).ui }))
  app.get('/own', async (_request, reply) => reply.authError('invalid_request', { description: 'Missing the account parameter' }))
  app.get('/oauth', async (_request, reply) => reply.authError('invalid_request', { format: 'oauth' }))

  const fr = await app.inject({ url: '/', headers: { 'accept-language': 'fr-CA, en;q=0.5' } })
  t.equal(fr.headers['content-language'], 'fr')
  t.match(String(fr.headers.vary), /Accept-Language/, 'P1: the header chose, so Vary says so')
  t.same(fr.json(), { type: 'tag:fastify-auth-errors,2026:invalid_request', title: 'Requête invalide', status: 400, detail: 'La requête est "mal" formée \\ incomplète.', error: 'invalid_request' })
  const byUi = await app.inject({ url: '/?ui=fr', headers: { 'accept-language': 'en' } })
  t.equal(byUi.json().title, 'Requête invalide', 'uiLocales beats Accept-Language')
  t.equal(byUi.headers['content-language'], 'fr')
  const en = await app.inject({ url: '/', headers: { 'accept-language': 'de' } })
  t.equal(en.headers['content-language'], 'en', 'the default language')
  t.equal(en.json().title, 'Invalid request')
  const own = await app.inject({ url: '/own', headers: { 'accept-language': 'fr' } })
  t.equal(own.json().detail, 'Missing the account parameter', 'a call\'s own description is sent as given')
  t.equal(own.json().title, 'Requête invalide')
  const oauth = await app.inject({ url: '/oauth', headers: { 'accept-language': 'fr' } })
  t.match(oauth.json().error_description, /^The request is missing/, 'P2: error_description stays English ASCII')
  t.equal(oauth.headers['content-language'], undefined)

  const mine = await app.inject({ url: '/mine', headers: { 'accept-language': 'fr' } })
  t.same(mine.json(), { type: 'tag:fastify-auth-errors,2026:my_code', title: 'My code', status: 422, detail: 'An application code.', error: 'my_code' }, 'a code without a translation, at a status without a variant, keeps its own texts')
  t.equal(mine.headers['content-language'], 'fr')
  const atDefault = await app.inject({ url: '/mine-default', headers: { 'accept-language': 'fr' } })
  t.same(atDefault.json(), { type: 'tag:fastify-auth-errors,2026:my_code', title: 'My code', status: 400, detail: 'An application code.', error: 'my_code' }, 'at its own status too')

  const plain = Fastify()
  await plain.register(authErrors, { format: 'problem' })
  plain.get('/', async (_request, reply) => reply.authError('invalid_request'))
  const english = await plain.inject({ url: '/', headers: { 'accept-language': 'fr' } })
  t.equal(english.headers['content-language'], undefined, 'English only: nothing is chosen, nothing is said')
})
