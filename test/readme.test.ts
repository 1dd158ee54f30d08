// The front door and the docs stay true (the CLI reference is generated from the command table and checked in
// test/faces/commands/help.test.ts): the Quick start is two commands, the README stays short, and every relative link in README.md, CONTRIBUTING.md and docs/ resolves.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(join(root, 'README.md'), 'utf8')

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? markdownFiles(p) : f.endsWith('.md') ? [p] : []
  })
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')

function anchorsOf(text: string): Set<string> {
  const out = new Set<string>()
  let fenced = false
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const m = /^#{1,6} (.*)$/.exec(line)
    if (!fenced && m) out.add(anchor(m[1] as string))
  }
  return out
}

describe('README', () => {
  it('has a Quick start of exactly two commands, one replaying the article and one running the tests', () => {
    const block = /## Quick start[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const commands = block
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean)
    expect(commands).toEqual(['npm ci && npm start', 'npm test'])
  })
  it('is a front door of at most 200 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200)
  })
})

describe('docs', () => {
  const files = [join(root, 'README.md'), join(root, 'CONTRIBUTING.md'), ...markdownFiles(join(root, 'docs'))]
  it('has the pages the README links to', () => {
    expect(files.map((f) => relative(root, f)).sort()).toEqual(expect.arrayContaining(['docs/getting-started.md', 'docs/reference/cli.md']))
  })
  it.each(files.map((f) => [relative(root, f), f]))('%s: every relative link resolves', (_name, file) => {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '')
    const broken: string[] = []
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const href = m[1] as string
      if (/^[a-z]+:/.test(href)) continue
      const [path = '', hash] = href.split('#')
      const target = path === '' ? file : join(dirname(file), path)
      if (!existsSync(target)) broken.push(href)
      else if (hash !== undefined && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(hash)) broken.push(href)
    }
    expect(broken).toEqual([])
  })
})
