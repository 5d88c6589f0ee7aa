// The API client: every call the app makes goes through here. It keeps the
// session (access token in memory, refresh token in localStorage), refreshes
// the access token silently when it has expired, and turns every failure
// into an ApiError whose message can be shown to a person as it is.
import { reactive } from 'vue'
import { t, formatLocale, language } from './i18n.js'

const REFRESH_KEY = 'docuvault.refresh'

export const session = reactive({
  access: '',
  refresh: localStorage.getItem(REFRESH_KEY) || '',
  user: null,
  // why the last session ended, shown on the sign-in page
  ended: '',
})

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

const unreachable = () =>
  new ApiError(0, 'unreachable', t('api.unreachable'))

function setTokens(t) {
  session.access = t.access_token
  session.refresh = t.refresh_token
  localStorage.setItem(REFRESH_KEY, t.refresh_token)
}

function clearSession(reason) {
  session.access = ''
  session.refresh = ''
  session.user = null
  session.ended = reason || ''
  localStorage.removeItem(REFRESH_KEY)
}

async function errorFrom(res) {
  let code = 'http_' + res.status
  let message = ''
  try {
    const body = await res.json()
    if (body && body.error) {
      code = body.error.code || code
      message = body.error.message || ''
    }
  } catch {
    // not JSON: a proxy's page, say
  }
  if (!message) {
    message = res.status >= 500
      ? t('api.serverProblem', { status: res.status })
      : t('api.requestFailed', { status: res.status })
  }
  if (res.status === 429) {
    const after = res.headers.get('Retry-After')
    if (after) message += ' ' + t('api.retryAfter', { n: after })
  }
  return new ApiError(res.status, code, message)
}

let refreshing = null

// refresh exchanges the refresh token for new tokens, once at a time.
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      // Another tab of this browser may have refreshed since: its newer
      // token is the one to send (the one this tab holds is spent).
      const stored = localStorage.getItem(REFRESH_KEY)
      if (stored) session.refresh = stored
      if (!session.refresh) throw new ApiError(401, 'unauthenticated', t('api.signInToContinue'))
      let res
      try {
        res = await fetch('/api/auth/refresh', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ refresh_token: session.refresh }),
        })
      } catch {
        throw unreachable()
      }
      if (!res.ok) {
        const err = await errorFrom(res)
        if (res.status === 401 || res.status === 403) {
          // 403: the account was disabled; its message says so.
          clearSession(res.status === 403 ? err.message : t('api.sessionEnded'))
        }
        throw err
      }
      setTokens(await res.json())
    })().finally(() => { refreshing = null })
  }
  return refreshing
}

// raw sends a request with the access token, refreshing it once on 401.
export async function raw(path, opts = {}) {
  if (!session.access && session.refresh) await refresh()
  const send = () => {
    const headers = new Headers(opts.headers || {})
    if (session.access) headers.set('Authorization', 'Bearer ' + session.access)
    return fetch(path, { ...opts, headers })
  }
  let res
  try {
    res = await send()
    if (res.status === 401 && session.refresh) {
      await refresh()
      res = await send()
    }
  } catch (e) {
    if (e instanceof ApiError) throw e
    throw unreachable()
  }
  if (res.status === 401) {
    clearSession(t('api.sessionEnded'))
  }
  if (!res.ok) {
    const err = await errorFrom(res)
    // The two-factor policy covers this account and it has no second
    // factor yet: Settings is where it is set up (and says why).
    if (err.code === 'totp_required' && location.pathname !== '/settings') location.assign('/settings')
    throw err
  }
  return res
}

export async function api(method, path, body) {
  const opts = { method }
  if (body !== undefined) {
    opts.body = JSON.stringify(body)
    opts.headers = { 'Content-Type': 'application/json' }
  }
  const res = await raw(path, opts)
  if (res.status === 204) return null
  const type = res.headers.get('Content-Type') || ''
  return type.includes('json') ? res.json() : res.text()
}

export async function login(handle, password) {
  let res
  try {
    res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ handle, password }),
    })
  } catch {
    throw unreachable()
  }
  if (!res.ok) {
    const err = await errorFrom(res)
    if (err.code === 'invalid_credentials') err.message = t('api.wrongPassword')
    throw err
  }
  const body = await res.json()
  // Two-factor sign-in: no tokens yet, a challenge for loginTOTP.
  if (body.second_factor) return { secondFactor: body.second_factor, challenge: body.challenge }
  return signedIn(body)
}

// forgotEnabled says whether the server mails password reset links (an
// SMTP server is configured): then the login page offers "Forgot password?".
export async function forgotEnabled() {
  try {
    const res = await fetch('/api/auth/forgot')
    if (!res.ok) return false
    return (await res.json()).enabled === true
  } catch {
    return false
  }
}

// forgotPassword asks for a reset link by e-mail; the answer's message is
// the same whether or not an account has the address.
export async function forgotPassword(email) {
  let res
  try {
    res = await fetch('/api/auth/forgot', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, language: language() }),
    })
  } catch {
    throw unreachable()
  }
  if (!res.ok) throw await errorFrom(res)
  return res.json()
}

async function signedIn(tokens) {
  setTokens(tokens)
  session.ended = ''
  session.user = await api('GET', '/api/me')
  syncLanguage()
  return session.user
}

// loginTOTP is sign-in's second step: the challenge login returned and a
// code from the authenticator app, or a recovery code.
export async function loginTOTP(challenge, code, recoveryCode) {
  let res
  try {
    res = await fetch('/api/auth/login/totp', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(recoveryCode ? { challenge, recovery_code: recoveryCode } : { challenge, code }),
    })
  } catch {
    throw unreachable()
  }
  if (!res.ok) {
    const err = await errorFrom(res)
    if (err.code === 'invalid_code') err.message = t('totp.wrongCode')
    else if (err.code === 'code_replayed') err.message = t('totp.replayed')
    else if (err.code === 'invalid_recovery_code') err.message = t('totp.wrongRecovery')
    else if (err.code === 'challenge_invalid') err.message = t('totp.challengeExpired')
    throw err
  }
  return signedIn(await res.json())
}

// ssoProviders lists the single sign-on providers for the sign-in page
// (none when not configured, or when the server cannot be asked).
export async function ssoProviders() {
  try {
    const res = await fetch('/api/auth/oidc/providers')
    if (!res.ok) return []
    return (await res.json()).providers || []
  } catch {
    return []
  }
}

// ssoExchange trades single sign-on's one-time code (from /login#sso=CODE)
// for a session.
export async function ssoExchange(code) {
  let res
  try {
    res = await fetch('/api/auth/oidc/exchange', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }),
    })
  } catch {
    throw unreachable()
  }
  if (!res.ok) {
    const err = await errorFrom(res)
    if (err.code === 'invalid_code') err.message = t('sso.error.code')
    throw err
  }
  return signedIn(await res.json())
}

export async function logout() {
  try {
    if (session.refresh) await api('POST', '/api/auth/logout', { refresh_token: session.refresh })
  } catch {
    // signing out locally is what matters
  }
  clearSession(t('api.signedOut'))
}

// loadUser restores a session from the stored refresh token.
export async function loadUser() {
  if (session.user) return session.user
  if (!session.refresh) return null
  session.user = await api('GET', '/api/me')
  syncLanguage()
  return session.user
}

// syncLanguage gives an account with no language (the language of the
// e-mails DocuVault sends, PUT /api/me/language) the interface's; the
// switch (LanguageSwitch) changes it. The interface itself follows this
// browser, never the account.
function syncLanguage() {
  if (session.user && !session.user.language) saveLanguage(language())
}

// saveLanguage makes l the signed-in account's language (see
// syncLanguage); a failure only leaves the mails in the language they were.
export function saveLanguage(l) {
  if (!session.user || session.user.language === l) return
  api('PUT', '/api/me/language', { language: l })
    .then((r) => { if (session.user) session.user.language = r.language })
    .catch(() => {})
}

export function qs(params) {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, v)
  }
  const s = p.toString()
  return s ? '?' + s : ''
}

// uploadFile sends one file (XHR, for upload progress). onProgress gets
// 0..1. It resolves to the file's result: {document, duplicate_of} or
// rejects with an ApiError.
export async function uploadFile(file, onProgress, extra = {}) {
  if (!session.access && session.refresh) await refresh()
  const attempt = () => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/documents')
    xhr.setRequestHeader('Authorization', 'Bearer ' + session.access)
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total) }
    xhr.onerror = () => reject(unreachable())
    xhr.onload = () => resolve(xhr)
    const form = new FormData()
    for (const [k, v] of Object.entries(extra)) if (v) form.append(k, v)
    form.append('file', file, file.name)
    xhr.send(form)
  })
  let xhr = await attempt()
  if (xhr.status === 401 && session.refresh) {
    await refresh()
    xhr = await attempt()
  }
  let body = null
  try { body = JSON.parse(xhr.responseText) } catch { body = null }
  if (xhr.status === 201 || xhr.status === 207) {
    const r = body && body.results && body.results.find((x) => x.field === 'file')
    if (r && r.error) throw new ApiError(r.status, r.error.code, r.error.message)
    return r || {}
  }
  if (xhr.status === 401) clearSession(t('api.sessionEnded'))
  const e = body && body.error
  throw new ApiError(xhr.status, e ? e.code : 'http_' + xhr.status,
    e ? e.message : t('api.uploadFailed', { status: xhr.status }))
}

// uploadMessage says in plain words why a file was refused.
export function uploadMessage(err) {
  // The server's message names the detail; drop its own prefix where the
  // plain-words lead-in already says it.
  const detail = err.message.replace(/^(type not allowed|too large|over quota)\s*:\s*/i, '')
  switch (err.code) {
    case 'type_not_allowed':
    case 'unsupported_media_type':
      return t('upload.typeNotAllowed', { detail })
    case 'too_large':
      return t('upload.tooLarge', { detail })
    case 'over_quota':
      return t('upload.overQuota', { detail })
    case 'empty_file':
      return t('upload.empty')
    default:
      return err.message
  }
}

// formatBytes writes a size in binary units, its number as the reader's
// language writes it: "1.5 MiB", "1,5 MiB".
export function formatBytes(n) {
  if (n == null) return ''
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  const digits = i === 0 ? 0 : 1
  return new Intl.NumberFormat(formatLocale(), { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }).format(v) + ' ' + units[i]
}

// formatDate writes an instant (a timestamp) in the reader's language.
export function formatDate(s) {
  if (!s) return ''
  return new Date(s).toLocaleString(formatLocale())
}

// formatDay shows a day (YYYY-MM-DD, a document's own date) in the
// reader's language, as that day wherever they are.
export function formatDay(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '')
  if (!m) return ''
  return new Date(+m[1], +m[2] - 1, +m[3]).toLocaleDateString(formatLocale(), { year: 'numeric', month: 'long', day: 'numeric' })
}
