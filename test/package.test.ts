// The package proof. Packs the package as npm would publish it (or takes the tarball .ci/run
// packed once, PACKAGE_TARBALL), installs it into a temporary folder and proves that `import`,
// `require`, one real request and the type declarations (TypeScript 5.9, and 7 when available)
// all work from there, on the Node that runs this file (.ci/run: 20, 22, 24 and 26).
import t from 'tap'
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
// Child processes run as a user's would: without tap's loaders (NODE_OPTIONS) and without writing
// coverage of the built files into this run's report.
const env: Record<string, string | undefined> = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' }
delete env.NODE_V8_COVERAGE
delete env.NODE_OPTIONS

const runAsync = promisify(execFile)

function run (command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/**
 * Runs this Node on a script. tap's process tracking puts its loaders back into NODE_OPTIONS of
 * every child it sees, so `env -u NODE_OPTIONS` (which then execs node) keeps them out.
 */
function node (args: string[], cwd: string): string {
  return run('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, ...args], cwd)
}

/** The newest modification time under a folder (files only). */
function newest (dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter(entry => entry.isFile())
    .reduce((time, entry) => Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0)
}

/**
 * The tarball: the one given, or a fresh pack. `npm test` has just built dist/, so the pack skips
 * `prepack` (a second build) unless dist/ is missing or older than lib/ and the tsconfig files.
 */
function pack (work: string): { tarball: string, files: string[] } {
  const given = process.env.PACKAGE_TARBALL
  let tarball = given === undefined ? '' : resolve(given)
  if (given === undefined) {
    const sources = Math.max(newest(join(root, 'lib')), ...['tsconfig.json', 'tsconfig.build.json', 'tsconfig.cjs.json'].map(file => statSync(join(root, file)).mtimeMs))
    const fresh = existsSync(join(root, 'dist', 'cjs', 'package.json')) && newest(join(root, 'dist')) >= sources
    if (!fresh) node([join(root, 'scripts', 'build.js')], root)
    const packed = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root)) as Array<{ filename: string }>
    tarball = join(work, packed[0]?.filename ?? '')
  }
  const files = run('tar', ['-tzf', tarball], work).split('\n').filter(line => line !== '').map(line => line.replace(/^package\//, '')).sort()
  return { tarball, files }
}

/** TypeScript 7's tsc: TYPESCRIPT7_TSC, else the cache folder .ci/run installs it into. */
function typescript7 (): string | undefined {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache')
  const tsc = process.env.TYPESCRIPT7_TSC ?? join(cache, 'fastify-auth-errors', 'typescript-7', 'node_modules', 'typescript', 'bin', 'tsc')
  if (process.env.TYPESCRIPT7_TSC !== undefined && !existsSync(tsc)) throw new Error(`TYPESCRIPT7_TSC=${tsc} does not exist`)
  return existsSync(tsc) ? tsc : undefined
}

const work = mkdtempSync(join(tmpdir(), 'fastify-auth-errors-pack-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

const { tarball, files } = pack(work)
const consumer = join(work, 'consumer')
run('mkdir', ['-p', consumer], work)
writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
const devDependency = (name: string): string => `${name}@${JSON.parse(run(npm, ['pkg', 'get', `devDependencies.${name}`], root)) as string}`
run(npm, ['install', '--prefer-offline', '--no-package-lock', tarball, devDependency('fastify'), devDependency('@types/node'), devDependency('@opentelemetry/api')], consumer)
const installed = join(consumer, 'node_modules', 'fastify-auth-errors')

t.test(`the package proof runs on Node ${process.version}`, async t => {
  t.match(process.version, /^v\d+\./, 'the Node that runs the consumers below')
})

t.test('the packed file list is the built package, its guides and license: no docs/api/, sources, tests or declaration maps', async t => {
  const allowed = [/^package\.json$/, /^otel\/package\.json$/, /^README\.md$/, /^LICENSE$/, /^docs\/[\w-]+\.md$/, /^dist\/cjs\/package\.json$/, /^dist\/(esm|cjs)\/([\w-]+\/)*[\w.-]+\.(js|d\.ts|js\.map)$/]
  t.same(files.filter(file => !allowed.some(pattern => pattern.test(file))), [], 'every packed file is of an allowed kind')
  for (const required of ['package.json', 'otel/package.json', 'dist/esm/otel.js', 'dist/cjs/otel.js', 'README.md', 'LICENSE', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'docs/getting-started.md']) {
    t.ok(files.includes(required), `${required} is packed`)
  }
  const guides = readdirSync(join(root, 'docs')).filter(name => name.endsWith('.md')).map(name => `docs/${name}`).sort()
  t.same(files.filter(file => file.startsWith('docs/')), guides, 'every guide in docs/, and nothing generated there')
  const built = (flavour: string): string[] => readdirSync(join(root, 'dist', flavour), { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name).slice(root.length + 1)).sort()
  t.same(files.filter(file => file.startsWith('dist/')), [...built('cjs'), ...built('esm')].sort(), 'dist/ as built, whole')
  t.ok(readdirSync(join(installed, 'dist')).includes('esm'))
})

t.test('the package.json names no placeholder', async t => {
  const manifest = readFileSync(join(installed, 'package.json'), 'utf8')
  t.notMatch(manifest, /OWNER/, 'no OWNER placeholder in repository, bugs or homepage')
})

t.test('every source map in the tarball carries its sources (sourcesContent), since lib/ is not packed', async t => {
  const maps = files.filter(file => file.endsWith('.map'))
  t.ok(maps.length > 10, `${maps.length} maps`)
  for (const file of maps) {
    const map = JSON.parse(readFileSync(join(installed, file), 'utf8')) as { sources: string[], sourcesContent?: Array<string | null> }
    const complete = map.sourcesContent?.length === map.sources.length && map.sourcesContent.every(content => typeof content === 'string' && content.length > 0)
    if (!complete) t.fail(`${file}: sourcesContent missing`)
  }
  t.pass('checked every map')
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
  const out = JSON.parse(node(['esm.mjs'], consumer))
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
  t.same(JSON.parse(node(['cjs.cjs'], consumer)), {
    type: 'function', sameDefault: true, status: 401, challenge: 'Bearer realm="api"', isError: true
  })
})

t.test('fastify-auth-errors/otel imports and requires from the installed tarball; the main entry does not load OpenTelemetry', async t => {
  writeFileSync(join(consumer, 'otel.mjs'), `
import { createRequire } from 'node:module'
import { instrumentAuthErrors } from 'fastify-auth-errors/otel'
const require = createRequire(import.meta.url)
const cjs = require('fastify-auth-errors/otel')
const stop = instrumentAuthErrors()
stop()
console.log(JSON.stringify({ esm: typeof instrumentAuthErrors, cjs: typeof cjs.instrumentAuthErrors }))
`)
  t.same(JSON.parse(node(['otel.mjs'], consumer)), { esm: 'function', cjs: 'function' })
  // Only otel.js names @opentelemetry: the main entry and everything it imports never load it.
  for (const flavour of ['esm', 'cjs']) {
    const dir = join(installed, 'dist', flavour)
    const naming = readdirSync(dir).filter(name => name.endsWith('.js') && readFileSync(join(dir, name), 'utf8').includes('@opentelemetry'))
    t.same(naming, ['otel.js'], `${flavour}: only otel.js imports @opentelemetry/api`)
  }
})

t.test('AuthError instanceof holds across the two copies (ESM and CommonJS) of the package', async t => {
  writeFileSync(join(consumer, 'dual.mjs'), `
import { createRequire } from 'node:module'
import { AuthError as EsmAuthError, isAuthError } from 'fastify-auth-errors'
const { AuthError: CjsAuthError } = createRequire(import.meta.url)('fastify-auth-errors')
const fromCjs = new CjsAuthError('invalid_grant')
console.log(JSON.stringify({ distinct: EsmAuthError !== CjsAuthError, instance: fromCjs instanceof EsmAuthError, guard: isAuthError(fromCjs), plain: {} instanceof EsmAuthError }))
`)
  t.same(JSON.parse(node(['dual.mjs'], consumer)), { distinct: true, instance: true, guard: true, plain: false })
})

t.test('the .d.ts files type-check for ESM and CommonJS consumers with TypeScript 5.9 and 7, including declaration merging', async t => {
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
  const compilers: Array<[string, string | undefined]> = [['TypeScript 5.9', join(root, 'node_modules', 'typescript', 'bin', 'tsc')], ['TypeScript 7', typescript7()]]
  for (const [name, tsc] of compilers) {
    if (tsc === undefined) {
      t.skip(`${name}: not installed; .ci/run installs it (npm install --prefix ~/.cache/fastify-auth-errors/typescript-7 typescript@7) or set TYPESCRIPT7_TSC`, () => {})
      continue
    }
    t.match(node([tsc, '--version'], consumer), name === 'TypeScript 7' ? /^Version 7\./ : /^Version 5\.9\./, `${name} is the compiler`)
    // One program per consumer: both declare Fastify's `authErrors` decorator (from the ESM and the
    // CommonJS declarations), which one program would report as a conflict no real consumer has.
    const outputs = await Promise.all(['esm-consumer.mts', 'cjs-consumer.cts'].map(async file => {
      const args = ['-u', 'NODE_OPTIONS', process.execPath, tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', file]
      const output = await runAsync('/usr/bin/env', args, { cwd: consumer, env, encoding: 'utf8' }).then(({ stdout }) => stdout, (error: { stdout?: string }) => String(error.stdout))
      return [file, output] as const
    }))
    for (const [file, output] of outputs) t.equal(output, '', `${name}, ${file}: no type errors`)
  }
})

t.test('@arethetypeswrong finds no problem in the tarball', async t => {
  const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js')
  const report = JSON.parse(node([attw, tarball, '--format', 'json'], work)) as { analysis: { problems: unknown[] } }
  t.same(report.analysis.problems, [], 'no problems for node10, node16 (CJS and ESM) and bundlers')
})
