// End-to-end test of search in the web app (issue 21), run by
// search_test.go in headless Chromium against a real `docuvault serve` +
// `worker`, with four documents uploaded before: copyright-notice.txt (a
// long text with "licenses" far in), picnic-plan.txt (its text lacks
// "picnic"), page.html and notes.md. Waits are on conditions, never on time.
import { SLOW, step, expect, newPage, shot, signIn, run } from './harness.mjs'

// search types words in the header's box and waits for the search page's
// answer: hits, an error, or "nothing matches".
async function search(page, words) {
  await page.fill('#q', words)
  await page.press('#q', 'Enter')
  await page.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('q') === words)
  await page.locator('[data-test=search-hit], [data-test=search-error], .empty').first().waitFor()
}

// found searches and returns the hit for filename.
async function found(page, words, filename) {
  await search(page, words)
  const hit = page.locator('[data-test=search-hit]', { has: page.locator('.fname', { hasText: filename }) })
  await hit.waitFor()
  return hit
}

await run('search e2e', async () => {
  for (const [device, viewport] of [['desktop', { width: 1280, height: 860 }], ['phone', { width: 390, height: 844 }]]) {
    const ann = await newPage('ann-' + device, viewport)
    await signIn(ann)
    if (device === 'desktop') {
      step('wait until the worker has read the four documents')
      for (const n of ['copyright-notice.txt', 'picnic-plan.txt', 'page.html', 'notes.md']) {
        await ann.locator(`[data-test=doc-row][data-name="${n}"]:not([data-status=pending]):not([data-status=processing])`).waitFor({ timeout: SLOW })
      }
    }
    if (device === 'phone') {
      // On a phone the header's box is shown above the menu, not in it.
      expect(await ann.locator('#q').isVisible(), 'phone: the header search box is hidden')
    }

    // --- The snippet is the passage with the words, marked.
    step(device + ': snippet from the passage with the words')
    const hit = await found(ann, 'copyright license', 'copyright-notice.txt')
    await hit.locator('.snippet mark', { hasText: /^licenses$/ }).waitFor()
    const snippet = (await hit.locator('.snippet').innerText()).replace(/\s+/g, ' ')
    expect(snippet.includes('under the licenses below') && !snippet.includes('Acme Tools'), 'snippet: ' + snippet)
    // One search box: the header's, holding the words searched.
    const boxes = await ann.locator('input[type=search]').count()
    expect(boxes === 1, `${boxes} search boxes on the search page`)
    expect(await ann.inputValue('#q') === 'copyright license', 'the header box lost the words: ' + await ann.inputValue('#q'))
    await shot(ann, device === 'desktop' ? 's1-search-snippet' : 's4-search-snippet-phone')

    // --- Words only in the filename: said so, no unrelated text.
    step(device + ': words only in the filename')
    const picnic = await found(ann, 'picnic', 'picnic-plan.txt')
    const where = await picnic.locator('[data-test=match-where]').innerText()
    expect(where === 'The words are in the filename, not in the text.', 'picnic: ' + where)
    expect(!(await picnic.innerText()).includes('lemonade'), 'picnic shows unrelated text')
    if (device === 'desktop') await shot(ann, 's2-search-filename')

    // --- An error reads without a field name.
    step(device + ': an error for people')
    await search(ann, '-only -excluded')
    const err = await ann.locator('[data-test=search-error]').innerText()
    expect(err.trim() === 'the query only excludes words: add a word to look for', 'search error: ' + err)

    // --- Leaving the search page empties the header's box.
    step(device + ': the header box empties after leaving search')
    if (device === 'phone') await ann.click('.menu-toggle')
    await ann.click('nav >> text=Documents')
    await ann.locator('h1', { hasText: 'Documents' }).waitFor()
    expect(await ann.inputValue('#q') === '', 'the header box kept: ' + await ann.inputValue('#q'))

    // --- The Type filter has HTML and Markdown, and filters by them.
    if (device === 'desktop') {
      step('type filter: HTML and Markdown')
      const type = ann.locator('label', { hasText: 'Type' }).locator('select')
      const labels = await type.locator('option').allInnerTexts()
      for (const want of ['HTML', 'Markdown']) expect(labels.includes(want), 'Type filter options: ' + labels.join(', '))
      await type.selectOption({ label: 'HTML' })
      await ann.locator('[data-test=doc-row][data-name="page.html"]').waitFor()
      await ann.locator('[data-test=doc-row][data-name="notes.md"]').waitFor({ state: 'detached' })
      await shot(ann, 's3-type-html')
      await type.selectOption({ label: 'Markdown' })
      await ann.locator('[data-test=doc-row][data-name="notes.md"]').waitFor()
      await ann.locator('[data-test=doc-row][data-name="page.html"]').waitFor({ state: 'detached' })
    } else {
      await shot(ann, 's5-documents-phone')
    }
    await ann.context().close()
  }
})
