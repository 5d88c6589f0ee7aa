// The overview page (issue 21, item 6: a dashboard), run by
// overview_test.go in headless Chromium against a real `docuvault serve` +
// `worker`: an empty vault, then three documents dropped on the documents
// page followed on the overview until the worker is done (the page asks
// again by itself), the counts, the storage used, the newest documents,
// the one that needs attention, and the links to the filtered list. Waits
// are on conditions, never on time.
import { BASE, SLOW, step, expect, newPage, shot, signIn, drop, row, run, accessibility } from './harness.mjs'

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim()

await run('overview e2e', async () => {
  const ann = await newPage('ann')
  await signIn(ann)

  step('an empty vault')
  await ann.click('nav >> text=Overview')
  await ann.locator('h1', { hasText: 'Overview' }).waitFor()
  expect(await text(ann.locator('[data-test=ov-total]')) === '0', 'total of an empty vault')
  await ann.locator('[data-test=ov-vault] .empty', { hasText: 'Nothing here yet' }).waitFor()
  await ann.locator('[data-test=ov-worker]', { hasText: 'All caught up' }).waitFor()
  expect((await text(ann.locator('[data-test=ov-storage]'))).includes('0 B of 1.0 MiB used (0%)'), 'storage: ' + await text(ann.locator('[data-test=ov-storage]')))
  await shot(ann, 'o1-overview-empty')

  step('three documents, followed on the overview until they are read')
  await ann.click('nav >> text=Documents')
  await ann.locator('h1', { hasText: 'Documents' }).waitFor()
  await drop(ann, [
    { name: 'invoice.txt', text: 'Invoice 4711: bank transfer of the payments due, payments by Friday' },
    { name: 'keys.txt', text: 'Remember the keys' },
    { name: 'blank.txt', text: '   \n' },
  ])
  for (const n of ['invoice.txt', 'keys.txt', 'blank.txt']) await row(ann, n).waitFor()
  await ann.click('nav >> text=Overview')
  await ann.locator('[data-test=ov-worker]', { hasText: 'All caught up' }).waitFor({ timeout: SLOW })
  expect(await text(ann.locator('[data-test=ov-total]')) === '3', 'total: ' + await text(ann.locator('[data-test=ov-total]')))
  const vault = await text(ann.locator('[data-test=ov-vault]'))
  expect(vault.includes('3 documents, 1 unfiled') && vault.includes('2 classified') && vault.includes('1 no text found'), 'your documents: ' + vault)
  expect((await text(ann.locator('[data-test=ov-worker]'))).includes('Last document finished'), 'worker card: ' + await text(ann.locator('[data-test=ov-worker]')))
  const recent = await ann.locator('[data-test=ov-recent] .fname').allInnerTexts()
  expect(recent.length === 3 && ['invoice.txt', 'keys.txt', 'blank.txt'].every((n) => recent.includes(n)), 'newest: ' + JSON.stringify(recent))
  await ann.locator('[data-test=ov-recent] li', { hasText: 'invoice.txt' }).locator('.chip', { hasText: 'Finance' }).waitFor()
  const attention = await ann.locator('[data-test=ov-attention] > li').allInnerTexts()
  expect(attention.length === 1 && attention[0].includes('blank.txt') && attention[0].includes('No text was found'), 'needs attention: ' + JSON.stringify(attention))
  await shot(ann, 'o2-overview')

  step('the unfiled link opens the list filtered to unfiled documents')
  await ann.click('[data-test=ov-unfiled]')
  await ann.locator('h1', { hasText: 'Documents' }).waitFor()
  await row(ann, 'keys.txt').waitFor()
  expect(await ann.locator('[data-test=doc-row]').count() === 1, 'unfiled list: ' + await ann.locator('[data-test=doc-row]').count())
  expect(await ann.locator('[data-test=filter-topic]').inputValue() === 'unfiled', 'the topic filter shows unfiled')

  step('the list is a table whose headers sort it')
  await ann.selectOption('[data-test=filter-topic]', '')
  const waitOrder = (want) => ann.waitForFunction((w) => [...document.querySelectorAll('[data-test=doc-row]')].map((r) => r.dataset.name).join(' ') === w, want)
  await ann.waitForFunction(() => document.querySelectorAll('[data-test=doc-row]').length === 3) // all three again
  await ann.click('[data-test=sort-name]')
  await waitOrder('blank.txt invoice.txt keys.txt')
  expect(await ann.locator('th.col-name').getAttribute('aria-sort') === 'ascending', 'name header: aria-sort ascending')
  expect(await ann.locator('th.col-created').getAttribute('aria-sort') === 'none', 'uploaded header: aria-sort none')
  expect(await ann.locator('[data-test=sort]').inputValue() === 'filename_asc', 'the sort menu follows the header')
  await ann.click('[data-test=sort-name]')
  await waitOrder('keys.txt invoice.txt blank.txt')
  expect(await ann.locator('th.col-name').getAttribute('aria-sort') === 'descending', 'name header: aria-sort descending')
  await ann.click('[data-test=sort-size]')
  await waitOrder('invoice.txt keys.txt blank.txt')
  // The columns line up: every row's size cell starts where the header's does.
  const lefts = await ann.locator('table.doclist .col-size').evaluateAll((cs) => cs.map((c) => Math.round(c.getBoundingClientRect().left)))
  expect(lefts.length === 4 && new Set(lefts).size === 1, 'size column lefts: ' + JSON.stringify(lefts))
  await shot(ann, 'o3-documents-table')

  step('keyboard shortcuts')
  await ann.locator('h1').click() // nothing focused that takes typing
  await ann.keyboard.press('j')
  const focused = () => ann.evaluate(() => document.activeElement?.closest('[data-test=doc-row]')?.dataset.name || document.activeElement?.id || document.activeElement?.tagName)
  expect(await focused() === 'invoice.txt', 'j: ' + await focused())
  await ann.keyboard.press('j')
  expect(await focused() === 'keys.txt', 'j j: ' + await focused())
  await ann.keyboard.press('k')
  expect(await focused() === 'invoice.txt', 'j j k: ' + await focused())
  await ann.keyboard.press('Enter')
  await ann.locator('h1', { hasText: 'invoice.txt' }).waitFor()
  await ann.keyboard.press('/')
  expect(await focused() === 'q', '/ focuses the search box: ' + await focused())
  await ann.keyboard.type('j') // typing in the box is not a shortcut
  expect(await ann.inputValue('#q') === 'j', 'typed into the search box: ' + await ann.inputValue('#q'))
  await ann.keyboard.press('Escape')
  await ann.keyboard.press('?')
  const help = ann.locator('[data-test=shortcuts]')
  await help.waitFor()
  expect((await help.innerText()).includes('Next document in the list'), 'help: ' + await help.innerText())
  for (const v of await accessibility(ann)) throw new Error('axe, shortcuts dialog: ' + v)
  await shot(ann, 'o5-shortcuts')
  await ann.keyboard.press('Escape')
  await help.waitFor({ state: 'hidden' })

  step('on a phone')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/overview')
  await phone.locator('[data-test=ov-recent]').waitFor()
  await shot(phone, 'o4-overview-phone')
  await phone.goto(BASE + '/')
  await phone.locator('[data-test=doc-row]').first().waitFor()
  await shot(phone, 'o6-documents-phone')
})
