// The interface in German (issue 21, item 6: English and German with a
// language switch), run by i18n_test.go in headless Chromium against a real
// `docuvault serve` + `worker`. First, without a browser: en.json and
// de.json have the same keys and each message the same placeholders. Then
// a browser whose language is German (de-DE) sees every page in German
// (a few exact strings per page), no catalogue key leaks into a page, no
// missing-message warning, dates and sizes written the German way; in
// Settings the switch to English changes the page at once and lasts over a
// reload; the login page's switch brings German back. Desktop and phone
// screenshots, in German. Waits are on conditions, never on time.
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BASE, ANN, SLOW, step, expect, newPage, shot, drop, row, run, problems } from './harness.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const catalogue = (l) => JSON.parse(readFileSync(join(here, '..', '..', 'web', 'src', 'locales', l + '.json'), 'utf8'))
const flat = (o, p = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? flat(v, p + k + '.') : [[p + k, v]]))
const placeholders = (m) => [...new Set(m.match(/\{[a-zA-Z]+\}/g) || [])].sort().join(' ')

step('en.json and de.json have the same keys and placeholders')
const en = Object.fromEntries(flat(catalogue('en')))
const de = Object.fromEntries(flat(catalogue('de')))
const onlyEn = Object.keys(en).filter((k) => !(k in de))
const onlyDe = Object.keys(de).filter((k) => !(k in en))
if (onlyEn.length || onlyDe.length) {
  console.error('i18n e2e: FAIL: only in en.json: ' + onlyEn.join(', ') + '; only in de.json: ' + onlyDe.join(', '))
  process.exit(1)
}
const badVars = Object.keys(en).filter((k) => placeholders(en[k]) !== placeholders(de[k]) &&
  // a German singular may leave out the count ("Sein Unterordner …")
  placeholders(en[k].split('|').pop()) !== placeholders(de[k].split('|').pop()))
const badPlural = Object.keys(en).filter((k) => en[k].split('|').length !== de[k].split('|').length)
if (badVars.length || badPlural.length) {
  console.error('i18n e2e: FAIL: placeholders differ: ' + badVars.join(', ') + '; plural forms differ: ' + badPlural.join(', '))
  process.exit(1)
}
const sections = new Set(Object.keys(en).map((k) => k.split('.')[0]))

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim()

// leaks lists what on the page looks like a catalogue key (text, or an
// aria-label, title, placeholder or alt): "nav.documents", "status.no_text".
async function leaks(page) {
  const found = await page.evaluate(() => {
    const out = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    while (walker.nextNode()) out.push(walker.currentNode.nodeValue.trim())
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
      for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) out.push(el.getAttribute(a).trim())
    }
    out.push(document.title)
    return out
  })
  return found.filter((s) => /^[a-z]+\.[a-zA-Z_.]+$/.test(s) && sections.has(s.split('.')[0]))
}
async function german(page, what) {
  const l = await leaks(page)
  expect(!l.length, `${what}: catalogue keys on the page: ${l.join(', ')}`)
  expect(await page.evaluate(() => document.documentElement.lang) === 'de', `${what}: <html lang> is not de`)
}

// A missing message is a warning from vue-i18n ([intlify]): a bug here.
function watchMessages(page, name) {
  page.on('console', (m) => { if (/\[intlify\]/.test(m.text())) problems.push(`${name}: console ${m.type()}: ${m.text()}`) })
}

// A German letter of exactly 1536 bytes (1,5 KiB) that carries its date.
let letter = 'Stadtwerke München\n\nMünchen, den 3. Dezember 2026\n\nSehr geehrte Frau Müller,\nIhr Abschlag für Strom und Gas wird am 15.01.2027 von Ihrem Konto abgebucht.\n'
while (Buffer.byteLength(letter) < 1400) letter += 'Der Abschlag für Strom und Gas wird monatlich abgebucht. '
letter += '\n' + '.'.repeat(1536 - Buffer.byteLength(letter) - 1)

await run('i18n e2e', async () => {
  const ann = await newPage('de', { width: 1280, height: 860 }, { locale: 'de-DE' })
  watchMessages(ann, 'de')

  step('the login page, in German because the browser is')
  await ann.goto(BASE + '/')
  await ann.waitForURL(/\/login/)
  await ann.locator('h1', { hasText: 'Bei DocuVault anmelden' }).waitFor()
  expect(await text(ann.locator('label[for=handle]')) === 'Benutzername oder E-Mail', 'login: handle label')
  expect(await text(ann.locator('button[type=submit]')) === 'Anmelden', 'login: button')
  expect(await ann.locator('[data-test=language]').inputValue() === 'de', 'login: the switch shows Deutsch')
  expect(await ann.title() === 'Anmelden · DocuVault', 'login: title ' + await ann.title())
  await german(ann, 'login')
  await shot(ann, 'i1-login-de')

  step('signing in: the documents page')
  await ann.fill('#handle', ANN.handle)
  await ann.fill('#password', ANN.password)
  // The account has no language yet: it takes the interface's, for the
  // e-mails DocuVault sends (PUT /api/me/language).
  const saved = ann.waitForResponse((r) => r.url().endsWith('/api/me/language') && r.request().method() === 'PUT')
  await ann.click('button[type=submit]')
  await ann.locator('h1', { hasText: 'Dokumente' }).waitFor()
  const first = await saved
  expect(first.status() === 200 && (await first.json()).language === 'de', 'the account\'s language after signing in: ' + first.status())
  const nav = await ann.locator('#nav').innerText()
  for (const w of ['Übersicht', 'Dokumente', 'Für mich freigegeben', 'Themen', 'Freigaben', 'Aktivität', 'Einstellungen', 'Abmelden']) {
    expect(nav.includes(w), `nav lacks ${w}: ${nav}`)
  }
  expect(await ann.locator('#q').getAttribute('placeholder') === 'Dokumente durchsuchen…', 'search placeholder')
  await ann.locator('[data-test=dropzone]', { hasText: 'Dateien hierher ziehen' }).waitFor()
  await ann.locator('.empty', { hasText: 'Hier sind noch keine Dokumente: ziehen Sie oben Dateien hinein.' }).waitFor()
  await drop(ann, [{ name: 'brief.txt', text: letter }])
  await ann.locator('[data-test=upload-item]', { hasText: 'Hochgeladen.' }).waitFor()
  await row(ann, 'brief.txt').waitFor()
  await ann.waitForFunction(() => {
    const r = document.querySelector('[data-test=doc-row][data-name="brief.txt"]')
    return r && !['pending', 'processing'].includes(r.dataset.status)
  }, null, { timeout: SLOW })
  const r = row(ann, 'brief.txt')
  expect(await text(r.locator('.col-size')) === '1,5 KiB', 'size with a decimal comma: ' + await text(r.locator('.col-size')))
  const uploaded = await text(r.locator('.col-created'))
  expect(/^\d{1,2}\.\d{1,2}\.\d{4}, \d{2}:\d{2}:\d{2}$/.test(uploaded), 'German date and time: ' + uploaded)
  expect(await text(r.locator('[data-test=doc-date]')) === '3. Dezember 2026', 'German day: ' + await text(r.locator('[data-test=doc-date]')))
  expect((await r.locator('.badge').textContent()).trim() === 'eingeordnet', 'status: ' + await r.locator('.badge').textContent())
  const heads = await ann.locator('[data-test=doclist] thead th:not(.col-select)').allInnerTexts()
  expect(heads.map((h) => h.replace(/[▲▼]/, '').trim()).join('|') === 'Name|Status|Themen|Datiert|Größe|Hochgeladen', 'columns: ' + heads.join('|'))
  const sideTitles = (await ann.locator('[data-test=folder-tree] h2').allInnerTexts()).map((x) => x.trim())
  expect(JSON.stringify(sideTitles) === '["Ansichten","Ordner"]', 'sidebar titles: ' + JSON.stringify(sideTitles))
  expect(await text(ann.locator('[data-test=folder-new]')) === 'Neuer Ordner', 'new folder button')
  const sortOptions = await ann.locator('[data-test=sort] option').allInnerTexts()
  expect(sortOptions[0] === 'Neueste zuerst', 'sort: ' + sortOptions.join(', '))
  await german(ann, 'documents')
  await shot(ann, 'i2-documents-de')

  step('the document page')
  await r.locator('a.fname').click()
  await ann.locator('[data-test=doc-title]', { hasText: 'brief.txt' }).waitFor()
  await ann.locator('h2', { hasText: 'Details' }).waitFor()
  await ann.locator('h2', { hasText: 'Ähnliche Dokumente' }).waitFor()
  expect(await text(ann.locator('.docpage .actions button.primary')) === 'Herunterladen', 'download button')
  expect(await text(ann.locator('[data-test=reclassify]')) === 'Neu einordnen', 'classify again button')
  const dl = await text(ann.locator('.meta-list'))
  expect(dl.includes('Größe 1,5 KiB') && dl.includes('Datiert 3. Dezember 2026') && dl.includes('Hochgeladen ' + uploaded), 'details: ' + dl)
  expect(await ann.title() === 'Dokument · DocuVault', 'document: title ' + await ann.title())
  await ann.locator('[data-test=teach-hint]', { hasText: 'Themen, die Sie setzen, bleiben erhalten und lehren den Klassifikator.' }).waitFor()
  await german(ann, 'document')
  await shot(ann, 'i3-document-de')

  step('the overview')
  await ann.click('nav >> text=Übersicht')
  await ann.locator('h1', { hasText: 'Übersicht' }).waitFor()
  await ann.locator('[data-test=ov-worker]', { hasText: 'Alles erledigt: nichts wartet.' }).waitFor({ timeout: SLOW })
  const vault = await text(ann.locator('[data-test=ov-vault]'))
  expect(vault.startsWith('Ihre Dokumente 1 Dokument'), 'your documents: ' + vault)
  const storage = await text(ann.locator('[data-test=ov-storage]'))
  expect(storage === 'Speicher 1,5 KiB von 1,0 MiB belegt (0 %)', 'storage: ' + storage)
  expect((await text(ann.locator('[data-test=ov-worker]'))).includes('Das letzte Dokument wurde vor '), 'worker: ' + await text(ann.locator('[data-test=ov-worker]')))
  await ann.locator('h2', { hasText: 'Braucht Aufmerksamkeit' }).waitFor()
  await german(ann, 'overview')
  await shot(ann, 'i4-overview-de')

  step('topics')
  await ann.click('nav >> text=Themen')
  await ann.locator('h1', { hasText: 'Themen' }).waitFor()
  await ann.locator('h2', { hasText: 'Ihre Themen' }).waitFor()
  await ann.locator('h2', { hasText: 'Neues Thema' }).waitFor()
  await ann.locator('h2', { hasText: 'Ausprobieren' }).waitFor()
  expect(await text(ann.locator('label[for=talg]')) === 'Regel', 'match rule label')
  expect(await text(ann.locator('.topics .row-actions').first()) === 'Bearbeiten Löschen', 'topic actions')
  await german(ann, 'topics')
  await shot(ann, 'i5-topics-de')

  step('activity')
  await ann.click('nav >> text=Aktivität')
  await ann.locator('h1', { hasText: 'Aktivität' }).waitFor()
  await ann.locator('[data-test=audit-row][data-event=upload]').first().waitFor()
  const heads2 = await ann.locator('table.activity thead th').allInnerTexts()
  expect(heads2.map((h) => h.trim()).join('|') === 'Wann|Wer|Ereignis|Details|Herkunft', 'activity columns: ' + heads2.join('|'))
  expect(await text(ann.locator('[data-test=audit-row][data-event=upload] .event').first()) === 'Dokument hochgeladen', 'upload event')
  expect(await text(ann.locator('[data-test=audit-row][data-event=login] .event').first()) === 'Angemeldet', 'login event')
  const when = await text(ann.locator('[data-test=audit-row] .when').first())
  expect(/^\d{1,2}\.\d{1,2}\.\d{4}, \d{2}:\d{2}:\d{2}$/.test(when), 'activity date: ' + when)
  await german(ann, 'activity')
  await shot(ann, 'i6-activity-de')

  step('settings, and the switch to English: at once, and after a reload')
  await ann.click('nav >> text=Einstellungen')
  await ann.locator('h1', { hasText: 'Einstellungen' }).waitFor()
  await ann.locator('h2', { hasText: 'Einordnung' }).waitFor()
  await ann.locator('[data-test=language-card] h2', { hasText: 'Sprache' }).waitFor()
  expect(await text(ann.locator('label[for=language]')) === 'Sprache der Oberfläche', 'language label')
  // The page shows the account as signed in, then as /api/me has it (it
  // asks after the settings): wait for the upload's bytes to arrive.
  await ann.locator('.meta-list dd', { hasText: '1,5 KiB von 1,0 MiB' }).waitFor().catch(() => {})
  const acct = await text(ann.locator('.meta-list'))
  expect(acct.includes('Benutzername ann') && acct.includes('Speicher 1,5 KiB von 1,0 MiB'), 'account: ' + acct)
  await german(ann, 'settings')
  await shot(ann, 'i7-settings-de')
  const switched = ann.waitForResponse((r) => r.url().endsWith('/api/me/language') && r.request().method() === 'PUT')
  await ann.selectOption('[data-test=language]', 'en')
  await ann.locator('h1', { hasText: /^Settings$/ }).waitFor()
  const second = await switched
  expect(second.status() === 200 && (await second.json()).language === 'en', 'the account\'s language after the switch: ' + second.status())
  await ann.locator('h2', { hasText: 'Classification' }).waitFor()
  expect((await ann.locator('#nav').innerText()).includes('Sign out'), 'English nav')
  expect(await ann.evaluate(() => document.documentElement.lang) === 'en', '<html lang> en')
  expect(await ann.title() === 'Settings · DocuVault', 'title in English: ' + await ann.title())
  expect((await text(ann.locator('.meta-list'))).includes('1.5 KiB of 1.0 MiB'), 'sizes in English: ' + await text(ann.locator('.meta-list')))
  await ann.reload()
  await ann.locator('h1', { hasText: /^Settings$/ }).waitFor()
  expect(await ann.locator('[data-test=language]').inputValue() === 'en', 'the switch remembers English')
  await ann.click('nav >> text=Documents')
  await ann.locator('h1', { hasText: 'Documents' }).waitFor()
  expect(await text(row(ann, 'brief.txt').locator('.col-size')) === '1.5 KiB', 'English size after the reload')

  step('the login page switches back to German')
  await ann.click('nav >> text=Sign out')
  await ann.locator('h1', { hasText: 'Sign in to DocuVault' }).waitFor()
  await ann.selectOption('[data-test=language]', 'de')
  await ann.locator('h1', { hasText: 'Bei DocuVault anmelden' }).waitFor()
  expect(await ann.evaluate(() => document.documentElement.lang) === 'de', '<html lang> de again')

  step('phone screenshots, in German')
  const phone = await newPage('de-phone', { width: 390, height: 844 }, { locale: 'de-DE' })
  watchMessages(phone, 'de-phone')
  await phone.goto(BASE + '/')
  await phone.waitForURL(/\/login/)
  await phone.locator('h1', { hasText: 'Bei DocuVault anmelden' }).waitFor()
  await shot(phone, 'i8-login-de-phone')
  await phone.fill('#handle', ANN.handle)
  await phone.fill('#password', ANN.password)
  await phone.click('button[type=submit]')
  await phone.locator('h1', { hasText: 'Dokumente' }).waitFor()
  await row(phone, 'brief.txt').waitFor()
  await shot(phone, 'i9-documents-de-phone')
  for (const [path, h1, name] of [['/overview', 'Übersicht', 'overview'], ['/topics', 'Themen', 'topics'], ['/audit', 'Aktivität', 'activity'], ['/settings', 'Einstellungen', 'settings']]) {
    await phone.goto(BASE + path)
    await phone.locator('h1', { hasText: h1 }).waitFor()
    if (name === 'activity') await phone.locator('[data-test=audit-row]').first().waitFor()
    if (name === 'overview') await phone.locator('[data-test=ov-recent]').waitFor()
    await german(phone, name + ' (phone)')
    await shot(phone, `i9-${name}-de-phone`)
  }
  await phone.goto(BASE + '/')
  await row(phone, 'brief.txt').locator('a.fname').click()
  await phone.locator('h2', { hasText: 'Details' }).waitFor()
  await phone.locator('[data-test=doc-text]').waitFor()
  await phone.locator('[data-test=similar-note]').waitFor()
  await german(phone, 'document (phone)')
  await shot(phone, 'i9-document-de-phone')
})
