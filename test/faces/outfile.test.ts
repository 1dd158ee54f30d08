import { lstatSync, statSync } from 'node:fs'
import { chmod, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkOutputFile, sameFile, writeWhole } from '../../src/faces/outfile.js'

let dir: string
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'kubewalk-outfile-'))))
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('checkOutputFile', () => {
  it.each([
    ['', /^--out needs a file name\.$/],
    ['/nonexistent/r.json', /the directory \/nonexistent does not exist/],
    ['/tmp', /is a directory/],
    ['newdir/', /newdir\/ is a directory; give a file name/],
  ])('refuses %j', (file, message) => {
    expect(() => checkOutputFile('--out', file)).toThrow(message)
  })
  it('accepts a new file in a writable directory, an existing file, and a device written in place', async () => {
    expect(() => checkOutputFile('--out', join(dir, 'new.txt'))).not.toThrow()
    await writeFile(join(dir, 'old.txt'), 'x')
    expect(() => checkOutputFile('--out', join(dir, 'old.txt'))).not.toThrow()
    expect(() => checkOutputFile('--out', '/dev/null')).not.toThrow()
  })
})

describe('sameFile', () => {
  it('sees one file behind different spellings and behind a symlink', async () => {
    const file = join(dir, 'r.md')
    await writeFile(file, '')
    await symlink(file, join(dir, 'link.md'))
    expect(sameFile(file, join(dir, '.', 'r.md'))).toBe(true)
    expect(sameFile(relative(process.cwd(), file), file)).toBe(true)
    expect(sameFile(join(dir, 'link.md'), file)).toBe(true)
    expect(sameFile(join(dir, 'a.md'), join(dir, 'b.md'))).toBe(false)
  })
})

describe('writeWhole', () => {
  it('replaces a regular file whole and keeps its mode', async () => {
    const file = join(dir, 'secret.md')
    await writeFile(file, 'old')
    await chmod(file, 0o600)
    await writeWhole(file, 'new')
    expect(await readFile(file, 'utf8')).toBe('new')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect((await readdir(dir)).filter((f) => f.includes('.kubewalk-'))).toEqual([])
  })
  it('writes through a symlink: the link stays a link, its target gets the text', async () => {
    const real = join(dir, 'real.md')
    const link = join(dir, 'notes.md')
    await writeFile(real, 'old')
    await symlink(real, link)
    await writeWhole(link, 'through')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(await readFile(real, 'utf8')).toBe('through')
  })
  it('writes a pipe in place: it stays a pipe and its reader gets the text', async () => {
    // A FIFO of its own, not /dev/null: a regression must not replace a device on a root machine.
    const { execa } = await import('execa')
    const fifo = join(dir, 'pipe')
    await execa('mkfifo', [fifo])
    const [read] = await Promise.all([readFile(fifo, 'utf8'), writeWhole(fifo, 'through the pipe')])
    expect(read).toBe('through the pipe')
    expect(statSync(fifo).isFIFO()).toBe(true)
  })
  it('leaves the old file as it was when the write fails, and never writes through a file at its temporary name', async () => {
    const file = join(dir, 'keep.md')
    await writeFile(file, 'old')
    const planted = `${file}.kubewalk-${process.pid}.tmp`
    await writeFile(planted, 'planted')
    await expect(writeWhole(file, 'new')).rejects.toThrow(/EEXIST/)
    expect(await readFile(file, 'utf8')).toBe('old')
    expect(await readFile(planted, 'utf8')).toBe('planted')
  })
})

describe('writeWhole with unmasked secrets', () => {
  it('creates a new file 0600 whatever the umask, where a file without secrets gets the usual mode', async () => {
    const old = process.umask(0o022)
    try {
      expect(await writeWhole(join(dir, 'plain.json'), '{}')).toEqual({})
      expect(await writeWhole(join(dir, 'secret.json'), '{"token":"x"}', { secret: true })).toEqual({})
    } finally {
      process.umask(old)
    }
    expect(statSync(join(dir, 'plain.json')).mode & 0o777).toBe(0o644)
    expect(statSync(join(dir, 'secret.json')).mode & 0o777).toBe(0o600)
  })
  it.each([
    ['0644', 'a file others can read', true],
    ['0640', 'a file its group can read', true],
    ['0600', 'a private file', false],
  ])('keeps the mode %s of %s, and warns when it is wider than 0600: %s', async (octal, _, warns) => {
    const mode = parseInt(octal, 8)
    const file = join(dir, `existing-${mode.toString(8)}.md`)
    await writeFile(file, 'old')
    await chmod(file, mode)
    const r = await writeWhole(file, 'token: x', { secret: true })
    expect(await readFile(file, 'utf8')).toBe('token: x')
    expect(statSync(file).mode & 0o777).toBe(mode)
    if (warns)
      expect(r.warning).toBe(`${file} holds unmasked secrets (--show-secrets) and its mode ${octal} lets others read it; run chmod 600 ${file}.`)
    else expect(r).toEqual({})
  })
  it('warns about the mode of the file a symlink leads to, naming the link as given', async () => {
    const real = join(dir, 'wide-real.md')
    const link = join(dir, 'wide-link.md')
    await writeFile(real, 'old')
    await chmod(real, 0o644)
    await symlink(real, link)
    expect((await writeWhole(link, 'x', { secret: true })).warning).toMatch(/^\S+wide-link\.md holds unmasked secrets .* mode 0644 /)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
  })
  it('says nothing about a wide file that holds no secrets', async () => {
    const file = join(dir, 'public.md')
    await writeFile(file, 'old')
    await chmod(file, 0o644)
    expect(await writeWhole(file, 'masked')).toEqual({})
  })
})

describe('writeWhole and an exit mid-write', () => {
  it('leaves neither a temporary file nor a changed file when the process exits while writing', async () => {
    const { execa } = await import('execa')
    const file = join(dir, 'interrupted.md')
    await writeFile(file, 'old')
    const module = new URL('../../src/faces/outfile.ts', import.meta.url).pathname
    // 400 MB takes far longer than the 20 ms before the exit (what a second Ctrl-C does).
    const script = `import { writeWhole } from ${JSON.stringify(module)}; void writeWhole(${JSON.stringify(file)}, 'x'.repeat(400e6)); setTimeout(() => process.exit(130), 20)`
    const r = await execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], { reject: false })
    expect(r.exitCode).toBe(130)
    expect(await readFile(file, 'utf8')).toBe('old')
    expect((await readdir(dir)).filter((f) => f.startsWith('interrupted.md.kubewalk-'))).toEqual([])
  }, 30_000)
})
