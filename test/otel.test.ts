// fastify-auth-errors/otel with the real OpenTelemetry SDK: metrics through sdk-metrics and an
// in-memory exporter, spans through sdk-trace-base and an in-memory span exporter, the active
// span carried by the async-hooks context manager (as the Node SDK sets it up).
import t from 'tap'
import Fastify from 'fastify'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import authErrors from '../lib/index.js'
import { instrumentAuthErrors } from '../lib/otel.js'

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())

function sdk () {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const spanExporter = new InMemorySpanExporter()
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }).getTracer('test')
  return { meterProvider, reader, metricExporter, spanExporter, tracer }
}

async function app () {
  const server = Fastify()
  await server.register(authErrors)
  server.post('/token', { config: { authErrors: { endpoint: 'token' } } }, async (_request, reply) => reply.authError('invalid_grant', { description: 'The code 1234 of client abc expired', reason: 'code_expired' }))
  server.get('/resource', async (_request, reply) => reply.authError('invalid_token'))
  server.get('/broken', async () => { throw new Error('database is down') })
  server.get('/bare', async (_request, reply) => reply.authChallenge())
  return server
}

t.test('L3 the counter, the span event and the span status, from the real SDK', async t => {
  const { meterProvider, reader, metricExporter, spanExporter, tracer } = sdk()
  const stop = instrumentAuthErrors({ meterProvider })
  t.teardown(stop)
  const server = await app()
  const headers = { authorization: 'Bearer secret-token-value' }
  for (const [method, url] of [['POST', '/token'], ['POST', '/token'], ['GET', '/resource'], ['GET', '/broken']] as const) {
    await tracer.startActiveSpan(`${method} ${url}`, async (span) => {
      await server.inject({ method, url, headers: url === '/token' ? {} : headers })
      span.end()
    })
  }
  await reader.forceFlush()
  const metrics = metricExporter.getMetrics().flatMap(m => m.scopeMetrics).flatMap(s => s.metrics)
  const counter = metrics.find(m => m.descriptor.name === 'oauth.server.errors')
  t.ok(counter, 'oauth.server.errors is exported')
  const points = (counter?.dataPoints ?? []).map(p => ({ attributes: p.attributes, value: p.value }))
  t.comment(JSON.stringify(points))
  t.same(points.find(p => p.attributes['oauth.error.code'] === 'invalid_grant'), {
    attributes: { 'http.response.status_code': 400, 'error.type': 'client', 'oauth.error.code': 'invalid_grant', 'oauth.endpoint': 'token' },
    value: 2
  })
  t.same(points.find(p => p.attributes['oauth.error.code'] === 'invalid_token')?.attributes, { 'http.response.status_code': 401, 'error.type': 'client', 'oauth.error.code': 'invalid_token', 'oauth.endpoint': 'resource' })
  t.same(points.find(p => p.attributes['oauth.error.code'] === 'server_error')?.attributes['error.type'], 'server')
  const everything = JSON.stringify(points)
  for (const secret of ['1234', 'abc', 'secret-token-value', 'code_expired', 'database']) t.notOk(everything.includes(secret), `L2 no ${secret} in any attribute`)

  const spans = spanExporter.getFinishedSpans()
  t.equal(spans.length, 4)
  for (const span of spans) {
    t.equal(span.events.length, 1, `${span.name}: one oauth.error event`)
    t.equal(span.events[0]?.name, 'oauth.error')
  }
  t.same(spans.map(s => s.events[0]?.attributes?.['oauth.error.code']), ['invalid_grant', 'invalid_grant', 'invalid_token', 'server_error'])
  t.same(spans.map(s => s.status.code), [0, 0, 0, 2], 'the span status is error for the 5xx only')
})

t.test('L3 the function it returns unsubscribes; no span, no event', async t => {
  const { meterProvider, reader, metricExporter } = sdk()
  const stop = instrumentAuthErrors({ meterProvider })
  const server = await app()
  await server.inject({ method: 'POST', url: '/token' })
  stop()
  await server.inject({ method: 'POST', url: '/token' })
  t.equal(trace.getActiveSpan(), undefined)
  await reader.forceFlush()
  const point = metricExporter.getMetrics().flatMap(m => m.scopeMetrics).flatMap(s => s.metrics).find(m => m.descriptor.name === 'oauth.server.errors')?.dataPoints[0]
  t.equal(point?.value, 1, 'only the response before stop() is counted')
})

t.test('L3 the global meter provider is the default', async t => {
  const stop = instrumentAuthErrors()
  const server = await app()
  const res = await server.inject({ method: 'POST', url: '/token' })
  t.equal(res.statusCode, 400, 'the no-op global provider changes nothing')
  stop()
})

t.test('L3 a bare challenge is counted without a code and marks its span with an event only', async t => {
  const { meterProvider, reader, metricExporter, spanExporter, tracer } = sdk()
  const stop = instrumentAuthErrors({ meterProvider })
  t.teardown(stop)
  const server = await app()
  await tracer.startActiveSpan('GET /bare', async (span) => {
    await server.inject('/bare')
    span.end()
  })
  await reader.forceFlush()
  const point = metricExporter.getMetrics().flatMap(m => m.scopeMetrics).flatMap(s => s.metrics).find(m => m.descriptor.name === 'oauth.server.errors')?.dataPoints[0]
  t.same(point?.attributes, { 'http.response.status_code': 401, 'error.type': 'client', 'oauth.endpoint': 'resource' })
  const span = spanExporter.getFinishedSpans()[0]
  t.same(span?.events.map(e => [e.name, e.attributes]), [['oauth.error', { 'error.type': 'client' }]])
  t.equal(span?.status.code, 0)
})
