// Writes docs/errors.md, the error reference, from the built catalog.
// Run it with `npm run docs:errors` (which builds first); never edit docs/errors.md by hand.
import { mkdirSync, writeFileSync } from 'node:fs'
import { catalog } from '../dist/esm/catalog.js'
import { renderCatalogMarkdown } from '../dist/esm/catalog-markdown.js'

const docs = new URL('../docs/', import.meta.url)
mkdirSync(docs, { recursive: true })
writeFileSync(new URL('errors.md', docs), renderCatalogMarkdown(catalog))
