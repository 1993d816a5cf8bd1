// tap coverage map: every test measures coverage of the library (lib/) only. The demo in
// examples/ and the built dist/ are exercised by tests but are not the product under coverage.
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..')

function sources (dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative(root, path)] : []
  })
}

const library = sources(join(root, 'lib'))

export default function coverageMap () {
  return library
}
