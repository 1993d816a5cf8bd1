import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import SwaggerParser from '@apidevtools/swagger-parser'
import authErrors, { presets } from '../lib/index.js'

interface MediaObject {
  schema: { allOf?: Array<{ $ref?: string, properties?: { error?: { enum?: string[] } } }> }
  examples?: Record<string, { summary?: string, value: { error: string } }>
}
interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, { responses: Record<string, { description: string, headers?: Record<string, unknown>, content?: Record<string, MediaObject> }> }>>
  components: { schemas: Record<string, { title?: string }> }
}

/** The app of docs/openapi.md: an authorization server and an API documented from the plugin's schemas. */
async function documentedApp (keepNames: boolean): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 'Example API', version: '1.0.0' } },
    ...(keepNames
      ? { refResolver: { buildLocalReference: (json: { $id?: unknown }, _baseUri: unknown, _fragment: unknown, i: number) => typeof json.$id === 'string' ? json.$id : `def-${i}` } }
      : {})
  })
  await app.register(swaggerUi, { routePrefix: '/documentation' })
  await app.register(authErrors, { format: 'negotiate', codes: presets.loginErrorCodes, reference: { baseUrl: 'https://api.example.com' } })
  app.post('/token', {
    config: { authErrors: { endpoint: 'token' } },
    schema: {
      response: {
        200: { type: 'object', properties: { access_token: { type: 'string' }, token_type: { type: 'string' } }, required: ['access_token', 'token_type'] },
        ...app.authErrors.responses('token')
      }
    }
  }, async (_request, reply) => reply.authError('invalid_grant'))
  app.get('/api/items', {
    schema: { response: { 200: { type: 'array', items: { type: 'string' } }, ...app.authErrors.responses('resource') } }
  }, async () => ['a'])
  app.get('/api/session', {
    schema: { response: { 204: { type: 'null', description: 'Signed out' }, ...app.authErrors.responses('invalid_token', 'insufficient_scope', { endpoint: 'resource', format: 'problem' }) } }
  }, async (_request, reply) => reply.code(204).send())
  await app.ready()
  return app
}

t.test('H1 OpenAPI 3.1: components OAuthError and AuthProblem, every error response with codes and examples, a valid document', async (t) => {
  const app = await documentedApp(true)
  const doc = app.swagger() as unknown as OpenApiDocument
  t.equal(doc.openapi, '3.1.0')
  t.ok(doc.components.schemas.OAuthError, 'OAuthError component')
  t.ok(doc.components.schemas.AuthProblem, 'AuthProblem component')
  t.equal(doc.components.schemas.OAuthError?.title, 'OAuthError')
  t.same(Object.keys(doc.components.schemas).filter((name) => name.startsWith('def-')), [], 'no def-N names')
  t.notOk('/errors' in doc.paths, 'the reference page is not an API operation')

  let responses = 0
  let examples = 0
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue
        t.ok(response.content !== undefined && Object.keys(response.content).length > 0, `${method} ${path} ${status}: content`)
        for (const [type, media] of Object.entries(response.content ?? {})) {
          const ref = media.schema.allOf?.[0]?.$ref
          t.equal(ref, type === 'application/problem+json' ? '#/components/schemas/AuthProblem' : '#/components/schemas/OAuthError', `${path} ${status} ${type}`)
          const codes = media.schema.allOf?.[1]?.properties?.error?.enum ?? []
          t.ok(codes.length > 0, `${path} ${status} ${type}: codes`)
          t.same(Object.keys(media.examples ?? {}), codes, `${path} ${status} ${type}: an example per code`)
          for (const [code, example] of Object.entries(media.examples ?? {})) {
            t.equal(example.value.error, code)
            examples++
          }
        }
        t.match(response.description, /the error is one of `/)
        responses++
      }
    }
  }
  t.ok(responses >= 10)
  t.same(Object.keys(doc.paths['/token']?.post?.responses['400']?.content ?? {}), ['application/json'], 'the token endpoint documents RFC 6749 JSON only')
  t.same(Object.keys(doc.paths['/api/items']?.get?.responses['401']?.content ?? {}), ['application/json', 'application/problem+json'], 'negotiate documents both')
  t.same(Object.keys(doc.paths['/api/session']?.get?.responses['400']?.content ?? {}), ['application/problem+json'])
  t.ok(doc.paths['/api/items']?.get?.responses['401']?.headers?.['WWW-Authenticate'], 'the challenge header is documented')

  const validated = await SwaggerParser.validate(structuredClone(doc) as never)
  t.ok(validated, 'swagger-parser validates the document')

  const served = await app.inject('/documentation/json')
  t.equal(served.statusCode, 200)
  t.same(served.json(), JSON.parse(JSON.stringify(doc)), 'swagger-ui serves the same document')
  const ui = await app.inject('/documentation/')
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)

  const excerpt = { token_400: doc.paths['/token']?.post?.responses['400'], components: Object.keys(doc.components.schemas) }
  const lines = JSON.stringify(excerpt, null, 2).split('\n')
  t.comment(`${responses} error responses, ${examples} examples; excerpt:\n` + lines.slice(0, 40).join('\n'))
})

t.test('H1 without the refResolver @fastify/swagger names the schemas def-N (why the recipe sets one)', async (t) => {
  const app = await documentedApp(false)
  const doc = app.swagger() as unknown as OpenApiDocument
  t.notOk('OAuthError' in doc.components.schemas)
  t.ok(Object.keys(doc.components.schemas).some((name) => /^def-\d+$/.test(name)))
  t.equal(Object.values(doc.components.schemas).find((schema) => schema.title === 'AuthProblem')?.title, 'AuthProblem', 'the title still says AuthProblem')
})
