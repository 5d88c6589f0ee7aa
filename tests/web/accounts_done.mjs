// Issue 24's done-when in one story, run by accounts_done_test.go in
// headless Chromium against a real `docuvault serve` and a real Dex on
// loopback. ann's account was made with `docuvault user add` and given its
// password with `docuvault user passwd`: she signs in, turns on two-factor
// sign-in, and from then on her password alone does not sign her in (the
// API answers with a challenge; the page asks for a code), a code does. A
// second person signs in through Dex (single sign-on), lands in the group
// Household, and sees the document in ann's folder "Home", which ann shared
// with that group. ann, signed in on a second browser too, ends that
// browser's session from Settings, and that browser is signed out. Waits
// are on conditions, never on time.
import { step, expect, newPage, shot, signIn, submitLogin, run, row, BASE, ANN, env } from './harness.mjs'
import { base32, freshCode } from './totpcode.mjs'

const DOC = env('DOC_NAME')
const sessionRow = (page, current) => page.locator(`[data-test=session-row][data-current=${current ? 'yes' : 'no'}]`)
const card = (page) => page.locator('[data-test=two-factor]')

await run('accounts done-when', async () => {
  step('ann signs in with the password the CLI gave her')
  const ann = await newPage('ann')
  await signIn(ann)

  step('ann turns on two-factor sign-in')
  await ann.goto(BASE + '/settings')
  await ann.click('[data-test=totp-start]')
  await ann.locator('[data-test=totp-qr]').waitFor()
  const key = base32((await ann.textContent('[data-test=totp-secret]')).trim())
  await ann.fill('[data-test=totp-confirm-code]', await freshCode(key, ann))
  await ann.click('[data-test=totp-confirm]')
  await ann.locator('[data-test=recovery-codes] code').first().waitFor()
  await shot(ann, 'd1-totp-on')

  step('the password alone no longer signs her in; with a code it does')
  const res = await fetch(BASE + '/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ handle: ANN.handle, password: ANN.password }) })
  const answer = await res.json()
  expect(!answer.access_token && !answer.refresh_token && !!answer.challenge, 'the password alone gave: ' + JSON.stringify(Object.keys(answer)))
  const phone = await newPage('ann-phone', { width: 390, height: 844 })
  await submitLogin(phone, ANN)
  await phone.locator('[data-test=totp-form]').waitFor()
  await phone.goto(BASE + '/shares')
  await phone.waitForURL(/\/login/)
  await submitLogin(phone, ANN)
  await phone.locator('[data-test=totp-form]').waitFor()
  await phone.fill('[data-test=totp-code]', await freshCode(key, phone))
  await phone.click('[data-test=totp-submit]')
  await phone.locator('h1', { hasText: 'Documents' }).waitFor()

  step('a second person signs in through the provider and sees the shared folder\'s document')
  const kilgore = await newPage('kilgore')
  await kilgore.goto(BASE + '/login')
  await kilgore.click('[data-test=sso-dex]')
  await kilgore.waitForURL(/\/dex\/auth/)
  await kilgore.getByText('Log in with Example').click()
  await kilgore.locator('h1', { hasText: 'Documents' }).waitFor()
  await kilgore.goto(BASE + '/shared')
  await row(kilgore, DOC).waitFor()
  await kilgore.goto(BASE + '/shares')
  await kilgore.locator('text=Folders shared with you').waitFor()
  await kilgore.locator('a', { hasText: 'Home' }).first().waitFor()
  await kilgore.goto(BASE + '/shared')
  await row(kilgore, DOC).locator('a').first().click()
  await kilgore.locator('h1', { hasText: DOC }).waitFor()
  await kilgore.locator('[data-test=shared-via]', { hasText: 'folder “Home”, with group Household' }).waitFor()
  await shot(kilgore, 'd2-sso-folder-document')

  step('ann ends her second browser\'s session from Settings; that browser is signed out')
  await ann.goto(BASE + '/settings')
  await sessionRow(ann, false).waitFor()
  await sessionRow(ann, false).locator('[data-test=end-session]').click()
  await ann.locator('text=That session is signed out.').waitFor()
  await phone.reload()
  await phone.waitForURL(/\/login/)
  await phone.locator('text=Your session has ended').waitFor()
  await shot(phone, 'd3-phone-signed-out')
})
