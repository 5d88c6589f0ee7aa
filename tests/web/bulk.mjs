// End-to-end test of bulk edit in the web app (issue 23, item 4), run by
// bulk_test.go in headless Chromium against a real `docuvault serve`:
// documents checked in the list, a topic set on them all after a
// confirmation that says how many (by keyboard), then every document
// matching a filter selected through the API's filter form and a second
// topic added; the grid's checkboxes; the bar on a phone (it wraps, the
// page does not scroll sideways). Waits are on conditions, never on time.
import { step, expect, newPage, shot, signIn, row, run, accessibility } from './harness.mjs'

const bar = (page) => page.locator('[data-test=bulk-bar]')
const chips = (page, name) => row(page, name).locator('.chip').evaluateAll((cs) => cs.map((c) => c.textContent.trim()).sort().join(','))
async function waitChips(page, name, want) {
  await page.waitForFunction(([name, want]) => {
    const r = document.querySelector(`[data-test=doc-row][data-name="${name}"]`)
    return r && [...r.querySelectorAll('.chip')].map((c) => c.textContent.trim()).sort().join(',') === want
  }, [name, want])
}
const focused = (page) => page.evaluate(() => (document.activeElement && document.activeElement.dataset.test) || '')

await run('bulk e2e', async () => {
  const ann = await newPage('ann')
  let prompts = 0
  ann.on('dialog', () => { prompts++ }) // the confirmation is the bar's own, not confirm()
  await signIn(ann)
  if (await ann.locator('[data-test=view-list]').getAttribute('aria-pressed') !== 'true') await ann.click('[data-test=view-list]')
  for (const n of ['a1.txt', 'a2.txt', 'a3.txt', 'a4.txt', 'a5.txt']) await row(ann, n).waitFor()
  expect(!(await bar(ann).isVisible()), 'the bulk bar shows with nothing selected')

  step('three documents checked: the bar says how many')
  for (const n of ['a1.txt', 'a2.txt', 'a3.txt']) await row(ann, n).locator('[data-test=doc-select]').check()
  await ann.locator('[data-test=bulk-count]', { hasText: '3 documents selected' }).waitFor()

  step('set topic Finance, confirmed with the keyboard')
  await ann.focus('[data-test=bulk-action]')
  await ann.selectOption('[data-test=bulk-action]', 'set_topics')
  await ann.selectOption('[data-test=bulk-topic]', { label: 'Finance' })
  await ann.focus('[data-test=bulk-apply]')
  await ann.keyboard.press('Enter')
  await ann.locator('[data-test=bulk-confirm-box]', { hasText: 'File 3 documents under “Finance” only, replacing their topics?' }).waitFor()
  expect(await focused(ann) === 'bulk-confirm', 'focus on the confirmation: ' + await focused(ann))
  const a11y = await accessibility(ann)
  expect(!a11y.length, 'accessibility, the bar open:\n' + a11y.join('\n'))
  await shot(ann, 'b1-confirm')
  await ann.keyboard.press('Enter')
  await bar(ann).waitFor({ state: 'detached' })
  for (const n of ['a1.txt', 'a2.txt', 'a3.txt']) await waitChips(ann, n, 'Finance')
  for (const n of ['a4.txt', 'a5.txt']) expect(await chips(ann, n) === '', n + ' got topics: ' + await chips(ann, n))
  await ann.locator('text=3 of 3 documents changed.').waitFor()

  step('all matching a filter (topic Finance): Tax added to them')
  await ann.selectOption('[data-test=filter-topic]', { label: 'Finance' })
  await ann.waitForFunction(() => document.querySelectorAll('[data-test=doc-row]').length === 3)
  await row(ann, 'a1.txt').locator('[data-test=doc-select]').check()
  await ann.click('[data-test=bulk-all]')
  await ann.locator('[data-test=bulk-count]', { hasText: 'All 3 documents matching the filters are selected' }).waitFor()
  expect(await row(ann, 'a2.txt').locator('[data-test=doc-select]').isChecked(), 'a matching document is not shown checked')
  await ann.selectOption('[data-test=bulk-action]', 'add_topics')
  await ann.selectOption('[data-test=bulk-topic]', { label: 'Tax' })
  await ann.click('[data-test=bulk-apply]')
  await ann.locator('[data-test=bulk-confirm-box]', { hasText: 'Add the topic “Tax” to 3 documents?' }).waitFor()
  await ann.click('[data-test=bulk-confirm]')
  await bar(ann).waitFor({ state: 'detached' })
  for (const n of ['a1.txt', 'a2.txt', 'a3.txt']) await waitChips(ann, n, 'Finance,Tax')
  await shot(ann, 'b2-after')

  step('the grid has checkboxes too')
  await ann.selectOption('[data-test=filter-topic]', '')
  await ann.click('[data-test=view-grid]')
  await ann.locator('[data-test=docgrid]').waitFor()
  await row(ann, 'a4.txt').locator('[data-test=doc-select]').check()
  await row(ann, 'a5.txt').locator('[data-test=doc-select]').check()
  await ann.locator('[data-test=bulk-count]', { hasText: '2 documents selected' }).waitFor()
  await shot(ann, 'b3-grid')
  await ann.click('[data-test=bulk-clear]')
  await bar(ann).waitFor({ state: 'detached' })
  await ann.click('[data-test=view-list]')

  step('on a phone: the bar wraps, nothing overflows')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone)
  if (await phone.locator('[data-test=view-list]').getAttribute('aria-pressed') !== 'true') await phone.click('[data-test=view-list]')
  await row(phone, 'a4.txt').locator('[data-test=doc-select]').check()
  await row(phone, 'a5.txt').locator('[data-test=doc-select]').check()
  await phone.selectOption('[data-test=bulk-action]', 'share')
  await phone.fill('[data-test=bulk-handle]', 'nobody')
  await phone.click('[data-test=bulk-apply]')
  await phone.locator('[data-test=bulk-confirm-box]', { hasText: 'Share 2 documents with nobody (view)?' }).waitFor()
  // (At the page's end, where the sticky bar is in its own place.)
  await phone.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
  await shot(phone, 'b4-phone-bar')
  await phone.click('[data-test=bulk-confirm]')
  // An unknown recipient: refused, nothing shared, the reason shown.
  await phone.locator('[data-test=bulk-error]', { hasText: 'no active user with handle "nobody"' }).waitFor()
  await phone.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
  await shot(phone, 'b5-phone-error')
  const [w, sw] = await phone.evaluate(() => [window.innerWidth, document.documentElement.scrollWidth])
  expect(sw <= w, `the phone page is ${sw}px wide in ${w}px`)
  expect(prompts === 0, 'a browser dialog was opened')
})
