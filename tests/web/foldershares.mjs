// End-to-end test of folder sharing (issue 24, item 4), run by
// foldershares_test.go in headless Chromium against a real `docuvault
// serve` + `worker`: ann shares her folder "Taxes" with the group
// Household from the folder tree's "Share…"; bob, a member, on a phone
// sees under "Shared with me" the folder's document, its subfolder's, and
// one ann files there after sharing, and the document page says how it
// reaches him; cat, not a member, never sees them; root removes bob from
// the group and bob's access ends at once (the document page says not
// found). Waits are on conditions, never on time.
import { step, expect, newPage, shot, signIn, run, accessibility, row, BASE, env } from './harness.mjs'

const ROOT = { handle: 'root', password: env('ROOT_PASSWORD') }
const BOB = { handle: 'bob', password: env('BOB_PASSWORD') }
const CAT = { handle: 'cat', password: env('CAT_PASSWORD') }
const LATER = env('LATER_ID') // ann's, in no folder until she files it
const DEEP = env('DEEP_ID') // ann's, in Taxes/2024
const Y2024 = env('Y2024_ID')
const dialog = (page) => page.locator('[data-test=folder-share-dialog]')
const node = (page, name) => page.locator(`[data-test=folder-node][data-name="${name}"]`)
const inShared = ['return.txt', 'receipt.txt', 'later.txt']

await run('folder shares e2e', async () => {
  step('ann shares the folder Taxes with the group Household, from the folder tree')
  const ann = await newPage('ann')
  await signIn(ann)
  await node(ann, 'Taxes').locator('[data-test=folder-link]').first().click()
  await ann.locator('[data-test=folder-actions]').waitFor()
  await ann.locator('[data-test=folder-share]').click()
  const dlg = dialog(ann)
  await dlg.waitFor()
  await dlg.locator('[data-test=folder-shares-none]').waitFor()
  await dlg.locator('[data-test=share-to] option[value=group]:not([disabled])').waitFor({ state: 'attached' })
  // A person who does not exist: the dialog says what to fix.
  await dlg.locator('[data-test=share-recipient]').fill('nobody')
  await dlg.locator('[data-test=folder-share-submit]').click()
  await dlg.locator('[data-test=folder-share-error]', { hasText: 'no active user with handle "nobody"' }).waitFor()
  await dlg.locator('[data-test=share-to]').selectOption('group')
  await dlg.locator('[data-test=share-group]').selectOption('Household')
  await dlg.locator('[data-test=folder-share-submit]').click()
  await dlg.locator('[data-test=folder-share][data-with="Household"]', { hasText: 'group Household' }).waitFor()
  await dlg.locator('[data-test=folder-share-done]', { hasText: 'Folder shared with group Household.' }).waitFor()
  expect(await dlg.locator('[data-test=folder-share-error]').textContent() === '', 'the old error stays after sharing')
  await shot(ann, 'f1-share-dialog')
  const axeDialog = await accessibility(ann)
  expect(!axeDialog.length, 'axe, the folder share dialog:\n' + axeDialog.join('\n'))
  await dlg.locator('[data-test=folder-share-close]').click()
  await dlg.waitFor({ state: 'detached' })
  await node(ann, 'Taxes').locator('[data-test=folder-shared]').first().waitFor()

  step('ann files a document into the shared subfolder afterwards')
  await ann.goto(BASE + '/documents/' + LATER)
  const moved = ann.waitForResponse((r) => r.url().endsWith('/api/documents/' + LATER) && r.request().method() === 'PATCH')
  await ann.locator('#folder').selectOption(Y2024)
  expect((await moved).status() === 200, 'filing the document failed')

  step('bob, on a phone, sees the three documents under Shared with me')
  const bob = await newPage('bob-phone', { width: 390, height: 844 })
  await signIn(bob, BOB)
  await bob.goto(BASE + '/shared')
  for (const n of inShared) await row(bob, n).waitFor()
  expect(await row(bob, 'private.txt').count() === 0, 'bob sees a document outside the shared folder')
  await shot(bob, 'f2-phone-shared-with-me')
  const axePhone = await accessibility(bob)
  expect(!axePhone.length, 'axe, Shared with me on a phone:\n' + axePhone.join('\n'))

  step('the document page says how it reaches him')
  await bob.goto(BASE + '/documents/' + DEEP)
  await bob.locator('[data-test=shared-via]', { hasText: 'folder “Taxes”, with group Household (view)' }).waitFor()
  await shot(bob, 'f3-phone-document-via-folder')
  await bob.goto(BASE + '/shares')
  await bob.locator('[data-test=folder-received][data-folder="Taxes"]').first().waitFor()
  await shot(bob, 'f4-phone-shares')

  step('cat, not a member, sees none of them')
  const cat = await newPage('cat')
  await signIn(cat, CAT)
  await cat.goto(BASE + '/shared')
  await cat.locator('text=Nobody has shared a document with you yet.').waitFor()
  await cat.goto(BASE + '/documents/' + DEEP)
  await cat.locator('text=This document does not exist, or it is not shared with you.').waitFor()

  step('root removes bob from the group: his access ends at once')
  const root = await newPage('root')
  await signIn(root, ROOT)
  await root.goto(BASE + '/admin')
  const group = root.locator('[data-test=group][data-name="Household"]')
  await group.locator('button[aria-label="Remove bob from Household"]').click()
  await group.locator('[data-test=member]', { hasText: 'bob' }).waitFor({ state: 'detached' })
  await bob.goto(BASE + '/documents/' + DEEP)
  await bob.locator('text=This document does not exist, or it is not shared with you.').waitFor()
  await bob.goto(BASE + '/shared')
  await bob.locator('text=Nobody has shared a document with you yet.').waitFor()

  step('the folder tree with the shared mark, on a phone')
  const annPhone = await newPage('ann-phone', { width: 390, height: 844 })
  await signIn(annPhone)
  await annPhone.locator('[data-test=folders-fold]').click()
  await node(annPhone, 'Taxes').locator('[data-test=folder-link]').first().click()
  await annPhone.locator('[data-test=folders-fold]').click()
  await annPhone.locator('[data-test=folder-share]').click()
  await dialog(annPhone).locator('[data-test=folder-share][data-with="Household"]').waitFor()
  await shot(annPhone, 'f5-phone-share-dialog')
  await dialog(annPhone).locator('[data-test=folder-unshare]').click()
  await dialog(annPhone).locator('[data-test=folder-shares-none]').waitFor()
})
