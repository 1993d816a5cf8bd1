// Soak: sustained load of failed (and some successful) requests against a test app.
//
//   npm run soak                      # 60 s (builds dist first)
//   SOAK_SECONDS=300 npm run soak     # or: node scripts/soak.js --seconds 300
//
// The app runs in a child process (node --expose-gc) on 127.0.0.1, port 0, and serves every
// kind of error the plugin sends. autocannon drives a mix of requests and checks each response's
// status (and the error code or Location it must carry). Memory is sampled from the server after
// a forced GC at the start, the middle and the end. The last line is
//   soak: N requests, 0 unexpected, 0 errors, heap +X MB
// and the exit code is non-zero when a response was unexpected, a socket failed, or the heap
// grew by HEAP_LIMIT_MB or more. Load stays on loopback.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const HEAP_LIMIT_MB = 5
const WARMUP_SECONDS = 5
const CONNECTIONS = 20
const REDIRECT = 'https://client.example.com/cb?tenant=1'
const FAKE_JWT = 'aGVhZGVy.cGF5bG9hZA.c2ln'

// ---------------------------------------------------------------------------------------------
// The server (child process)

async function serve () {
  const { default: Fastify } = await import('fastify')
  const { default: authErrors, AuthError } = await import('../dist/esm/index.js')
  const app = Fastify({ logger: { level: 'warn', stream: { write () {} } } })
  await app.register(authErrors, { issuer: 'https://as.example.com', realm: 'soak', errorUri: 'https://docs.example.com/errors' })

  const token = { config: { authErrors: { endpoint: 'token' } } }
  const authorization = { config: { authErrors: { endpoint: 'authorization' } } }
  const resource = { config: { authErrors: { endpoint: 'resource' } } }
  const sign = async () => FAKE_JWT

  app.post('/token', token, async (_request, reply) => reply.authError('invalid_grant', { description: 'The code was already used' }))
  app.post('/token/client', token, async (_request, reply) => reply.authError('invalid_client'))
  app.post('/token/validated', { ...token, schema: { body: { type: 'object', required: ['grant_type'], properties: { grant_type: { type: 'string' } } } } }, async () => ({ ok: true }))
  app.post('/token/busy', token, async () => { throw new AuthError('temporarily_unavailable', { retryAfter: 5 }) })
  app.get('/api', resource, async (request, reply) => {
    if (request.headers.authorization === undefined) return reply.authChallenge({ scope: 'read' })
    if (request.headers.authorization === 'Bearer expired') return reply.authError('invalid_token', { description: 'The access token expired' })
    if (request.headers.authorization.startsWith('DPoP')) return reply.authError('use_dpop_nonce', { dpopNonce: 'n-' + Date.now() })
    return reply.authError('insufficient_scope', { scope: ['read', 'write'] })
  })
  app.get('/api/problem', resource, async (_request, reply) => reply.authError('invalid_token', { format: 'problem', instance: '/api/problem/' + Date.now() }))
  app.get('/authorize', authorization, async (request, reply) => {
    const query = /** @type {Record<string, string>} */ (request.query)
    const redirectUri = query.bad === undefined ? REDIRECT : 'javascript:alert(1)'
    return reply.authRedirect('access_denied', { redirectUri, responseMode: query.mode, state: query.state, clientId: 'client-1', jarm: { sign } })
  })
  app.get('/crash', async () => { throw new Error('database password leaked?') })
  app.get('/crash/value', async () => { throw Object.freeze({ odd: true }) })
  app.get('/limited', async () => { throw Object.assign(new Error('rate limited'), { statusCode: 429 }) })
  app.get('/ok', async () => ({ ok: true }))

  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = /** @type {import('node:net').AddressInfo} */ (app.server.address()).port
  process.on('message', (message) => {
    if (message === 'sample') {
      globalThis.gc?.()
      globalThis.gc?.()
      const { rss, heapUsed, heapTotal } = process.memoryUsage()
      process.send?.({ type: 'sample', rss, heapUsed, heapTotal })
    } else if (message === 'stop') {
      app.close().then(() => process.exit(0))
    }
  })
  process.send?.({ type: 'ready', port })
}

// ---------------------------------------------------------------------------------------------
// The load (parent process)

/**
 * Requests after which Fastify closes the connection (a body its parser refused): they run in
 * their own autocannon instance, since a closed connection makes autocannon pair later
 * responses with the wrong request of a mixed list.
 */
function closing () {
  return [
    { method: 'POST', path: '/token/validated', headers: { 'content-type': 'application/json' }, body: '{"grant_type":', status: 400, has: '"error":"invalid_request"' }
  ]
}

/** The mix: every error kind plus successes, each with the status it must get. */
function mix () {
  const json = { 'content-type': 'application/json' }
  return [
    { method: 'POST', path: '/token', headers: json, body: '{"grant_type":"authorization_code"}', status: 400, has: '"error":"invalid_grant"' },
    { method: 'POST', path: '/token/client', headers: { ...json, authorization: 'Basic Y2xpZW50OnNlY3JldA==' }, body: '{}', status: 401, header: ['www-authenticate', 'Basic realm="soak"'] },
    { method: 'POST', path: '/token/client', headers: json, body: '{}', status: 400, has: '"error":"invalid_client"' },
    { method: 'POST', path: '/token/validated', headers: json, body: '{}', status: 400, has: '"error":"invalid_request"' },
    { method: 'POST', path: '/token/validated', headers: { 'content-type': 'text/xml' }, body: '<x/>', status: 415, has: '"error":"invalid_request"' },
    { method: 'POST', path: '/token/validated', headers: json, body: '{"grant_type":"client_credentials"}', status: 200, has: '"ok":true' },
    { method: 'POST', path: '/token/busy', headers: json, body: '{}', status: 503, header: ['retry-after', '5'] },
    { method: 'GET', path: '/api', status: 401, header: ['www-authenticate', 'Bearer realm="soak", scope="read"'] },
    { method: 'GET', path: '/api', headers: { authorization: 'Bearer expired' }, status: 401, has: '"error":"invalid_token"' },
    { method: 'GET', path: '/api', headers: { authorization: 'Bearer valid' }, status: 403, has: '"error":"insufficient_scope"' },
    { method: 'GET', path: '/api', headers: { authorization: 'DPoP proof' }, status: 401, header: ['dpop-nonce', 'n-'] },
    { method: 'GET', path: '/api/problem', headers: { authorization: 'Bearer x' }, status: 401, has: '"status":401' },
    { method: 'GET', path: '/authorize?state=s1', status: 302, header: ['location', REDIRECT + '&error=access_denied'] },
    { method: 'GET', path: '/authorize?mode=fragment&state=s2', status: 302, header: ['location', REDIRECT + '#error=access_denied'] },
    { method: 'GET', path: '/authorize?mode=form_post&state=%3Cscript%3E', status: 200, has: 'value="&lt;script&gt;"' },
    { method: 'GET', path: '/authorize?mode=jwt&state=s3', status: 302, header: ['location', REDIRECT + '&response=' + FAKE_JWT] },
    { method: 'GET', path: '/authorize?bad=1', headers: { accept: 'text/html' }, status: 400, has: '<code>access_denied</code>' },
    { method: 'GET', path: '/authorize?bad=1', status: 400, has: '"error":"access_denied"' },
    { method: 'GET', path: '/crash', status: 500, has: '"error":"server_error"' },
    { method: 'GET', path: '/crash/value', status: 500, has: '"error":"server_error"' },
    { method: 'GET', path: '/limited', status: 429, has: '"error":"invalid_request"' },
    { method: 'GET', path: '/no/such/route', status: 404, has: '"error":"invalid_request"' },
    { method: 'GET', path: '/ok', status: 200, has: '"ok":true' }
  ]
}

function mb (bytes) {
  return (bytes / 1024 / 1024).toFixed(2)
}

async function soak () {
  const { values } = parseArgs({ options: { seconds: { type: 'string' } } })
  const seconds = Number(values.seconds ?? process.env.SOAK_SECONDS ?? 60)
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds (or SOAK_SECONDS) must be a positive number')
  const { default: autocannon } = await import('autocannon')

  const child = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let exited = false
  child.on('exit', () => { exited = true })
  const next = (type) => new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message)
    }
    const onExit = (code) => reject(new Error(`the server exited (${code}) while waiting for ${type}`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
  const sample = async () => {
    const reply = next('sample')
    child.send('sample')
    return reply
  }

  const { port } = await next('ready')
  const unexpected = new Map()
  const toRequest = (check) => ({
    method: check.method,
    path: check.path,
    headers: check.headers,
    body: check.body,
    onResponse (status, body, _context, headers) {
      let problem
      if (status !== check.status) problem = `status ${status}`
      else if (check.has !== undefined && !String(body).includes(check.has)) problem = `body without ${check.has}`
      else if (check.header !== undefined && !String(headers?.[check.header[0]] ?? '').startsWith(check.header[1])) problem = `${check.header[0]} not ${check.header[1]}...`
      if (problem !== undefined) {
        const key = `${check.method} ${check.path}: ${problem}`
        unexpected.set(key, (unexpected.get(key) ?? 0) + 1)
      }
    }
  })
  const kinds = [...mix(), ...closing()].length
  const requests = mix().map(toRequest)
  const closingRequests = closing().map(toRequest)
  /** Both instances at once; their results summed. */
  const load = async (duration) => {
    const url = `http://127.0.0.1:${port}`
    const [main, other] = await Promise.all([
      autocannon({ url, connections: CONNECTIONS, duration, requests }),
      autocannon({ url, connections: 2, duration, requests: closingRequests })
    ])
    return {
      total: main.requests.total + other.requests.total,
      rate: main.requests.average + other.requests.average,
      errors: main.errors + other.errors,
      timeouts: main.timeouts + other.timeouts,
      latency: main.latency
    }
  }

  console.log(`soak: ${kinds} request kinds, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up, then ${seconds} s on 127.0.0.1:${port}`)
  const warm = await load(WARMUP_SECONDS)
  const start = await sample()
  const middleSample = new Promise((resolve) => setTimeout(() => resolve(sample()), (seconds * 1000) / 2))
  const result = await load(seconds)
  const middle = await middleSample
  const end = await sample()
  const crashed = exited
  child.send('stop')

  const errors = result.errors + result.timeouts + warm.errors + warm.timeouts
  const total = result.total + warm.total
  const misses = [...unexpected.values()].reduce((sum, count) => sum + count, 0)
  const growth = (end.heapUsed - start.heapUsed) / 1024 / 1024
  console.log(`requests: ${total} (${result.total} measured, ${Math.round(result.rate)}/s), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`)
  console.log(`socket errors: ${result.errors} (warm-up ${warm.errors}), timeouts: ${result.timeouts} (warm-up ${warm.timeouts})`)
  for (const [name, memory] of [['start', start], ['middle', middle], ['end', end]]) {
    console.log(`memory at ${name} (after GC): rss ${mb(memory.rss)} MB, heap ${mb(memory.heapUsed)} MB of ${mb(memory.heapTotal)} MB`)
  }
  for (const [key, count] of unexpected) console.log(`unexpected: ${count} x ${key}`)
  const failed = misses > 0 || errors > 0 || growth >= HEAP_LIMIT_MB || crashed
  if (growth >= HEAP_LIMIT_MB) console.log(`heap grew by ${growth.toFixed(2)} MB after GC: limit ${HEAP_LIMIT_MB} MB`)
  console.log(`soak: ${total} requests, ${misses} unexpected, ${errors} errors, heap ${growth >= 0 ? '+' : '-'}${Math.abs(growth).toFixed(2)} MB`)
  process.exitCode = failed ? 1 : 0
}

if (process.argv.includes('--server')) {
  await serve()
} else {
  await soak()
}
