// Builds the dual package: ESM to dist/esm, CommonJS to dist/cjs (with its own
// package.json so Node reads those .js files as CommonJS).
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
rmSync('dist', { recursive: true, force: true })
for (const project of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' })
}
mkdirSync('dist/cjs', { recursive: true })
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n')
// Fastify plugins are required as `require('name')`: make the plugin itself the CommonJS
// export, with every named export (and `default`) as its properties.
appendFileSync('dist/cjs/index.js', [
  '',
  'module.exports = Object.assign(exports.default, exports)',
  "Object.defineProperty(module.exports, '__esModule', { value: true })",
  ''
].join('\n'))
