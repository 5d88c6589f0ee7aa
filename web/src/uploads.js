// uploads is the app's one upload queue: files chosen or dropped on the
// documents page's drop zone (Uploader.vue) and files dropped anywhere else
// in the app (DropAnywhere.vue) all go through add, and every one of them
// is a row here, with its progress and its outcome, shown by the drop
// zone's list and by the uploads panel (UploadPanel.vue), across pages.
//
// target is where a file dropped anywhere goes: the drop zone sets it to
// the folder the documents page shows while that page is open.
import { reactive } from 'vue'
import { uploadFile, uploadMessage } from './api.js'
import { t } from './i18n.js'

export const uploads = reactive({
  items: [], // newest first: {id, name, size, progress, state, message, docId, folderId}
  hidden: false, // the panel was closed; new files show it again
})

export const target = reactive({ folderId: '', owner: null })

// The states of a row: waiting, uploading, then done, duplicate or error.
export const finished = (it) => it.state === 'done' || it.state === 'duplicate' || it.state === 'error'

const listeners = new Set()

// onUploaded calls fn(document) after each file the server took (stored
// or a duplicate, as the drop zone's 'uploaded' event always did); it
// returns the function that stops it.
export function onUploaded(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

let seq = 0
const queue = []
let running = 0

// add queues files (a FileList or an array) for upload into folderId ('' for
// none).
export function add(fileList, folderId = '') {
  const files = Array.from(fileList || [])
  if (!files.length) return
  for (const f of files) {
    const it = reactive({ id: ++seq, name: f.name, size: f.size, progress: 0, state: 'waiting', message: '', docId: '', folderId })
    uploads.items.unshift(it)
    queue.push([f, it])
  }
  uploads.hidden = false
  pump()
}

// At most two uploads at once; each file is its own request, so each has
// its own progress and its own result.
function pump() {
  while (running < 2 && queue.length) {
    const [f, it] = queue.shift()
    running++
    it.state = 'uploading'
    uploadFile(f, (p) => { it.progress = p }, { folder_id: it.folderId })
      .then((r) => {
        it.progress = 1
        if (r.duplicate_of) {
          it.state = 'duplicate'
          it.docId = r.duplicate_of
          it.message = t('upload.duplicate')
        } else {
          it.state = 'done'
          it.docId = r.document ? r.document.id : ''
          it.message = t('upload.done')
        }
        for (const fn of listeners) fn(r.document)
      })
      .catch((e) => {
        it.state = 'error'
        it.message = uploadMessage(e)
      })
      .finally(() => { running--; pump() })
  }
}

// clearFinished removes the rows whose upload is over.
export function clearFinished() {
  uploads.items = uploads.items.filter((i) => !finished(i))
}

// forget drops every row and every file not yet sent: the person signed out.
export function forget() {
  queue.length = 0
  uploads.items = []
  uploads.hidden = false
}
