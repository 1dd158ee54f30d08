import { execa } from 'execa'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isStepMain } from '../../src/faces/standalone.js'

const step = { id: 'call-api', number: '05' }

describe('isStepMain', () => {
  it('is the step file run on its own (ts or compiled js)', () => {
    expect(isStepMain('/x/steps/05-call-api.ts', pathToFileURL('/x/steps/05-call-api.ts').href, step)).toBe(true)
    expect(isStepMain('/x/dist/steps/05-call-api.js', pathToFileURL('/x/dist/steps/05-call-api.js').href, step)).toBe(true)
  })
  it('is not a bundle that holds every step under one import.meta.url', () => {
    const bundle = '/x/dist/bundle/cli.cjs'
    expect(isStepMain(bundle, pathToFileURL(bundle).href, step)).toBe(false)
  })
  it('is not another program', () => {
    expect(isStepMain('/x/bin/kubewalk.js', pathToFileURL('/x/steps/05-call-api.ts').href, step)).toBe(false)
    expect(isStepMain(undefined, pathToFileURL('/x/steps/05-call-api.ts').href, step)).toBe(false)
  })
})

describe('the bundle run directly', () => {
  // Bundled, every step shares the bundle's import.meta.url, so running the bundle is the case where
  // each step's runIfMain saw itself as the program and spawned `run --only <id>`.
  it('dist/bundle/cli.cjs starts no replay of any step: exits at once, silently', async () => {
    const file = fileURLToPath(new URL('../../dist/bundle/cli.cjs', import.meta.url))
    const r = await execa('node', [file], { reject: false, timeout: 20_000, env: { ...process.env, KUBECONFIG: '/nonexistent' } })
    expect({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(r.durationMs).toBeLessThan(5_000)
  })
})
