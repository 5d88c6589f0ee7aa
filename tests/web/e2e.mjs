// End-to-end test of the web app in headless Chromium, run by web_test.go
// against a real `docuvault serve` + `worker`. Configuration comes from the
// environment (see web_test.go); each step prints one line, and any failure
// exits non-zero with the reason. Waits are on conditions, never on time.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { env, BASE, ANN, SLOW, step, problems, newPage, shot, submitLogin as signIn, drop, row, run } from './harness.mjs'

const FILES = env('UPLOAD_FILES').split(',')
const BOB = { handle: 'bob', password: env('BOB_PASSWORD') }

await run('e2e', async () => {
  // --- Wrong password: a clear message, no session.
  step('wrong password')
  const ann = await newPage('ann')
  await signIn(ann, ANN, 'not the password')
  await ann.locator('[data-test=login-error]').filter({ hasText: 'Wrong handle or password' }).waitFor()
  await shot(ann, '01-login-error')

  // --- Sign in.
  step('sign in as ann')
  await ann.fill('#password', ANN.password)
  await ann.click('button[type=submit]')
  await ann.locator('h1', { hasText: 'Documents' }).waitFor()
  await ann.locator('.who', { hasText: 'ann' }).waitFor()

  // --- Upload three real documents by drag-and-drop.
  step('drop three documents')
  const names = FILES.map((p) => basename(p))
  await drop(ann, FILES.map((path) => ({ path })))
  for (const n of names) {
    await ann.locator('[data-test=upload-item].up-done', { hasText: n }).waitFor()
  }
  step('wait until all three are classified')
  for (const n of names) {
    await ann.locator(`[data-test=doc-row][data-name="${n}"][data-status=classified]`).waitFor({ timeout: SLOW })
  }
  await ann.locator('[data-test=doc-row] .chip').first().waitFor()

  // --- A disallowed type: a clear per-file error in the page.
  step('drop a disallowed file')
  const junk = Buffer.alloc(4096)
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) % 251
  junk.write('\x7fELF', 0, 'latin1')
  // With it, an encrypted PDF: stored, then failed by the worker, with
  // the reason shown in the list.
  await drop(ann, [{ name: 'program.exe', bytes: junk }, { path: env('FAILING_FILE') }])
  await ann.locator('[data-test=upload-item].up-error', { hasText: 'program.exe' }).filter({ hasText: 'not allowed' }).waitFor()
  const failing = basename(env('FAILING_FILE'))
  await ann.locator(`[data-test=doc-row][data-name="${failing}"][data-status=failed] .reason`).waitFor({ timeout: SLOW })
  await shot(ann, '02-documents')

  // --- A document's page: metadata, text, topics; share it with bob.
  step('open a document and share it with bob')
  const shared = names[0]
  await row(ann, shared).locator('a.fname').click()
  await ann.locator('[data-test=doc-title]', { hasText: shared }).waitFor()
  await ann.locator('[data-test=doc-text]').waitFor()
  step('remove and add a topic, download')
  await ann.click('button[aria-label="Remove topic Reports"]')
  await ann.locator('.alert.info', { hasText: 'Removed “Reports”' }).waitFor()
  await ann.locator('ul[aria-label=Topics] .chip', { hasText: 'Reports' }).waitFor({ state: 'detached' })
  await ann.selectOption('#addtopic', { label: 'Reports' })
  await ann.getByRole('button', { name: 'Add', exact: true }).click()
  await ann.locator('ul[aria-label=Topics] .chip', { hasText: 'Reports' }).waitFor()
  const downloading = ann.waitForEvent('download')
  await ann.getByRole('button', { name: 'Download' }).click()
  const dl = await downloading
  if (dl.suggestedFilename() !== shared) throw new Error('download named ' + dl.suggestedFilename())
  // Streamed by the browser from a ticket link (download.js), not held in memory as a Blob first.
  if (!/\/api\/documents\/[^/]+\/content\?ticket=/.test(dl.url())) throw new Error('downloaded from ' + dl.url().slice(0, 60) + ', not a ticket link')
  const got = readFileSync(await dl.path())
  if (!got.equals(readFileSync(FILES[0]))) throw new Error(`downloaded ${got.length} bytes, not the uploaded file`)
  await ann.fill('#recipient', 'bob')
  await ann.click('[data-test=share-form] button[type=submit]')
  await ann.locator('.plain li', { hasText: 'bob' }).waitFor()
  await shot(ann, '03-document')

  // --- Search: by a word of the document's text, found with a snippet.
  step('search')
  const text = await ann.locator('[data-test=doc-text]').innerText()
  const word = (text.match(/[A-Za-z]{6,}/) || ['document'])[0]
  await ann.fill('#q', word)
  await ann.press('#q', 'Enter')
  await ann.waitForURL(/\/search\?q=/)
  await ann.locator('[data-test=search-hit], [data-test=search-error]').first().waitFor()
  if (await ann.locator('[data-test=search-error]').count()) {
    throw new Error('search failed: ' + await ann.locator('[data-test=search-error]').innerText())
  }
  await ann.locator('[data-test=search-hit]', { hasText: shared }).waitFor()
  await ann.locator('[data-test=search-hit] mark').first().waitFor()
  await shot(ann, '04-search')

  // The search page against the documented contract of GET /api/search
  // (served here by the test while the server may not have the route):
  // snippets are HTML-escaped text with <mark>s, facets filter by topic.
  step('search page on the contract')
  let asked = ''
  await ann.route('**/api/search?**', (r) => {
    asked = r.request().url()
    const doc = { id: '00000000-0000-4000-8000-000000000001', filename: 'minutes.pdf', status: 'classified', permission: 'owner', owner: 'ann', size_bytes: 1234, created_at: new Date().toISOString(), topics: [{ id: 't1', name: 'Meetings', color: '#2e8b57', source: 'auto', score: 0.9 }] }
    r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({
      hits: [{ document: doc, rank: 0.5, snippet: 'the board met on the <mark>twelfth</mark> of June &lt;b&gt;not bold&lt;/b&gt;' }],
      next_cursor: '', total: 1, total_estimated: false, facets: [{ topic_id: 't1', name: 'Meetings', count: 1 }],
    }) })
  })
  await ann.goto(BASE + '/search?q=twelfth')
  await ann.locator('[data-test=search-hit] mark', { hasText: 'twelfth' }).waitFor()
  const snippet = await ann.locator('[data-test=search-hit] .snippet').innerText()
  if (!snippet.includes('<b>not bold</b>') || await ann.locator('[data-test=search-hit] .snippet b').count()) {
    throw new Error('snippet not rendered as escaped text: ' + snippet)
  }
  await ann.locator('.facet', { hasText: 'Meetings' }).waitFor()
  if (!/[?&]q=twelfth/.test(asked)) throw new Error('search asked ' + asked)
  await ann.locator('.facet', { hasText: 'Meetings' }).click()
  await ann.waitForURL(/topic_id=t1/)
  await ann.locator('[data-test=search-hit]').waitFor()
  if (!/[?&]topic=t1/.test(asked)) throw new Error('the facet did not filter: ' + asked) // the API's parameter is topic
  await shot(ann, '04b-search-contract')
  await ann.unroute('**/api/search?**')

  // --- The other pages render.
  for (const [path, heading, file] of [['/topics', 'Topics', '05-topics'], ['/shares', 'Shares', '06-shares'],
    ['/audit', 'Activity', '07-audit'], ['/settings', 'Settings', '08-settings'], ['/admin', 'Users', '09-admin']]) {
    step('page ' + path)
    await ann.goto(BASE + path)
    await ann.locator('h1', { hasText: heading }).waitFor()
    await ann.waitForLoadState('networkidle')
    await shot(ann, file)
  }
  await ann.goto(BASE + '/audit')
  await ann.locator('td', { hasText: 'share' }).first().waitFor()

  // --- "Try it": the classifier on pasted text, nothing stored.
  step('try it')
  await ann.goto(BASE + '/topics')
  await ann.fill('#ttext', 'Minutes of the board meeting: the agenda, apologies and the vote.')
  await ann.getByRole('button', { name: 'Classify' }).click()
  const best = ann.locator('[data-test=try-result] li').first()
  await best.waitFor()
  const bestText = await best.innerText()
  if (!/Meetings/.test(bestText) || !/assigned/.test(bestText) || /not assigned/.test(bestText)) throw new Error('try it: ' + bestText)
  await shot(ann, '05b-topics-try-it')

  step('settings and a new user')
  await ann.goto(BASE + '/settings')
  await ann.selectOption('#provider', 'builtin')
  await ann.selectOption('#ocr', 'auto')
  await ann.getByRole('button', { name: 'Save' }).click()
  await ann.locator('.alert.info', { hasText: 'Settings saved' }).waitFor()
  await ann.goto(BASE + '/admin')
  await ann.fill('#uh', 'carol')
  await ann.fill('#ue', 'carol@example.org')
  await ann.fill('#up', 'carol password')
  await ann.fill('#uq', '2GiB')
  await ann.getByRole('button', { name: 'Create user' }).click()
  await ann.locator('tr', { hasText: 'carol@example.org' }).filter({ hasText: '2.0 GiB' }).waitFor()

  // --- Silent refresh: once the access token has expired (its life is
  // ACCESS_TTL_MS plus the server's leeway), moving within the app
  // refreshes it and goes on, without a sign-in.
  step('silent refresh of an expired access token')
  const issued = Date.now()
  await ann.waitForFunction((t) => Date.now() > t, issued + Number(env('ACCESS_EXPIRED_AFTER_MS')), { polling: 250 })
  const refreshed = ann.waitForResponse((r) => r.url().endsWith('/api/auth/refresh') && r.status() === 200)
  await ann.click('nav >> text=Topics')
  await refreshed
  await ann.locator('.topics .chip', { hasText: 'Meetings' }).waitFor()
  if (!ann.url().endsWith('/topics')) throw new Error('after the refresh the page is ' + ann.url())

  step('create a topic')
  await ann.fill('#tname', 'Travel')
  await ann.fill('#tdesc', 'trips, tickets, hotels')
  await ann.selectOption('#talg', 'any')
  await ann.fill('#tmatch', 'flight hotel')
  await ann.getByRole('button', { name: 'Create', exact: true }).click()
  await ann.locator('.topics li', { hasText: 'Travel' }).filter({ hasText: 'rule: any “flight hotel”' }).waitFor()

  // --- Bob sees the shared document from his own session; his tiny quota
  // refuses an upload with a clear message.
  step('bob sees the shared document')
  const bob = await newPage('bob', { width: 390, height: 844 })
  // By keyboard only: the handle field has the focus.
  await bob.goto(BASE + '/')
  await bob.waitForURL(/\/login/)
  await bob.locator('#handle:focus').waitFor()
  await bob.keyboard.type(BOB.handle)
  await bob.keyboard.press('Tab')
  await bob.keyboard.type(BOB.password)
  await bob.keyboard.press('Enter')
  await bob.locator('h1', { hasText: 'Documents' }).waitFor()
  await bob.goto(BASE + '/shared')
  await row(bob, shared).waitFor()
  await shot(bob, '10-bob-shared-phone')
  await row(bob, shared).locator('a.fname').click()
  await bob.locator('[data-test=doc-title]', { hasText: shared }).waitFor()
  await bob.locator('[data-test=doc-text]').waitFor()
  if (await bob.locator('[data-test=delete]').count()) throw new Error('bob may not delete ann\'s document, yet sees Delete')
  step('bob over quota')
  await bob.goto(BASE + '/')
  // The file picker: Enter on the focused drop zone opens it (seen as a
  // click on its file input, held back here so no dialog opens), and
  // files chosen in it upload.
  await bob.locator('[data-test=file-input]').evaluate((el) => {
    el.addEventListener('click', (e) => { e.preventDefault(); el.dataset.opened = 'yes' })
  })
  await bob.focus('[data-test=dropzone]')
  await bob.keyboard.press('Enter')
  await bob.locator('[data-test=file-input][data-opened=yes]').waitFor({ state: 'attached' })
  await bob.setInputFiles('[data-test=file-input]', FILES[1])
  await bob.locator('[data-test=upload-item].up-error').filter({ hasText: 'quota' }).waitFor()
  await shot(bob, '11-bob-over-quota-phone')
  step('bob signs out')
  await bob.click('button.menu-toggle')
  await bob.getByRole('button', { name: 'Sign out' }).click()
  await bob.locator('.alert', { hasText: 'You have signed out' }).waitFor()
  await bob.goto(BASE + '/shared')
  await bob.waitForURL(/\/login/)

  // --- Ann deletes one document.
  step('delete a document')
  const gone = names[2]
  await ann.goto(BASE + '/')
  await row(ann, gone).locator('a.fname').click()
  await ann.locator('[data-test=doc-title]', { hasText: gone }).waitFor()
  await ann.fill('#fname', 'renamed-' + gone)
  await ann.getByRole('button', { name: 'Rename', exact: true }).click()
  await ann.locator('[data-test=doc-title]', { hasText: 'renamed-' + gone }).waitFor()
  await ann.click('[data-test=delete]')
  await ann.waitForURL(BASE + '/')
  await ann.locator('.alert.info', { hasText: 'Moved “renamed-' + gone }).waitFor()
  await row(ann, names[1]).waitFor()
  await row(ann, 'renamed-' + gone).waitFor({ state: 'detached' })

  // --- Paper: a scanned PDF is read by OCR page by page (turned and
  // straightened), a blank scan is "no text", never badged as understood.
  step('a scan is read by OCR, a blank scan has no text')
  await ann.goto(BASE + '/')
  await drop(ann, [{ path: env('SCAN_FILE') }, { path: env('BLANK_FILE') }])
  const scan = basename(env('SCAN_FILE'))
  const blank = basename(env('BLANK_FILE'))
  await ann.locator(`[data-test=doc-row][data-name="${scan}"][data-status=classified]`).waitFor({ timeout: SLOW })
  await ann.locator(`[data-test=doc-row][data-name="${blank}"][data-status=no_text] .badge`, { hasText: 'no text' }).waitFor({ timeout: SLOW })
  await ann.selectOption('[data-test=filter-status]', 'no_text')
  await row(ann, scan).waitFor({ state: 'detached' })
  await row(ann, blank).waitFor()
  if (await ann.locator('[data-test=doc-row]').count() !== 1) problems.push('the no_text filter lists more than the blank scan')
  await shot(ann, '14-no-text-filter')
  await row(ann, blank).locator('a.fname').click()
  await ann.locator('[data-test=text-note]', { hasText: 'No text was found' }).waitFor()
  await ann.locator('[data-test=doc-status] .badge', { hasText: 'no text' }).waitFor()
  await ann.goto(BASE + '/')
  await row(ann, scan).locator('a.fname').click()
  await ann.locator('[data-test=doc-pages]', { hasText: '3 pages: 3 by OCR' }).waitFor()
  await ann.locator('[data-test=doc-text]', { hasText: 'DEFINITIONS' }).waitFor()
  await ann.locator('[data-test=doc-pages] summary').click()
  await ann.locator('[data-test=ocr-pages] tr', { hasText: '270°' }).waitFor()
  // The preview: pdf.js draws the scan's pages (its worker from the app's
  // own origin, under the app's CSP): some pixels of page 1 are dark.
  await ann.locator('[data-test=preview]', { hasText: '3 pages' }).waitFor({ timeout: SLOW })
  await ann.waitForFunction(() => {
    const c = document.querySelector('[data-test=preview-page][data-page="1"]')
    if (!c || !c.width) return false
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    let dark = 0
    for (let i = 0; i < d.length; i += 4 * 97) if (d[i] < 100) dark++
    return dark > 50
  }, null, { timeout: SLOW })
  await shot(ann, '15-scan-document')
  // The searchable copy the worker made: offered beside the original.
  await ann.locator('[data-test=download-searchable]').waitFor()
  await ann.locator('[data-test=show-searchable]').check()
  await ann.locator('[data-test=preview]', { hasText: '3 pages' }).waitFor({ timeout: SLOW })
  await ann.locator('[data-test=preview-page][data-page="1"]').waitFor()
  // The grid: first pages as thumbnails, a typed tile for the rest.
  await ann.goto(BASE + '/')
  await ann.click('[data-test=view-grid]')
  await ann.waitForFunction((n) => {
    const img = document.querySelector(`[data-test=docgrid] [data-name="${n}"] img[data-test=thumb]`)
    return img && img.complete && img.naturalWidth > 100
  }, scan, { timeout: SLOW })
  await shot(ann, '17-grid')
  const phoneGrid = await newPage('phone-grid', { width: 390, height: 844 })
  await signIn(phoneGrid, ANN)
  await phoneGrid.locator('h1', { hasText: 'Documents' }).waitFor()
  await phoneGrid.click('[data-test=view-grid]')
  await phoneGrid.locator(`[data-test=docgrid] [data-name="${scan}"] img[data-test=thumb]`).waitFor()
  await shot(phoneGrid, '18-grid-phone')
  await phoneGrid.context().close()
  await ann.click('[data-test=view-list]')
  await ann.locator('[data-test=doclist]').waitFor()
  const phone = await newPage('phone', { width: 390, height: 844 })
  await signIn(phone, ANN)
  await phone.locator('h1', { hasText: 'Documents' }).waitFor()
  await row(phone, scan).locator('a.fname').click()
  await phone.locator('[data-test=doc-pages] summary').click()
  await phone.locator('[data-test=ocr-pages]').waitFor()
  await shot(phone, '16-scan-document-phone')
  await phone.context().close()

  // --- A session whose refresh token is gone goes back to sign-in.
  step('ended session')
  await ann.evaluate(() => localStorage.setItem('docuvault.refresh', 'revoked-or-expired'))
  await ann.goto(BASE + '/topics')
  await ann.waitForURL(/\/login/)
  await ann.locator('.alert', { hasText: 'session has ended' }).waitFor()

  // --- The server going away: a clear message, not a blank page.
  step('server unreachable')
  await signIn(ann, ANN)
  await ann.locator('h1', { hasText: 'Documents' }).waitFor()
  await ann.route('**/api/**', (r) => r.abort('connectionrefused'))
  await ann.locator('select[data-test=filter-status]').selectOption('failed')
  await ann.locator('.alert.error', { hasText: 'Cannot reach the DocuVault server' }).waitFor()
  await shot(ann, '12-server-down')
  await ann.unroute('**/api/**')
})
