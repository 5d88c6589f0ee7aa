// End-to-end test of groups (issue 24, item 4), run by groups_test.go in
// headless Chromium against a real `docuvault serve` + `worker`: root, an
// admin, makes a group on the Admin page's Groups card and adds ann and
// bob; ann shares her document with the group from its page; bob sees it
// under Shares (on a phone) and opens it; root removes bob and bob's
// access ends at once. Waits are on conditions, never on time.
import { step, expect, newPage, shot, signIn, run, accessibility, BASE, env } from './harness.mjs'

const ROOT = { handle: 'root', password: env('ROOT_PASSWORD') }
const BOB = { handle: 'bob', password: env('BOB_PASSWORD') }
const DOC = env('DOC_ID')
const card = (page) => page.locator('[data-test=admin-groups]')
const group = (page, name) => page.locator(`[data-test=group][data-name="${name}"]`)

await run('groups e2e', async () => {
  step('root makes a group and adds ann and bob')
  const root = await newPage('root')
  await signIn(root, ROOT)
  await root.goto(BASE + '/admin')
  await card(root).locator('text=No groups yet.').waitFor()
  await root.fill('#new-group', 'Family')
  await card(root).locator('button', { hasText: 'Create group' }).click()
  await group(root, 'Family').waitFor()
  for (const h of ['ann', 'bob']) {
    await group(root, 'Family').locator('[data-test=add-member]').fill(h)
    await group(root, 'Family').locator('button', { hasText: 'Add' }).click()
    await group(root, 'Family').locator('[data-test=member]', { hasText: h }).waitFor()
  }
  await group(root, 'Family').locator('text=2 members').waitFor()
  await card(root).scrollIntoViewIfNeeded()
  await shot(root, 'g1-admin-groups')
  const axeAdmin = await accessibility(root)
  expect(!axeAdmin.length, 'axe, the Groups card:\n' + axeAdmin.join('\n'))

  step('ann shares her document with the group')
  const ann = await newPage('ann')
  await signIn(ann)
  await ann.goto(BASE + '/documents/' + DOC)
  const form = ann.locator('[data-test=share-form]')
  await form.waitFor()
  await ann.locator('[data-test=share-to] option[value=group]:not([disabled])').waitFor({ state: 'attached' })
  await ann.selectOption('[data-test=share-to]', 'group')
  await ann.selectOption('[data-test=share-group]', 'Family')
  await ann.selectOption('#perm', 'edit')
  await form.locator('button[type=submit]').click()
  await ann.locator('li', { hasText: 'group Family' }).waitFor()
  await shot(ann, 'g2-share-dialog')

  step('bob, on a phone, sees it under Shares and opens it')
  const bob = await newPage('bob-phone', { width: 390, height: 844 })
  await signIn(bob, BOB)
  await bob.goto(BASE + '/shares')
  const received = bob.locator('[data-test=received]')
  await received.locator('[data-test=via-group]', { hasText: 'group Family' }).waitFor()
  await shot(bob, 'g3-phone-shares')
  const axePhone = await accessibility(bob)
  expect(!axePhone.length, 'axe, Shares on a phone:\n' + axePhone.join('\n'))
  await received.locator('a', { hasText: 'lease.txt' }).click()
  await bob.locator('h1', { hasText: 'lease.txt' }).waitFor()

  step('root removes bob: his access ends at once')
  await group(root, 'Family').locator('button[aria-label="Remove bob from Family"]').click()
  await group(root, 'Family').locator('[data-test=member]', { hasText: 'bob' }).waitFor({ state: 'detached' })
  await bob.goto(BASE + '/shares')
  await bob.locator('text=Nobody has shared a document with you.').waitFor()

  step('the Groups card on a phone')
  const rootPhone = await newPage('root-phone', { width: 390, height: 844 })
  await signIn(rootPhone, ROOT)
  await rootPhone.goto(BASE + '/admin')
  await group(rootPhone, 'Family').waitFor()
  await card(rootPhone).scrollIntoViewIfNeeded()
  await shot(rootPhone, 'g4-phone-admin-groups')
})
