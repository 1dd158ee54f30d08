// --tab on a real page with two tabs shortcodes (test/fixtures/docs-tabs/): the first tab holding a
// shell block by default, the one named (any case) when asked; a name no tab has is exit 2, naming them.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/core/errors.js'
import { readDocsPage } from '../../../src/sources/docs/read.js'

const file = fileURLToPath(new URL('../../fixtures/docs-tabs/upgrading-linux-nodes/page.md', import.meta.url))
const source = readFileSync(file, 'utf8')
const commands = (tab?: string): string[] =>
  readDocsPage(file, source, tab !== undefined ? { tab } : {}).items.flatMap((i) => (i.kind === 'command' ? [i.text.split('\n')[0] as string] : []))

describe('the tabs of upgrading-linux-nodes', () => {
  it('reads the first tab of each tabs shortcode by default', () => {
    expect(commands()).toEqual([
      'sudo apt-mark unhold kubeadm && \\',
      'sudo kubeadm upgrade node',
      'kubectl drain <node-to-drain> --ignore-daemonsets',
      'sudo apt-mark unhold kubelet kubectl && \\',
      'sudo systemctl daemon-reload',
      'sudo systemctl restart kubelet',
      'kubectl uncordon <node-to-uncordon>',
    ])
  })
  it('reads the tab --tab names, in any case, in each', () => {
    const yum = commands('CENTOS, RHEL OR FEDORA').filter((c) => c.startsWith('sudo yum'))
    expect(yum).toEqual([
      "sudo yum install -y kubeadm-'{{< skew currentVersion >}}.x-*' --disableexcludes=kubernetes",
      "sudo yum install -y kubelet-'{{< skew currentVersion >}}.x-*' kubectl-'{{< skew currentVersion >}}.x-*' --disableexcludes=kubernetes",
    ])
    expect(commands('CENTOS, RHEL OR FEDORA').some((c) => c.includes('apt-'))).toBe(false)
  })
  it('a name no tab has is a usage error (exit 2) naming the tabs; a page without tabs says so', () => {
    expect(() => commands('Windows')).toThrow(UsageError)
    expect(() => commands('Windows')).toThrow(
      `--tab Windows: ${file} has no tab of that name (its tabs: "Ubuntu, Debian or HypriotOS", "CentOS, RHEL or Fedora").`,
    )
    const plain = fileURLToPath(new URL('../../fixtures/docs/memory-default-namespace/page.md', import.meta.url))
    expect(() => readDocsPage(plain, readFileSync(plain, 'utf8'), { tab: 'Linux' })).toThrow(`--tab Linux: ${plain} has no tabs.`)
  })
})
