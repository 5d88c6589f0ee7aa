// The web app in dark mode and in light mode (issue 21, item 6), run by
// theme_test.go in headless Chromium against a real `docuvault serve` +
// `worker`: the app follows the system's colour scheme, and on every main
// page, desktop and phone, every piece of text keeps WCAG AA contrast
// against what is behind it (4.5:1; 3:1 for large text), and axe-core
// finds no serious or critical WCAG 2.1 A/AA violation. Waits are on
// conditions, never on time.
import { BASE, SLOW, step, expect, newPage, shot, signIn, drop, row, run, accessibility } from './harness.mjs'

// lowContrast lists the visible text on the page whose contrast against
// its background is under WCAG AA: "selector 'text' 2.9:1 (#aaa on #fff)".
// The background is the nearest ancestor's opaque one; disabled controls
// (exempt in WCAG) are left out.
async function lowContrast(page) {
  return page.evaluate(() => {
    const rgb = (c) => { const m = c.match(/[\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0] }
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4 }
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
    }
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor)
        if (c.length < 4 || c[3] === 1) return c
      }
      return rgb(getComputedStyle(document.documentElement).backgroundColor)
    }
    const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')
    const out = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    const seen = new Set()
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement
      if (!el || seen.has(el) || !n.textContent.trim()) continue
      seen.add(el)
      if (el.closest('[disabled], .sr, .skip, option')) continue
      const r = el.getBoundingClientRect()
      const st = getComputedStyle(el)
      if (r.width === 0 || r.height === 0 || st.visibility === 'hidden' || Number(st.opacity) < 0.1) continue
      const fg = rgb(st.color)
      const bg = background(el)
      const l1 = lum(fg), l2 = lum(bg)
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05)
      const size = parseFloat(st.fontSize)
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700)
      if (ratio < (large ? 3 : 4.5)) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} '${n.textContent.trim().slice(0, 30)}' ${ratio.toFixed(2)}:1 (${hex(fg)} on ${hex(bg)})`)
      }
    }
    return out
  })
}

// pageBackground is the page's background luminance, 0 (black) to 1.
const pageBackground = (page) => page.evaluate(() => {
  const [r, g, b] = getComputedStyle(document.body).backgroundColor === 'rgba(0, 0, 0, 0)'
    ? getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g).map(Number)
    : getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number)
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
})

await run('theme e2e', async () => {
  const problems = []
  const check = async (page, name) => {
    await shot(page, name)
    for (const p of await lowContrast(page)) problems.push(`${name}: ${p}`)
    for (const v of await accessibility(page)) problems.push(`${name}: axe: ${v}`)
  }
  for (const scheme of ['dark', 'light']) {
    for (const [form, viewport] of [['desktop', { width: 1280, height: 860 }], ['phone', { width: 390, height: 844 }]]) {
      step(`${scheme} mode, ${form}`)
      const page = await newPage(`${scheme}-${form}`, viewport, { colorScheme: scheme })
      await page.goto(BASE + '/')
      await page.waitForURL(/\/login/)
      await page.locator('h1', { hasText: 'Sign in' }).waitFor()
      await check(page, `${scheme}-${form}-login`)
      await signIn(page)
      const bg = await pageBackground(page)
      expect(scheme === 'dark' ? bg < 0.15 : bg > 0.85, `${scheme} mode, ${form}: page background luminance ${bg.toFixed(2)}`)
      if (scheme === 'dark' && form === 'desktop') {
        await drop(page, [{ name: 'invoice.txt', text: 'Invoice 4711: bank transfer of the payments due, payments by Friday' }])
      }
      await page.locator('[data-test=doc-row][data-name="invoice.txt"][data-status=classified]').waitFor({ timeout: SLOW })
      await check(page, `${scheme}-${form}-documents`)
      await row(page, 'invoice.txt').locator('a.fname').click()
      await page.locator('h1', { hasText: 'invoice.txt' }).waitFor()
      await page.locator('.doctext').waitFor()
      await check(page, `${scheme}-${form}-document`)
      for (const [path, heading] of [['/overview', 'Overview'], ['/topics', 'Topics'], ['/search?q=invoice', 'Search'], ['/settings', 'Settings'], ['/audit', 'Activity'],
        ['/shared', 'Shared with me'], ['/shares', 'Shares'], ['/admin', 'Users'], ['/no-such-page', 'Page not found']]) {
        await page.goto(BASE + path)
        await page.locator('h1', { hasText: heading }).first().waitFor()
        await page.locator('main').waitFor()
        await check(page, `${scheme}-${form}-${heading.toLowerCase().replace(/ /g, '-')}`)
      }
      await page.context().close()
    }
  }
  expect(problems.length === 0, 'text below WCAG AA contrast:\n' + problems.join('\n'))
})
