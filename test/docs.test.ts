// Docs that run as copied. Every ts/js block of README.md and docs/*.md (indented fences too) is
// type-checked on its own against the built package (imported by its own name through the
// package's `exports`), then every block that declares no placeholder is run. A block that
// registers a POST /token route gets real form-encoded token requests, as a client sends them
// (RFC 6749 3.2 and 4.1.3), through oauth4webapi.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import ts from 'typescript'
import * as oauth from 'oauth4webapi'
import { augments, docBlocks, runnable, type DocBlock } from './helpers/doc-blocks.js'

const root = resolve(import.meta.dirname, '..')
const sources = ['README.md', ...readdirSync(join(root, 'docs')).filter(name => name.endsWith('.md')).sort().map(name => `docs/${name}`)]
const check = join(root, '.tap', 'docs-check')
rmSync(check, { recursive: true, force: true })
mkdirSync(check, { recursive: true })

const blocks = sources.flatMap(source => docBlocks(root, source))
const checked = (block: DocBlock): string => `${block.name}.${block.language === 'ts' ? 'mts' : 'mjs'}`
for (const block of blocks) writeFileSync(join(check, checked(block)), block.code + '\nexport {}\n')

const run = promisify(execFile)

/** Type-checks files as one program with the repository's tsc; returns the error lines (`file(line,col): error ...`). */
async function typeCheck (files: string[]): Promise<string[]> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--types', 'node', '--skipLibCheck', '--allowJs', '--checkJs', ...files]
  const output = await run(process.execPath, args, { cwd: check, encoding: 'utf8' }).then(() => '', (error: { stdout?: string }) => String(error.stdout))
  return output.split('\n').filter(line => line !== '')
}

t.test('the docs have TypeScript examples, in README.md and docs/', async t => {
  t.ok(blocks.length >= 40, `${blocks.length} blocks found`)
  t.ok(blocks.some(block => block.source === 'docs/presets.md' && block.code.startsWith('import')), 'an indented fence (a list item) is found and unindented')
})

t.test('every ts/js block in README.md and docs/ type-checks on its own against the built types', async t => {
  // Blocks are modules, so they share nothing, except a module augmentation: each of those gets a program of its own.
  const alone = blocks.filter(augments)
  const together = blocks.filter(block => !augments(block))
  writeFileSync(join(check, 'probe.mts'), "import { AuthError } from 'fastify-auth-errors'\nexport const wrong = new AuthError('invalid_grnt')\n")
  // The programs run side by side: each tsc is mostly start-up and reading Fastify's types.
  const outputs = await Promise.all([typeCheck([...together.map(checked), 'probe.mts']), ...alone.map(block => typeCheck([checked(block)]))])
  const errors = outputs.flat()
  for (const block of blocks) {
    const own = errors.filter(line => line.startsWith(checked(block) + '('))
    t.same(own, [], `${block.source}:${block.line} (${block.language}) type-checks`)
  }
  t.match(errors.filter(line => line.startsWith('probe.mts')), [/^probe\.mts\(2,/], 'the check itself fails a block with an unknown code (a probe beside the blocks)')
})

// ---------------------------------------------------------------- running the blocks

/**
 * The block as Node runs it: types stripped, a `listen` on port 3000 moved to a free port, and
 * its `app` (when it has one) exported so the test can send requests and close it.
 */
function runnableSource (block: DocBlock): string {
  const js = block.language === 'ts'
    ? ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } }).outputText
    : block.code
  return js.replace(/port: 3000\b/g, 'port: 0') + "\nexport const docApp = typeof app === 'undefined' ? undefined : app\n"
}

async function runBlock (block: DocBlock): Promise<FastifyInstance | undefined> {
  const file = join(check, `${block.name}.run.mjs`)
  writeFileSync(file, runnableSource(block))
  const module = await import(pathToFileURL(file).href) as { docApp?: FastifyInstance }
  return module.docApp
}

/** What a block's POST /token answers to an authorization_code request and to an empty form body. */
const TOKEN_ANSWERS: Record<string, { code: [number, string], empty: [number, string] }> = {
  'README.md # fastify-auth-errors': { code: [400, 'invalid_grant'], empty: [400, 'invalid_request'] },
  'docs/getting-started.md # Tell the plugin what each route is': { code: [400, 'unsupported_grant_type'], empty: [400, 'unsupported_grant_type'] },
  'docs/getting-started.md # Send errors': { code: [200, 'bearer'], empty: [400, 'invalid_request'] },
  'docs/token-endpoint.md # Token and back-channel endpoints': { code: [400, 'invalid_grant'], empty: [400, 'invalid_request'] },
  'docs/token-endpoint.md # Your own codes': { code: [423, 'account_locked'], empty: [423, 'account_locked'] }
}

const named = (block: DocBlock): string => `${block.source} # ${block.heading}`

function hasTokenRoute (block: DocBlock): boolean {
  return /\.post\(\s*'\/token'/.test(block.code)
}

/** An authorization_code token request by oauth4webapi, form-encoded with client_secret_post; the answer's status and error (or token_type). */
async function codeGrant (origin: string): Promise<[number, string]> {
  const as: oauth.AuthorizationServer = { issuer: origin, token_endpoint: `${origin}/token` }
  const client: oauth.Client = { client_id: 'docs-client' }
  const callback = oauth.validateAuthResponse(as, client, new URLSearchParams({ code: 'expired-code' }), oauth.skipStateCheck)
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretPost('docs-secret'), callback,
    'https://client.example.com/cb', 'a'.repeat(43), { [oauth.allowInsecureRequests]: true })
  try {
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
    return [response.status, tokens.token_type]
  } catch (error) {
    return [response.status, error instanceof oauth.ResponseBodyError ? error.error : String((error as { code?: string }).code)]
  }
}

async function emptyBody (origin: string, headers: Record<string, string>): Promise<[number, string]> {
  const response = await fetch(`${origin}/token`, { method: 'POST', headers, body: '' })
  const body = await response.json() as { error?: string }
  return [response.status, body.error ?? '']
}

for (const block of blocks.filter(runnable)) {
  const label = `${block.source}:${block.line}`
  t.test(`${label} runs as copied${hasTokenRoute(block) ? ', and its token endpoint parses a form-encoded request' : ''}`, async t => {
    const app = await runBlock(block)
    t.pass('the block ran without throwing')
    if (app === undefined || !hasTokenRoute(block)) return
    t.teardown(() => app.close())
    if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 })
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const code = await codeGrant(origin)
    t.not(code[0], 415, 'D1 a form-encoded token request is parsed (RFC 6749 4.1.3), never 415')
    const empty = await emptyBody(origin, { 'content-type': 'application/x-www-form-urlencoded' })
    t.ok(empty[0] >= 400 && empty[0] < 500, `an empty form body is a client error, never a 500 (got ${empty[0]} ${empty[1]})`)
    const none = await emptyBody(origin, {})
    t.ok(none[0] >= 400 && none[0] < 500, `a POST without a body is a client error, never a 500 (got ${none[0]} ${none[1]})`)
    const expected = TOKEN_ANSWERS[named(block)]
    if (expected === undefined) return
    t.same(code, expected.code, 'the documented answer to a form-encoded authorization_code request')
    t.same(empty, expected.empty, 'the documented answer to an empty form body')
    t.same(none, expected.empty, 'the same answer to a POST without a body')
  })
}

t.test('the token-endpoint snippets named by the issue are all run', async t => {
  for (const label of Object.keys(TOKEN_ANSWERS)) {
    t.ok(blocks.some(block => named(block) === label && runnable(block) && hasTokenRoute(block)), `${label} is a runnable token snippet`)
  }
})
