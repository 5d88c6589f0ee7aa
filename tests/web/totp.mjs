// End-to-end test of two-factor sign-in (issue 24, item 2), run by
// totp_test.go in headless Chromium against a real `docuvault serve`:
// ann sets it up in Settings (QR code, the key, a first code), sees her
// ten recovery codes once, signs out, and signing in now asks for a code
// after the password: a wrong one is refused, the right one signs her in;
// a recovery code works once; she makes a new set of recovery codes
// (password and a code: the old set is refused at once, a new code works
// once); she turns it off with her password and a code. The codes are computed here (RFC 6238: HMAC-SHA1 over the 30 s
// step, with Node's crypto) from the base32 key the page shows. Waits are
// on conditions, never on time.
import { step, expect, newPage, shot, signIn, submitLogin, run, accessibility, BASE, ANN, env } from './harness.mjs'
import { base32, hotp, step30, freshCode } from './totpcode.mjs'

const ROOT = { handle: 'root', password: env('ROOT_PASSWORD') }
const BOB = { handle: 'bob', password: env('BOB_PASSWORD') }

const card = (page) => page.locator('[data-test=two-factor]')

// post is a JSON POST to the API, as a script would send it.
async function post(path, body, token) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = 'Bearer ' + token
  const res = await fetch(BASE + path, { method: 'POST', headers, body: JSON.stringify(body) })
  return [res.status, await res.json()]
}

await run('totp e2e', async () => {
  const ann = await newPage('ann')
  await signIn(ann)
  await ann.click('nav >> text=Settings')
  await card(ann).locator('[data-test=totp-state]', { hasText: 'Off.' }).waitFor()

  step('set up: QR code and key, a wrong code refused, the right one turns it on')
  await ann.click('[data-test=totp-start]')
  await ann.locator('[data-test=totp-qr]').waitFor()
  const secret = (await ann.textContent('[data-test=totp-secret]')).trim()
  const key = base32(secret)
  expect(key.length === 20, 'the key is not 20 bytes: ' + secret.length)
  expect(await ann.locator('[data-test=totp-qr]').evaluate((img) => img.complete && img.naturalWidth > 100), 'the QR code did not load')
  await shot(ann, 'z1-enrol')
  const axe = await accessibility(ann)
  expect(!axe.length, 'axe, enrolment:\n' + axe.join('\n'))
  await ann.fill('[data-test=totp-confirm-code]', '000000')
  await ann.click('[data-test=totp-confirm]')
  await card(ann).locator('.alert.error, [role=alert]').first().waitFor()
  await ann.fill('[data-test=totp-confirm-code]', await freshCode(key, ann))
  await ann.click('[data-test=totp-confirm]')
  const codes = ann.locator('[data-test=recovery-codes] code')
  await codes.first().waitFor()
  expect(await codes.count() === 10, 'not ten recovery codes')
  const recovery = (await codes.first().textContent()).trim()
  const oldSpare = (await codes.nth(1).textContent()).trim()
  await card(ann).locator('[data-test=totp-state]', { hasText: 'Recovery codes left: 10' }).waitFor()
  await shot(ann, 'z2-recovery-codes')

  step('signing in now asks for a code after the password')
  await ann.click('nav >> text=Sign out')
  await ann.waitForURL(/\/login/)
  await submitLogin(ann, ANN)
  await ann.locator('[data-test=totp-form]').waitFor()
  await ann.fill('[data-test=totp-code]', '123456')
  await ann.click('[data-test=totp-submit]')
  await ann.locator('[data-test=login-error]').waitFor()
  await shot(ann, 'z3-code-asked')
  await ann.fill('[data-test=totp-code]', await freshCode(key, ann))
  await ann.click('[data-test=totp-submit]')
  await ann.locator('h1', { hasText: 'Documents' }).waitFor()

  step('a recovery code works once')
  const phone = await newPage('phone', { width: 390, height: 844 })
  await submitLogin(phone, ANN)
  await phone.locator('[data-test=totp-form]').waitFor()
  await phone.click('[data-test=totp-use-recovery]')
  await phone.fill('[data-test=totp-code]', recovery)
  await shot(phone, 'z4-phone-recovery')
  await phone.click('[data-test=totp-submit]')
  await phone.locator('h1', { hasText: 'Documents' }).waitFor()
  await phone.goto(BASE + '/settings')
  await card(phone).locator('[data-test=totp-state]', { hasText: 'Recovery codes left: 9' }).waitFor()
  await shot(phone, 'z5-phone-settings')
  const again = await fetch(BASE + '/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ handle: ANN.handle, password: ANN.password }) })
  const { challenge } = await again.json()
  const reused = await fetch(BASE + '/api/auth/login/totp', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ challenge, recovery_code: recovery }) })
  expect(reused.status === 401, 'a used recovery code answered ' + reused.status)

  step('an administrator resets bob\'s second factor and sets the policy')
  let [status, body] = await post('/api/auth/login', BOB)
  expect(status === 200 && body.access_token, 'bob signs in: ' + status)
  const bobToken = body.access_token
  ;[status, body] = await post('/api/me/totp', {}, bobToken)
  expect(status === 201, 'bob starts enrolling: ' + status)
  ;[status] = await post('/api/me/totp/confirm', { code: hotp(base32(body.secret), step30()) }, bobToken)
  expect(status === 200, 'bob confirms: ' + status)
  ;[status, body] = await post('/api/auth/login', BOB)
  expect(body.second_factor === 'totp', 'bob is not asked for a code')
  const root = await newPage('root')
  await signIn(root, ROOT)
  await root.goto(BASE + '/admin')
  await root.locator('[data-test=user-row][data-handle=bob] [data-test=reset-totp]').click()
  await root.locator('[data-test=notice]', { hasText: 'The second factor of bob is removed.' }).waitFor()
  ;[status, body] = await post('/api/auth/login', BOB)
  expect(status === 200 && body.access_token, 'bob still asked for a code after the reset')
  await root.selectOption('[data-test=totp-policy-select]', 'everyone')
  await root.click('[data-test=totp-policy-save]')
  await root.locator('[data-test=notice]', { hasText: 'Two-factor policy saved.' }).waitFor()
  await shot(root, 'z6-admin')
  const axeAdmin = await accessibility(root)
  expect(!axeAdmin.length, 'axe, admin:\n' + axeAdmin.join('\n'))
  // root has no second factor: now the app sends them to Settings to set one up.
  await root.goto(BASE + '/')
  await root.waitForURL(/\/settings$/)
  await card(root).locator('[data-test=totp-required]').waitFor()
  await card(root).locator('[data-test=totp-start]').waitFor()

  step('a new set of recovery codes: the old ones stop working, a new one works once')
  await ann.goto(BASE + '/settings')
  await card(ann).locator('[data-test=totp-regenerate]').waitFor()
  expect(await ann.locator('[data-test=recovery-codes]').count() === 0, 'the first recovery codes are shown again')
  await ann.fill('#totp-regen-password', ANN.password)
  await ann.fill('[data-test=totp-regen-code]', await freshCode(key, ann))
  await ann.click('[data-test=totp-regen]')
  await card(ann).locator('[data-test=totp-state]', { hasText: 'Recovery codes left: 10' }).waitFor()
  const fresh = ann.locator('[data-test=recovery-codes] code')
  expect(await fresh.count() === 10, 'not ten new recovery codes')
  const newCode = (await fresh.first().textContent()).trim()
  expect(newCode !== recovery && newCode !== oldSpare, 'an old recovery code came back')
  await shot(ann, 'z7-new-recovery-codes')
  const signInWith = async (code) => {
    const [, ch] = await post('/api/auth/login', ANN)
    const [st] = await post('/api/auth/login/totp', { challenge: ch.challenge, recovery_code: code })
    return st
  }
  expect(await signInWith(oldSpare) === 401, 'an old, unused recovery code still signs in')
  expect(await signInWith(newCode) === 200, 'a new recovery code does not sign in')
  expect(await signInWith(newCode) === 401, 'a new recovery code signs in twice')

  step('turned off with the password and a code')
  await ann.goto(BASE + '/settings')
  await ann.fill('#totp-off-password', ANN.password)
  await ann.fill('[data-test=totp-off-code]', await freshCode(key, ann))
  await ann.click('[data-test=totp-off]')
  await card(ann).locator('[data-test=totp-state]', { hasText: 'Off.' }).waitFor()
})
