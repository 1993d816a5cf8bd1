// Writes benchmark results into docs/benchmarks.md, between the markers
// `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->`; the prose around them is
// written by hand and left as it is.
import { readFileSync, writeFileSync } from 'node:fs'

const DOC = new URL('../docs/benchmarks.md', import.meta.url)

/** Replaces the generated section `name` of docs/benchmarks.md with `text`. */
export function replaceSection (name, text) {
  const doc = readFileSync(DOC, 'utf8')
  const open = `<!-- bench:${name}:start -->`
  const close = `<!-- bench:${name}:end -->`
  const from = doc.indexOf(open)
  const to = doc.indexOf(close)
  if (from === -1 || to < from) throw new Error(`docs/benchmarks.md has no ${open} ... ${close} section`)
  writeFileSync(DOC, doc.slice(0, from + open.length) + '\n\n' + text.trim() + '\n\n' + doc.slice(to))
}
