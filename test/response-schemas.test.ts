import t from 'tap'
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify'
import { Type, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import authErrors, {
  AuthErrorsConfigError, catalog, endpointKinds, presets,
  type AuthErrorCode, type AuthErrorsOptions, type EndpointKind, type ErrorMediaType, type ErrorResponses
} from '../lib/index.js'

async function appWith (options: AuthErrorsOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(authErrors, options)
  // One route per kind, and one unmarked, answering reply.authError(code, { status, format, dpopNonce }).
  for (const kind of [...endpointKinds, 'unmarked'] as const) {
    app.get('/' + kind, { config: kind === 'unmarked' ? {} : { authErrors: { endpoint: kind } } }, async (request, reply) => {
      const { code, status, format } = request.query as { code: AuthErrorCode, status?: string, format?: 'oauth' | 'problem' }
      return reply.authError(code, { status: status === undefined ? undefined : Number(status), format, dpopNonce: 'nonce-1' })
    })
  }
  await app.ready()
  return app
}

function media (map: ErrorResponses, status: number, type: 'application/json' | 'application/problem+json'): ErrorMediaType {
  const found = map[status]?.content[type]
  if (found === undefined) throw new Error(`no ${type} at ${status}`)
  return found
}

function enumOf (mediaType: ErrorMediaType): unknown[] {
  return [...(mediaType.schema.allOf[1].properties.error?.enum ?? [])]
}

/** Sends every example of a map through a real route of that kind and compares the body: examples are what the plugin sends. */
type TestT = Parameters<Parameters<typeof t.test>[0]>[0]

async function checkExamples (t: TestT, app: FastifyInstance, map: ErrorResponses, route: EndpointKind | 'unmarked'): Promise<number> {
  let checked = 0
  for (const [status, response] of Object.entries(map)) {
    for (const [type, mediaType] of Object.entries(response.content) as Array<[string, ErrorMediaType]>) {
      const format = type === 'application/problem+json' ? 'problem' : 'oauth'
      t.same(Object.keys(mediaType.examples), enumOf(mediaType), `${route} ${status} ${type}: one example per code`)
      for (const [code, example] of Object.entries(mediaType.examples)) {
        // An unmarked route takes a resource status when the request carries a token; at introspection,
        // invalid_token is about the caller's own token (RFC 7662 2.3), else it is {"active":false}.
        const resourceStatus = route === 'unmarked' && status === String(catalog[code as keyof typeof catalog]?.statusAt?.resource)
        const headers = resourceStatus || (route === 'introspection' && code === 'invalid_token') ? { authorization: 'DPoP x' } : {}
        const res = await app.inject({ url: `/${route}?code=${code}&status=${status}&format=${format}`, headers })
        t.equal(res.statusCode, Number(status), `${route} ${code} ${status}`)
        t.same(res.json(), example.value, `${route} ${code} ${status} ${format}: the example is the body sent`)
        t.equal(res.headers['content-type'], type + '; charset=utf-8')
        checked++
      }
    }
  }
  return checked
}

t.test('D1 responses(token): RFC 6749 JSON grouped by status, code enum, examples, description, headers', async (t) => {
  const app = await appWith()
  const map = app.authErrors.responses('token')
  t.same(Object.keys(map), ['400', '401', '403', '500', '503'])
  const bad = media(map, 400, 'application/json')
  t.same(bad.schema.allOf[0], { $ref: 'OAuthError#' })
  for (const code of ['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'authorization_pending', 'slow_down', 'expired_token', 'invalid_client']) {
    t.ok(enumOf(bad).includes(code), `400 lists ${code}`)
  }
  t.same(enumOf(media(map, 401, 'application/json')), ['invalid_client', 'token_inactive', 'request_unauthorized'])
  t.same(enumOf(media(map, 403, 'application/json')), ['need_info', 'request_denied', 'request_submitted', 'request_forbidden', 'scope_not_granted'])
  t.equal(map[400]?.content['application/problem+json'], undefined, 'no problem+json at a protocol endpoint')
  t.match(map[400]?.description, /^400 Bad Request: the error is one of `invalid_request`, /)
  t.same(Object.keys(map[400]?.headers ?? {}), ['Cache-Control'])
  t.same(Object.keys(map[401]?.headers ?? {}), ['Cache-Control', 'WWW-Authenticate'], 'a 401 carries a challenge')
  t.same(bad.examples.invalid_grant, {
    summary: 'invalid_grant: ' + catalog.invalid_grant.description,
    value: { error: 'invalid_grant', error_description: catalog.invalid_grant.description }
  })
  t.comment(`token: ${await checkExamples(t, app, map, 'token')} examples sent for real`)
})

t.test('H2 every endpoint kind has a map; protocol kinds document OAuthError, the resource kind the configured format', async (t) => {
  const app = await appWith({ format: 'problem', errorUri: 'https://docs.example.com/errors' })
  let checked = 0
  for (const kind of endpointKinds) {
    const map = app.authErrors.responses(kind)
    t.ok(Object.keys(map).length > 0, kind)
    for (const response of Object.values(map)) {
      const types = Object.keys(response.content)
      t.same(types, [kind === 'resource' ? 'application/problem+json' : 'application/json'], kind)
    }
    checked += await checkExamples(t, app, map, kind)
  }
  const resource = app.authErrors.responses('resource')
  const problem = media(resource, 403, 'application/problem+json')
  t.same(problem.schema.allOf[0], { $ref: 'AuthProblem#' })
  t.same(problem.schema.allOf[1].properties.status, { type: 'integer', enum: [403] })
  t.same(problem.examples.insufficient_scope?.value, {
    type: 'https://docs.example.com/errors#insufficient_scope',
    title: 'Insufficient scope',
    status: 403,
    detail: catalog.insufficient_scope.description,
    error: 'insufficient_scope'
  })
  t.same(Object.keys(resource[403]?.headers ?? {}), ['Cache-Control', 'WWW-Authenticate'], 'resource errors carry a challenge')
  t.same(Object.keys(resource), ['400', '401', '403', '404', '405', '500', '503'])
  const backchannel = app.authErrors.responses('backchannel')
  t.ok(enumOf(media(backchannel, 403, 'application/json')).includes('access_denied'), 'CIBA 13: access_denied is 403 at the backchannel endpoint')
  t.notOk(enumOf(media(backchannel, 400, 'application/json')).includes('access_denied'))
  t.equal((await app.inject('/backchannel?code=access_denied')).statusCode, 403, 'as the plugin sends it without a status')
  t.ok(enumOf(media(resource, 401, 'application/problem+json')).includes('use_dpop_nonce'), 'resource status of use_dpop_nonce')
  t.comment(`${checked} examples across ${endpointKinds.length} kinds sent for real`)
})

t.test('D5 device polling codes are token-endpoint responses; responses(device) documents the device authorization endpoint', async (t) => {
  const app = await appWith()
  const device = app.authErrors.responses('device')
  const codes = Object.values(device).flatMap((response) => enumOf(response.content['application/json'] as ErrorMediaType))
  t.same(new Set(codes), new Set(['invalid_request', 'unauthorized_client', 'invalid_scope', 'invalid_client', 'server_error', 'temporarily_unavailable']))
  for (const code of ['authorization_pending', 'slow_down', 'expired_token']) t.notOk(codes.includes(code), `${code} is not sent by the device authorization endpoint`)
  const polling = app.authErrors.responses('authorization_pending', 'slow_down', 'expired_token', 'access_denied', { endpoint: 'token' })
  t.same(Object.keys(polling), ['400'])
  t.same(enumOf(media(polling, 400, 'application/json')), ['authorization_pending', 'slow_down', 'expired_token', 'access_denied'])
  t.equal(await checkExamples(t, app, polling, 'token'), 4)
})

t.test('H1 named codes: every status they can take, per format; negotiate lists both media types', async (t) => {
  const app = await appWith({ format: 'negotiate' })
  const map = app.authErrors.responses('use_dpop_nonce', 'invalid_token', 'invalid_client')
  t.same(Object.keys(map), ['400', '401'])
  t.same(enumOf(media(map, 400, 'application/json')), ['use_dpop_nonce', 'invalid_client'], 'use_dpop_nonce 400 at the AS, invalid_client 400 by RULES D3')
  t.same(enumOf(media(map, 401, 'application/problem+json')), ['use_dpop_nonce', 'invalid_token', 'invalid_client'])
  t.same(Object.keys(map[401]?.content ?? {}), ['application/json', 'application/problem+json'])
  t.ok(await checkExamples(t, app, map, 'unmarked') > 0)

  const routed = app.authErrors.responses('invalid_token', { endpoint: 'resource' }, { format: 'oauth' })
  t.same(Object.keys(routed), ['401'])
  t.same(Object.keys(routed[401]?.content ?? {}), ['application/json'], 'the route format option')
  t.same(Object.keys(app.authErrors.responses('invalid_token', 'token')[401]?.content ?? {}), ['application/json', 'application/problem+json'], 'a code named beside a kind keeps its own route kind')
})

t.test('H1 presets: both invalid_token statuses of the login page, 440 problems with numeric codes', async (t) => {
  const login = await appWith({ codes: presets.loginErrorCodes })
  const map = login.authErrors.responses('invalid_token', { endpoint: 'resource' })
  t.same(Object.keys(map), ['400', '401'])
  t.equal(media(map, 400, 'application/json').examples.invalid_token?.value.error_description, 'Invalid token format. Ensure that a valid token has been provided in the right format.')
  t.equal(media(map, 401, 'application/json').examples.invalid_token?.value.error_description, 'The token expired.')
  t.equal(await checkExamples(t, login, map, 'resource'), 2)

  const api = await appWith({ codes: presets.authenticationApiProblems })
  const problems = api.authErrors.responses('resource')
  const at440 = media(problems, 440, 'application/problem+json')
  t.match(problems[440]?.description, /^HTTP 440: the error is one of /)
  t.same(at440.schema.allOf[1].properties.status, { type: 'integer', enum: [440] })
  t.same(at440.examples.invalid_request?.value, {
    type: 'tag:fastify-auth-errors,2026:invalid_request',
    title: 'Invalid request',
    status: 440,
    detail: presets.authenticationApiProblems.invalid_request.description,
    error: 'invalid_request',
    code: 53201
  })
  t.ok(await checkExamples(t, api, problems, 'resource') > 0)
})

t.test('Bad input: responses() refuses unknown codes, other values and no codes at all', async (t) => {
  const app = await appWith()
  const responses = app.authErrors.responses as (...items: unknown[]) => ErrorResponses
  const cases: Array<[unknown[], string, RegExp]> = [
    [['invalid_grnt'], 'FST_AUTH_ERRORS_UNKNOWN_CODE', /unknown error code "invalid_grnt"/],
    [[42], 'FST_AUTH_ERRORS_INVALID_ARGUMENT', /name error codes or endpoint kinds .* got 42/],
    [[null], 'FST_AUTH_ERRORS_INVALID_ARGUMENT', /got null/],
    [[], 'FST_AUTH_ERRORS_INVALID_ARGUMENT', /name at least one error code/],
    [[{ endpoint: 'token' }], 'FST_AUTH_ERRORS_INVALID_ARGUMENT', /name at least one error code/],
    [['invalid_grant', { endpoint: 'userinfo' }], 'FST_AUTH_ERRORS_INVALID_ARGUMENT', /endpoint must be one of/],
    [['invalid_grant', { format: 'xml' }], 'FST_AUTH_ERRORS_INVALID_ARGUMENT', /format must be 'oauth', 'problem' or 'negotiate', got xml/]
  ]
  for (const [items, code, message] of cases) {
    let error: unknown
    try {
      responses(...items)
    } catch (err) {
      error = err
    }
    t.ok(error instanceof AuthErrorsConfigError, JSON.stringify(items))
    t.equal((error as AuthErrorsConfigError).code, code)
    t.match((error as Error).message, message)
  }
})

t.test('D1 the map works as a route response schema: Fastify compiles it and serializes objects with it', async (t) => {
  const app = Fastify()
  await app.register(authErrors)
  // Typed as FastifySchema: TypeScript drops a spread index signature, so reply.code(400) would only accept 200.
  const schema: FastifySchema = { response: { 200: { type: 'object', properties: { access_token: { type: 'string' } } }, ...app.authErrors.responses('token') } }
  app.post('/token', { config: { authErrors: { endpoint: 'token' } }, schema }, async (request, reply) => {
    if ((request.query as { raw?: string }).raw !== undefined) return reply.code(400).send({ error: 'invalid_grant', internal: 'dropped' })
    return reply.authError('invalid_grant')
  })
  const sent = await app.inject({ method: 'POST', url: '/token' })
  t.same(sent.json(), { error: 'invalid_grant', error_description: catalog.invalid_grant.description })
  const raw = await app.inject({ method: 'POST', url: '/token?raw' })
  t.same(raw.json(), { error: 'invalid_grant' }, 'the OAuthError schema serializes a hand-made body, dropping unknown members')
})

t.test('D1 works with @fastify/type-provider-typebox 6 routes: the success type still binds', async (t) => {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>().setValidatorCompiler(TypeBoxValidatorCompiler)
  await app.register(authErrors, { format: 'problem' })
  const Token = Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer') })
  app.post('/token', {
    config: { authErrors: { endpoint: 'token' } },
    schema: {
      body: Type.Object({ grant_type: Type.String() }),
      response: { 200: Token, ...app.authErrors.responses('token') }
    }
  }, async (request, reply) => {
    if (request.body.grant_type !== 'client_credentials') return reply.authError('unsupported_grant_type')
    return { access_token: 'at-1', token_type: 'Bearer' as const }
  })
  app.get('/api/items', { schema: { response: { 200: Type.Array(Type.String()), ...app.authErrors.responses('resource') } } }, async (request, reply) => {
    if (request.headers.authorization === undefined) return reply.authChallenge()
    return ['a', 'b']
  })
  // @ts-expect-error the 200 schema still types the handler's return value (a number is not a token response)
  app.post('/typed', { schema: { response: { 200: Token, ...app.authErrors.responses('token') } } }, async () => 42)

  const ok = await app.inject({ method: 'POST', url: '/token', payload: { grant_type: 'client_credentials' } })
  t.same(ok.json(), { access_token: 'at-1', token_type: 'Bearer' })
  const refused = await app.inject({ method: 'POST', url: '/token', payload: { grant_type: 'password' } })
  t.equal(refused.statusCode, 400)
  t.same(refused.json(), { error: 'unsupported_grant_type', error_description: catalog.unsupported_grant_type.description }, 'the token endpoint keeps RFC 6749 JSON')
  const invalid = await app.inject({ method: 'POST', url: '/token', payload: {} })
  t.equal(invalid.statusCode, 400)
  t.equal(invalid.json().error, 'invalid_request', 'a TypeBox validation error is an invalid_request')
  const items = await app.inject({ url: '/api/items', headers: { authorization: 'Bearer x' } })
  t.same(items.json(), ['a', 'b'])
  t.equal((await app.inject('/api/items')).statusCode, 401)
})
