import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import authErrors, { AuthError, type AuthErrorOptions, type AuthErrorsOptions } from '../lib/index.js'
import { routeApp, type Handler } from './helpers/app.js'
import { challengeFor, parseChallenges } from './helpers/auth-params.js'

const appWith = async (handler: Handler, options: AuthErrorsOptions = {}): Promise<FastifyInstance> => routeApp(handler, options, { endpoint: 'resource' })

const DESCRIPTION = 'The authentication event behind the access token does not meet the requirements of the resource server.'

t.test('G1 insufficient_user_authentication: 401 with acr_values and max_age in the challenge', async t => {
  const app = await appWith((_request, reply) => reply.authError('insufficient_user_authentication', {
    description: 'A different authentication level is required',
    acrValues: ['myACR', 'urn:mace:incommon:iap:silver'],
    maxAge: 5
  }))
  const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Bearer t' } })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="api", error="insufficient_user_authentication", ' +
    'error_description="A different authentication level is required", acr_values="myACR urn:mace:incommon:iap:silver", max_age="5"')
  t.same(res.json(), { error: 'insufficient_user_authentication', error_description: 'A different authentication level is required' })
  t.equal(res.headers['cache-control'], 'no-store')
})

t.test('G1 acr_values alone, max_age alone, and max_age 0 is sent', async t => {
  const app = await appWith((request, reply) => reply.authError('insufficient_user_authentication', request.body as AuthErrorOptions))
  const cases: Array<[AuthErrorOptions, Record<string, string | undefined>]> = [
    [{ acrValues: 'gold' }, { acr_values: 'gold', max_age: undefined }],
    [{ acrValues: ' gold  silver gold ' }, { acr_values: 'gold silver', max_age: undefined }],
    [{ maxAge: 0 }, { acr_values: undefined, max_age: '0' }],
    [{ maxAge: 300 }, { acr_values: undefined, max_age: '300' }],
    [{}, { acr_values: undefined, max_age: undefined }]
  ]
  for (const [payload, expected] of cases) {
    const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Bearer t' }, payload })
    t.equal(res.statusCode, 401)
    const { params } = challengeFor(String(res.headers['www-authenticate']), 'Bearer')
    t.equal(params.error, 'insufficient_user_authentication')
    t.equal(params.error_description, DESCRIPTION)
    t.equal(params.acr_values, expected.acr_values, JSON.stringify(payload))
    t.equal(params.max_age, expected.max_age, JSON.stringify(payload))
  }
})

t.test('G1 step-up works with DPoP: the parameters go in the DPoP challenge', async t => {
  const app = await appWith(() => { throw new AuthError('insufficient_user_authentication', { acrValues: ['phr'], maxAge: 60 }) }, { schemes: ['Bearer', 'DPoP'], algs: ['ES256'] })
  const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'DPoP t', dpop: 'proof' } })
  t.equal(res.statusCode, 401)
  const challenges = parseChallenges(String(res.headers['www-authenticate']))
  t.same(challenges, [
    { scheme: 'Bearer', params: { realm: 'api' } },
    { scheme: 'DPoP', params: { realm: 'api', error: 'insufficient_user_authentication', error_description: DESCRIPTION, acr_values: 'phr', max_age: '60', algs: 'ES256' } }
  ])
})

t.test('G1 step-up with Bearer while serving both: the parameters only in the Bearer challenge', async t => {
  const app = await appWith((_request, reply) => reply.authError('insufficient_user_authentication', { acrValues: 'phr' }), { schemes: ['Bearer', 'DPoP'] })
  const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Bearer t' } })
  const [bearer, dpop] = parseChallenges(String(res.headers['www-authenticate']))
  t.equal(bearer?.params.acr_values, 'phr')
  t.same(dpop, { scheme: 'DPoP', params: { realm: 'api' } })
})

t.test('G1 a bad acrValues or maxAge is a programming error, never a header', async t => {
  const app = await appWith((request, reply) => {
    try {
      return reply.authError('insufficient_user_authentication', request.body as AuthErrorOptions)
    } catch (err) {
      return reply.code(599).send({ code: (err as { code: string }).code, challenge: reply.hasHeader('www-authenticate') })
    }
  })
  const bad: AuthErrorOptions[] = [
    { acrValues: ['gold silver'] }, { acrValues: ['a"b'] }, { acrValues: ['a\\b'] }, { acrValues: ['a\r\n'] }, { acrValues: ['caf\u00e9'] },
    { acrValues: [] }, { acrValues: '' }, { acrValues: [''] }, { acrValues: 7 as unknown as string },
    { maxAge: -1 }, { maxAge: 1.5 }, { maxAge: Number.NaN }, { maxAge: '5' as unknown as number }
  ]
  for (const payload of bad) {
    const res = await app.inject({ method: 'POST', url: '/', headers: { authorization: 'Bearer t' }, payload })
    t.same(res.json(), { code: 'FST_AUTH_ERRORS_INVALID_ARGUMENT', challenge: false }, JSON.stringify(payload))
  }
})

t.test('G1 thrown with bad step-up options: a generic 500, the misuse logged', async t => {
  const logs: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { logs.push(line) } } } })
  await app.register(authErrors)
  app.get('/', () => { throw new AuthError('insufficient_user_authentication', { maxAge: -5 }) })
  const res = await app.inject({ url: '/', headers: { authorization: 'Bearer t' } })
  t.equal(res.statusCode, 500)
  t.equal(res.json().error, 'server_error')
  t.notOk('www-authenticate' in res.headers)
  t.ok(logs.some(line => line.includes('maxAge must be an integer')))
})
