// Files shipped at the package root (a walkthrough's prose and recordings); code runs from src/ or dist/src/.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export function packagePath(rel: string): string {
  for (const up of ['../', '../../']) {
    const p = fileURLToPath(new URL(up + rel, import.meta.url))
    if (existsSync(p)) return p
  }
  throw new Error(`${rel} is missing from the kubewalk package`)
}
