import { buildApps, routes, injectOptions } from './apps.js'
import { injectLoop } from './lib.js'
const apps = await buildApps()
const ids = process.argv.slice(3)
const n = Number(process.argv[2])
for (const id of ids) { const r = routes.find(x => x.id === id); await injectLoop(apps[r.app], injectOptions(r), 20000) }
for (const id of ids) { const r = routes.find(x => x.id === id); await injectLoop(apps[r.app], injectOptions(r), n) }
