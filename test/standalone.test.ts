import { execa } from 'execa'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isStepMain } from '../src/standalone.js'

const step = { id: 'call-api', number: '05' }

describe('isStepMain', () => {
  it('is the step file run on its own (ts or compiled js)', () => {
    expect(isStepMain('/x/steps/05-call-api.ts', pathToFileURL('/x/steps/05-call-api.ts').href, step)).toBe(true)
    expect(isStepMain('/x/dist/steps/05-call-api.js', pathToFileURL('/x/dist/steps/05-call-api.js').href, step)).toBe(true)
  })
  it('is not a bundle that holds every step under one import.meta.url', () => {
    const bundle = '/x/dist/bundle/cli.js'
    expect(isStepMain(bundle, pathToFileURL(bundle).href, step)).toBe(false)
  })
  it('is not another program', () => {
    expect(isStepMain('/x/bin/kubewalk.js', pathToFileURL('/x/steps/05-call-api.ts').href, step)).toBe(false)
    expect(isStepMain(undefined, pathToFileURL('/x/steps/05-call-api.ts').href, step)).toBe(false)
  })
})

describe('the bundle run directly', () => {
  it('starts no replay of any step (node dist/bundle/cli.js exits at once, silently)', async () => {
    const bundle = fileURLToPath(new URL('../dist/bundle/cli.js', import.meta.url))
    const r = await execa('node', [bundle], { reject: false, timeout: 20_000, env: { ...process.env, KUBECONFIG: '/nonexistent' } })
    expect({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(r.durationMs).toBeLessThan(5_000)
  })
})
