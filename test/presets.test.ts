import t from 'tap'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import * as oauth from 'oauth4webapi'
import authErrors, {
  AuthErrorsConfigError, catalog, presets,
  type AuthErrorCode, type AuthErrorsOptions, type CodeDefinition
} from '../lib/index.js'

interface Row {
  readonly code: string
  readonly status: number
  readonly description: string
  readonly numeric?: number
}

function fixture (name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
}

/** Markdown cell text as a reader sees it: HTML tags are gaps, `\_` is `_`, whitespace collapses. */
function plain (cell: string): string {
  return cell.replace(/<[^>]*>/g, ' ').replace(/\\(.)/g, '$1').replace(/\s+/g, ' ').trim()
}

/** Rows of the Login Error Codes page: the status comes from the `## NNN Error` heading above each table. */
function loginRows (markdown: string): Row[] {
  const rows: Row[] = []
  let status: number | undefined
  for (const line of markdown.split('\n')) {
    const heading = /^## (\d{3}) Error/.exec(line)
    if (heading !== null) status = Number(heading[1])
    if (!line.startsWith('|') || status === undefined) continue
    const [code = '', description = ''] = line.split('|').slice(1, -1).map(plain)
    if (/^[a-z_]+$/.test(code)) rows.push({ code, status, description })
  }
  return rows
}

/** Rows of the Authentication API Problems page: the status comes from its prose ("status code `440`"). */
function problemRows (markdown: string): Row[] {
  const status = Number(/status code `(\d{3})`/.exec(markdown)?.[1])
  const rows: Row[] = []
  for (const line of markdown.split('\n')) {
    const [literal = '', code = '', ...rest] = line.split('|').map((cell) => cell.trim())
    if (/^[a-z_]+$/.test(literal) && /^\d+$/.test(code)) rows.push({ code: literal, status, numeric: Number(code), description: plain(rest.join('|')) })
  }
  return rows
}

const login = loginRows(fixture('login-error-codes.md'))
const problems = problemRows(fixture('authentication-api-problems.md'))
const SAFE_TEXT = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
const BASIC = 'Basic ' + Buffer.from('client:secret').toString('base64')

function entryOf (preset: Readonly<Record<string, CodeDefinition>>, code: string): CodeDefinition {
  const entry = preset[code]
  if (entry === undefined) throw new Error(`${code} is missing from the preset`)
  return entry
}

async function appWith (options: AuthErrorsOptions, endpoint?: 'token'): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(authErrors, options)
  app.get('/', { config: endpoint === undefined ? {} : { authErrors: { endpoint } } }, async (request, reply) => {
    const { code, status } = request.query as { code: AuthErrorCode, status?: string }
    return reply.authError(code, status === undefined ? {} : { status: Number(status) })
  })
  await app.ready()
  return app
}

async function registrationError (app: FastifyInstance, options: AuthErrorsOptions): Promise<unknown> {
  try {
    await app.register(authErrors, options)
  } catch (err) {
    return err
  }
  return undefined
}

t.test('the fixtures are the seeds: 30 login rows under six statuses, 16 problem rows at 440', async (t) => {
  t.equal(login.length, 30)
  t.same([...new Set(login.map((row) => row.status))], [400, 401, 403, 404, 500, 503])
  t.equal(login.filter((row) => row.code === 'invalid_token').length, 2, 'invalid_token at 400 and 401')
  t.equal(problems.length, 16)
  t.same(problems.map((row) => row.numeric), Array.from({ length: 16 }, (_, i) => 53201 + i))
  t.ok(problems.every((row) => row.status === 440))
  t.equal(plain('<p>One. </p><p></p><p>Two.</p>'), 'One. Two.')
  t.equal(plain('a<br><br>b \\_c'), 'a b _c')
})

t.test('B2 loginErrorCodes reproduces every row of login-error-codes.md, in the preset and in real responses', async (t) => {
  const preset = presets.loginErrorCodes
  const matched = new Set<string>()
  for (const row of login) {
    const entry = entryOf(preset, row.code)
    if (entry.status === row.status) {
      t.equal(entry.description, row.description, `${row.code} ${row.status}: description`)
      matched.add(row.code + ' ' + row.status)
    } else {
      t.equal(entry.byStatus?.[row.status]?.description, row.description, `${row.code} ${row.status}: byStatus description`)
      matched.add(row.code + ' ' + row.status)
    }
  }
  t.equal(matched.size, 30, 'every row matched exactly one preset description')
  t.same(Object.keys(preset).sort(), [...new Set(login.map((row) => row.code))].sort(), 'the preset has no code the page does not list')

  const app = await appWith({ codes: preset }, 'token')
  let responses = 0
  for (const row of login) {
    const isDefault = entryOf(preset, row.code).status === row.status
    const res = await app.inject({
      url: '/?code=' + row.code + (isDefault ? '' : '&status=' + row.status),
      headers: { authorization: BASIC } // RULES D3: invalid_client is 401 when the client used the Authorization header
    })
    t.equal(res.statusCode, row.status, `${row.code}: HTTP ${row.status}`)
    t.same(res.json(), { error: row.code, error_description: row.description }, `${row.code}: body`)
    t.equal(res.headers['cache-control'], 'no-store')
    responses++
  }
  t.equal(responses, 30)
  t.comment(`login-error-codes.md: ${login.length} rows compared with presets.loginErrorCodes and with ${responses} real responses`)
})

t.test('E5 the login preset reaches invalid_token at 401 (expired) and 400 (format), on resource requests too', async (t) => {
  const app = await appWith({ codes: presets.loginErrorCodes })
  const expired = await app.inject({ url: '/?code=invalid_token', headers: { authorization: 'Bearer abc' } })
  t.equal(expired.statusCode, 401)
  t.equal(expired.json().error_description, 'The token expired.')
  t.match(expired.headers['www-authenticate'], /^Bearer realm="api", error="invalid_token", error_description="The token expired\."$/)
  const format = await app.inject({ url: '/?code=invalid_token&status=400', headers: { authorization: 'Bearer abc' } })
  t.equal(format.statusCode, 400, 'the 400 variant is chosen by status on a resource request')
  t.equal(format.json().error_description, 'Invalid token format. Ensure that a valid token has been provided in the right format.')
  t.match(format.headers['www-authenticate'], /error="invalid_token", error_description="Invalid token format\./, 'a resource-request error keeps its challenge')
  const back = await app.inject('/?code=invalid_token&status=400')
  t.equal(back.statusCode, 400)
  t.equal(back.json().error_description, 'Invalid token format. Ensure that a valid token has been provided in the right format.')

  const handled = await app.inject('/?code=error')
  t.equal(handled.statusCode, 400)
  t.same(handled.json(), { error: 'error', error_description: 'The handler is not responsible for this request.' })
})

t.test('H1 authenticationApiProblems reproduces every row of authentication-api-problems.md, in the preset and in real responses', async (t) => {
  const preset = presets.authenticationApiProblems
  t.same(Object.keys(preset), problems.map((row) => row.code), 'the 16 literals, in the page order')
  for (const row of problems) {
    const entry = entryOf(preset, row.code)
    t.same({ status: entry.status, code: entry.code, description: entry.description, format: entry.format },
      { status: row.status, code: row.numeric, description: row.description, format: 'problem' }, row.code)
  }

  const app = await appWith({ codes: preset })
  let responses = 0
  for (const row of problems) {
    const res = await app.inject('/?code=' + row.code)
    t.equal(res.statusCode, 440, row.code)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', row.code)
    const body = res.json()
    t.same(body, {
      type: 'tag:fastify-auth-errors,2026:' + row.code,
      title: body.title,
      status: 440,
      detail: row.description,
      error: row.code,
      code: row.numeric
    }, `${row.code}: problem body`)
    t.match(body.title, /^[A-Z][A-Za-z ]+$/, `${row.code}: a title in words`)
    responses++
  }
  t.equal(responses, 16)
  t.comment(`authentication-api-problems.md: ${problems.length} rows compared with presets.authenticationApiProblems and with ${responses} real responses`)
})

t.test('B2 presets are plain JSON-serialisable codes tables that pass the registration check', async (t) => {
  for (const [name, preset] of Object.entries(presets)) {
    t.same(JSON.parse(JSON.stringify(preset)), preset, `${name} survives JSON`)
    t.ok(Object.isFrozen(preset), `${name} is frozen`)
    for (const [code, entry] of Object.entries(preset as Readonly<Record<string, CodeDefinition>>)) {
      t.ok(Object.isFrozen(entry), `${name}.${code} is frozen`)
      t.ok(code in catalog, `${name}.${code} is a catalog code`)
      t.match(entry.description, SAFE_TEXT, `${name}.${code}: RFC 6749 A.8 text`)
      t.ok((entry.description ?? '').length <= 512)
      for (const variant of Object.values(entry.byStatus ?? {})) t.match(variant.description, SAFE_TEXT)
    }
  }
  t.ok(Object.isFrozen(presets.loginErrorCodes.invalid_token.byStatus))
  t.throws(() => { (presets.loginErrorCodes.error as { status: number }).status = 500 }, TypeError)

  // Spread and extend: the documented way to build on a preset.
  const app = Fastify()
  await app.register(authErrors, { codes: { ...presets.loginErrorCodes, account_locked: { status: 423, description: 'The account is locked.' } } })
  await app.ready()
  t.equal(app.authErrors.catalog.account_locked?.status, 423)
  t.equal(app.authErrors.catalog.access_denied?.status, 403)
  t.equal(app.authErrors.catalog.access_denied?.spec, 'RFC 6749', 'a preset overrides only the fields it names')
})

t.test('Bad input: a bad codes table fails registration with FST_AUTH_ERRORS_INVALID_CODES naming the entry', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['wrong status', { my_code: { status: 200, description: 'x' } }, /codes\.my_code\.status must be an integer from 400 to 599, got 200/],
    ['status as a string', { invalid_grant: { status: '400' } }, /codes\.invalid_grant\.status .* got "400"/],
    ['status 600', { my_code: { status: 600, description: 'x' } }, /codes\.my_code\.status/],
    ['non-integer numeric code', { my_code: { status: 440, description: 'x', code: 53201.5 } }, /codes\.my_code\.code must be a non-negative integer, got 53201\.5/],
    ['numeric code as a string', { my_code: { status: 440, description: 'x', code: '53201' } }, /codes\.my_code\.code/],
    ['title with control characters', { my_code: { status: 400, description: 'x', title: 'Bad\ntitle' } }, /codes\.my_code\.title must be ASCII text .* got "Bad\\ntitle"/],
    ['title with a tab', { invalid_grant: { title: 'Tab\there' } }, /codes\.invalid_grant\.title/],
    ['description with a quote', { my_code: { status: 400, description: 'say "hi"' } }, /codes\.my_code\.description must be ASCII text/],
    ['description over 512 characters', { my_code: { status: 400, description: 'x'.repeat(513) } }, /codes\.my_code\.description must be ASCII text of at most 512 characters/],
    ['missing description', { my_code: { status: 400 } }, /codes\.my_code\.description/],
    ['duplicate numeric codes', { first_code: { status: 440, description: 'x', code: 7 }, second_code: { status: 440, description: 'y', code: 7 } }, /codes\.second_code\.code 7 is already used by first_code/],
    ['duplicate numeric code against a preset', { ...presets.authenticationApiProblems, my_code: { status: 440, description: 'x', code: 53209 } }, /codes\.my_code\.code 53209 is already used by login_required/],
    ['a misspelt field', { invalid_grant: { descripton: 'typo' } }, /codes\.invalid_grant has an unknown field "descripton"/],
    ['a misspelt variant field', { invalid_token: { byStatus: { 400: { descr: 'x' } } } }, /codes\.invalid_token\.byStatus\.400 has an unknown field "descr"/],
    ['a byStatus key that is not a status', { invalid_token: { byStatus: { 399: { description: 'x' } } } }, /codes\.invalid_token\.byStatus key "399"/],
    ['a byStatus key that is not canonical', { invalid_token: { byStatus: { '400.0': { description: 'x' } } } }, /codes\.invalid_token\.byStatus key "400\.0"/],
    ['a byStatus variant that is not an object', { invalid_token: { byStatus: { 400: null } } }, /codes\.invalid_token\.byStatus\.400 must be an object/],
    ['byStatus as an array', { invalid_token: { byStatus: [] } }, /codes\.invalid_token\.byStatus must be an object/],
    ['a variant title with controls', { invalid_token: { byStatus: { 400: { description: 'x', title: 'a\u0000b' } } } }, /codes\.invalid_token\.title|byStatus\.400\.title/],
    ['a spec that is not text', { invalid_grant: { spec: 42 } }, /codes\.invalid_grant\.spec must be visible ASCII text/],
    ['a section with a line break', { invalid_grant: { section: '5.2\r\n' } }, /codes\.invalid_grant\.section/],
    ['an entry that is an array', { invalid_grant: [] }, /codes\.invalid_grant must be an object/],
    ['a format that is not a body format', { invalid_grant: { format: 'negotiate' } }, /codes\.invalid_grant\.format/],
    ['an unknown endpoint kind', { invalid_grant: { endpoints: ['userinfo'] } }, /codes\.invalid_grant\.endpoints/],
    ['a bad resource status', { invalid_grant: { statusAt: { resource: 302 } } }, /codes\.invalid_grant\.statusAt\.resource/],
    ['a field that is gone', { invalid_grant: { resourceStatus: 401 } }, /codes\.invalid_grant has an unknown field "resourceStatus"/],
    ['codes as an array', [], /codes must be an object keyed by error code/],
    ['codes as a string', 'presets.loginErrorCodes', /codes must be an object keyed by error code/],
    ['a code outside the RFC 6749 charset', { 'bad"code': { status: 400, description: 'x' } }, /"bad\\"code" is not a valid OAuth error code/]
  ]
  for (const [name, codes, message] of cases) {
    const app = Fastify()
    const error = await registrationError(app, { codes } as AuthErrorsOptions)
    t.ok(error instanceof AuthErrorsConfigError, name)
    t.equal((error as AuthErrorsConfigError).code, 'FST_AUTH_ERRORS_INVALID_CODES', name)
    t.match((error as Error).message, message, name)
  }
})

t.test('H2 status 440 at protocol endpoints: what oauth4webapi does, and where the preset belongs', async (t) => {
  const app = Fastify()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
  // The preset applied to the whole app: a marked token endpoint keeps RFC 6749 JSON (H2) but answers 440.
  await app.register(async (whole) => {
    await whole.register(authErrors, { codes: presets.authenticationApiProblems })
    whole.post('/marked/token', { config: { authErrors: { endpoint: 'token' } } }, async (_request, reply) => reply.authError('invalid_request'))
    whole.post('/unmarked/token', async (_request, reply) => reply.authError('invalid_request'))
  }, { prefix: '/whole' })
  // The recipe: the preset scoped to the API resources, the authorization server registered on its own.
  await app.register(async (api) => {
    await api.register(authErrors, { codes: presets.authenticationApiProblems })
    api.get('/session', async (_request, reply) => reply.authError('login_required'))
  }, { prefix: '/api' })
  await app.register(async (server) => {
    await server.register(authErrors)
    server.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (_request, reply) => reply.authError('invalid_request'))
  }, { prefix: '/as' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  const client: oauth.Client = { client_id: 'client' }
  const options = { [oauth.allowInsecureRequests]: true }
  async function tokenError (path: string): Promise<unknown> {
    const as: oauth.AuthorizationServer = { issuer: base, token_endpoint: base + path }
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost('secret'), new URLSearchParams(), options)
    return oauth.processClientCredentialsResponse(as, client, response).then(() => undefined, (err: unknown) => err)
  }

  const marked = await tokenError('/whole/marked/token')
  t.ok(marked instanceof oauth.ResponseBodyError, 'marked endpoint: oauth4webapi reads the JSON body')
  t.equal((marked as oauth.ResponseBodyError).status, 440, 'but the status is one no OAuth client expects (RFC 6749 5.2: 400 or 401)')
  t.equal((marked as oauth.ResponseBodyError).error, 'invalid_request')

  const unmarked = await tokenError('/whole/unmarked/token')
  t.ok(unmarked instanceof oauth.OperationProcessingError, 'unmarked endpoint: a problem+json body at 440')
  t.equal((unmarked as oauth.OperationProcessingError).code, oauth.RESPONSE_IS_NOT_JSON, 'oauth4webapi refuses the body, so the client never learns the error code')
  t.notOk(unmarked instanceof oauth.ResponseBodyError)

  const separate = await tokenError('/as/token')
  t.ok(separate instanceof oauth.ResponseBodyError)
  t.equal((separate as oauth.ResponseBodyError).status, 400, 'the separately registered authorization server answers 400')
  t.equal((separate as oauth.ResponseBodyError).error, 'invalid_request')

  const api = await fetch(base + '/api/session')
  t.equal(api.status, 440, 'the API resource keeps the preset')
  t.equal(api.headers.get('content-type'), 'application/problem+json; charset=utf-8')
  t.match(await api.json(), { status: 440, error: 'login_required', code: 53209 })
})
