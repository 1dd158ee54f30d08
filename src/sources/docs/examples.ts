// Where a docs page's example files are: the `content/en/examples` of the kubernetes/website checkout
// the page is in, else the nearest `examples` folder above the page (a corpus keeps them there).
import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/** A URL of kubernetes/website's example P: `https://k8s.io/examples/P`, or the raw file at a ref; P is group 1. */
export const EXAMPLE_URL =
  /https:\/\/(?:k8s\.io\/examples|raw\.githubusercontent\.com\/kubernetes\/website\/[\w.-]+\/content\/en\/examples)\/([\w./-]+\.(?:ya?ml|json|txt|conf|sh))/g

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory()

/** The examples folder for the page at `file`, or undefined when there is none above it. */
export function findExamplesDir(file: string): string | undefined {
  let dir = dirname(resolve(file))
  for (;;) {
    for (const candidate of [join(dir, 'content', 'en', 'examples'), join(dir, 'examples')]) if (isDir(candidate)) return candidate
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}
