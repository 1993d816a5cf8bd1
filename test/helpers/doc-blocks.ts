// Finds the TypeScript and JavaScript code blocks of a Markdown file, indented fences included
// (a fence inside a list item), so every snippet a reader may copy is checked.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** One fenced code block, its lines with the fence's indentation removed. */
export interface DocBlock {
  /** The Markdown file, relative to the repository root. */
  source: string
  /** 1-based line of the block's first code line. */
  line: number
  /** `ts` or `js`. */
  language: 'ts' | 'js'
  code: string
  /** The nearest heading above the block (a stable name for it, unlike its line). */
  heading: string
  /** The fence's words after the language: `no-run` marks a block that needs something outside it (a server to call). */
  meta: string
  /** A file name for the block, unique in the repository. */
  name: string
}

const LANGUAGES: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', mts: 'ts', js: 'js', javascript: 'js', mjs: 'js' }
const OPENING = /^( *)(`{3,}|~{3,})\s*([\w-]*)([^`]*)$/

/** Every ts/js block of one Markdown file (other languages are skipped, but their fences are tracked). */
export function docBlocks (root: string, source: string): DocBlock[] {
  const lines = readFileSync(join(root, source), 'utf8').split('\n')
  const blocks: DocBlock[] = []
  let open: { indent: number, fence: string, language: string, meta: string, start: number } | undefined
  let heading = ''
  lines.forEach((text, index) => {
    if (open === undefined) {
      if (/^#{1,6} /.test(text)) heading = text.replace(/^#+ /, '')
      const match = OPENING.exec(text)
      if (match !== null) open = { indent: (match[1] as string).length, fence: match[2] as string, language: match[3] as string, meta: (match[4] as string).trim(), start: index + 1 }
      return
    }
    if (text.trim().startsWith(open.fence) && text.trim().replace(/[`~]/g, '') === '') {
      const language = LANGUAGES[open.language]
      if (language !== undefined) {
        const code = lines.slice(open.start, index).map(line => line.slice(Math.min(open?.indent ?? 0, line.length - line.trimStart().length))).join('\n')
        blocks.push({ source, line: open.start + 1, language, code, heading, meta: open.meta, name: `${source.replace(/[/.]/g, '_')}_${open.start + 1}` })
      }
      open = undefined
    }
  })
  return blocks
}

/**
 * Whether a block's declarations reach beyond it (module augmentation, `declare global`):
 * such a block is type-checked in a program of its own, so it cannot make another block pass.
 */
export function augments (block: DocBlock): boolean {
  return /^\s*declare\s+(module|global)\b/m.test(block.code)
}

/**
 * Whether a block can run as it is: its fence does not say `no-run`, and it declares no ambient
 * value (a `declare const` stands for something the reader supplies).
 */
export function runnable (block: DocBlock): boolean {
  return !/\bno-run\b/.test(block.meta) && !/^\s*declare\s+(const|let|var|function|class)\b/m.test(block.code)
}
