// Downloads: the browser saves a file from a link as it arrives, streamed
// to disk, where a file fetched first would be held in memory whole (a
// vault's export can be many gigabytes). A link cannot send the
// Authorization header, so the API first gives a ticket for that one
// download (POST /api/download-tickets: this path and query only, for a
// minute, in this session), and the link carries it.
import { api } from './api.js'

// downloadLink downloads path (an API download: a document's or a
// version's content, an export), named as the server names it.
export async function downloadLink(path) {
  const { url } = await api('POST', '/api/download-tickets', { path })
  const a = document.createElement('a')
  a.href = url
  a.setAttribute('download', '')
  document.body.appendChild(a)
  a.click()
  a.remove()
}
