// End-to-end test of documents' own dates and similar documents in the
// web app (issue 19), run by docdate_test.go in headless Chromium against a
// real `docuvault serve` + `worker`: the date each document carries in the
// list and on its page, the list's date filter, and a document page's
// similar documents. Waits are on conditions, never on time.
import { ANN, BASE, SLOW, step, expect, newPage, shot, signIn, drop, row, run } from './harness.mjs'
const names = (page) => page.locator('[data-test=doc-row]').evaluateAll((rs) => rs.map((r) => r.dataset.name).sort())

await run('docdate e2e', async () => {
  const ann = await newPage('ann')
  await signIn(ann)

  step('drop four documents and wait until they are classified')
  await drop(ann, [
    { name: 'invoice.txt', text: 'Invoice date: 11/30/2026\nDue date: 12/30/2026\nPlumber: the pipes were repaired under the kitchen sink, a new tap was fitted and the pipes were insulated. Thank you for your business.' },
    { name: 'quote.txt', text: 'Date: 12/01/2026\nQuote from the plumber: we will replace the pipes under the kitchen sink and the tap, and insulate the pipes. Thank you for your interest.' },
    { name: 'brief.txt', text: 'Stadtwerke München\n\nMünchen, den 3. Dezember 2026\n\nSehr geehrte Frau Müller,\nIhr Abschlag für Strom und Gas wird am 15.01.2027 von Ihrem Konto abgebucht.' },
    { name: 'holiday.txt', text: 'Photos of the beach holiday in Crete: sunsets, boats and the old harbour.' },
  ])
  for (const n of ['invoice.txt', 'quote.txt', 'brief.txt', 'holiday.txt']) {
    await ann.locator(`[data-test=doc-row][data-name="${n}"][data-status=classified]`).waitFor({ timeout: SLOW })
  }

  step('each row shows the date its document carries')
  const dates = {}
  for (const n of ['invoice.txt', 'quote.txt', 'brief.txt', 'holiday.txt']) {
    const d = row(ann, n).locator('[data-test=doc-date]')
    dates[n] = (await d.count()) ? `${await d.getAttribute('data-date')} ${(await d.innerText()).trim()}` : '-'
  }
  const want = { 'invoice.txt': '2026-11-30 November 30, 2026', 'quote.txt': '2026-12-01 December 1, 2026', 'brief.txt': '2026-12-03 December 3, 2026', 'holiday.txt': '-' }
  expect(JSON.stringify(dates) === JSON.stringify(want), 'dates in the list: ' + JSON.stringify(dates))

  step('filter by the documents\' dates')
  await ann.fill('[data-test=filter-date-from]', '2026-12-01')
  await row(ann, 'invoice.txt').waitFor({ state: 'detached' })
  await row(ann, 'holiday.txt').waitFor({ state: 'detached' })
  expect(JSON.stringify(await names(ann)) === '["brief.txt","quote.txt"]', 'from December 1: ' + JSON.stringify(await names(ann)))
  await ann.fill('[data-test=filter-date-to]', '2026-12-02')
  await row(ann, 'brief.txt').waitFor({ state: 'detached' })
  expect(JSON.stringify(await names(ann)) === '["quote.txt"]', 'December 1 to 2: ' + JSON.stringify(await names(ann)))
  await shot(ann, 'd1-documents-dated')
  await ann.fill('[data-test=filter-date-from]', '2027-01-01')
  await ann.fill('[data-test=filter-date-to]', '')
  await ann.locator('.empty', { hasText: 'No document carries a date in that range.' }).waitFor()

  step('sort by the documents\' dates')
  await ann.fill('[data-test=filter-date-from]', '')
  await ann.selectOption('[data-test=sort]', 'date_desc')
  // The rows are all there before the sorted page arrives (the filter was
  // just cleared): wait for the order itself, then say what it was.
  const wantOrder = '["brief.txt","quote.txt","invoice.txt","holiday.txt"]'
  await ann.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('[data-test=doc-row]')].map((r) => r.dataset.name)) === want,
    wantOrder, { timeout: SLOW }).catch(() => {})
  const order = await ann.locator('[data-test=doc-row]').evaluateAll((rs) => rs.map((r) => r.dataset.name))
  expect(JSON.stringify(order) === wantOrder, 'dated, newest first: ' + JSON.stringify(order))

  step('a document\'s page: its date and its similar documents')
  await ann.goto(BASE + '/')
  await row(ann, 'invoice.txt').locator('a.fname').click()
  const dd = ann.locator('dd[data-test=doc-date]')
  await dd.waitFor()
  expect(await dd.getAttribute('data-date') === '2026-11-30' && (await dd.innerText()).trim() === 'November 30, 2026', 'invoice date: ' + await dd.innerText())
  const sim = ann.locator('[data-test=similar-doc]')
  await sim.first().waitFor()
  const similar = await sim.evaluateAll((ls) => ls.map((l) => l.dataset.name))
  // The German letter shares no word with it (its year does not count).
  expect(JSON.stringify(similar) === '["quote.txt"]', 'similar to invoice.txt: ' + JSON.stringify(similar))
  const first = (await sim.first().innerText()).replace(/\s+/g, ' ').trim()
  expect(/^quote\.txt \d{1,3}% · December 1, 2026/.test(first), 'similar row: ' + first)
  await shot(ann, 'd2-document-similar')

  step('follow a similar document')
  await sim.first().locator('a').click()
  await ann.locator('h1[data-test=doc-title]', { hasText: 'quote.txt' }).waitFor()
  await ann.locator('[data-test=similar-doc][data-name="invoice.txt"]').waitFor()

  step('a document like no other')
  await ann.goto(BASE + '/')
  await row(ann, 'holiday.txt').locator('a.fname').click()
  await ann.locator('[data-test=similar-note]', { hasText: 'No other document shares its words.' }).waitFor()
  expect((await ann.locator('dd[data-test=doc-date]').innerText()).trim() === 'no date found in its text', 'holiday date')

  step('on a phone')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone)
  await row(phone, 'invoice.txt').waitFor()
  await phone.fill('[data-test=filter-date-from]', '2026-11-01')
  await row(phone, 'holiday.txt').waitFor({ state: 'detached' })
  await shot(phone, 'd3-documents-dated-phone')
  await row(phone, 'invoice.txt').locator('a.fname').click()
  await phone.locator('[data-test=similar-doc]').first().waitFor()
  await shot(phone, 'd4-document-similar-phone')
})
