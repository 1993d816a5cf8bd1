// The client's redirect URI in the browser tests: every hit is recorded and handed out in order,
// so a test can wait for the callback a page should have made.

/** Records hits and hands them out in the order they came. */
export interface CallbackSink<Hit> {
  /** Records one hit (the route handler of the redirect URI calls it). */
  record (hit: Hit): void
  /** The next hit, waiting up to 10 s for it; rejects when none comes. */
  next (): Promise<Hit>
  /** The hits recorded and not handed out yet. */
  pending (): readonly Hit[]
}

/** A sink for the hits of one test file. */
export function callbackSink<Hit> (): CallbackSink<Hit> {
  const hits: Hit[] = []
  const waiting: Array<(hit: Hit) => void> = []
  return {
    record (hit: Hit): void {
      const waiter = waiting.shift()
      if (waiter === undefined) hits.push(hit)
      else waiter(hit)
    },
    next (): Promise<Hit> {
      const ready = hits.shift()
      if (ready !== undefined) return Promise.resolve(ready)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the callback was not called')), 10_000)
        waiting.push((hit) => { clearTimeout(timer); resolve(hit) })
      })
    },
    pending (): readonly Hit[] {
      return [...hits]
    }
  }
}
