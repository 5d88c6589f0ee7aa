// Files a watch folder could not take in (issue 22, item 1), run by
// ingest_test.go in headless Chromium against a real `docuvault serve`:
// the overview's card lists the file with its reason and tries, on a
// desktop and on a phone, in English and German. Waits are on conditions.
import { BASE, step, expect, newPage, shot, signIn, run, accessibility, env } from './harness.mjs'

const BAD = env('BAD_PATH')
const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim()

await run('ingest errors', async () => {
  const ann = await newPage('ann')
  await signIn(ann)

  step('the overview lists the file the watch folder could not take')
  await ann.click('nav >> text=Overview')
  const card = ann.locator('[data-test=ov-ingest]')
  await card.waitFor()
  const c = await text(card)
  expect(c.includes('Files not taken in') && c.includes('1 file from a watch folder could not be stored'), 'card: ' + c)
  const items = ann.locator('[data-test=ingest-error]')
  expect(await items.count() === 1, 'errors listed: ' + await items.count())
  const item = await text(items.first())
  expect(item.includes(BAD) && item.includes('type not allowed') && item.includes('Tried once'), 'error: ' + item)
  // The good file of the same folder was stored.
  expect((await text(ann.locator('[data-test=ov-recent]'))).includes('letter.txt'), 'letter.txt is among the newest')
  const a11y = await accessibility(ann)
  expect(a11y.length === 0, 'accessibility: ' + a11y.join('; '))
  await shot(ann, 'i1-overview-ingest-errors')

  step('on a phone: the long path wraps, nothing goes sideways')
  const phone = await newPage('ann-phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/overview')
  await phone.locator('[data-test=ov-ingest] [data-test=ingest-error]').waitFor()
  await shot(phone, 'i2-overview-ingest-errors-phone')

  step('in German')
  await ann.evaluate(() => localStorage.setItem('docuvault.lang', 'de'))
  await ann.reload()
  await ann.locator('[data-test=ov-ingest]', { hasText: 'Nicht übernommene Dateien' }).waitFor()
  const de = await text(ann.locator('[data-test=ov-ingest]'))
  expect(de.includes('1 Datei aus einem überwachten Ordner') && de.includes('Einmal versucht'), 'German card: ' + de)
  await shot(ann, 'i3-overview-ingest-errors-de')
})
