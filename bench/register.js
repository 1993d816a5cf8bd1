// Registration cost: the time and heap one `register` of the plugin costs, in a fresh process.
//
//   node --expose-gc bench/register.js [preset-name]
//
// Without a preset name the plugin is registered with the full built-in catalog; with one, with
// `codes: presets[name]`. Prints (or sends over IPC) the cold figures (the first registration in
// the process, after the package was imported) and the warm ones (median over further
// registrations), each net of the same Fastify app booted without the plugin.
import { performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import { median } from './lib.js'

const WARM_RUNS = 40
const RETAINED_APPS = 40

function collect () {
  globalThis.gc()
  globalThis.gc()
  return process.memoryUsage().heapUsed
}

const importStart = performance.now()
const pkg = await import('../dist/esm/index.js')
const importMs = performance.now() - importStart
const plugin = pkg.default
const presetName = process.argv[2]
const presets = pkg.presets
if (presetName !== undefined && (presets === undefined || presets[presetName] === undefined)) {
  throw new Error(`no preset ${presetName} in the built package`)
}
const options = presetName === undefined ? {} : { codes: presets[presetName] }

/** Boots one app, with or without the plugin; gives the milliseconds it took and the app. */
async function boot (withPlugin) {
  const start = performance.now()
  const app = Fastify()
  if (withPlugin) app.register(plugin, options)
  await app.ready()
  return { ms: performance.now() - start, app }
}

// Cold: the first registration in this process (Fastify itself warmed by one empty boot).
await (await boot(false)).app.close()
let before = collect()
const coldEmpty = await boot(false)
const coldEmptyHeap = collect() - before
before = collect()
const cold = await boot(true)
const coldHeap = collect() - before
await cold.app.close()
await coldEmpty.app.close()

// Warm: median boot time with and without the plugin, interleaved.
const withTimes = []
const withoutTimes = []
for (let i = 0; i < WARM_RUNS; i++) {
  const a = await boot(true)
  const b = await boot(false)
  withTimes.push(a.ms)
  withoutTimes.push(b.ms)
  await a.app.close()
  await b.app.close()
}

// Retained heap per registration: many apps kept alive, with and without the plugin.
async function retained (withPlugin) {
  const apps = []
  const start = collect()
  for (let i = 0; i < RETAINED_APPS; i++) apps.push((await boot(withPlugin)).app)
  const bytes = (collect() - start) / RETAINED_APPS
  await Promise.all(apps.map((app) => app.close()))
  return bytes
}
const retainedWith = await retained(true)
const retainedWithout = await retained(false)

const result = {
  config: presetName === undefined ? 'full catalog' : `preset ${presetName}`,
  importMs,
  coldMs: cold.ms - coldEmpty.ms,
  coldBytes: coldHeap - coldEmptyHeap,
  warmMs: median(withTimes) - median(withoutTimes),
  warmBytes: retainedWith - retainedWithout
}
if (process.send) process.send(result)
else console.log(result)
