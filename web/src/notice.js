// notice is the app's one message line: what the last action did, or why
// it failed. There is only ever one message: a new one replaces the old
// (an error never stands beside a stale "created"), an action clears it
// when it starts (clearNotice), and so does going to another page (router.js).
//
// A message may name a place, a <Notice place="…"> next to the form it is
// about; a message with no place shows at the top of the page (App.vue).
// error and info are never both set.
import { reactive } from 'vue'

export const notice = reactive({ error: '', info: '', place: '' })

let timer = null

function set(kind, text, place) {
  clearTimeout(timer)
  notice.error = kind === 'error' ? text : ''
  notice.info = kind === 'info' ? text : ''
  notice.place = place || ''
}

// flash shows what an action did; it goes by itself after a few seconds.
export function flash(info, place = '') {
  set('info', info, place)
  timer = setTimeout(() => { if (notice.info === info) set('', '', '') }, 6000)
}

// progress says that a longer action is under way ("Queued…"); it stays
// until the action's outcome (or anything else) replaces it.
export function progress(info, place = '') {
  set('info', info, place)
}

// fail shows why an action failed (an Error or a message) until the next
// action, a page change, or the person dismisses it. The API's messages
// are Go's (lower case, as the CLI prints them after "docuvault: "); here
// each stands alone, so it starts as a sentence does.
export function fail(err, place = '') {
  const text = (err && err.message) || String(err)
  set('error', text.charAt(0).toUpperCase() + text.slice(1), place)
}

// clearNotice takes the message away: an action calls it as it starts,
// since the last action's message no longer applies.
export function clearNotice() {
  set('', '', '')
}
