/**
 * A small bounded memo of strings, for texts built on the request path from a few inputs that
 * nearly always repeat (a challenge for a literal description). The key is four values compared
 * with `Map` equality (object identity, string value) and a `rest` string holding every other
 * input, so a memo is only as right as its key is complete: each user passes every input of what
 * it caches. Texts built from request data cannot grow memory: past `limit` entries in all, the
 * memo starts over.
 *
 * @module
 */

type Level<Next> = Map<unknown, Next>
type Tree = Level<Level<Level<Level<Map<string, string>>>>>

/** A bounded memo keyed by four values and a rest string. */
export interface Memo {
  /** The text remembered for the key, if any. */
  get (a: unknown, b: unknown, c: unknown, d: unknown, rest: string): string | undefined
  /** Remembers `text` for the key. */
  set (a: unknown, b: unknown, c: unknown, d: unknown, rest: string, text: string): void
}

function child<Next> (level: Level<Next>, key: unknown, make: () => Next): Next {
  let next = level.get(key)
  if (next === undefined) level.set(key, next = make())
  return next
}

/** Creates a memo that holds at most `limit` texts. */
export function createMemo (limit: number): Memo {
  let root: Tree = new Map()
  let size = 0
  return {
    get (a: unknown, b: unknown, c: unknown, d: unknown, rest: string): string | undefined {
      return root.get(a)?.get(b)?.get(c)?.get(d)?.get(rest)
    },
    set (a: unknown, b: unknown, c: unknown, d: unknown, rest: string, text: string): void {
      if (size >= limit) {
        root = new Map()
        size = 0
      }
      const leaf = child(child(child(child(root, a, () => new Map()), b, () => new Map()), c, () => new Map()), d, () => new Map<string, string>())
      leaf.set(rest, text)
      size++
    }
  }
}
