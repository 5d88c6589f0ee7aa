// notice is the app-wide message line: errors that belong to no one form.
import { reactive } from 'vue'

export const notice = reactive({ error: '', info: '' })

let timer = null
export function flash(info) {
  notice.info = info
  clearTimeout(timer)
  timer = setTimeout(() => { notice.info = '' }, 4000)
}
