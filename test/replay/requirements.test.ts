import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkServerVersion, checkTools } from '../../src/replay/requirements.js'
import { walkthroughProblems, type Walkthrough } from '../../src/walkthrough.js'

describe('a walkthrough\'s requirements', () => {
  it.each([
    ['v1.23.17', '1.24', true],
    ['v1.24.0', '1.24', false],
    ['v1.37.2', '1.24', false],
    ['v1.9.0', '1.10', true],
    ['v2.0.0', '1.99', false],
    ['v1.30.1-gke.1', '1.31', true],
  ])('server %s against a minimum of %s: refused %s', (server, min, refused) => {
    const check = (): void => checkServerVersion({ kubernetes: min }, server, 'prod', 'demo')
    if (refused) expect(check).toThrow(`prod runs Kubernetes ${server}; walkthrough demo needs ${min} or newer.`)
    else expect(check).not.toThrow()
  })
  it('declares no minimum: any server', () => expect(() => checkServerVersion(undefined, 'v1.2.0', 'old', 'demo')).not.toThrow())
  it('names the first declared tool that is missing from PATH, and nothing when none is declared', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubewalk-tools-'))
    await writeFile(join(dir, 'curl'), '#!/bin/sh\n', { mode: 0o755 })
    const env = { PATH: dir }
    await expect(checkTools({ id: 'demo', requires: { tools: ['curl'] } }, env)).resolves.toBeUndefined()
    await expect(checkTools({ id: 'demo', requires: { tools: ['curl', 'jq'] } }, env)).rejects.toThrow("jq is not on PATH; install jq (walkthrough demo's lines call it).")
    await expect(checkTools({ id: 'demo' }, { PATH: '' })).resolves.toBeUndefined()
  })
  const w = (requires: Walkthrough['requires']): Walkthrough => ({ id: 'demo', title: 'd', vars: [], steps: [{ id: 'a', number: '01', title: 'a', command: 'true', reads: [], parse: () => 0, check: () => [] }], requires })
  it.each([
    [{ kubernetes: '1.24' }, []],
    [{ kubernetes: 'v1.24' }, ['requires.kubernetes must be MAJOR.MINOR (e.g. "1.27"), got "v1.24"']],
    [{ tools: ['curl', 'rm -rf'] }, ['requires.tools names commands, got "rm -rf"']],
    [{ objects: ['serviceaccount/default'] }, []],
    [{ objects: ['default'] }, ['requires.objects entries are kind/name as kubectl prints them (e.g. "configmap/settings"), got "default"']],
  ])('validates %j', (requires, problems) => expect(walkthroughProblems(w(requires))).toEqual(problems))
})
