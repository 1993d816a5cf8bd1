// DESIGN "Compatibility": the registered schemas are plain JSON Schema, so routes typed with
// @fastify/type-provider-typebox 5 (@sinclair/typebox 0.34) and 6 (typebox 1.x) can both `$ref`
// them. Version 5 is installed under the alias `type-provider-typebox-5`.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import * as Provider5 from 'type-provider-typebox-5'
import * as Provider6 from '@fastify/type-provider-typebox'
import authErrors from '../lib/index.js'

const HAND_MADE = { error: 'invalid_grant', error_description: 'The code expired', internal: 'dropped by the schema' }
// `status` and `code` as strings: only the referenced schema's serializer turns them into integers.
const PROBLEM = { type: 'about:blank', title: 'Bad request', status: '400', detail: 'The code expired', error: 'invalid_grant', code: '53201', trace_id: 'kept' }

t.test('@fastify/type-provider-typebox 5 routes $ref OAuthError and AuthProblem', async (t) => {
  const { Type } = Provider5
  const app = Fastify().withTypeProvider<Provider5.TypeBoxTypeProvider>().setValidatorCompiler(Provider5.TypeBoxValidatorCompiler)
  await app.register(authErrors)
  app.post('/token', {
    schema: {
      body: Type.Object({ grant_type: Type.String() }),
      response: { 200: Type.Object({ access_token: Type.String() }), 400: Type.Ref('OAuthError') }
    }
  }, async (request, reply) => {
    if (request.body.grant_type === 'hand') return reply.code(400).send(HAND_MADE)
    if (request.body.grant_type !== 'client_credentials') return reply.authError('unsupported_grant_type')
    return { access_token: request.body.grant_type }
  })
  app.get('/problem', { schema: { response: { 400: Type.Ref('AuthProblem') } } }, async (request, reply) => reply.code(400).type('application/problem+json').send(PROBLEM))
  await assertRefs(t, app)
})

t.test('@fastify/type-provider-typebox 6 routes $ref OAuthError and AuthProblem', async (t) => {
  const { Type } = Provider6
  const app = Fastify().withTypeProvider<Provider6.TypeBoxTypeProvider>().setValidatorCompiler(Provider6.TypeBoxValidatorCompiler)
  await app.register(authErrors)
  app.post('/token', {
    schema: {
      body: Type.Object({ grant_type: Type.String() }),
      response: { 200: Type.Object({ access_token: Type.String() }), 400: Type.Ref('OAuthError') }
    }
  }, async (request, reply) => {
    if (request.body.grant_type === 'hand') return reply.code(400).send(HAND_MADE)
    if (request.body.grant_type !== 'client_credentials') return reply.authError('unsupported_grant_type')
    return { access_token: request.body.grant_type }
  })
  app.get('/problem', { schema: { response: { 400: Type.Ref('AuthProblem') } } }, async (request, reply) => reply.code(400).type('application/problem+json').send(PROBLEM))
  await assertRefs(t, app)
})

async function assertRefs (t: Test, app: { inject: FastifyInstance['inject'] }): Promise<void> {
  const ok = await app.inject({ method: 'POST', url: '/token', payload: { grant_type: 'client_credentials' } })
  t.strictSame(ok.json(), { access_token: 'client_credentials' }, 'the success schema types and serializes the 200')
  const refused = await app.inject({ method: 'POST', url: '/token', payload: { grant_type: 'password' } })
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().error, 'unsupported_grant_type', 'reply.authError is sent through the $ref route')
  const hand = await app.inject({ method: 'POST', url: '/token', payload: { grant_type: 'hand' } })
  t.strictSame(hand.json(), { error: 'invalid_grant', error_description: 'The code expired' }, 'the referenced OAuthError serializes the 400: unknown members are dropped')
  const invalid = await app.inject({ method: 'POST', url: '/token', payload: {} })
  t.equal(invalid.statusCode, 400)
  t.equal(invalid.json().error, 'invalid_request', 'the provider\'s validation error becomes invalid_request')
  const problem = await app.inject('/problem')
  t.equal(problem.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.strictSame(problem.json(), { type: 'about:blank', title: 'Bad request', status: 400, detail: 'The code expired', error: 'invalid_grant', code: 53201, trace_id: 'kept' },
    'the referenced AuthProblem serializes the 400: integers as integers, an extension member kept (RFC 9457 3.2)')
}
