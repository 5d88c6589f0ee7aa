// End-to-end test of filing in the web app (issue 19), run by
// filing_test.go in headless Chromium against a real `docuvault serve` +
// `worker`: a topic the classifier never assigns (the topic form), why a
// document was filed, the unfiled filter, and an unfiled document's
// candidates filed with one click. Waits are on conditions, never on time.
import { ANN, BASE, SLOW, step, expect, newPage, shot, signIn, drop, row, run } from './harness.mjs'

await run('filing e2e', async () => {
  const ann = await newPage('ann')
  await signIn(ann)

  // --- A topic the classifier never assigns, made in the topic form.
  step('create a topic filed by hand only')
  await ann.click('nav >> text=Topics')
  await ann.fill('#tname', 'Travel')
  await ann.fill('#tdesc', 'flights hotels trips')
  const box = ann.locator('[data-test=auto-assign]')
  expect(await box.isChecked(), 'a new topic is not assigned automatically by default')
  await box.uncheck()
  await ann.getByRole('button', { name: 'Create', exact: true }).click()
  await ann.locator('.topics li', { hasText: 'Travel' }).locator('[data-test=manual-only]', { hasText: 'filed by hand only' }).waitFor()
  // "Try it" says why, and never files under the manual-only topic.
  await ann.fill('#ttext', 'Flights and hotels for the trip; invoice paid by bank transfer, payments done')
  await ann.getByRole('button', { name: 'Classify', exact: true }).click()
  const fin = ann.locator('[data-test=try-result] li', { hasText: 'Finance' })
  await fin.locator('[data-test=try-evidence]', { hasText: 'invoice, payments, bank' }).waitFor()
  const travelTry = (await ann.locator('[data-test=try-result] li', { hasText: 'Travel' }).innerText()).replace(/\s+/g, ' ')
  expect(travelTry.includes('0.00') && travelTry.includes('not assigned'), 'try it, Travel: ' + travelTry)
  await shot(ann, 'f1-topics-manual-only')

  // --- Three documents: one about Finance, one weakly about Health, one
  // about Travel alone.
  step('drop three documents and wait until they are classified')
  await ann.click('nav >> text=Documents')
  await ann.locator('h1', { hasText: 'Documents' }).waitFor()
  await drop(ann, [
    { name: 'invoice.txt', text: 'Invoice 4711: bank transfer of the payments due, payments by Friday' },
    { name: 'note.txt', text: "A note: the doctor's office next to the bank moves next month; the new address and the opening times follow, with the parking, the bus lines, the lift and the entrance" },
    { name: 'trip.txt', text: 'Flights and hotels for the trip to Rome, flights confirmed' },
  ])
  for (const n of ['invoice.txt', 'note.txt', 'trip.txt']) {
    await ann.locator(`[data-test=doc-row][data-name="${n}"][data-status=classified]`).waitFor({ timeout: SLOW })
  }
  await row(ann, 'invoice.txt').locator('.chip', { hasText: 'Finance' }).waitFor()
  await row(ann, 'note.txt').locator('.unfiled-tag').waitFor()

  // --- The unfiled filter.
  step('filter unfiled documents')
  await ann.selectOption('[data-test=filter-topic]', 'unfiled')
  await row(ann, 'invoice.txt').waitFor({ state: 'detached' })
  const unfiled = await ann.locator('[data-test=doc-row]').evaluateAll((rs) => rs.map((r) => r.dataset.name).sort())
  expect(JSON.stringify(unfiled) === '["note.txt","trip.txt"]', 'unfiled list: ' + JSON.stringify(unfiled))
  await shot(ann, 'f2-documents-unfiled')

  // --- Why a document was filed.
  step('why invoice.txt was filed')
  await ann.goto(BASE + '/')
  await row(ann, 'invoice.txt').locator('a.fname').click()
  const why = ann.locator('[data-test=why-filed]')
  await why.waitFor()
  const whyLines = (await why.locator('li').allInnerTexts()).map((l) => l.replace(/\s+/g, ' ').trim())
  expect(whyLines.length === 2, 'why filed: ' + JSON.stringify(whyLines))
  expect(whyLines[0] === 'Filed under Bills by its match rule, the phrase “4711”: matched 4711', 'why filed by the rule: ' + whyLines[0])
  expect(/^Filed under Finance \(\d\.\d\d\): invoice, payments, bank$/.test(whyLines[1]), 'why filed: ' + whyLines[1])
  await shot(ann, 'f3-document-why-filed')

  // --- An unfiled document's candidates, filed with one click.
  step('file note.txt under its best candidate')
  await ann.goto(BASE + '/')
  await row(ann, 'note.txt').locator('a.fname').click()
  const box2 = ann.locator('[data-test=unfiled]')
  await box2.waitFor()
  const summary = (await box2.locator('p').first().innerText()).replace(/\s+/g, ' ')
  expect(/^Not filed\. Best candidates: Health 0\.\d\d, Finance 0\.\d\d$/.test(summary), 'unfiled summary: ' + summary)
  const cands = ann.locator('[data-test=candidate]')
  expect(await cands.count() === 2, 'candidates: ' + await cands.count())
  expect((await cands.first().innerText()).includes('doctor'), 'Health candidate without its evidence: ' + await cands.first().innerText())
  await shot(ann, 'f4-document-unfiled')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(ann.url())
  await phone.locator('[data-test=unfiled]').waitFor()
  await shot(phone, 'f5-document-unfiled-phone')
  await ann.locator('[data-test=file-under]', { hasText: 'File under Health' }).click()
  await ann.locator('.alert.info', { hasText: 'Filed under “Health”' }).waitFor()
  await ann.locator('ul[aria-label=Topics] .chip', { hasText: 'Health' }).waitFor()
  await box2.waitFor({ state: 'detached' })
  await shot(ann, 'f6-document-filed')

  // --- Filed: no longer in the unfiled list.
  step('note.txt has left the unfiled list')
  await ann.goto(BASE + '/')
  await ann.selectOption('[data-test=filter-topic]', 'unfiled')
  await row(ann, 'note.txt').waitFor({ state: 'detached' })
  await row(ann, 'trip.txt').waitFor()
  await phone.goto(BASE + '/')
  await phone.selectOption('[data-test=filter-topic]', 'unfiled')
  await row(phone, 'note.txt').waitFor({ state: 'detached' })
  await row(phone, 'trip.txt').waitFor()
  await shot(phone, 'f7-documents-unfiled-phone')
})
