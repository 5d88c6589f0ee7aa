// End-to-end test of export and import over the web app (issue 23, item
// 6), run by transfer_test.go in headless Chromium against a real
// `docuvault serve`: ann downloads an export of her vault from Settings and
// the tar is read here (its manifest and rows name her documents and no
// one else, and hold no password hash); root, on the Admin page, sends a
// tar with one changed byte (refused, the file named) and then the real
// one (imported, the counts shown), and downloads an export of everyone;
// desktop and phone. Waits are on conditions, never on time.
import { readFileSync } from 'node:fs'
import { step, expect, newPage, shot, signIn, run, accessibility, BASE, ANN, env } from './harness.mjs'

const ROOT = { handle: 'root', password: env('ROOT_PASSWORD') }

// untar returns the regular files of a tar (names from PAX records when
// they are too long for the header), as Buffers.
function untar(buf) {
  const files = {}
  let pax = {}
  for (let off = 0; off + 512 <= buf.length;) {
    const h = buf.subarray(off, off + 512)
    if (h.every((b) => b === 0)) break
    const field = (a, n) => h.subarray(a, a + n).toString('utf8').replace(/\0.*$/s, '')
    const size = parseInt(field(124, 12).trim() || '0', 8)
    const type = String.fromCharCode(h[156] || 48)
    const prefix = field(345, 155)
    const body = buf.subarray(off + 512, off + 512 + size)
    if (type === 'x') {
      pax = {}
      for (const rec of body.toString('utf8').split('\n')) {
        const m = /^\d+ ([^=]+)=(.*)$/s.exec(rec)
        if (m) pax[m[1]] = m[2]
      }
    } else {
      if (type === '0') files[pax.path || (prefix ? prefix + '/' : '') + field(0, 100)] = body
      pax = {}
    }
    off += 512 + Math.ceil(size / 512) * 512
  }
  return files
}

const jsonl = (b) => (b ? b.toString('utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [])

await run('export and import e2e', async () => {
  step('ann downloads her vault from Settings')
  const ann = await newPage('ann')
  await signIn(ann)
  await ann.goto(BASE + '/settings')
  const card = ann.locator('[data-test=vault-export]')
  await card.scrollIntoViewIfNeeded()
  const [download] = await Promise.all([ann.waitForEvent('download'), card.locator('[data-test=vault-export-button]').click()])
  expect(/^docuvault-ann-\d{8}\.tar$/.test(download.suggestedFilename()), 'download named ' + download.suggestedFilename())
  expect(download.url().startsWith(BASE + '/api/export?ticket='), 'the export came from ' + download.url().slice(0, 60) + ', not a ticket link')
  const files = untar(readFileSync(await download.path()))
  const manifest = JSON.parse(files['manifest.json'].toString('utf8'))
  expect(manifest.format === 'docuvault-export' && manifest.users.join() === 'ann' && manifest.counts.documents === 2,
    'the manifest: ' + JSON.stringify(manifest))
  const docs = jsonl(files['data/documents.jsonl']).map((d) => d.filename).sort()
  expect(docs.join() === 'lease.txt,receipt.txt', 'documents in the export: ' + docs)
  expect(!files['data/users.jsonl'].toString('utf8').includes('password_hash'), 'the export holds a password hash')
  const objects = Object.keys(files).filter((f) => f.startsWith('objects/'))
  expect(objects.length === 2 && manifest.files.some((f) => f.path === 'objects.jsonl'), 'objects: ' + objects)
  await card.locator('text=The download has started: your browser saves the file as it arrives.').waitFor()
  await shot(ann, 'x1-settings-export')
  const axe = await accessibility(ann)
  expect(!axe.length, 'axe, settings:\n' + axe.join('\n'))

  step('the same on a phone')
  const phone = await newPage('ann-phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/settings')
  await phone.locator('[data-test=vault-export]').scrollIntoViewIfNeeded()
  await shot(phone, 'x2-settings-export-phone')

  step('root imports a tar with one changed byte: refused, the file named')
  const root = await newPage('root')
  await signIn(root, ROOT)
  await root.goto(BASE + '/admin')
  const admin = root.locator('[data-test=admin-transfer]')
  await admin.scrollIntoViewIfNeeded()
  await root.setInputFiles('[data-test=admin-import-file]', env('TAMPERED_TAR'))
  await admin.locator('[data-test=admin-import-button]').click()
  await admin.locator('[data-test=notice]', { hasText: env('TAMPERED_PATH') }).waitFor()
  await admin.locator('text=nothing was imported').waitFor()
  await shot(root, 'x3-admin-import-refused')

  step('root imports the real tar')
  await root.setInputFiles('[data-test=admin-import-file]', env('IMPORT_TAR'))
  await admin.locator('[data-test=admin-import-button]').click()
  await admin.locator('text=Imported 1 user(s), 1 document(s), 0 version(s), 1 note(s); 1 object(s) stored, 0 already there.').waitFor()
  await root.locator('[data-test=user-row][data-handle=carol]').waitFor()
  await shot(root, 'x4-admin-imported')
  const axeAdmin = await accessibility(root)
  expect(!axeAdmin.length, 'axe, admin:\n' + axeAdmin.join('\n'))

  step('root downloads an export of everyone')
  const [all] = await Promise.all([root.waitForEvent('download'), admin.locator('[data-test=admin-export-button]').click()])
  expect(all.url().startsWith(BASE + '/api/admin/export?ticket='), 'the admin export came from ' + all.url().slice(0, 60))
  const everyone = untar(readFileSync(await all.path()))
  const handles = jsonl(everyone['data/users.jsonl']).map((u) => u.handle).sort()
  expect(handles.join() === 'ann,carol,root', 'users in the admin export: ' + handles)

  step('the admin card on a phone')
  const rootPhone = await newPage('root-phone', { width: 390, height: 844 })
  await signIn(rootPhone, ROOT)
  await rootPhone.goto(BASE + '/admin')
  await rootPhone.locator('[data-test=admin-transfer]').scrollIntoViewIfNeeded()
  await shot(rootPhone, 'x5-admin-transfer-phone')
})
