// Helpers shared by the benchmark scripts: statistics, tables, pinned child processes.
import { execFileSync, spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { setImmediate as tick } from 'node:timers/promises'

/** The median of a list of numbers. */
export function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The spread of a list as (max - min) / median, in percent. */
export function spread (values) {
  const mid = median(values)
  return mid === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / mid * 100
}

/** Formats a table of rows (arrays of strings) as Markdown, numbers right-aligned. */
export function markdownTable (header, rows, align) {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => String(row[column]).length)))
  const cell = (value, column) => {
    const text = String(value)
    return align[column] === 'r' ? text.padStart(widths[column]) : text.padEnd(widths[column])
  }
  const line = (row) => '| ' + row.map(cell).join(' | ') + ' |'
  const rule = '|' + widths.map((width, column) => align[column] === 'r' ? '-'.repeat(width + 1) + ':' : '-'.repeat(width + 2)).join('|') + '|'
  return [line(header), rule, ...rows.map(line)].join('\n')
}

/** The cores to pin the server and the load generator to, or undefined when pinning is not possible. */
export function pinning () {
  if (process.env.BENCH_NO_PIN === '1') return undefined
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
    execFileSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  return availableParallelism() >= 2 ? { server: '0', load: '1' } : undefined
}

/**
 * Spawns `node <args>` with an IPC channel, pinned to `cpu` with taskset when given.
 */
export function spawnNode (args, cpu, options = {}) {
  const command = cpu === undefined ? process.execPath : 'taskset'
  const argv = cpu === undefined ? args : ['-c', cpu, process.execPath, ...args]
  return spawn(command, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options })
}

/** Runs a node script to its end and gives back the first IPC message it sent. */
export function runNode (args, cpu) {
  return new Promise((resolve, reject) => {
    const child = spawnNode(args, cpu)
    let message
    child.once('message', (value) => { message = value })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0 && message !== undefined) resolve(message)
      else reject(new Error(`${args.join(' ')} exited with ${code}`))
    })
  })
}

/** A request/response helper over a child's IPC channel: one request at a time. */
export function ipcClient (child) {
  let pending
  child.on('message', (message) => {
    const waiting = pending
    pending = undefined
    if (waiting === undefined) return
    if (message.error !== undefined) waiting.reject(new Error(message.error))
    else waiting.resolve(message)
  })
  child.on('exit', (code) => {
    if (pending !== undefined) pending.reject(new Error(`child exited with ${code}`))
  })
  return (message) => new Promise((resolve, reject) => {
    pending = { resolve, reject }
    child.send(message)
  })
}

/**
 * Runs `count` sequential injects. Yields to the event loop every 64 calls: a loop of awaited
 * injects never leaves the microtask queue otherwise, and the setImmediate callbacks every
 * response schedules would pile up (they look like a leak but are only unrun).
 */
export async function injectLoop (app, options, count) {
  for (let i = 1; i <= count; i++) {
    await app.inject(options)
    if ((i & 63) === 0) await tick()
  }
  await tick()
}

/** Formats a number with thousands separators. */
export function formatNumber (value, digits = 0) {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** Formats a ratio as `1.07x`. */
export function formatRatio (value) {
  return value.toFixed(2) + 'x'
}
