// Drag-and-drop anywhere in the web app (issue 21, item 6), run by
// dropanywhere_test.go in headless Chromium against a real `docuvault
// serve` + `worker`: files dragged over any page show a full-window
// overlay (dragged text does not, and leaving the window hides it), files
// dropped on the overview and on a document's page are uploaded with a
// per-file panel (progress, then uploaded, duplicate or refused with the
// server's reason, linked to the document) that stays from page to page,
// and on the documents page a drop anywhere goes into the folder shown,
// as a drop on its drop zone does, and is sent once. Waits are on
// conditions, never on time.
import { BASE, step, expect, newPage, shot, signIn, drop, row, run, accessibility } from './harness.mjs'

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim()

// An executable (ELF) the server refuses whatever its name.
const elf = Buffer.alloc(4096)
for (let i = 0; i < elf.length; i++) elf[i] = (i * 7919 + 13) % 251
elf.write('\x7fELF', 0, 'latin1')

// dataTransfer makes, in the page, what a drag carries: files ({name,
// text} or {name, bytes}) or, given a string, dragged text.
async function dataTransfer(page, what) {
  const files = typeof what === 'string' ? null : what.map((f) => ({
    name: f.name, b64: (f.text !== undefined ? Buffer.from(f.text) : f.bytes).toString('base64'),
  }))
  return page.evaluateHandle(([files, s]) => {
    const dt = new DataTransfer()
    if (!files) {
      dt.setData('text/plain', s)
      return dt
    }
    for (const f of files) {
      const bin = atob(f.b64)
      const bytes = new Uint8Array(bin.length)
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
      dt.items.add(new File([bytes], f.name))
    }
    return dt
  }, [files, typeof what === 'string' ? what : ''])
}

// fire dispatches a drag event carrying dt on the element selector names,
// as the browser does (it bubbles, it can be cancelled), and returns
// whether the page cancelled it (for dragover: whether it accepts a drop).
async function fire(page, selector, type, dt) {
  return page.evaluate(([sel, type, dt]) => {
    const ev = new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt })
    return !document.querySelector(sel).dispatchEvent(ev)
  }, [selector, type, dt])
}

// settled waits until Vue has rendered what the last event changed (its
// updates are flushed before the next frame).
const settled = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))

// still waits until the page's animations (the overlay fading in, the
// panel sliding in) are over, for a screenshot.
const still = (page) => page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)))

const overlay = (page) => page.locator('[data-test=drop-overlay]')
const panel = (page) => page.locator('[data-test=upload-panel]')
const item = (page, name) => page.locator(`[data-test=panel-item][data-name="${name}"]`)
// ended waits for name's row in the panel to end in state (done, duplicate, error).
const ended = (page, name, state) => page.locator(`[data-test=panel-item][data-name="${name}"][data-state=${state}]`).waitFor()

// watchProgress records, from now on, every progress bar the panel shows:
// its accessible name and its range.
async function watchProgress(page) {
  await page.evaluate(() => {
    window.seenProgress = []
    const note = (el) => window.seenProgress.push({ label: el.getAttribute('aria-label'), max: el.max, value: el.value, text: el.getAttribute('aria-valuetext') })
    new MutationObserver((ms) => {
      for (const m of ms) {
        for (const n of m.addedNodes) {
          if (n.nodeType !== 1 || !n.closest('[data-test=upload-panel]')) continue
          for (const p of n.matches('progress') ? [n] : n.querySelectorAll('progress')) note(p)
        }
      }
    }).observe(document.body, { childList: true, subtree: true })
  })
}

await run('drop anywhere e2e', async () => {
  let a11y // the last axe run's violations
  const ann = await newPage('ann')
  await signIn(ann)

  step('a file through the drop zone first (the duplicate to come)')
  await drop(ann, [{ name: 'notes.txt', text: 'Notes from the meeting about the garden fence' }])
  await ann.locator('[data-test=upload-item].up-done', { hasText: 'notes.txt' }).waitFor()
  await row(ann, 'notes.txt').waitFor()
  expect(await panel(ann).count() === 0, 'the uploads panel shows on the documents page, beside the drop zone’s own list')

  step('the overview: dragged text shows no overlay')
  await ann.click('nav >> text=Overview')
  await ann.locator('h1', { hasText: 'Overview' }).waitFor()
  expect(await panel(ann).count() === 1, 'the panel does not show the drop zone’s upload on the overview')
  await ann.click('[data-test=upload-clear]')
  await panel(ann).waitFor({ state: 'detached' })
  const words = await dataTransfer(ann, 'some dragged words')
  expect(!await fire(ann, 'body', 'dragenter', words), 'dragged text: dragenter cancelled')
  expect(!await fire(ann, 'main', 'dragover', words), 'dragged text: the page offers to take a drop of text')
  await settled(ann)
  expect(await overlay(ann).count() === 0, 'the overlay shows for dragged text')
  expect(!await fire(ann, 'main', 'drop', words), 'dragged text: the drop was taken')
  await settled(ann)
  expect(await panel(ann).count() === 0, 'dropped text made an upload')

  step('files dragged over the window show the overlay; leaving the window hides it')
  const invoice = 'Invoice 4711: bank transfer of the payments due by Friday'
  const three = await dataTransfer(ann, [
    { name: 'invoice.txt', text: invoice },
    { name: 'notes copy.txt', text: 'Notes from the meeting about the garden fence' },
    { name: 'program.exe', bytes: elf },
  ])
  expect(await fire(ann, 'body', 'dragenter', three), 'files: dragenter not cancelled')
  await overlay(ann).waitFor()
  expect(await text(overlay(ann)) === 'Drop to upload to DocuVault', 'overlay on the overview: ' + await text(overlay(ann)))
  expect(await text(ann.locator('[data-test=drop-overlay-status]')) === 'Drop to upload to DocuVault', 'the overlay is not in its live region')
  expect(await ann.locator('[data-test=drop-overlay-status]').getAttribute('aria-live') === 'polite', 'the overlay is not announced')
  // Entering an element inside, then leaving the first: still over the window.
  await fire(ann, 'main', 'dragenter', three)
  await fire(ann, 'body', 'dragleave', three)
  await settled(ann)
  expect(await overlay(ann).count() === 1, 'the overlay went while the files were still over the page')
  expect(await fire(ann, 'main', 'dragover', three), 'files: dragover not cancelled (the browser would open the file)')
  await fire(ann, 'main', 'dragleave', three)
  await overlay(ann).waitFor({ state: 'detached' })
  // The overlay takes no pointer events: what is under it stays the target.
  await fire(ann, 'body', 'dragenter', three)
  await overlay(ann).waitFor()
  expect(await overlay(ann).evaluate((el) => getComputedStyle(el).pointerEvents) === 'none', 'the overlay takes pointer events')
  expect(await overlay(ann).evaluate((el) => getComputedStyle(el).animationName) !== 'none', 'the overlay does not fade in')
  expect((a11y = await accessibility(ann)).length === 0, 'axe, with the overlay: ' + a11y.join('\n'))
  await still(ann)
  await shot(ann, 'p1-overlay-desktop')

  step('dropped: the panel shows each file’s progress and outcome')
  await watchProgress(ann)
  expect(await fire(ann, '[data-test=drop-overlay]', 'drop', three), 'files: drop not cancelled')
  await overlay(ann).waitFor({ state: 'detached' })
  await panel(ann).waitFor()
  await ended(ann, 'invoice.txt', 'done')
  await ended(ann, 'notes copy.txt', 'duplicate')
  await ended(ann, 'program.exe', 'error')
  const names = await ann.locator('[data-test=panel-item]').evaluateAll((ls) => ls.map((l) => l.dataset.name).sort())
  expect(JSON.stringify(names) === JSON.stringify(['invoice.txt', 'notes copy.txt', 'program.exe']), 'panel rows: ' + JSON.stringify(names))
  const seen = await ann.evaluate(() => window.seenProgress)
  for (const n of ['invoice.txt', 'notes copy.txt', 'program.exe']) {
    const p = seen.find((s) => s.label === 'Uploading ' + n)
    expect(p && p.max === 1 && p.value >= 0 && p.value <= 1 && /^(Waiting|\d+%)$/.test(p.text), `progress bar of ${n}: ${JSON.stringify(p)}`)
  }
  const outcome = async (n) => text(item(ann, n).locator('[data-test=panel-outcome]'))
  expect(await outcome('invoice.txt') === 'Uploaded.', 'invoice.txt: ' + await outcome('invoice.txt'))
  expect(await outcome('notes copy.txt') === 'Duplicate: already in your vault, not stored again.', 'notes copy.txt: ' + await outcome('notes copy.txt'))
  expect(/^Refused: This type of file is not allowed: the content is application\/x-elf, which is not on the allow-list/.test(await outcome('program.exe')), 'program.exe: ' + await outcome('program.exe'))
  const size = await text(item(ann, 'invoice.txt').locator('.size'))
  expect(size === Buffer.byteLength(invoice) + ' B', 'invoice.txt size: ' + size)
  expect(await item(ann, 'program.exe').locator('a').count() === 0, 'a refused file links to a document')
  const summary = ann.locator('[data-test=upload-summary]')
  expect(await text(summary) === '3 files: 1 uploaded, 1 already in your vault, 1 refused.', 'summary: ' + await text(summary))
  const announce = ann.locator('[data-test=upload-announce]')
  expect(await announce.getAttribute('aria-live') === 'polite' && await text(announce) === await text(summary), 'the summary is not announced: ' + await text(announce))
  expect((a11y = await accessibility(ann)).length === 0, 'axe, with the panel: ' + a11y.join('\n'))
  await still(ann)
  await shot(ann, 'p2-panel-overview-desktop')

  step('the panel stays from page to page, and links to the documents')
  await ann.click('nav >> text=Topics')
  await ann.locator('h1', { hasText: 'Topics' }).waitFor()
  expect(await ann.locator('[data-test=panel-item]').count() === 3, 'panel rows on the topics page: ' + await ann.locator('[data-test=panel-item]').count())
  await item(ann, 'notes copy.txt').locator('a').click()
  await ann.locator('h1', { hasText: 'notes.txt' }).waitFor() // the copy already stored
  await ann.goBack()
  await ann.locator('h1', { hasText: 'Topics' }).waitFor()
  await item(ann, 'invoice.txt').locator('a').click()
  await ann.locator('h1', { hasText: 'invoice.txt' }).waitFor()
  expect(await ann.locator('[data-test=panel-item]').count() === 3, 'panel rows on the document page')

  step('a document’s page takes a drop too')
  const one = await dataTransfer(ann, [{ name: 'receipt.txt', text: 'Receipt for the new garden fence, paid in cash' }])
  await fire(ann, 'body', 'dragenter', one)
  await overlay(ann).waitFor()
  await fire(ann, 'main', 'dragover', one)
  await fire(ann, 'main', 'drop', one)
  await ended(ann, 'receipt.txt', 'done')
  expect(await ann.locator('[data-test=panel-item]').count() === 4, 'panel rows after the second drop')
  expect(await text(summary) === '4 files: 2 uploaded, 1 already in your vault, 1 refused.', 'summary: ' + await text(summary))
  await still(ann)
  await shot(ann, 'p3-panel-document-desktop')

  step('the close button is reached and pressed with the keyboard; new files open the panel again')
  await item(ann, 'receipt.txt').locator('a').focus()
  await ann.keyboard.press('Shift+Tab')
  expect(await ann.evaluate(() => document.activeElement.dataset.test) === 'upload-panel-close', 'Shift+Tab from the first row does not reach the close button')
  expect(await ann.locator('[data-test=upload-panel-close]').getAttribute('aria-label') === 'Close the uploads panel', 'close button name')
  await ann.keyboard.press('Enter')
  await panel(ann).waitFor({ state: 'detached' })
  const again = await dataTransfer(ann, [{ name: 'receipt.txt', text: 'Receipt for the new garden fence, paid in cash' }])
  await fire(ann, 'body', 'dragenter', again)
  await fire(ann, 'body', 'drop', again)
  await panel(ann).waitFor()
  await ended(ann, 'receipt.txt', 'duplicate')
  expect(await ann.locator('[data-test=panel-item]').count() === 5, 'panel rows after reopening')
  await ann.click('[data-test=upload-clear]')
  await panel(ann).waitFor({ state: 'detached' })

  step('the documents page with a folder chosen: a drop anywhere goes into it')
  await ann.click('nav >> text=Documents')
  await ann.locator('h1', { hasText: 'Documents' }).waitFor()
  await ann.locator('[data-test=folder-node][data-name="Taxes"] [data-test=folder-toggle]').first().click()
  await ann.locator('[data-test=folder-node][data-name="2024"] [data-test=folder-link]').first().click()
  await ann.locator('[data-test=in-folder]', { hasText: 'In folder Taxes / 2024' }).waitFor()
  const tax = await dataTransfer(ann, [{ name: 'tax.txt', text: 'Tax assessment for the year, payments due' }])
  await fire(ann, 'body', 'dragenter', tax)
  await overlay(ann).waitFor()
  await ann.locator('[data-test=drop-overlay-folder]', { hasText: 'into the folder “Taxes / 2024”' }).waitFor()
  await still(ann)
  await shot(ann, 'p4-overlay-folder-desktop')
  await fire(ann, 'main', 'drop', tax)
  await ann.locator('[data-test=upload-item].up-done', { hasText: 'tax.txt' }).waitFor()
  await row(ann, 'tax.txt').waitFor() // the list refreshed
  expect(await panel(ann).count() === 0, 'the panel shows beside the drop zone’s list')

  step('with the overlay up, a drop on the drop zone is sent once')
  await fire(ann, 'body', 'dragenter', await dataTransfer(ann, [{ name: 'zone.txt', text: 'x' }]))
  await overlay(ann).waitFor()
  await drop(ann, [{ name: 'zone.txt', text: 'Dropped on the zone itself while the overlay showed' }])
  await overlay(ann).waitFor({ state: 'detached' })
  await ann.locator('[data-test=upload-item].up-done', { hasText: 'zone.txt' }).waitFor()
  await row(ann, 'zone.txt').waitFor()
  expect(await ann.locator('[data-test=upload-item]', { hasText: 'zone.txt' }).count() === 1, 'zone.txt was sent twice')
  await shot(ann, 'p5-documents-folder-desktop')

  step('on a phone')
  const phone = await newPage('ann-phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/overview')
  await phone.locator('h1', { hasText: 'Overview' }).waitFor()
  const two = await dataTransfer(phone, [
    { name: 'phone photo notes.txt', text: 'Notes typed on the phone about the fence posts' },
    { name: 'setup.exe', bytes: elf },
  ])
  await fire(phone, 'body', 'dragenter', two)
  await overlay(phone).waitFor()
  await still(phone)
  await shot(phone, 'p6-overlay-phone')
  await fire(phone, 'main', 'drop', two)
  await ended(phone, 'phone photo notes.txt', 'done')
  await ended(phone, 'setup.exe', 'error')
  const box = await panel(phone).boundingBox()
  expect(box && box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, 'the panel leaves the phone’s screen: ' + JSON.stringify(box))
  expect((a11y = await accessibility(phone)).length === 0, 'axe, phone with the panel: ' + a11y.join('\n'))
  await still(phone)
  await shot(phone, 'p7-panel-phone')

  step('dark, with reduced motion: nothing moves, and the panel passes axe')
  const dark = await newPage('ann-dark', { width: 1280, height: 860 }, { colorScheme: 'dark', reducedMotion: 'reduce' })
  await signIn(dark)
  await dark.goto(BASE + '/topics')
  await dark.locator('h1', { hasText: 'Topics' }).waitFor()
  const late = await dataTransfer(dark, [{ name: 'late.exe', bytes: elf }])
  await fire(dark, 'body', 'dragenter', late)
  await overlay(dark).waitFor()
  expect(await overlay(dark).evaluate((el) => getComputedStyle(el).animationName) === 'none', 'the overlay fades in despite reduced motion')
  await fire(dark, 'main', 'drop', late)
  await ended(dark, 'late.exe', 'error')
  expect(await panel(dark).evaluate((el) => getComputedStyle(el).animationName) === 'none', 'the panel slides in despite reduced motion')
  expect((a11y = await accessibility(dark)).length === 0, 'axe, dark with the panel: ' + a11y.join('\n'))
  await shot(dark, 'p8-panel-dark-desktop')
})
