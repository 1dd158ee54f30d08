import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  BuildProgress,
  estimateRemainingMs,
  firstCompilerError,
  formatDuration,
  progressLine,
  targetsNeeding,
  type BuildRecord,
} from '../../../src/platform/lab/progress.js'

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/lab/${name}`, import.meta.url), 'utf8')

const targets = [
  { name: 'kube-apiserver', packages: new Set(['internal/goarch', 'k8s.io/apimachinery/pkg/util/sets', 'k8s.io/kubernetes/cmd/kube-apiserver']) },
  { name: 'kubectl', packages: new Set(['internal/goarch', 'k8s.io/kubernetes/cmd/kubectl']) },
]

describe('BuildProgress', () => {
  it('counts the packages go build -v prints, per target, across split chunks', () => {
    const p = new BuildProgress(targets)
    p.feed('internal/go')
    p.feed('arch\nk8s.io/apimachinery/pkg/util/sets\n# k8s.io/x\nfoo.go:1:2: oops\n')
    expect(p.done).toEqual({ compiled: 2, total: 4 })
    expect(p.components()).toEqual([
      { name: 'kube-apiserver', compiled: 2, total: 3 },
      { name: 'kubectl', compiled: 1, total: 2 },
    ])
    p.feed('k8s.io/kubernetes/cmd/kubectl\n')
    expect(p.components()[1]).toEqual({ name: 'kubectl', compiled: 2, total: 2 })
  })

  it('ignores go download lines, errors and packages outside the targets', () => {
    const p = new BuildProgress(targets)
    for (const line of ['go: downloading github.com/x/y v1.0.0', '# internal/goarch', 'a.go:1:1: x', 'example.com/not/ours', '']) p.line(line)
    expect(p.done.compiled).toBe(0)
  })

  it('reads the recorded start of a real build', () => {
    // The first lines of logs/build-kubernetes.log of a cold v1.37.2 build on this machine (2026-11-29).
    const log = fixture('build-kubernetes-v1.37.2-head.log')
    const names = log.split('\n').filter((l) => /^[a-z]/.test(l) && !l.startsWith('go: '))
    const p = new BuildProgress([{ name: 'kube-apiserver', packages: new Set(names) }])
    p.feed(log)
    expect(p.done).toEqual({ compiled: names.length, total: names.length })
    expect(names.length).toBeGreaterThan(20)
  })

  it('makes one ticker line with the per-component counts, the estimate and the log', () => {
    const p = new BuildProgress(targets)
    p.feed('internal/goarch\nk8s.io/kubernetes/cmd/kubectl\n')
    expect(
      progressLine({
        label: 'kubernetes',
        progress: p,
        elapsedMs: 65_000,
        remainingMs: 200_000,
        previousMs: 265_000,
        linked: ['kubectl'],
        log: '/c/build.log',
      }),
    ).toBe('kubernetes: kube-apiserver 1/3, kubectl 2/2 linked (50% compiled), 1m05s; about 3m20s left (last build here 4m25s); log: /c/build.log')
    const etcd = new BuildProgress([targets[1]!])
    expect(progressLine({ label: 'etcd v3.6.5', progress: etcd, elapsedMs: 5_000, log: '/c/etcd.log' })).toBe(
      'etcd v3.6.5: 0/2 packages (0% compiled), 5s; log: /c/etcd.log',
    )
  })
})

describe('estimateRemainingMs', () => {
  // The last build compiled its first 1000 packages in 60 s and the other 1400 in 180 s: cheap ones come first.
  const previous: BuildRecord = {
    version: 'v1.33.13',
    finishedAt: '2026-11-29T14:00:00Z',
    totalMs: 300_000,
    stepsMs: { kubernetes: 240_000 },
    compiled: { kubernetes: 2400 },
    curve: {
      kubernetes: [
        [30_000, 600],
        [60_000, 1000],
        [120_000, 1500],
        [240_000, 2400],
      ],
    },
  }

  it.each([
    ['no record', undefined, 60_000, 600, undefined],
    ['by time alone before anything compiled', previous, 10_000, 0, 230_000],
    ['as fast as last time: the rest of the last build', previous, 60_000, 1000, 180_000],
    // This build reached 1000 packages in 90 s, 1.5 times the last one's 60 s: 180 s left becomes 270 s.
    ['slower than last time, scaled', previous, 90_000, 1000, 270_000],
    ['never below zero', previous, 300_000, 2400, 0],
    [
      "by time when the count passes the last build's",
      { ...previous, compiled: { kubernetes: 10 }, curve: { kubernetes: [[60_000, 10]] } },
      60_000,
      500,
      180_000,
    ],
    ['by time without a curve', { ...previous, curve: undefined }, 60_000, 600, 180_000],
  ] as const)('%s', (_, record, elapsed, compiled, expected) => {
    expect(estimateRemainingMs('kubernetes', elapsed, compiled, record as BuildRecord | undefined)).toBe(expected)
  })

  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(59_400), formatDuration(61_000), formatDuration(605_000)]).toEqual(['0s', '59s', '1m01s', '10m05s'])
  })
})

describe('firstCompilerError', () => {
  it('finds the first file:line:col error and its package (synthetic log, modelled on x/tools v0.8.0 under Go 1.22+)', () => {
    expect(firstCompilerError(fixture('build-compile-error.log'))).toEqual({
      pkg: 'golang.org/x/tools/internal/tokeninternal',
      line: 'golang.org/x/tools@v0.8.0/internal/tokeninternal/tokeninternal.go:78:9: invalid array length -delta * delta (constant -256 of type int64)',
    })
  })

  it('falls back to the first line under a # header for a link error (synthetic log)', () => {
    expect(firstCompilerError(fixture('build-link-error.log'))).toEqual({
      pkg: 'k8s.io/kubernetes/cmd/kubectl',
      line: 'link: github.com/modern-go/reflect2: invalid reference to runtime.unsafe_New',
    })
  })

  it('finds nothing in a clean log', () => {
    expect(firstCompilerError('$ go build -v .\ninternal/goarch\nk8s.io/kubernetes/cmd/kubectl\n')).toBeUndefined()
  })

  it('names the components that need the failing package', () => {
    expect(targetsNeeding('k8s.io/apimachinery/pkg/util/sets', targets)).toEqual(['kube-apiserver'])
    expect(targetsNeeding('internal/goarch', targets)).toEqual(['kube-apiserver', 'kubectl'])
    expect(targetsNeeding(undefined, targets)).toEqual(['kube-apiserver', 'kubectl'])
  })
})
