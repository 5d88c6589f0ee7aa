// Files a watch folder and a cloud connection could not take in (issue
// 22), run by ingest_test.go in headless Chromium against a real
// `docuvault serve`: the overview's card lists each file with its source,
// reason and tries, on a desktop and on a phone, in English and German.
// Waits are on conditions.
import { BASE, step, expect, newPage, shot, signIn, run, accessibility, env } from './harness.mjs'

const BAD = env('BAD_PATH')
const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim()

await run('ingest errors', async () => {
  const ann = await newPage('ann')
  await signIn(ann)

  step('the overview lists the files the watch folder and the cloud connection could not take')
  await ann.click('nav >> text=Overview')
  const card = ann.locator('[data-test=ov-ingest]')
  await card.waitFor()
  const c = await text(card)
  expect(c.includes('Files not taken in') && c.includes('2 files from watch folders, e-mail accounts or cloud connections could not be taken in'), 'card: ' + c)
  const items = ann.locator('[data-test=ingest-error]')
  expect(await items.count() === 2, 'errors listed: ' + await items.count())
  const watched = await text(items.filter({ hasText: BAD }))
  expect(watched.includes('Watch folder: ') && watched.includes('type not allowed') && watched.includes('Tried once'), 'watch error: ' + watched)
  const synced = await text(items.filter({ hasText: 'installer.exe' }))
  expect(synced.includes('Cloud connection: Nextcloud') && synced.includes('type not allowed'), 'cloud error: ' + synced)
  // The good file of the same folder was stored.
  expect((await text(ann.locator('[data-test=ov-recent]'))).includes('letter.txt'), 'letter.txt is among the newest')
  const a11y = await accessibility(ann)
  expect(a11y.length === 0, 'accessibility: ' + a11y.join('; '))
  await shot(ann, 'i1-overview-ingest-errors')

  step('on a phone: the long path wraps, nothing goes sideways')
  const phone = await newPage('ann-phone', { width: 390, height: 844 })
  await signIn(phone)
  await phone.goto(BASE + '/overview')
  await phone.locator('[data-test=ov-ingest] [data-test=ingest-error]').first().waitFor()
  await shot(phone, 'i2-overview-ingest-errors-phone')

  step('in German')
  await ann.evaluate(() => localStorage.setItem('docuvault.lang', 'de'))
  await ann.reload()
  await ann.locator('[data-test=ov-ingest]', { hasText: 'Nicht übernommene Dateien' }).waitFor()
  const de = await text(ann.locator('[data-test=ov-ingest]'))
  expect(de.includes('2 Dateien aus überwachten Ordnern, E-Mail-Konten oder Cloud-Verbindungen') && de.includes('Cloud-Verbindung: Nextcloud') && de.includes('Einmal versucht'), 'German card: ' + de)
  await shot(ann, 'i3-overview-ingest-errors-de')
})
