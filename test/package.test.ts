// Packs the package as npm would publish it, installs the tarball into a temporary folder and
// proves that `import`, `require` and the type declarations all work from there.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
// Child processes must not write coverage of the built files into this run's report.
const env = { ...process.env, NODE_V8_COVERAGE: '', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' }
delete (env as Record<string, string | undefined>).NODE_V8_COVERAGE

function run (command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

const work = mkdtempSync(join(tmpdir(), 'fastify-auth-errors-pack-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root)) as Array<{ filename: string, files: Array<{ path: string }> }>
const tarball = join(work, packed[0]?.filename ?? '')
const consumer = join(work, 'consumer')
run('mkdir', ['-p', consumer], work)
writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
const devDependency = (name: string): string => `${name}@${JSON.parse(run(npm, ['pkg', 'get', `devDependencies.${name}`], root)) as string}`
run(npm, ['install', '--prefer-offline', '--no-package-lock', tarball, devDependency('fastify'), devDependency('@types/node')], consumer)

t.test('the tarball holds the built package, its docs and license, and no sources or tests', async t => {
  const files = packed[0]?.files.map(file => file.path) ?? []
  for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json']) {
    t.ok(files.includes(required), `${required} is packed`)
  }
  t.notOk(files.some(file => file.startsWith('test/') || file.startsWith('lib/')), 'no test or source folders')
  t.ok(readdirSync(join(consumer, 'node_modules', 'fastify-auth-errors', 'dist')).includes('esm'))
})

t.test('import works from the installed tarball', async t => {
  writeFileSync(join(consumer, 'esm.mjs'), `
import Fastify from 'fastify'
import authErrors, { AuthError, OAuthErrorSchema, catalog } from 'fastify-auth-errors'
const app = Fastify()
await app.register(authErrors, { realm: 'api' })
app.post('/token', async () => { throw new AuthError('invalid_grant') })
const res = await app.inject({ method: 'POST', url: '/token' })
console.log(JSON.stringify({ status: res.statusCode, body: res.json(), schema: OAuthErrorSchema.$id, status401: catalog.invalid_token.status }))
`)
  const out = JSON.parse(run(process.execPath, ['esm.mjs'], consumer))
  t.same(out, { status: 400, body: { error: 'invalid_grant', error_description: out.body.error_description }, schema: 'OAuthError', status401: 401 })
})

t.test('require works from the installed tarball, and the plugin is the CommonJS export itself', async t => {
  writeFileSync(join(consumer, 'cjs.cjs'), `
const Fastify = require('fastify')
const authErrors = require('fastify-auth-errors')
const { AuthError } = require('fastify-auth-errors')
;(async () => {
  const app = Fastify()
  await app.register(authErrors)
  app.get('/r', async (request, reply) => reply.authError('invalid_token'))
  const res = await app.inject({ method: 'GET', url: '/r', headers: { authorization: 'Bearer x' } })
  console.log(JSON.stringify({
    type: typeof authErrors,
    sameDefault: authErrors.default === authErrors,
    status: res.statusCode,
    challenge: res.headers['www-authenticate'].split(',')[0],
    isError: new AuthError('invalid_grant') instanceof Error
  }))
})()
`)
  t.same(JSON.parse(run(process.execPath, ['cjs.cjs'], consumer)), {
    type: 'function', sameDefault: true, status: 401, challenge: 'Bearer realm="api"', isError: true
  })
})

t.test('AuthError instanceof holds across the two copies (ESM and CommonJS) of the package', async t => {
  writeFileSync(join(consumer, 'dual.mjs'), `
import { createRequire } from 'node:module'
import { AuthError as EsmAuthError, isAuthError } from 'fastify-auth-errors'
const { AuthError: CjsAuthError } = createRequire(import.meta.url)('fastify-auth-errors')
const fromCjs = new CjsAuthError('invalid_grant')
console.log(JSON.stringify({ distinct: EsmAuthError !== CjsAuthError, instance: fromCjs instanceof EsmAuthError, guard: isAuthError(fromCjs), plain: {} instanceof EsmAuthError }))
`)
  t.same(JSON.parse(run(process.execPath, ['dual.mjs'], consumer)), { distinct: true, instance: true, guard: true, plain: false })
})

t.test('the .d.ts files type-check for ESM and CommonJS consumers, including declaration merging', async t => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  writeFileSync(join(consumer, 'esm-consumer.mts'), `
import Fastify from 'fastify'
import authErrors, { AuthError, type AuthErrorCode } from 'fastify-auth-errors'
declare module 'fastify-auth-errors' {
  interface AuthErrorCodes { account_locked: true }
}
const app = Fastify()
await app.register(authErrors, { codes: { account_locked: { status: 423, description: 'Locked' } } })
app.get('/', async (_request, reply) => reply.authError('account_locked'))
const code: AuthErrorCode = 'invalid_grant'
export const error = new AuthError(code)
// @ts-expect-error an unknown code is a compile error
export const wrong = new AuthError('invalid_grnt')
`)
  writeFileSync(join(consumer, 'cjs-consumer.cts'), `
import Fastify = require('fastify')
import authErrors = require('fastify-auth-errors')
const app = Fastify()
app.register(authErrors.default, { realm: 'api' })
app.get('/', async (_request, reply) => reply.authChallenge())
export const error = new authErrors.AuthError('invalid_token')
// @ts-expect-error an unknown code is a compile error
export const wrong = new authErrors.AuthError('invalid_tokn')
`)
  for (const file of ['esm-consumer.mts', 'cjs-consumer.cts']) {
    const out = run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', file], consumer)
    t.equal(out, '', `${file}: no type errors`)
  }
})

t.test('@arethetypeswrong finds no problem in the tarball', async t => {
  const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js')
  const report = JSON.parse(run(process.execPath, [attw, tarball, '--format', 'json'], work)) as { analysis: { problems: unknown[] } }
  t.same(report.analysis.problems, [], 'no problems for node10, node16 (CJS and ESM) and bundlers')
})
