/**
 * Faults: errors raised after the reply was sent, hooks that throw, clients that go away
 * mid-response, JARM signers and errorUri functions that throw. Real sockets on 127.0.0.1
 * where the wire matters: a raw connection counts the HTTP responses it receives.
 */
import t, { type Test } from 'tap'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import authErrors, { AuthError, type AuthErrorsOptions } from '../lib/index.js'

interface LogLine { level: number, msg: string, [key: string]: unknown }

const ISSUER = 'https://as.example.com'
const REDIRECT = 'https://client.example.com/cb'
const GENERIC = 'The server met an unexpected condition that prevented it from fulfilling the request.'

/** A value nothing can look at: every trap throws. */
function hostileProxy (): unknown {
  const traps = ['get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'setPrototypeOf', 'defineProperty',
    'deleteProperty', 'isExtensible', 'preventExtensions', 'apply', 'construct']
  return new Proxy(function hostile () {}, Object.fromEntries(traps.map(trap => [trap, () => { throw new Error('trap ' + trap) }])))
}

async function build (options: AuthErrorsOptions, setup: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, logs: LogLine[], port: number }> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } } } })
  await app.register(authErrors, options)
  setup(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, logs, port: (app.server.address() as AddressInfo).port }
}

/** One request on a raw connection; everything the server wrote until it closed the connection. */
function raw (port: number, path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.setTimeout(5000, () => socket.destroy(new Error('no response: the request hangs')))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.on('error', reject)
    const lines = Object.entries({ host: 'localhost', connection: 'close', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`).join('')
    socket.write(`GET ${path} HTTP/1.1\r\n${lines}\r\n`)
  })
}

/** The status lines in what a connection received: one per HTTP response. */
function statusLines (wire: string): string[] {
  return wire.match(/^HTTP\/1\.1 \d{3}[^\r\n]*/gm) ?? []
}

function bodyOf (wire: string): string {
  return wire.slice(wire.indexOf('\r\n\r\n') + 4)
}

/** Opens a connection, sends a request, and destroys the connection at once or after the first bytes. */
function abandon (port: number, path: string, when: 'at once' | 'after the first bytes'): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nhost: localhost\r\n\r\n`)
      if (when === 'at once') socket.destroy()
    })
    socket.on('data', () => socket.destroy())
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
  })
}

/** Counts process-level failures while a test runs. */
function watchProcess (t: Test): { failures: unknown[] } {
  const seen = { failures: [] as unknown[] }
  const record = (error: unknown): void => { seen.failures.push(error) }
  process.on('uncaughtException', record)
  process.on('unhandledRejection', record)
  t.teardown(() => {
    process.off('uncaughtException', record)
    process.off('unhandledRejection', record)
  })
  return seen
}

t.test('S3 an error thrown after the reply was sent is logged and not sent twice, on the wire', async (t) => {
  const { app, logs, port } = await build({}, app => {
    app.get('/async-late', async (_request, reply) => {
      await reply.authError('invalid_grant')
      throw new Error('late failure in the handler')
    })
    app.get('/handle-late', async (request, reply) => {
      await reply.authError('invalid_grant')
      return app.authErrors.handle(new Error('late failure handed to the plugin'), request, reply)
    })
    app.get('/throw-late', async (_request, reply) => {
      await reply.authError('invalid_grant')
      throw new AuthError('server_error', { cause: new Error('late AuthError') })
    })
  })
  t.teardown(() => app.close())
  for (const [path, late] of [['/async-late', /late failure in the handler/], ['/handle-late', /after the reply was sent/], ['/throw-late', /late AuthError|already sent/]] as const) {
    logs.length = 0
    const wire = await raw(port, path)
    t.same(statusLines(wire), ['HTTP/1.1 400 Bad Request'], `${path}: one response, the first one`)
    t.equal(JSON.parse(bodyOf(wire)).error, 'invalid_grant', `${path}: the first answer stands`)
    await sleep(10)
    const reported = logs.filter(line => line.level >= 40 && late.test(JSON.stringify(line)))
    t.equal(reported.length, 1, `${path}: the late error is logged once at warn level or above`)
  }
  const next = await raw(port, '/async-late')
  t.equal(statusLines(next).length, 1, 'the server keeps serving')
})

t.test('S1 S3 an onSend hook that throws once turns the answer into one server_error; the original is logged once', async (t) => {
  let calls = 0
  const { app, logs, port } = await build({}, app => {
    app.addHook('onSend', async (_request, _reply, payload) => {
      calls++
      if (calls === 1) throw new Error('onSend secret failure')
      return payload
    })
    app.get('/token', async (_request, reply) => reply.authError('invalid_grant'))
  })
  t.teardown(() => app.close())
  const wire = await raw(port, '/token')
  t.same(statusLines(wire), ['HTTP/1.1 500 Internal Server Error'], 'one response')
  t.same(JSON.parse(bodyOf(wire)), { error: 'server_error', error_description: GENERIC })
  t.notMatch(wire, /secret/, 'S1 nothing internal on the wire')
  t.match(wire, /cache-control: no-store/i)
  t.equal(logs.filter(line => line.level >= 50 && /onSend secret failure/.test(JSON.stringify(line))).length, 1, 'logged once at error level')
})

t.test('S3 an onResponse hook that throws after the reply went out is logged; the client got exactly one response', async (t) => {
  const { app, logs, port } = await build({}, app => {
    app.addHook('onResponse', async () => { throw new Error('onResponse failure') })
    app.get('/token', async (_request, reply) => reply.authError('invalid_grant'))
  })
  t.teardown(() => app.close())
  const wire = await raw(port, '/token')
  t.same(statusLines(wire), ['HTTP/1.1 400 Bad Request'])
  t.equal(JSON.parse(bodyOf(wire)).error, 'invalid_grant')
  await sleep(10)
  t.equal(logs.filter(line => line.level >= 40 && /onResponse failure/.test(JSON.stringify(line))).length, 1, 'logged once')
})

t.test('S2 a client that disconnects before or during the response crashes nothing', async (t) => {
  const watch = watchProcess(t)
  const bigState = 'x'.repeat(256 * 1024)
  const { app, port } = await build({ issuer: ISSUER }, app => {
    app.get('/error', async (_request, reply) => {
      await sleep(20)
      return reply.authError('invalid_token', { description: 'late' })
    })
    app.get('/challenge', async (_request, reply) => {
      await sleep(20)
      return reply.authChallenge({ scope: 'read' })
    })
    app.get('/thrown', async () => {
      await sleep(20)
      throw new Error('thrown after the client left')
    })
    app.get('/form-post', async (_request, reply) => {
      await sleep(20)
      return reply.authRedirect('access_denied', { redirectUri: REDIRECT, responseMode: 'form_post', state: bigState })
    })
    app.get('/jarm', (_request, reply) => reply.authRedirect('access_denied', {
      redirectUri: REDIRECT,
      responseMode: 'jwt',
      clientId: 'client-1',
      jarm: { sign: async () => { await sleep(20); return 'aGVhZGVy.cGF5bG9hZA.c2ln' } }
    }))
    app.get('/jarm-fails', (_request, reply) => reply.authRedirect('access_denied', {
      redirectUri: REDIRECT,
      responseMode: 'jwt',
      clientId: 'client-1',
      jarm: { sign: async () => { await sleep(20); throw new Error('HSM offline') } }
    }))
    app.get('/big', async (_request, reply) => reply.authRedirect('access_denied', { redirectUri: REDIRECT, responseMode: 'form_post', state: bigState }))
  })
  t.teardown(() => app.close())
  for (const path of ['/error', '/challenge', '/thrown', '/form-post', '/jarm', '/jarm-fails']) await abandon(port, path, 'at once')
  for (let i = 0; i < 5; i++) await abandon(port, '/big', 'after the first bytes')
  await sleep(100)
  t.same(watch.failures, [], 'no uncaught exception or unhandled rejection')
  for (const path of ['/error', '/form-post', '/jarm', '/jarm-fails']) {
    t.equal(statusLines(await raw(port, path)).length, 1, `${path}: the server keeps serving`)
  }
})

t.test('C4 S2 a jarm.sign that throws or rejects, with any value, becomes server_error by direct answer, never a half-sent redirect', async (t) => {
  const watch = watchProcess(t)
  const failures: Record<string, () => unknown> = {
    'throws an Error': () => { throw new Error('HSM offline') },
    'rejects with an Error': () => Promise.reject(new Error('HSM offline')),
    'throws a string': () => { throw 'HSM offline' }, // eslint-disable-line no-throw-literal
    'rejects with undefined': () => Promise.reject(undefined), // eslint-disable-line prefer-promise-reject-errors
    'throws a hostile Proxy': () => { throw hostileProxy() },
    'rejects with a hostile Proxy': () => Promise.reject(hostileProxy()),
    'rejects later': () => sleep(10).then(() => { throw new Error('timeout') })
  }
  let sign: () => unknown = () => undefined
  const { app, logs, port } = await build({ issuer: ISSUER }, app => {
    app.get('/authorize', (_request, reply) => reply.authRedirect('access_denied', {
      redirectUri: REDIRECT, responseMode: 'jwt', clientId: 'client-1', state: 'xyz', jarm: { sign: () => sign() as string }
    }))
  })
  t.teardown(() => app.close())
  for (const [name, failing] of Object.entries(failures)) {
    sign = failing
    for (const accept of ['application/json', 'text/html']) {
      logs.length = 0
      const wire = await raw(port, '/authorize', { accept })
      t.same(statusLines(wire), ['HTTP/1.1 400 Bad Request'], `${name} (${accept}): one direct 4xx`)
      t.notMatch(wire, /\r\nlocation:/i, `${name}: no Location`)
      t.notMatch(bodyOf(wire), /<form|HSM|trap/, `${name}: no form, nothing internal`)
      t.match(bodyOf(wire), accept === 'text/html' ? /<code>server_error<\/code>/ : /"error":"server_error"/, `${name}: server_error`)
      t.equal(logs.filter(line => line.level >= 50 && /jarm\.sign failed/.test(line.msg)).length, 1, `${name}: logged once at error level`)
    }
  }
  t.same(watch.failures, [], 'no uncaught exception or unhandled rejection')
})

t.test('S2 a custom errorUri that throws is caught at registration: that code goes without error_uri, logged; the others keep theirs', async (t) => {
  const throwers: Record<string, () => unknown> = {
    'an Error': () => { throw new Error('docs service down') },
    'a string': () => { throw 'docs service down' }, // eslint-disable-line no-throw-literal
    'a hostile Proxy': () => { throw hostileProxy() }
  }
  for (const [name, thrower] of Object.entries(throwers)) {
    const { app, logs, port } = await build({
      issuer: ISSUER,
      errorUri: (code) => code === 'invalid_grant' || code === 'invalid_token' || code === 'access_denied' ? thrower() as string : `https://docs.example.com/errors#${code}`
    }, app => {
      app.get('/token', async (request, reply) => reply.authError((request.query as { code: 'invalid_grant' }).code))
      app.get('/problem', async (_request, reply) => reply.authError('invalid_grant', { format: 'problem' }))
      app.get('/resource', async (_request, reply) => reply.authError('invalid_token'))
      app.get('/authorize', async (_request, reply) => reply.authRedirect('access_denied', { redirectUri: REDIRECT }))
    })
    t.teardown(() => app.close())
    const warned = logs.filter(line => line.level === 40 && /errorUri threw/.test(line.msg))
    t.same(warned.map(line => line.code).sort(), ['access_denied', 'invalid_grant', 'invalid_token'], `${name}: one warning per code, naming it`)
    const grant = JSON.parse(bodyOf(await raw(port, '/token?code=invalid_grant')))
    t.equal(grant.error, 'invalid_grant', `${name}: the error is still sent`)
    t.equal(grant.error_uri, undefined, `${name}: without error_uri`)
    t.equal(JSON.parse(bodyOf(await raw(port, '/token?code=invalid_request'))).error_uri, 'https://docs.example.com/errors#invalid_request', `${name}: other codes keep theirs`)
    t.match(JSON.parse(bodyOf(await raw(port, '/problem'))).type, /^tag:/, `${name}: the problem type falls back to the tag: URI`)
    const challenge = /www-authenticate: ([^\r\n]*)/i.exec(await raw(port, '/resource', { authorization: 'Bearer t' }))?.[1]
    t.match(challenge, /^Bearer realm="api", error="invalid_token"/, `${name}: the challenge is sent`)
    t.notMatch(challenge, /error_uri/, `${name}: without error_uri`)
    const location = /location: ([^\r\n]*)/i.exec(await raw(port, '/authorize'))?.[1] as string
    t.notOk(new URL(location).searchParams.has('error_uri'), `${name}: no error_uri in the redirect`)
  }
})

t.test('A1 a redirect refused for use_dpop_nonce is answered directly with its 4xx, never a 500', async (t) => {
  const { app, logs, port } = await build({ issuer: ISSUER }, app => {
    app.get('/authorize', async (_request, reply) => reply.authRedirect('use_dpop_nonce', { redirectUri: 'http://client.example.com/cb' }))
  })
  t.teardown(() => app.close())
  const wire = await raw(port, '/authorize', { accept: 'application/json' })
  t.same(statusLines(wire), ['HTTP/1.1 400 Bad Request'])
  t.equal(JSON.parse(bodyOf(wire)).error, 'use_dpop_nonce')
  t.equal(logs.filter(line => line.level >= 50).length, 0, 'no server error logged')
  t.equal(logs.filter(line => line.level === 40).length, 1, 'the refusal is a warning')
})

t.test('E4 S1 a foreign 401 is answered with the bare challenge (no credentials) or invalid_token (a token plugin), its original logged once', async (t) => {
  const { app, logs, port } = await build({}, app => {
    app.get('/api', async () => { throw Object.freeze({ statusCode: 401, message: 'session expired' }) })
    app.get('/jwt-expired', async () => { throw Object.assign(new Error('Authorization token expired'), { code: 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED', statusCode: 401 }) })
    app.get('/jwt', async () => { throw Object.assign(new Error('No Authorization was found in request.headers'), { code: 'FST_JWT_NO_AUTHORIZATION_IN_HEADER', statusCode: 401 }) })
  })
  t.teardown(() => app.close())
  for (const path of ['/api', '/jwt']) {
    logs.length = 0
    const wire = await raw(port, path)
    t.same(statusLines(wire), ['HTTP/1.1 401 Unauthorized'], path)
    t.match(wire, /www-authenticate: Bearer realm="api"\r\n/i, `${path}: the bare challenge`)
    t.equal(bodyOf(wire), '', `${path}: no error code or text`)
    const lines = logs.filter(line => /fastify-auth-errors/.test(line.msg))
    t.equal(lines.length, 1, `${path}: logged once`)
    t.match(lines[0]?.msg, /bare challenge/)
  }
  logs.length = 0
  const expired = await raw(port, '/jwt-expired', { authorization: 'Bearer old' })
  t.same(statusLines(expired), ['HTTP/1.1 401 Unauthorized'], 'a token plugin\'s expired token')
  t.equal(JSON.parse(bodyOf(expired)).error, 'invalid_token')
  t.notMatch(expired, /Authorization token expired/, 'not the plugin\'s own message')
  t.equal(logs.filter(line => /fastify-auth-errors: token plugin error/.test(line.msg)).length, 1, 'logged once')
})
