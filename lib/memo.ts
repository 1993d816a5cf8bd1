/**
 * A small bounded memo of strings, for texts built on the request path from a few inputs that
 * nearly always repeat (a challenge for a literal description). Keys are paths of values: object
 * identities and strings, compared with `Map` equality, so a memo is only as right as its key is
 * complete: each user passes every input of what it caches. Descriptions built from request data
 * cannot grow memory: past `limit` entries in all, the memo starts over.
 *
 * @module
 */

type Level = Map<unknown, Level | string>

/** A bounded memo keyed by a path of values. */
export interface Memo {
  /** The text remembered for `path`, if any. */
  get (path: readonly unknown[]): string | undefined
  /** Remembers `text` for `path`. */
  set (path: readonly unknown[], text: string): void
}

/** Creates a memo that holds at most `limit` texts. */
export function createMemo (limit: number): Memo {
  let root: Level = new Map()
  let size = 0
  return {
    get (path: readonly unknown[]): string | undefined {
      let level: Level | string | undefined = root
      for (const key of path) {
        if (typeof level !== 'object') return undefined
        level = level.get(key)
      }
      return typeof level === 'string' ? level : undefined
    },
    set (path: readonly unknown[], text: string): void {
      if (size >= limit) {
        root = new Map()
        size = 0
      }
      let level = root
      for (let i = 0; i < path.length - 1; i++) {
        let next = level.get(path[i])
        if (typeof next !== 'object') level.set(path[i], next = new Map())
        level = next
      }
      level.set(path[path.length - 1], text)
      size++
    }
  }
}
