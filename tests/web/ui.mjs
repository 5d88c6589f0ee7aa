// End-to-end test of the app's messages and rough edges (issue 21, items 3
// and 5), run by ui_test.go in headless Chromium against a real `docuvault
// serve` + `worker`: one message at a time (a new error replaces an old
// "created", worded once, gone on the next page), an administrator's own
// row, "Classify again" saying what it does and how it came out, the
// teaching hint only for people who can edit, and the cards' spacing.
// Waits are on conditions, never on time.
import { ANN, BASE, SLOW, env, step, expect, newPage, shot, signIn, drop, row, run } from './harness.mjs'

const ROOT = { handle: 'root', password: env('ROOT_PASSWORD') }
const BOB = { handle: 'bob', password: env('BOB_PASSWORD') }
const PHONE = { width: 390, height: 844 }

// messages are the texts of every message the page shows.
const messages = (page) => page.locator('.alert').evaluateAll((as) => as.map((a) => a.innerText.replace(/×\s*$/, '').trim()))

// userRow is the Users table's row of handle.
const userRow = (page, handle) => page.locator('tbody tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${handle}$`) }) })
// reclassifyButton is the document page's "Classify again".
const reclassifyButton = (page) => page.locator('.actions button', { hasText: /^(Classify again|Classifying…)$/ })
const TEACH = 'Topics you set are kept, and teach the classifier.'

// gaps measures the vertical space between each box matched by selector
// and the one laid out right above it (in the same column), in pixels.
const gaps = (page, selector) => page.evaluate((sel) => {
  const boxes = [...document.querySelectorAll(sel)].map((el) => el.getBoundingClientRect())
  return boxes.slice(1).map((b, i) => Math.round(b.top - boxes[i].bottom))
}, selector)

await run('ui e2e', async () => {
  // --- Admin: one message at a time, a taken handle said once.
  step('root creates a user, then the same one again')
  const root = await newPage('root')
  await signIn(root, ROOT)
  await root.click('nav >> text=Users')
  await root.locator('h1', { hasText: 'Users' }).waitFor()
  await root.fill('#uh', 'cat')
  await root.fill('#ue', 'cat@example.org')
  await root.getByRole('button', { name: 'Create user' }).click()
  await userRow(root, 'cat').waitFor()
  await root.locator('.alert.info', { hasText: 'User cat created.' }).waitFor()
  await root.fill('#uh', 'cat')
  await root.fill('#ue', 'cat2@example.org')
  await root.getByRole('button', { name: 'Create user' }).click()
  await root.locator('.alert.error', { hasText: 'taken' }).waitFor()
  let shown = await messages(root)
  expect(JSON.stringify(shown) === '["The handle cat is taken: choose another one"]',
    'after a taken handle, the page shows: ' + JSON.stringify(shown))
  // The message stands by the form it is about.
  expect(await root.locator('form.card .alert.error').count() === 1, 'the error is not in the new-user form')

  step('an administrator\'s own row')
  const own = userRow(root, 'root')
  await own.waitFor()
  const ownButtons = await own.locator('button').allInnerTexts()
  expect(!ownButtons.some((b) => /Make user|Disable/.test(b)), 'root\'s own row offers: ' + JSON.stringify(ownButtons))
  await own.locator('[data-test=this-is-you]', { hasText: 'This is you' }).waitFor()
  const cat = await userRow(root, 'cat').locator('button').allInnerTexts()
  expect(cat.includes('Make admin') && cat.includes('Disable'), 'cat\'s row offers: ' + JSON.stringify(cat))
  await shot(root, 'u1-admin-error')

  step('a row action replaces the form\'s error')
  await userRow(root, 'cat').getByRole('button', { name: 'Disable' }).click()
  await root.locator('.alert.info', { hasText: 'cat is disabled.' }).waitFor()
  shown = await messages(root)
  expect(JSON.stringify(shown) === '["cat is disabled."]', 'after disabling cat, the page shows: ' + JSON.stringify(shown))

  step('a message goes with its page')
  await root.fill('#uh', 'cat')
  await root.fill('#ue', 'cat3@example.org')
  await root.getByRole('button', { name: 'Create user' }).click()
  await root.locator('.alert.error', { hasText: 'taken' }).waitFor()
  await root.click('nav >> text=Topics')
  await root.locator('h1', { hasText: 'Topics' }).waitFor()
  shown = await messages(root)
  expect(shown.length === 0, 'the Users page\'s error followed to Topics: ' + JSON.stringify(shown))

  step('the admin page on a phone')
  const rootPhone = await newPage('root-phone', PHONE)
  await signIn(rootPhone, ROOT)
  await rootPhone.goto(BASE + '/admin')
  const you = userRow(rootPhone, 'root').locator('[data-test=this-is-you]')
  await you.waitFor()
  // The actions are in sight, not beyond the right edge of the table's
  // scrolling box.
  const [youRight, boxRight] = await you.evaluate((el) => [el.getBoundingClientRect().right, el.closest('.scroll').getBoundingClientRect().right])
  expect(youRight <= boxRight, `"This is you" ends at ${youRight}px, beyond the table's edge at ${boxRight}px`)
  await shot(rootPhone, 'u2-admin-phone')

  // --- Topics: the "Try it" card stands apart from the cards above it.
  step('topics: the cards have room between them')
  await root.locator('[data-test=try-it]').waitFor()
  const topicGaps = await gaps(root, 'section > .cols, section > .card')
  expect(topicGaps.length === 1 && topicGaps.every((g) => g > 0), 'gaps above "Try it": ' + JSON.stringify(topicGaps))

  // --- A document classified again says so, then how it came out.
  step('ann classifies a document again')
  const ann = await newPage('ann')
  await signIn(ann)
  await drop(ann, [{ name: 'invoice.txt', text: 'Invoice 4711: bank transfer of the payments due, payments by Friday, taxes included' }])
  await ann.locator('[data-test=doc-row][data-name="invoice.txt"][data-status=classified]').waitFor({ timeout: SLOW })
  await row(ann, 'invoice.txt').locator('a.fname').click()
  await ann.locator('[data-test=doc-title]', { hasText: 'invoice.txt' }).waitFor()
  await ann.locator('[data-test=doc-text]').waitFor()
  await ann.getByText(TEACH).waitFor()
  // Every message and the button's state, as they change (the worker may
  // be quick: the queued notice can be short-lived).
  await ann.evaluate(() => {
    window.seen = []
    const note = () => {
      const n = document.querySelector('.alert')
      const b = [...document.querySelectorAll('.actions button')].find((x) => /^(Classify again|Classifying…)$/.test(x.innerText.trim()))
      const s = `${n ? n.innerText.replace(/×\s*$/, '').trim() : ''}|${b ? (b.disabled ? 'off' : 'on') : 'none'}`
      if (window.seen[window.seen.length - 1] !== s) window.seen.push(s)
    }
    note()
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
  })
  await reclassifyButton(ann).click()
  await ann.locator('.alert.info', { hasText: 'Classified again: filed under “Finance”.' }).waitFor({ timeout: SLOW })
  await ann.locator('.actions button:not([disabled])', { hasText: 'Classify again' }).waitFor()
  const seen = await ann.evaluate(() => window.seen)
  const queued = seen.findIndex((s) => s.startsWith('Queued for classification') && s.endsWith('|off'))
  const done = seen.findIndex((s) => s === 'Classified again: filed under “Finance”.|on')
  expect(queued > 0 && done > queued, 'while classifying again the page showed: ' + JSON.stringify(seen))
  expect(seen.slice(queued, done).every((s) => s.endsWith('|off')), 'the button was on before the outcome: ' + JSON.stringify(seen))

  step('the document page: cards have room between them')
  const docGaps = await gaps(ann, '.docpage > .cols, .docpage > .card')
  expect(docGaps.length >= 2 && docGaps.every((g) => g > 0), 'gaps between the document page\'s cards: ' + JSON.stringify(docGaps))
  await shot(ann, 'u3-document')

  step('share it with bob, view only')
  await ann.fill('#recipient', 'bob')
  await ann.click('[data-test=share-form] button[type=submit]')
  await ann.locator('.plain li', { hasText: 'bob (view)' }).waitFor()
  shown = await messages(ann)
  expect(JSON.stringify(shown) === '["Shared."]', 'after sharing, the page shows: ' + JSON.stringify(shown))
  const docURL = ann.url()

  // --- A view-only recipient is not told that his topics teach anything.
  step('bob, who may only view, opens it on a phone')
  const bob = await newPage('bob', PHONE)
  await signIn(bob, BOB)
  await bob.goto(docURL)
  await bob.locator('[data-test=doc-title]', { hasText: 'invoice.txt' }).waitFor()
  await bob.locator('[data-test=doc-text]').waitFor()
  expect(await bob.getByText('teach the classifier').count() === 0, 'bob, who may only view, is told topics teach the classifier')
  expect(await reclassifyButton(bob).count() === 0, 'bob, who may only view, may classify again')
  const phoneGaps = await gaps(bob, '.docpage > .cols, .docpage > .card')
  expect(phoneGaps.length >= 2 && phoneGaps.every((g) => g > 0), 'gaps between the cards on a phone: ' + JSON.stringify(phoneGaps))
  await shot(bob, 'u4-document-view-only-phone')

  const annPhone = await newPage('ann-phone', PHONE)
  await signIn(annPhone)
  await annPhone.goto(docURL)
  await annPhone.locator('[data-test=doc-text]').waitFor()
  await annPhone.getByText(TEACH).waitFor()
  await shot(annPhone, 'u5-document-phone')
})
