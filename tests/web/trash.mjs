// End-to-end test of the trash and of versions (issue 23, items 1 and 2),
// run by trash_test.go in headless Chromium against a real `docuvault
// serve`: a new version uploaded on the document page, listed, made
// current again and deleted; a document moved to the trash from its page,
// listed on the Trash page, restored, deleted for good, the trash emptied;
// both on a phone. Waits are on conditions, never on time.
import { step, expect, newPage, shot, signIn, run, accessibility, BASE, ANN } from './harness.mjs'

// api calls the API as ann (signed in with her password).
let token = ''
async function api(method, path, body) {
  if (!token) {
    const r = await fetch(BASE + '/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ handle: ANN.handle, password: ANN.password }) })
    token = (await r.json()).access_token
  }
  const opts = { method, headers: { Authorization: 'Bearer ' + token } }
  if (body instanceof FormData) opts.body = body
  const res = await fetch(BASE + path, opts)
  return [res.status, await res.text()]
}

async function upload(name, text) {
  const form = new FormData()
  form.append('file', new Blob([text], { type: 'text/plain' }), name)
  const [status, body] = await api('POST', '/api/documents', form)
  expect(status === 201, `upload ${name}: ${status} ${body}`)
  return JSON.parse(body).documents[0].id
}

const trashed = (page, name) => page.locator(`[data-test=trashed][data-name="${name}"]`)

await run('trash and versions e2e', async () => {
  const invoice = await upload('invoice.txt', 'Invoice 2026-11, first draft: 120 EUR')
  const receipt = await upload('receipt.txt', 'Receipt from the bakery')
  const letter = await upload('letter.txt', 'A letter to the landlord')

  const ann = await newPage('ann')
  await signIn(ann)

  step('a new version on the document page')
  await ann.goto(BASE + '/documents/' + invoice)
  const versions = ann.locator('[data-test=versions]')
  await versions.locator('[data-test=versions-none]').waitFor()
  await ann.setInputFiles('[data-test=version-file]', { name: 'invoice-corrected.txt', mimeType: 'text/plain', buffer: Buffer.from('Invoice 2026-11, corrected: 102 EUR') })
  await ann.locator('text=New version stored; the previous content is version 1.').waitFor()
  await versions.locator('[data-test=version][data-number="1"]', { hasText: 'invoice.txt' }).waitFor()
  await ann.locator('[data-test=doc-title]', { hasText: 'invoice-corrected.txt' }).waitFor()
  await versions.scrollIntoViewIfNeeded()
  await shot(ann, 'v1-versions')
  const axeDoc = await accessibility(ann)
  expect(!axeDoc.length, 'axe, the versions:\n' + axeDoc.join('\n'))

  step('version 1 made current again; the corrected one becomes version 2, then is deleted')
  await versions.locator('[data-test=version][data-number="1"] [data-test=version-restore]').click()
  await ann.locator('text=Version 1 is current again; the replaced content is version 2.').waitFor()
  await ann.locator('[data-test=doc-title]', { hasText: /^invoice\.txt$/ }).waitFor()
  await versions.locator('[data-test=version][data-number="2"] [data-test=version-delete]').click()
  await ann.locator('text=Version 2 deleted.').waitFor()
  await versions.locator('[data-test=versions-none]').waitFor()

  step('moved to the trash from its page')
  await ann.locator('[data-test=delete]', { hasText: 'Move to trash' }).click()
  await ann.locator('text=Moved “invoice.txt” to the trash.').waitFor()
  let [status] = await api('DELETE', '/api/documents/' + receipt)
  expect(status === 204, 'trash receipt: ' + status)
  ;[status] = await api('DELETE', '/api/documents/' + letter)
  expect(status === 204, 'trash letter: ' + status)

  step('the Trash page: restore, delete for good')
  await ann.click('[data-test=nav-trash]')
  await trashed(ann, 'invoice.txt').waitFor()
  await trashed(ann, 'receipt.txt').waitFor()
  await ann.locator('text=stay here for 30 days').waitFor()
  await shot(ann, 'v2-trash')
  const axeTrash = await accessibility(ann)
  expect(!axeTrash.length, 'axe, the trash:\n' + axeTrash.join('\n'))
  await trashed(ann, 'invoice.txt').locator('[data-test=restore]').click()
  await ann.locator('text=Restored “invoice.txt”.').waitFor()
  await trashed(ann, 'invoice.txt').waitFor({ state: 'detached' })
  await trashed(ann, 'receipt.txt').locator('[data-test=delete-for-good]').click()
  await ann.locator('text=Deleted “receipt.txt” for good.').waitFor()

  step('a phone: the trash, then emptied')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/trash')
  await trashed(phone, 'letter.txt').waitFor()
  await shot(phone, 'v3-phone-trash')
  const axePhone = await accessibility(phone)
  expect(!axePhone.length, 'axe, the trash on a phone:\n' + axePhone.join('\n'))
  await phone.click('[data-test=empty-trash]')
  await phone.locator('text=Trash emptied: 1 documents').waitFor()
  await phone.locator('[data-test=trash-empty]').waitFor()
  await phone.goto(BASE + '/documents/' + invoice)
  await phone.locator('[data-test=versions]').scrollIntoViewIfNeeded()
  await shot(phone, 'v4-phone-versions')
})
