// End-to-end test of single sign-on (issue 24, item 3), run by
// sso_test.go in headless Chromium against a real `docuvault serve` and a
// real Dex on loopback: a person with no DocuVault account clicks "Sign
// in with Company login", picks Dex's "Example" login (Dex's mockCallback
// connector, whose groups claim holds "authors", mapped to the DocuVault
// group Household), lands signed in, sees under Shares the document ann
// shared with Household and opens it, sees the identity in Settings,
// then signs out; an administrator sees the identity on the Users page
// and unlinks it (desktop and phone). The sign-in page's
// message for a provider that is down is checked first. Waits are on
// conditions, never on time.
import { step, expect, newPage, shot, run, accessibility, signIn, BASE, env } from './harness.mjs'

const DOC = env('DOC_NAME')
const ROOT = { handle: 'root', password: env('ROOT_PASSWORD') }

await run('sso e2e', async () => {
  const page = await newPage('kilgore')

  step('a provider that is down: the sign-in page says so')
  await page.goto(BASE + '/login?sso_error=provider_down')
  await page.locator('[data-test=login-error]', { hasText: 'cannot be reached right now' }).waitFor()

  step('the sign-in page offers the provider')
  await page.goto(BASE + '/login')
  const button = page.locator('[data-test=sso-dex]')
  await button.waitFor()
  expect((await button.innerText()).trim() === 'Sign in with Company login', 'button: ' + await button.innerText())
  await shot(page, 's1-login')
  const axe = await accessibility(page)
  expect(!axe.length, 'axe, the sign-in page:\n' + axe.join('\n'))

  step('Chromium signs in at Dex')
  await button.click()
  await page.waitForURL(/\/dex\/auth/)
  await shot(page, 's2-dex')
  await page.getByText('Log in with Example').click()

  step('back in DocuVault: signed in, no code left in the address')
  await page.locator('h1', { hasText: 'Documents' }).waitFor()
  expect(!page.url().includes('sso='), 'the one-time code is still in the address: ' + page.url())
  expect(!!(await page.evaluate(() => localStorage.getItem('docuvault.refresh'))), 'no session stored')

  step('the group Household sees ann\'s document')
  await page.goto(BASE + '/shares')
  const received = page.locator('[data-test=received]')
  await received.locator('[data-test=via-group]', { hasText: 'group Household' }).waitFor()
  await received.locator('a', { hasText: DOC }).click()
  await page.locator('h1', { hasText: DOC }).waitFor()
  await shot(page, 's3-shared-document')

  step('Settings shows the linked identity, and that there is no password')
  await page.goto(BASE + '/settings')
  await page.locator('[data-test=sso-identity]', { hasText: 'Company login: kilgore@kilgore.trout' }).waitFor()
  await page.locator('text=This account has no password').waitFor()

  step('signing out ends the session')
  await page.click('nav >> text=Sign out')
  await page.waitForURL(/\/login/)
  expect(!(await page.evaluate(() => localStorage.getItem('docuvault.refresh'))), 'the refresh token is still stored')
  await page.goto(BASE + '/shares')
  await page.waitForURL(/\/login/)

  step('an administrator sees the identity on the Users page and unlinks it')
  const root = await newPage('root')
  await signIn(root, ROOT)
  await root.goto(BASE + '/admin')
  await root.locator('[data-test=user-row][data-handle=kilgore] [data-test=user-sso]').click()
  const card = root.locator('[data-test=user-sso-card]')
  await card.locator('[data-test=user-sso-identity]', { hasText: 'Company login: kilgore@kilgore.trout' }).waitFor()
  await card.scrollIntoViewIfNeeded()
  await shot(root, 's4-admin-sso')
  const axeAdmin = await accessibility(root)
  expect(!axeAdmin.length, 'axe, the Users page with the identity:\n' + axeAdmin.join('\n'))
  await card.locator('[data-test=user-sso-unlink]').click()
  await card.locator('[data-test=user-sso-none]').waitFor()
  await root.locator('[data-test=notice]', { hasText: 'Company login unlinked from kilgore.' }).waitFor()
  await shot(root, 's5-admin-sso-unlinked')

  step('the same card on a phone')
  const phone = await newPage('root-phone', { width: 390, height: 844 })
  await signIn(phone, ROOT)
  await phone.goto(BASE + '/admin')
  await phone.locator('[data-test=user-row][data-handle=kilgore] [data-test=user-sso]').click()
  await phone.locator('[data-test=user-sso-none]').waitFor()
  await phone.locator('[data-test=user-sso-card]').scrollIntoViewIfNeeded()
  await shot(phone, 's6-admin-sso-phone')
})
