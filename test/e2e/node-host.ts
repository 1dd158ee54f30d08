// What a lab with a node may change on the host, read the same way before `lab up --node` and after `lab down`:
// mounts, links, routes, iptables and nftables, the sysctls the node touches, cgroups, and the files in the
// system paths the kubelet and containerd write.
import { readdir, readFile, lstat } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { NODE_SYSCTLS, NODE_SYSTEM_PATHS } from '../../src/platform/lab/node/host-setup.js'
import { nodePath } from '../../src/platform/lab/node/prereqs.js'

async function out(cmd: string, args: string[]): Promise<string> {
  const r = await execa(cmd, args, { reject: false, env: { PATH: nodePath() } })
  return `${String(r.stdout)}${r.failed ? ` (failed: ${String(r.stderr).trim()})` : ''}`
}

async function tree(p: string): Promise<string[]> {
  const st = await lstat(p).catch(() => undefined)
  if (!st) return []
  if (!st.isDirectory()) return [p]
  const entries = await readdir(p).catch(() => [] as string[])
  return [`${p}/`, ...(await Promise.all(entries.sort().map((e) => tree(path.join(p, e))))).flat()]
}

/** A comparable picture of the host. iptables-save's counters and comments of time are dropped. */
export async function hostSnapshot(): Promise<Record<string, string>> {
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ').slice(3, 5).join(' '))
    .sort()
    .join('\n')
  const clean = (s: string) =>
    s
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/, ''))
      .join('\n')
  const sysctls: string[] = []
  for (const key of NODE_SYSCTLS)
    sysctls.push(`${key}=${(await readFile(path.join('/proc/sys', ...key.split('.')), 'utf8').catch(() => '-')).trim()}`)
  const cgroups = (await readdir('/sys/fs/cgroup').catch(() => [] as string[])).sort()
  const cgroupDirs: string[] = []
  for (const c of cgroups)
    cgroupDirs.push(
      `${c}: ${(await readdir(path.join('/sys/fs/cgroup', c), { withFileTypes: true }).catch(() => []))
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort()
        .join(' ')}`,
    )
  return {
    mounts,
    links: await out('ip', ['-o', 'link', 'show']).then((s) =>
      s
        .split('\n')
        .map(
          (l) =>
            l
              .replace(/^\d+: /, '')
              .replace(/ qlen \d+.*$/, '')
              .split(' link/')[0]!,
        )
        .sort()
        .join('\n'),
    ),
    routes: await out('ip', ['route', 'show', 'table', 'all']),
    routes6: await out('ip', ['-6', 'route', 'show', 'table', 'all']),
    iptables: clean(await out('iptables-save', [])),
    ip6tables: clean(await out('ip6tables-save', [])),
    nftables: (await out('nft', ['list', 'tables'])).split('\n').sort().join('\n'),
    sysctls: sysctls.join('\n'),
    cgroups: cgroupDirs.join('\n'),
    files: (await Promise.all(NODE_SYSTEM_PATHS.map((p) => tree(p)))).flat().join('\n'),
  }
}
