// The interface's languages: English and German. Every string a person
// reads is in src/locales/<lang>.json (compiled at build time, see
// vite.config.js); components call t('key'). The language follows the
// browser's (navigator.languages) until the person picks one, which is
// remembered in localStorage; <html lang> follows it. Dates and sizes are
// written in the language's way (api.js formatDate, formatBytes).
import { createI18n } from 'vue-i18n'
import en from './locales/en.json'
import de from './locales/de.json'

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'de', name: 'Deutsch' },
]
const KEY = 'docuvault.lang'
const known = (l) => LANGUAGES.some((x) => x.code === l)

// firstLanguage is the remembered choice, or the first of the browser's
// languages the app speaks, or English.
function firstLanguage() {
  const saved = localStorage.getItem(KEY)
  if (known(saved)) return saved
  for (const tag of navigator.languages || [navigator.language || '']) {
    const l = String(tag).toLowerCase().split('-')[0]
    if (known(l)) return l
  }
  return 'en'
}

export const i18n = createI18n({
  legacy: false,
  locale: firstLanguage(),
  fallbackLocale: 'en',
  messages: { en, de },
  missingWarn: true,
  fallbackWarn: false,
})
document.documentElement.lang = i18n.global.locale.value

// t translates a key (with named values, or a count for plurals); it is
// reactive, so a template using it changes with the language.
export const t = (...args) => i18n.global.t(...args)
// te says whether a key exists in the current language or English.
export const te = (key) => i18n.global.te(key) || i18n.global.te(key, 'en')
export const language = () => i18n.global.locale.value

export function setLanguage(l) {
  if (!known(l)) return
  i18n.global.locale.value = l
  localStorage.setItem(KEY, l)
  document.documentElement.lang = l
}

// formatLocale is the BCP 47 tag dates and numbers are written in: the
// browser's own tag when it is of the chosen language (en-GB stays en-GB),
// else the language's usual one.
export function formatLocale() {
  const l = language()
  for (const tag of navigator.languages || []) {
    if (String(tag).toLowerCase().split('-')[0] === l) return tag
  }
  return l === 'de' ? 'de-DE' : 'en-US'
}
