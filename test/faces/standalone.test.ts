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
    const bundle = '/x/dist/bundle/cli.js'
    expect(isStepMain(bundle, pathToFileURL(bundle).href, step)).toBe(false)
  })
  it('is not another program', () => {
    expect(isStepMain('/x/bin/kubewalk.js', pathToFileURL('/x/steps/05-call-api.ts').href, step)).toBe(false)
    expect(isStepMain(undefined, pathToFileURL('/x/steps/05-call-api.ts').href, step)).toBe(false)
  })
})

describe('the bundle run directly', () => {
  // Bundled, every step shares its chunk's import.meta.url, so running that chunk is the case where
  // each step's runIfMain saw itself as the program and spawned `run --only <id>`.
  it.each(['cli.js', 'the article steps chunk', 'the rbac-pods chunk'])('%s starts no replay of any step: exits at once, silently', async (which) => {
    const dir = fileURLToPath(new URL('../../dist/bundle/', import.meta.url))
    const { readdirSync } = await import('node:fs')
    const pick = which === 'cli.js' ? 'cli.js' : readdirSync(dir).find((f) => f.startsWith(which.includes('rbac') ? 'rbac-pods-' : 'steps-'))
    expect(pick, `no such chunk in ${dir}`).toBeDefined()
    const r = await execa('node', [`${dir}${pick}`], { reject: false, timeout: 20_000, env: { ...process.env, KUBECONFIG: '/nonexistent' } })
    expect({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(r.durationMs).toBeLessThan(5_000)
  })
})
