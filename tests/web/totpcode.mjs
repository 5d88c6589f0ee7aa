// TOTP codes for the browser tests (RFC 6238: HMAC-SHA1 over the 30 s
// step, with Node's crypto), computed from the base32 key the Settings page
// shows. Shared by totp.mjs and accounts_done.mjs.
import { createHmac } from 'node:crypto'
import { expect } from './harness.mjs'

// base32 decodes RFC 4648 base32 (no padding needed).
export function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0, value = 0
  const out = []
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(c)
    if (i < 0) throw new Error('not base32: ' + c)
    value = (value << 5) | i
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

// hotp is RFC 4226's HOTP, 6 digits.
export function hotp(key, counter) {
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(counter))
  const h = createHmac('sha1', key).update(msg).digest()
  const off = h[h.length - 1] & 0x0f
  const n = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3]
  return String(n % 1_000_000).padStart(6, '0')
}

// The RFC 6238 test key ("12345678901234567890") at T=59 gives 287082:
// the code maker itself is right.
expect(hotp(Buffer.from('12345678901234567890'), Math.floor(59 / 30)) === '287082', 'hotp does not match RFC 6238')

export const step30 = () => Math.floor(Date.now() / 1000 / 30)
// freshCode is a code of a step later than last (codes work once): the
// current step's, or the next one's (the server takes one step of clock
// drift either way); it polls the clock for a new step only when both are
// spent.
let last = 0
export async function freshCode(key, page) {
  let next = Math.max(step30(), last + 1)
  while (next > step30() + 1) {
    await page.waitForTimeout(250)
    next = Math.max(step30(), last + 1)
  }
  last = next
  return hotp(key, last)
}

