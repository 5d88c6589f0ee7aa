// saveResponse saves a fetch response's body as a file, named by its
// Content-Disposition when it has one, else by fallback.
export async function saveResponse(res, fallback) {
  let name = fallback
  const cd = res.headers.get('Content-Disposition') || ''
  const m = /filename\*=UTF-8''([^;]+)|filename="([^"]+)"|filename=([^;"\s]+)/i.exec(cd)
  if (m) name = m[1] ? decodeURIComponent(m[1]) : m[2] || m[3]
  const url = URL.createObjectURL(await res.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
}
