// What every end-to-end script of the web app shares (e2e.mjs, filing.mjs,
// docdate.mjs, each run by its _test.go in headless Chromium against a real
// `docuvault serve` + `worker`): the configuration from the environment, the
// browser, pages that record the browser's problems, screenshots that check
// the page fits its width, signing in, dropping files on the drop zone, and
// the script's end (pass, or fail with the reason and a screenshot of every
// page). Waits are on conditions, never on time.
import { createRequire } from 'node:module'
import { readFileSync, mkdirSync } from 'node:fs'
import { basename, join } from 'node:path'

export const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v }
const require = createRequire(join(env('WEB_DIR'), 'package.json'))
const { chromium } = require('playwright-core')

export const BASE = env('BASE_URL')
export const SHOTS = env('SCREENSHOT_DIR')
export const ANN = { handle: 'ann', password: env('ANN_PASSWORD') }
export const WAIT = 30_000 // any one step
export const SLOW = 120_000 // extraction and classification, on a busy machine
mkdirSync(SHOTS, { recursive: true })

export const step = (s) => console.log('step: ' + s)
export const expect = (cond, msg) => { if (!cond) throw new Error(msg) }
export const problems = []

export const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // playwright gives each launch a fresh, empty --user-data-dir.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})

// newPage opens a page in a context of its own (its own session), in
// English, accepting downloads and confirm() dialogs; options are more of
// the context's (e.g. { colorScheme: 'dark' }).
export async function newPage(name, viewport = { width: 1280, height: 860 }, options = {}) {
  const ctx = await browser.newContext({ viewport, locale: 'en-US', acceptDownloads: true, ...options })
  const page = await ctx.newPage()
  page.setDefaultTimeout(WAIT)
  page.on('pageerror', (e) => problems.push(`${name}: uncaught ${e.message}`))
  page.on('console', (m) => {
    // A CSP refusal or a Vue warning is a bug; failed requests the tests
    // provoke on purpose (401, 404, 415) are not.
    const t = m.text()
    if (/Content Security Policy|Refused to|\[Vue warn\]/.test(t)) problems.push(`${name}: console ${m.type()}: ${t}`)
  })
  page.on('dialog', (d) => d.accept())
  return page
}

// axeSource is axe-core, the accessibility checker, run in a page by
// accessibility (page.evaluate runs it whatever the app's CSP says).
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

// accessibility runs axe-core's WCAG 2.x A and AA rules on the page and
// returns its serious and critical violations, one line each: "rule
// (impact): help — selector, …". It first waits for the page's finite
// animations to end: a panel still fading in has text at part opacity, which
// axe rightly reads as too little contrast.
export async function accessibility(page) {
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
    .map((a) => a.finished.catch(() => {}))))
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}`)
  })
  return violations
}

// shot saves a screenshot, and checks that the page fits its width (no
// sideways scrolling, on a phone too).
export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true })
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])
  if (scroll > width) problems.push(`${name}: the page is ${scroll}px wide in a ${width}px window`)
}

// submitLogin fills the login form (after going to the app, which sends a
// signed-out visitor there) and submits it.
export async function submitLogin(page, who, password = who.password) {
  await page.goto(BASE + '/')
  await page.waitForURL(/\/login/)
  await page.fill('#handle', who.handle)
  await page.fill('#password', password)
  await page.click('button[type=submit]')
}

// signIn signs who in and waits for the documents page.
export async function signIn(page, who = ANN) {
  await submitLogin(page, who)
  await page.locator('h1', { hasText: 'Documents' }).waitFor()
}

// drop dispatches a real drag-and-drop of files onto the drop zone: a
// DataTransfer holding File objects, each from {path} (a file on disk),
// {name, bytes} or {name, text}.
export async function drop(page, files) {
  const payload = files.map((f) => ({
    name: f.name || basename(f.path),
    b64: (f.text !== undefined ? Buffer.from(f.text) : f.bytes || readFileSync(f.path)).toString('base64'),
    type: f.text !== undefined ? 'text/plain' : '',
  }))
  const dt = await page.evaluateHandle((fs) => {
    const dt = new DataTransfer()
    for (const f of fs) {
      const bin = atob(f.b64)
      const bytes = new Uint8Array(bin.length)
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
      dt.items.add(new File([bytes], f.name, { type: f.type }))
    }
    return dt
  }, payload)
  const zone = page.locator('[data-test=dropzone]')
  for (const ev of ['dragenter', 'dragover', 'drop']) await zone.dispatchEvent(ev, { dataTransfer: dt })
}

export const row = (page, name) => page.locator(`[data-test=doc-row][data-name="${name}"]`)

// run runs a script's body: it passes when body returns and the browser
// reported no problem; otherwise it prints why, screenshots every page and
// exits 1.
export async function run(name, body) {
  try {
    await body()
    if (problems.length) throw new Error('browser problems:\n' + problems.join('\n'))
    console.log(name + ': ok')
    await browser.close()
  } catch (e) {
    console.error(name + ': FAIL: ' + (e && e.stack || e))
    if (problems.length) console.error(problems.join('\n'))
    const contexts = browser.contexts()
    for (const [i, ctx] of contexts.entries()) {
      for (const [j, p] of ctx.pages().entries()) {
        try { await p.screenshot({ path: join(SHOTS, `failure-${j}-${i}.png`), fullPage: true }) } catch {}
      }
    }
    await browser.close()
    process.exit(1)
  }
}
