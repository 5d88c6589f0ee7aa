// End-to-end test of cloud connections on the Settings page (issue 22,
// item 3), run by cloud_test.go in headless Chromium against a real
// `docuvault serve` + `worker` and the dev WebDAV server: a WebDAV
// connection added (its password never shown again), synced now by the
// worker (its files become documents, its status Active with a last sync),
// a connection with a wrong password in Error with the reason, one
// removed; the card on a phone. Waits are on conditions, never on time.
import { step, expect, newPage, shot, signIn, run, accessibility, BASE, env } from './harness.mjs'

const card = (page) => page.locator('[data-test=cloud-connections]')
const row = (page, name) => page.locator('[data-test=cloud-row]', { hasText: name })

// until reloads the page until cond holds: the worker changes the
// connection, not the page.
async function until(page, what, cond) {
  for (let i = 0; i < 120; i++) {
    if (await cond()) return
    await page.waitForTimeout(500)
    await page.reload()
    await card(page).waitFor()
  }
  throw new Error('timed out waiting for ' + what)
}

await run('cloud e2e', async () => {
  const ann = await newPage('ann')
  await signIn(ann)
  await ann.click('nav >> text=Settings')
  await card(ann).locator('text=No cloud connections yet.').waitFor()

  step('a WebDAV folder added')
  await ann.fill('#cloud-name', 'Nextcloud')
  await ann.fill('#cloud-url', env('DAV_URL'))
  await ann.fill('#cloud-path', env('DAV_DIR'))
  await ann.fill('#cloud-login', env('DAV_USER'))
  await ann.fill('#cloud-secret', env('DAV_PASSWORD'))
  expect(await ann.isChecked('[data-test=map-folders]'), 'folders are not mapped by default')
  await ann.click('[data-test=add-cloud]')
  await card(ann).locator('text=Cloud connection “Nextcloud” added').waitFor()
  await row(ann, 'Nextcloud').waitFor()
  expect(await ann.inputValue('#cloud-secret') === '', 'the password stays in the form')

  step('a wrong password')
  await ann.fill('#cloud-name', 'Wrong')
  await ann.fill('#cloud-url', env('DAV_URL'))
  await ann.fill('#cloud-login', env('DAV_USER'))
  await ann.fill('#cloud-secret', 'not the password')
  await ann.click('[data-test=add-cloud]')
  await row(ann, 'Wrong').waitFor()

  step('sync now: the worker takes the files; the wrong password is an error with its reason')
  await row(ann, 'Nextcloud').locator('[data-test=sync-now]').click()
  await card(ann).locator('text=Sync of “Nextcloud” queued').waitFor()
  await row(ann, 'Wrong').locator('[data-test=sync-now]').click()
  await until(ann, 'both synced', async () =>
    (await row(ann, 'Nextcloud').locator('text=Last sync').count()) > 0 &&
    (await row(ann, 'Wrong').locator('[data-test=cloud-error]').count()) > 0)
  expect((await row(ann, 'Nextcloud').locator('[data-test=cloud-status]').textContent()).trim() === 'Active', 'Nextcloud is not Active')
  expect((await row(ann, 'Wrong').locator('[data-test=cloud-status]').textContent()).trim() === 'Error', 'Wrong is not in Error')
  const reason = await row(ann, 'Wrong').locator('[data-test=cloud-error]').textContent()
  expect(reason.includes('refused the login or password'), 'the error says ' + reason)
  expect(!(await ann.content()).includes(env('DAV_PASSWORD')), 'the page holds the password')
  await shot(ann, 'c1-list')
  const axeDesk = await accessibility(ann)
  expect(!axeDesk.length, 'axe, cloud connections:\n' + axeDesk.join('\n'))

  step('removed')
  await row(ann, 'Wrong').locator('button', { hasText: 'Remove' }).click()
  await card(ann).locator('text=Cloud connection “Wrong” removed.').waitFor()
  await row(ann, 'Wrong').waitFor({ state: 'detached' })

  step('a phone, the S3 form')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/settings')
  await row(phone, 'Nextcloud').waitFor()
  await phone.check('[data-test=provider-s3]')
  await phone.locator('#cloud-bucket').waitFor()
  await card(phone).scrollIntoViewIfNeeded()
  await shot(phone, 'c2-phone')
  const axePhone = await accessibility(phone)
  expect(!axePhone.length, 'axe, cloud connections on a phone:\n' + axePhone.join('\n'))
})
