// End-to-end test of the Activity page (issue 21), run by audit_test.go in
// headless Chromium against a real `docuvault serve` + `worker`: who did
// each event (an account, or the command line), events and details in
// words, a document linked only for whoever may open it, the filters by
// person, event and day, and stacked cards on a phone. Waits are on
// conditions, never on time.
import { ANN, BASE, env, step, expect, newPage, shot, signIn, drop, row, run } from './harness.mjs'

const ROOT = { handle: 'root', password: env('ROOT_PASSWORD') }
const CLI = env('CLI_NAME') // "<OS user> (command line)"
const rows = (page) => page.locator('[data-test=audit-row]')
const rowData = (page) => rows(page).evaluateAll((rs) => rs.map((r) => ({
  event: r.dataset.event, actor: r.dataset.actor, user: r.dataset.user,
  text: r.innerText.replace(/\s+/g, ' '), links: r.querySelectorAll('td.details a').length,
})))
const localDay = (plus = 0) => {
  const d = new Date()
  d.setDate(d.getDate() + plus)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

await run('audit e2e', async () => {
  // --- ann uploads, shares with bob and signs out everywhere elsewhere.
  step('ann uploads a document')
  const ann = await newPage('ann')
  await signIn(ann)
  await drop(ann, [{ name: 'ann-invoice.txt', text: 'Invoice 12: paid by bank transfer' }])
  await row(ann, 'ann-invoice.txt').waitFor()

  // --- root, an admin, reads everyone's events.
  step('the admin reads everyone’s events')
  const root = await newPage('root')
  await signIn(root, ROOT)
  await root.click('nav >> text=Activity')
  await root.locator('h1', { hasText: 'Activity' }).waitFor()
  await rows(root).filter({ hasText: 'ann-invoice.txt' }).first().waitFor()
  const head = await root.locator('table.activity thead th').allInnerTexts()
  expect(JSON.stringify(head) === '["When","Who","Event","Details","From"]', 'columns: ' + JSON.stringify(head))
  let all = await rowData(root)
  const annUp = all.find((r) => r.event === 'upload' && r.actor === 'ann')
  expect(annUp && annUp.text.includes('Document uploaded') && annUp.text.includes('ann-invoice.txt'), 'ann’s upload row: ' + JSON.stringify(annUp))
  expect(annUp.links === 0, 'the admin gets a link to ann’s document, which they cannot open')
  const cliUp = all.find((r) => r.event === 'upload' && r.actor === CLI)
  expect(cliUp && cliUp.text.includes('bob-notes.txt') && cliUp.text.includes('for bob') && cliUp.text.includes('command line'),
    'the CLI upload for bob: ' + JSON.stringify(cliUp) + ' in ' + JSON.stringify(all.map((r) => r.actor + '/' + r.event)))
  const quota = all.find((r) => r.event === 'user_admin' && r.user === 'bob' && r.text.includes('Quota'))
  expect(quota && quota.actor === CLI && quota.text.includes('Quota of bob set to 50 MiB'), 'the CLI quota change: ' + JSON.stringify(quota))
  const filed = all.find((r) => r.event === 'document_update')
  expect(filed && filed.actor === CLI && filed.text.includes('Topics set to “Finance”'), 'the CLI filing: ' + JSON.stringify(filed))
  const login = all.find((r) => r.event === 'login' && r.actor === 'ann')
  expect(login && login.text.includes('Signed in') && login.text.includes('this machine (127.0.0.1)'), 'ann’s sign-in: ' + JSON.stringify(login))
  for (const r of all) {
    expect(!/[a-z]_[a-z]|topic_ids|share_id|\bfalse\b|\btrue\b|[0-9a-f]{8}-[0-9a-f]{4}-/.test(r.text), 'raw data in a row: ' + r.text)
  }
  await shot(root, 'a1-activity-admin-desktop')

  // --- Filters: person, event, days.
  step('filter by person, event and day')
  await root.selectOption('[data-test=filter-person]', 'ann')
  await root.locator('[data-test=audit-row][data-user=bob]').first().waitFor({ state: 'detached' })
  all = await rowData(root)
  expect(all.length >= 2 && all.every((r) => r.actor === 'ann' || r.user === 'ann'), 'ann’s events: ' + JSON.stringify(all))
  await root.selectOption('[data-test=filter-person]', 'cli')
  await rows(root).filter({ hasText: 'Signed in' }).first().waitFor({ state: 'detached' })
  all = await rowData(root)
  expect(all.length >= 5 && all.every((r) => r.actor === CLI), 'the command line’s events: ' + JSON.stringify(all))
  await root.selectOption('[data-test=filter-event]', 'upload')
  await rows(root).filter({ hasText: 'Account changed' }).first().waitFor({ state: 'detached' })
  all = await rowData(root)
  expect(all.length === 1 && all[0].text.includes('bob-notes.txt'), 'the command line’s uploads: ' + JSON.stringify(all))
  await root.fill('[data-test=filter-from]', localDay(1))
  await root.locator('.empty', { hasText: 'No events match these filters.' }).waitFor()
  await root.fill('[data-test=filter-from]', localDay(0))
  await root.fill('[data-test=filter-to]', localDay(0))
  await rows(root).first().waitFor()
  expect((await rows(root).count()) === 1, 'today’s CLI uploads')
  await root.fill('[data-test=filter-from]', localDay(2))
  await root.locator('[role=alert]', { hasText: 'the date range ends' }).waitFor()
  await root.getByRole('button', { name: 'Clear filters' }).click()
  await rows(root).filter({ hasText: 'Signed in' }).first().waitFor()

  // --- A phone: stacked cards, nothing wrapped mid-word, nothing sideways.
  step('the activity page on a phone')
  const phone = await newPage('root-phone', { width: 390, height: 844 })
  await signIn(phone, ROOT)
  await phone.goto(BASE + '/audit')
  await rows(phone).filter({ hasText: 'ann-invoice.txt' }).first().waitFor()
  const layout = await phone.evaluate(() => {
    const out = { headShown: getComputedStyle(document.querySelector('table.activity thead')).display !== 'none', bad: [] }
    for (const tr of document.querySelectorAll('[data-test=audit-row]')) {
      const tb = tr.getBoundingClientRect()
      if (getComputedStyle(tr).display !== 'block') out.bad.push('row not a card')
      for (const td of tr.querySelectorAll('td')) {
        const b = td.getBoundingClientRect()
        const cs = getComputedStyle(td)
        if (b.width && b.width < tb.width * 0.8) out.bad.push(`${td.className} is ${b.width}px of ${tb.width}px`)
        if (cs.wordBreak === 'break-all' || cs.overflowWrap === 'anywhere') out.bad.push(`${td.className} breaks words`)
        if (td.scrollWidth > td.clientWidth + 1) out.bad.push(`${td.className} overflows: ${td.innerText}`)
      }
    }
    return out
  })
  expect(!layout.headShown && layout.bad.length === 0, 'phone layout: ' + JSON.stringify(layout))
  await shot(phone, 'a2-activity-admin-phone')

  // --- ann sees her own events, and her document opens from them.
  step('ann opens her document from her activity')
  await ann.click('nav >> text=Activity')
  const own = rows(ann).filter({ hasText: 'Document uploaded' })
  await own.first().waitFor()
  expect((await ann.locator('[data-test=filter-person]').count()) === 0, 'a user gets a person filter')
  all = await rowData(ann)
  expect(all.every((r) => r.user === 'ann'), 'ann sees another’s events: ' + JSON.stringify(all))
  await own.first().locator('td.details a', { hasText: 'ann-invoice.txt' }).click()
  await ann.locator('[data-test=doc-title]', { hasText: 'ann-invoice.txt' }).waitFor()
  const annPhone = await newPage('ann-phone', { width: 390, height: 844 })
  await signIn(annPhone, ANN)
  await annPhone.goto(BASE + '/audit')
  await rows(annPhone).first().waitFor()
  await shot(annPhone, 'a3-activity-user-phone')
})
