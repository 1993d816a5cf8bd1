// The Chromium the browser tests drive with playwright-core: CHROMIUM_PATH, else the
// distribution's /usr/bin/chromium. Missing, it fails the test with how to get one, never skips.
import { existsSync } from 'node:fs'

/** The message a browser test fails with when there is no Chromium. */
export const MISSING_CHROMIUM = 'The browser tests need Chromium: install it from your distribution ' +
  '(Debian or Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary'

/**
 * The Chromium binary to launch: `CHROMIUM_PATH`, else `/usr/bin/chromium`.
 *
 * @example
 * ```ts
 * const browser = await chromium.launch({ executablePath: chromiumPath() })
 * ```
 */
export function chromiumPath (env: Record<string, string | undefined> = process.env): string {
  const path = env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(path)) throw new Error(`${MISSING_CHROMIUM} (looked for ${path})`)
  return path
}
