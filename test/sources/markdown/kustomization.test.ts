// What a kustomization reads, for writing a page's files before `kubectl kustomize DIR` / `apply -k DIR`.
import { describe, expect, it } from 'vitest'
import { isKustomization, kustomizationReads } from '../../../src/sources/markdown/kustomization.js'

describe('kustomizationReads', () => {
  it('resources, patches (a path or a string), generators, relative to the kustomization and normalized', () => {
    const k = [
      'resources:\n- ../../base\n- service.yaml\n- https://github.com/x/y//config?ref=v1',
      'patches:\n- path: update.yaml\n- target: {kind: Deployment}\n  patch: |-\n    - op: remove',
      'patchesStrategicMerge:\n- old.yaml',
      'configMapGenerator:\n- name: c\n  files:\n  - game.properties\n  - key=ui.properties\n  envs:\n  - .env',
    ].join('\n')
    expect(kustomizationReads('overlays/prod/kustomization.yaml', k)).toEqual([
      'base',
      'overlays/prod/service.yaml',
      'overlays/prod/old.yaml',
      'overlays/prod/update.yaml',
      'overlays/prod/game.properties',
      'overlays/prod/ui.properties',
      'overlays/prod/.env',
    ])
  })
  it('nothing from a file that is not YAML, or not a mapping', () => {
    expect(kustomizationReads('kustomization.yaml', 'resources: [a')).toEqual([])
    expect(kustomizationReads('kustomization.yaml', '- a\n- b\n')).toEqual([])
  })
  it('knows a kustomization by its name', () => {
    expect(
      ['kustomization.yaml', 'a/kustomization.yml', 'a/Kustomization', 'a/kustomization.yaml.bak', 'my-kustomization.yaml'].map(isKustomization),
    ).toEqual([true, true, true, false, false])
  })
})
