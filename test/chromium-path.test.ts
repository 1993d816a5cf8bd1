// The browser tests' prerequisite (README, "Working on the repository"): Chromium from the
// distribution or CHROMIUM_PATH; without one a browser test fails with that message.
import t from 'tap'
import { MISSING_CHROMIUM, chromiumPath } from './helpers/chromium.js'

t.test('CHROMIUM_PATH names the browser; a missing one fails with how to install Chromium', async t => {
  t.equal(chromiumPath({ CHROMIUM_PATH: process.execPath }), process.execPath, 'an existing path is used as given')
  t.throws(() => chromiumPath({ CHROMIUM_PATH: '/nonexistent/chromium' }), { message: `${MISSING_CHROMIUM} (looked for /nonexistent/chromium)` })
  t.match(MISSING_CHROMIUM, /apt-get install chromium.*CHROMIUM_PATH/, 'the message names the package and the variable')
})
