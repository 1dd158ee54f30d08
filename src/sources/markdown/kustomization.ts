// What a kustomization file reads: `kubectl kustomize DIR` and `apply -k DIR` name only the folder, and the
// kustomization there names the rest (`resources: [../../base]`, `patches: [{path: p.yaml}]`). A page that makes
// those files one by one ("Create `base/deployment.yaml`:") has them all written for the line that names the folder.
import { posix } from 'node:path'
import { parse } from 'yaml'

const KUSTOMIZATION = /(?:^|\/)(?:kustomization\.ya?ml|Kustomization)$/

/** Whether `name` is a kustomization file. */
export const isKustomization = (name: string): boolean => KUSTOMIZATION.test(name)

/** The paths (files or folders) the kustomization `name` with `content` reads, relative to the page's folder. */
export function kustomizationReads(name: string, content: string): string[] {
  let doc: unknown
  try {
    doc = parse(content)
  } catch {
    return []
  }
  if (doc === null || typeof doc !== 'object') return []
  const k = doc as Record<string, unknown>
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
  const pathOf = (v: unknown): string | undefined =>
    typeof v === 'string'
      ? v
      : v !== null && typeof v === 'object' && typeof (v as { path?: unknown }).path === 'string'
        ? (v as { path: string }).path
        : undefined
  const generated = [...list(k.configMapGenerator), ...list(k.secretGenerator)].flatMap((g) => {
    const o = (g ?? {}) as { files?: unknown; envs?: unknown; env?: unknown }
    // `files: [key=path]` names the key before `=`.
    return [...list(o.files).map((f) => (typeof f === 'string' ? f.slice(f.indexOf('=') + 1) : undefined)), ...list(o.envs), o.env]
  })
  const named = [
    ...['resources', 'bases', 'components', 'crds', 'patchesStrategicMerge', 'transformers', 'generators', 'validators'].flatMap((f) => list(k[f])),
    ...['patches', 'patchesJson6902', 'replacements'].flatMap((f) => list(k[f]).map(pathOf)),
    ...generated,
  ]
  const dir = posix.dirname(name)
  return named
    .filter((p): p is string => typeof p === 'string' && p !== '' && !/^[a-z][\w+.-]*:\/\//i.test(p) && !posix.isAbsolute(p))
    .map((p) => posix.normalize(posix.join(dir, p)))
}
