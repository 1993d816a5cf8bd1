// Every ```ts block of README.md and docs/*.md is type-checked against the built package
// (imported by its own name through the package's `exports`), so the docs cannot rot.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const sources = ['README.md', ...readdirSync(join(root, 'docs')).filter(name => name.endsWith('.md')).map(name => `docs/${name}`)]
const check = join(root, '.tap', 'docs-check')
rmSync(check, { recursive: true, force: true })
mkdirSync(check, { recursive: true })

const blocks: Array<{ source: string, line: number, file: string }> = []
for (const source of sources) {
  const lines = readFileSync(join(root, source), 'utf8').split('\n')
  let start = -1
  lines.forEach((text, index) => {
    if (start === -1 && /^```ts\s*$/.test(text)) start = index + 1
    else if (start !== -1 && text.startsWith('```')) {
      const file = `${source.replace(/[/.]/g, '_')}_${start}.mts`
      writeFileSync(join(check, file), lines.slice(start, index).join('\n') + '\nexport {}\n')
      blocks.push({ source, line: start, file })
      start = -1
    }
  })
}

t.test('the docs have TypeScript examples', async t => {
  t.ok(blocks.length >= 3, `${blocks.length} blocks found`)
})

t.test('every TypeScript example in README.md and docs/ compiles against the built types', async t => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  let output = ''
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--types', 'node', '--skipLibCheck', ...blocks.map(block => block.file)], { cwd: check, encoding: 'utf8' })
  } catch (error) {
    output = String((error as { stdout?: string }).stdout)
  }
  for (const block of blocks) {
    const errors = output.split('\n').filter(line => line.startsWith(block.file))
    t.same(errors, [], `${block.source} line ${block.line}`)
  }
})
