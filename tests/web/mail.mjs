// End-to-end test of the Settings page's mail accounts (issue 22, item 2),
// run by mail_test.go in headless Chromium against a real `docuvault
// serve` + `worker` and this checkout's Dovecot: an account added (its
// password never shown again), a rule added, "poll now" taking a message's
// PDF, an account with a wrong password in error with its reason; the card
// on a phone. Waits are on conditions, never on time.
import { step, expect, newPage, shot, signIn, run, accessibility, BASE, env } from './harness.mjs'

const card = (page) => page.locator('[data-test=mail-accounts]')
const account = (page, name) => page.locator('[data-test=mail-row]', { hasText: name })

async function addAccount(page, name, password) {
  await page.fill('[data-test=mail-name]', name)
  await page.fill('[data-test=mail-host]', env('IMAP_HOST'))
  await page.selectOption('[data-test=mail-security]', 'starttls')
  await page.fill('[data-test=mail-port]', env('IMAP_PORT'))
  await page.fill('[data-test=mail-login]', env('IMAP_LOGIN'))
  await page.fill('[data-test=mail-password]', password)
  await page.click('[data-test=mail-add]')
  await account(page, name).waitFor()
}

await run('mail e2e', async () => {
  const ann = await newPage('ann')
  await signIn(ann)
  await ann.click('nav >> text=Settings')
  await card(ann).locator('text=No mail accounts yet.').waitFor()

  step('an account added; its rule form opens')
  await addAccount(ann, 'office', env('IMAP_PASSWORD'))
  expect(await ann.inputValue('[data-test=mail-password]') === '', 'the password stays in the form')
  expect(!(await ann.content()).includes(env('IMAP_PASSWORD')), 'the page holds the password')
  const form = account(ann, 'office').locator('[data-test=mail-rule-form]')
  await form.waitFor()

  step('a rule: PDFs from the scanner, marked read afterwards')
  await form.locator('[data-test=rule-folder]').fill(env('IMAP_FOLDER'))
  await form.locator('[data-test=rule-from]').fill('scanner@')
  await form.locator('[data-test=rule-types]').fill('pdf')
  await form.locator('[data-test=rule-after]').selectOption('read')
  await form.locator('[data-test=rule-save]').click()
  await account(ann, 'office').locator('[data-test=mail-rule]', { hasText: 'sender contains “scanner@”' }).waitFor()

  step('poll now takes the PDF')
  await account(ann, 'office').locator('[data-test=mail-poll]').click()
  await card(ann).locator('text=1 message(s) taken, 1 document(s) stored').waitFor()
  await account(ann, 'office').locator('text=last poll').waitFor()
  await shot(ann, 'm1-polled')
  const axeDesk = await accessibility(ann)
  expect(!axeDesk.length, 'axe, an account polled:\n' + axeDesk.join('\n'))

  step('a wrong password: the account in error, with the reason')
  await addAccount(ann, 'wrong', 'not the password')
  const bad = account(ann, 'wrong')
  await bad.locator('[data-test=mail-rule-form] [data-test=rule-save]').click()
  await bad.locator('[data-test=mail-rule]').waitFor()
  await bad.locator('[data-test=mail-poll]').click()
  await bad.locator('[data-test=mail-error]', { hasText: 'login refused' }).waitFor()
  expect((await bad.locator('[data-test=mail-status]').textContent()).trim() === 'error', 'status of the wrong account')
  await shot(ann, 'm2-error')

  step('a phone')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/settings')
  await account(phone, 'office').waitFor()
  await card(phone).scrollIntoViewIfNeeded()
  await shot(phone, 'm3-phone')
  const axePhone = await accessibility(phone)
  expect(!axePhone.length, 'axe, mail accounts on a phone:\n' + axePhone.join('\n'))
})
