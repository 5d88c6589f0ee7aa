// Folders as the API lists them (a flat list with parent_id) turned into
// what the tree and the folder dialog show: children by parent, paths,
// and what a delete would take along.

// children maps a parent id ('' for the top level) to its folders, by name.
export function children(folders) {
  const by = {}
  for (const f of folders) (by[f.parent_id || ''] ||= []).push(f)
  for (const k of Object.keys(by)) by[k].sort((a, b) => a.name.localeCompare(b.name))
  return by
}

// paths maps each folder's id to its path from the top, "Taxes / 2024".
export function paths(folders) {
  const byId = Object.fromEntries(folders.map((f) => [f.id, f]))
  const out = {}
  const path = (f, depth) => {
    if (out[f.id]) return out[f.id]
    const up = f.parent_id && byId[f.parent_id] && depth < folders.length ? path(byId[f.parent_id], depth + 1) + ' / ' : ''
    return (out[f.id] = up + f.name)
  }
  for (const f of folders) path(f, 0)
  return out
}

// ordered is every folder depth first (a parent before its subfolders),
// each with its depth: the order of a parent picker.
export function ordered(folders) {
  const by = children(folders)
  const out = []
  const seen = new Set()
  const walk = (pid, depth) => {
    for (const f of by[pid] || []) {
      if (seen.has(f.id)) continue
      seen.add(f.id)
      out.push({ folder: f, depth })
      walk(f.id, depth + 1)
    }
  }
  walk('', 0)
  return out
}

// subtree is the ids of id and of every folder below it.
export function subtree(folders, id) {
  const by = children(folders)
  const ids = new Set([id])
  const queue = [id]
  while (queue.length) {
    for (const c of by[queue.shift()] || []) {
      if (!ids.has(c.id)) { ids.add(c.id); queue.push(c.id) }
    }
  }
  return ids
}

// ancestors is the ids above id, nearest first.
export function ancestors(folders, id) {
  const byId = Object.fromEntries(folders.map((f) => [f.id, f]))
  const out = []
  let f = byId[id]
  while (f && f.parent_id && !out.includes(f.parent_id) && out.length < folders.length) {
    out.push(f.parent_id)
    f = byId[f.parent_id]
  }
  return out
}

// (Counted words, "1 document", "3 documents", are the catalogues' plurals: t(key, n).)
