// End-to-end test of password reset links by e-mail (issue 24, item 1),
// run by resetmail_test.go in headless Chromium against a real `docuvault
// serve` whose SMTP server the Go test runs: the login page offers
// "Forgot password?" and answers the same for an unknown address and for
// ann's; the link mailed to ann (its text read from MAIL_DIR) sets her
// password, once; root sends bob a link from the admin page. Without SMTP
// (BASE_PLAIN) the login page says to ask an administrator. Waits are on
// conditions, never on time.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { step, expect, newPage, shot, signIn, run, accessibility, BASE, ANN, env } from './harness.mjs'

const ROOT = { handle: 'root', password: env('ROOT_PASSWORD') }
const MAIL_DIR = env('MAIL_DIR')
const BASE_PLAIN = env('BASE_PLAIN')
const NEW_PASSWORD = 'a fresh passphrase for ann'

// mailTo waits for the mail to address and returns the token of its link.
async function mailTo(page, address) {
  for (let i = 0; i < 240; i++) {
    for (const f of (await readdir(MAIL_DIR)).filter((n) => n.endsWith('.txt'))) {
      const text = await readFile(join(MAIL_DIR, f), 'utf8')
      if (text.startsWith('To: ' + address + '\n')) {
        const m = text.match(/https:\/\/docs\.example\.org\/reset\/([A-Za-z0-9_-]{43})/)
        expect(m, 'no link in the mail to ' + address + ':\n' + text)
        expect(/works once, until/.test(text), 'no expiry in the mail')
        return m[1]
      }
    }
    await page.waitForTimeout(250) // polling a folder: the condition is a file appearing
  }
  throw new Error('no mail to ' + address)
}

// askForLink asks for a link for address on page's login page and returns
// the answer shown.
async function askForLink(page, address) {
  await page.goto(BASE + '/login')
  await page.click('[data-test=forgot-link]')
  await page.fill('[data-test=forgot-email]', address)
  await page.click('[data-test=forgot-submit]')
  const sent = page.locator('[data-test=forgot-sent]')
  await sent.waitFor()
  return (await sent.textContent()).trim()
}

await run('reset by mail e2e', async () => {
  step('without SMTP the login page says to ask an administrator')
  const plain = await newPage('plain')
  await plain.goto(BASE_PLAIN + '/login')
  await plain.locator('[data-test=forgot-ask-admin]', { hasText: 'Ask an administrator' }).waitFor()
  expect(await plain.locator('[data-test=forgot-link]').count() === 0, '"Forgot password?" offered without SMTP')
  await shot(plain, 'r1-login-no-smtp')

  step('"Forgot password?" answers the same for an unknown address and for ann\'s')
  const page = await newPage('anon')
  await page.goto(BASE + '/login')
  await page.locator('[data-test=forgot-link]').waitFor()
  await page.click('[data-test=forgot-link]')
  await page.locator('[data-test=forgot-form]').waitFor()
  await shot(page, 'r2-forgot-form')
  const axe = await accessibility(page)
  expect(!axe.length, 'axe, forgot form:\n' + axe.join('\n'))
  const unknown = await askForLink(page, 'nobody@example.org')
  const phone = await newPage('phone', { width: 390, height: 844 })
  const known = await askForLink(phone, 'ann@example.org')
  expect(unknown === known && known.startsWith('If an account has this address'), `answers differ: "${unknown}" / "${known}"`)
  await shot(phone, 'r3-phone-forgot-sent')

  step('the mailed link sets ann\'s password, once')
  const token = await mailTo(phone, 'ann@example.org')
  await phone.goto(BASE + '/reset/' + token)
  await phone.fill('#reset-new', NEW_PASSWORD)
  await phone.fill('#reset-again', NEW_PASSWORD)
  await phone.click('button[type=submit]')
  await phone.locator('[data-test=reset-done]').waitFor()
  await shot(phone, 'r4-phone-reset-done')
  const ann = await newPage('ann')
  await signIn(ann, { handle: ANN.handle, password: NEW_PASSWORD })
  await phone.goto(BASE + '/reset/' + token)
  await phone.fill('#reset-new', 'yet another passphrase')
  await phone.fill('#reset-again', 'yet another passphrase')
  await phone.click('button[type=submit]')
  await phone.locator('[data-test=reset-error]', { hasText: 'used already' }).waitFor()
  await shot(phone, 'r5-phone-link-used')

  step('an administrator sends bob a link from the admin page')
  const root = await newPage('root')
  await signIn(root, ROOT)
  await root.goto(BASE + '/admin')
  await root.locator('[data-test=user-row][data-handle=bob] [data-test=send-reset-link]').click()
  await root.locator('[data-test=notice]', { hasText: 'was sent to bob@example.org' }).waitFor()
  expect(await root.locator('[data-test=reset-link-card]').count() === 0, 'the mailed link is shown to the administrator')
  await shot(root, 'r6-admin-sent')
  const axeAdmin = await accessibility(root)
  expect(!axeAdmin.length, 'axe, admin:\n' + axeAdmin.join('\n'))
  await mailTo(root, 'bob@example.org')
})
