// Recordings as files: what `kubewalk record` writes, readRecordings reads back by step.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { readRecordedSource, readRecordings } from '../../src/sources/recordings.js'

let dir: string
afterAll(async () => rm(dir, { recursive: true, force: true }))

it("reads each step's parts (exit code 0 unless .exit.txt says otherwise), skips a step with none, and reads source.json", async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-recordings-'))
  await writeFile(join(dir, '01-one.stdout.txt'), 'out\n')
  await writeFile(join(dir, '01-one.stderr.txt'), 'warn\n')
  await writeFile(join(dir, '02-two.captured.txt'), 'value')
  await writeFile(join(dir, '02-two.exit.txt'), '1\n')
  await writeFile(
    join(dir, 'source.json'),
    JSON.stringify({ kubernetes: 'v1.37.2', cluster: { name: 'lab', server: 'https://127.0.0.1:1' }, recordedAt: '2026-11-30T14:46:44.410Z' }),
  )
  const steps = [
    { number: '01', id: 'one' },
    { number: '02', id: 'two' },
    { number: '03', id: 'three' },
  ]
  expect(readRecordings(pathToFileURL(`${dir}/`), steps)).toEqual({
    one: { stdout: 'out\n', stderr: 'warn\n', exitCode: 0 },
    two: { stdout: '', stderr: '', exitCode: 1, captured: 'value' },
  })
  expect(readRecordedSource(dir)).toEqual({
    kubernetes: 'v1.37.2',
    cluster: { name: 'lab', server: 'https://127.0.0.1:1' },
    recordedAt: new Date('2026-11-30T14:46:44.410Z'),
  })
  expect(readRecordedSource(join(dir, 'none'))).toBeUndefined()
})
