// End-to-end test of personal API tokens on the Settings page (issue 22,
// item 5), run by tokens_test.go in headless Chromium against a real
// `docuvault serve` + `worker`: a token made (name, scopes, expiry), shown
// once with a copy button that puts it on the clipboard, used at once by a
// script (Node's fetch, as a phone app would) to upload a PDF, listed with
// its scopes and last use, a read-only token refused an upload, a token
// revoked and refused at once; the card on a phone. Waits are on
// conditions, never on time.
import { readFileSync } from 'node:fs'
import { step, expect, newPage, shot, signIn, run, accessibility, BASE, env } from './harness.mjs'

const card = (page) => page.locator('[data-test=api-tokens]')
const tokenRow = (page, name) => page.locator('[data-test=token-row]', { hasText: name })
const pdf = readFileSync(env('SCAN_PDF'))

// upload sends scan.pdf with token as a phone scan app would.
async function upload(token, name) {
  const form = new FormData()
  form.append('file', new Blob([pdf], { type: 'application/pdf' }), name)
  const res = await fetch(BASE + '/api/documents', { method: 'POST', headers: { Authorization: 'Bearer ' + token }, body: form })
  return [res.status, await res.text()]
}

await run('tokens e2e', async () => {
  const ann = await newPage('ann', undefined, { permissions: ['clipboard-read', 'clipboard-write'] })
  await signIn(ann)
  await ann.click('nav >> text=Settings')
  await card(ann).locator('text=No tokens yet.').waitFor()

  step('a token made: shown once, copied to the clipboard')
  await ann.fill('#token-name', 'phone scanner')
  expect(await ann.isChecked('[data-test=scope-upload]') && !await ann.isChecked('[data-test=scope-read]'), 'upload alone is not the default')
  await ann.click('[data-test=create-token]')
  const box = ann.locator('[data-test=new-token]')
  await box.waitFor()
  const token = await ann.inputValue('#new-token')
  expect(/^dvt_[A-Za-z0-9_-]{43}$/.test(token), 'the new token looks like ' + token.slice(0, 6))
  await ann.click('[data-test=copy-token]')
  await ann.locator('[data-test=copy-token]', { hasText: 'Copied' }).waitFor()
  expect(await ann.evaluate(() => navigator.clipboard.readText()) === token, 'the clipboard does not hold the token')
  await tokenRow(ann, 'phone scanner').waitFor()
  await shot(ann, 't1-created')
  const axeDesk = await accessibility(ann)
  expect(!axeDesk.length, 'axe, a token made:\n' + axeDesk.join('\n'))

  step('a script uploads a PDF with it')
  let [status, body] = await upload(token, 'scan.pdf')
  expect(status === 201, `upload with the token: ${status} ${body}`)

  step('a read-only token with an expiry; the new token is never shown again')
  await box.locator('button', { hasText: 'Done' }).click()
  await box.waitFor({ state: 'detached' })
  await ann.fill('#token-name', 'backup script')
  await ann.uncheck('[data-test=scope-upload]')
  await ann.check('[data-test=scope-read]')
  await ann.selectOption('#token-expires', '90')
  await ann.click('[data-test=create-token]')
  await box.waitFor()
  const reader = await ann.inputValue('#new-token')
  ;[status, body] = await upload(reader, 'other.pdf')
  expect(status === 403 && body.includes('insufficient_scope'), `upload with the read token: ${status} ${body}`)
  await ann.reload()
  await card(ann).waitFor()
  expect(await box.count() === 0, 'the token is shown again after a reload')
  expect(!(await ann.content()).includes(token.slice(4)), 'the page holds a secret after a reload')
  await tokenRow(ann, 'phone scanner').locator('text=last used').waitFor()
  await tokenRow(ann, 'backup script').locator('text=last used').waitFor() // its refused upload counts as a use
  await tokenRow(ann, 'backup script').locator('text=expires').waitFor()
  expect(await tokenRow(ann, 'backup script').locator('.scope-chip').allTextContents().then((s) => s.join()) === 'read', 'backup script scopes')
  await shot(ann, 't2-list')

  step('a name taken is refused with a message')
  await ann.fill('#token-name', 'Phone Scanner')
  await ann.click('[data-test=create-token]')
  await card(ann).locator('text=already have a token named').waitFor()

  step('revoked: refused at once')
  await tokenRow(ann, 'phone scanner').locator('button', { hasText: 'Revoke' }).click()
  await card(ann).locator('text=Token “phone scanner” revoked.').waitFor()
  await tokenRow(ann, 'phone scanner').waitFor({ state: 'detached' })
  ;[status, body] = await upload(token, 'late.pdf')
  expect(status === 401 && body.includes('invalid_token'), `upload with the revoked token: ${status} ${body}`)

  step('a phone')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/settings')
  await tokenRow(phone, 'backup script').waitFor()
  await phone.fill('#token-name', 'tablet')
  await phone.check('[data-test=scope-read]')
  await phone.click('[data-test=create-token]')
  await phone.locator('[data-test=new-token]').waitFor()
  await tokenRow(phone, 'tablet').locator('text=never used').waitFor()
  await card(phone).scrollIntoViewIfNeeded()
  await shot(phone, 't3-phone')
  const axePhone = await accessibility(phone)
  expect(!axePhone.length, 'axe, tokens on a phone:\n' + axePhone.join('\n'))
})
