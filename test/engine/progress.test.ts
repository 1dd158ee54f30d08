// --report-progress's record: what it writes (step ids, how, when; nothing else), how it merges, what
// it keeps from a record a participant may have edited, and a refused write.
import { describe, expect, it } from 'vitest'
import { PROGRESS_NAME, forgetProgress, isUnreadable, progressOf, recordProgress, type ProgressLine } from '../../src/engine/progress.js'

const IDS = ['one', 'two', 'three']

/** kubectl as the record's lines meet it: `get` answers `existing`, `apply` and `delete` succeed; every line and its environment is kept. */
function kubectl(existing: string, refuse?: string): { run: ProgressLine; lines: { script: string; env: Record<string, string | undefined> }[] } {
  const lines: { script: string; env: Record<string, string | undefined> }[] = []
  return {
    lines,
    run: async (script, o) => {
      lines.push({ script, env: o.env ?? {} })
      if (refuse !== undefined) return { exitCode: 1, stdout: '', stderr: refuse }
      if (script.startsWith('kubectl get')) return { exitCode: 0, stdout: existing, stderr: '' }
      return { exitCode: 0, stdout: `configmap/${PROGRESS_NAME}\n`, stderr: '' }
    },
  }
}

const manifestOf = (
  env: Record<string, string | undefined>,
): { metadata: { name: string; labels: Record<string, string> }; data: Record<string, string> } => JSON.parse(env.KUBEWALK_PROGRESS ?? '{}')

describe('progress', () => {
  it("writes one labelled ConfigMap of kubewalk's through the environment, with step ids, how and when, and keeps the other walkthroughs' keys", async () => {
    // The shape `kubectl get configmap -o json` printed on the lab (v1.37.2), trimmed to what is read.
    const existing = JSON.stringify({
      kind: 'ConfigMap',
      data: {
        other: '{"steps":{"x":{"via":"run","at":"2026-11-30T10:00:00.000Z"}},"at":"2026-11-30T10:00:00.000Z"}',
        mine: '{"steps":{"one":{"via":"check","at":"2026-11-30T10:00:00.000Z"}},"at":"2026-11-30T10:00:00.000Z"}',
      },
    })
    const k = kubectl(existing)
    expect(await recordProgress({ KUBECONFIG: '/k' }, 'team-a', 'mine', IDS, ['two'], 'serve', k.run)).toEqual({ ok: true })
    const apply = k.lines[1]
    expect(apply?.script).toBe(`printf '%s' "$KUBEWALK_PROGRESS" | kubectl apply -n "$KUBEWALK_NAMESPACE" -f - -o name`)
    expect(apply?.env.KUBEWALK_NAMESPACE).toBe('team-a')
    const m = manifestOf(apply?.env ?? {})
    expect(m.metadata).toEqual({
      name: 'kubewalk-progress',
      labels: { 'app.kubernetes.io/managed-by': 'kubewalk', 'app.kubernetes.io/component': 'progress' },
    })
    expect(m.data.other).toBe(JSON.parse(existing).data.other)
    const mine = JSON.parse(m.data.mine ?? '')
    expect(Object.keys(mine.steps)).toEqual(['one', 'two'])
    expect(mine.steps.one).toEqual({ via: 'check', at: '2026-11-30T10:00:00.000Z' })
    expect(mine.steps.two.via).toBe('serve')
    expect(Date.parse(mine.steps.two.at)).toBeGreaterThan(Date.parse('2026-11-30T10:00:00.000Z'))
  })

  it("a reset empties the walkthrough's record", async () => {
    const k = kubectl(
      JSON.stringify({ data: { mine: '{"steps":{"one":{"via":"run","at":"2026-11-30T10:00:00.000Z"}},"at":"2026-11-30T10:00:00.000Z"}' } }),
    )
    await recordProgress({}, 'ns', 'mine', IDS, 'reset', 'serve', k.run)
    expect(JSON.parse(manifestOf(k.lines[1]?.env ?? {}).data.mine ?? '').steps).toEqual({})
  })

  it('keeps only steps of the walkthrough with a known way and a real time (the participant can write anything there)', () => {
    const cm = JSON.stringify({
      data: {
        mine: JSON.stringify({
          steps: {
            one: { via: 'check', at: '2026-11-30T10:00:00Z' },
            two: { via: 'magic', at: '2026-11-30T10:00:00Z' },
            three: { via: 'run', at: 'yesterday' },
            '<script>': { via: 'run', at: '2026-11-30T10:00:00Z' },
          },
          at: 'soon',
        }),
      },
    })
    expect(progressOf(cm, 'mine', IDS)).toEqual({ steps: { one: { via: 'check', at: '2026-11-30T10:00:00Z' } }, at: '1970-01-01T00:00:00.000Z' })
    expect(progressOf('', 'mine', IDS)).toBeUndefined()
    expect(progressOf('{"data":{}}', 'mine', IDS)).toBeUndefined()
    expect(progressOf('{"data":{"other":"null"}}', 'mine', IDS)).toBeUndefined()
  })

  // A participant's edit, or a wrong kubectl apply: the record is there, and it is not one.
  it.each([
    ['null', { data: { mine: 'null' } }],
    ['not JSON', { data: { mine: 'not json' } }],
    ['a number', { data: { mine: '42' } }],
    ['an array', { data: { mine: '[1,2]' } }],
    ['steps null is fine, steps a string is not', { data: { mine: '{"steps":"all"}' } }],
    ['data a list', { data: ['x'] }],
    ['the key not text', { data: { mine: { steps: {} } } }],
  ])('a record holding %s is unreadable, said, never thrown', (_, cm) => {
    const p = progressOf(JSON.stringify(cm), 'mine', IDS)
    expect(isUnreadable(p)).toBe(true)
    expect((p as { unreadable: string }).unreadable).toMatch(/^configmap\/kubewalk-progress/)
  })
  it('the ConfigMap itself null is unreadable', () => {
    expect(isUnreadable(progressOf('null', 'mine', IDS))).toBe(true)
  })
  it('recording over an unreadable record writes a fresh one, keeping the other keys that are text', async () => {
    const k = kubectl(JSON.stringify({ data: { mine: 'null', other: 'kept' } }))
    expect(await recordProgress({}, 'team-a', 'mine', IDS, ['one'], 'run', k.run)).toEqual({ ok: true })
    const m = manifestOf(k.lines[1]?.env ?? {})
    expect(m.data.other).toBe('kept')
    expect(Object.keys(JSON.parse(m.data.mine ?? '').steps)).toEqual(['one'])
    expect(await recordProgress({}, 'team-a', 'mine', IDS, ['one'], 'run', kubectl('null').run)).toEqual({ ok: true })
  })

  it('a refusal (RBAC) is said, not thrown', async () => {
    // kubectl 1.37.2 on the lab, as a ServiceAccount `pupil` with no Role.
    const forbidden =
      'Error from server (Forbidden): configmaps "kubewalk-progress" is forbidden: User "system:serviceaccount:default:pupil" cannot get resource "configmaps" in API group "" in the namespace "default"'
    const k = kubectl('', forbidden)
    expect(await recordProgress({}, 'default', 'mine', IDS, ['one'], 'check', k.run)).toEqual({ ok: false, why: forbidden })
    expect(k.lines).toHaveLength(1)
    expect(await forgetProgress({}, 'default', kubectl('').run)).toEqual({ ok: true })
  })
})
