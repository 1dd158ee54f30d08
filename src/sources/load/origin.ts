// Where a loaded walkthrough came from: the registry, a folder or a Markdown file. Only the loader
// records it; faces read it to tell the user how to name the walkthrough again.
import type { Walkthrough } from '../../core/walkthrough.js'

export type Origin = { kind: 'registry' } | { kind: 'folder' | 'markdown'; path: string }

const origins = new WeakMap<Walkthrough, Origin>()

export function recordOrigin(w: Walkthrough, origin: Origin): Walkthrough {
  origins.set(w, origin)
  return w
}

export function originOf(w: Walkthrough): Origin {
  return origins.get(w) ?? { kind: 'registry' }
}

/** What to pass to --walkthrough to name it again: its id, or the path it was loaded from. */
export function walkthroughRef(w: Walkthrough): string {
  const o = originOf(w)
  return o.kind === 'registry' ? w.id : o.path
}

/** A value for --walkthrough is a path when it contains a `/` or ends in `.md`; otherwise a registry id. */
export function isWalkthroughPath(value: string): boolean {
  return value.includes('/') || /\.md$/i.test(value)
}
