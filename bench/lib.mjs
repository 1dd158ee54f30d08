// Helpers shared by bench.mjs and isolate.mjs: statistics, the lab's processes and their memory.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
export const stats = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs), runs: xs })

export async function timed(fn) {
  const t = performance.now()
  const extra = await fn()
  return { ms: performance.now() - t, ...extra }
}

/** etcd, kube-apiserver and kube-controller-manager of a lab, by name, from its lab.json. */
export async function labPids(dir) {
  const state = JSON.parse(await readFile(join(dir, 'lab.json'), 'utf8'))
  return Object.fromEntries(Object.entries(state.components).map(([name, c]) => [name, c.pid]))
}

/** VmRSS and VmHWM (the process's lifetime peak) in MiB; undefined once the process is gone. */
export async function memoryOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined)
  if (status === undefined) return undefined
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 }
}

/**
 * Samples the RSS of the given processes every intervalMs until stop(): the highest seen per process.
 * Reading three /proc files 10 times a second costs the machine next to nothing.
 */
export function sampleRss(pids, intervalMs = 100) {
  const peak = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]))
  let samples = 0
  const tick = async () => {
    samples++
    for (const [name, pid] of Object.entries(pids)) {
      const m = await memoryOf(pid)
      if (m !== undefined && m.rssMiB > peak[name]) peak[name] = m.rssMiB
    }
  }
  const timer = setInterval(() => void tick(), intervalMs)
  void tick()
  return {
    async stop() {
      clearInterval(timer)
      await tick()
      return { peakMiB: peak, samples }
    },
  }
}

/** The RSS of each process now, the median of `count` samples spaced intervalMs apart. */
export async function rssNow(pids, count = 10, intervalMs = 100) {
  const seen = Object.fromEntries(Object.keys(pids).map((name) => [name, []]))
  for (let i = 0; i < count; i++) {
    for (const [name, pid] of Object.entries(pids)) seen[name].push((await memoryOf(pid))?.rssMiB ?? NaN)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  return Object.fromEntries(Object.entries(seen).map(([name, xs]) => [name, median(xs)]))
}
