// class open's own logic with a stand-in kubectl (a unit test's fake, not proof of kubectl's answers;
// test/e2e/class-open.test.ts meets the real ones): a failure part-way removes what it made.
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { captureIo, main } from '../../../helpers.js'
import { testDir } from '../../../temp-dir.js'

// Answers as kubectl would for what open and its undo ask, logging each call; the token request is refused.
const STAND_IN = `#!/usr/bin/env bash
echo "$*" >> "$STATE/calls"
case "$*" in
  "config view --raw --minify --flatten -o json") echo '{"clusters":[{"name":"lab","cluster":{"server":"https://10.0.0.5:6443","certificate-authority-data":"Q0E="}}]}' ;;
  "auth can-i create namespaces") echo yes ;;
  "get namespaces -l kubewalk.dev/class=class -o json")
    if [ -e "$STATE/created" ] && [ ! -e "$STATE/deleted" ]; then
      echo '{"items":[{"metadata":{"name":"class-ann","labels":{"kubewalk.dev/participant":"ann"}},"status":{"phase":"Active"}},{"metadata":{"name":"class-bo","labels":{"kubewalk.dev/participant":"bo"}},"status":{"phase":"Active"}}]}'
    else echo '{"items":[]}'; fi ;;
  get\\ namespaces\\ -o\\ jsonpath*) printf 'default kube-system' ;;
  "create -f - -o name") cat > "$STATE/created-$$"; touch "$STATE/created"; echo namespace/x ;;
  create\\ --raw*) echo 'Error from server (Forbidden): serviceaccounts "participant" is forbidden: nope' >&2; exit 1 ;;
  delete\\ rolebindings,serviceaccounts*) echo deleted ;;
  delete\\ namespace*) touch "$STATE/deleted"; echo deleted ;;
  *) echo "stand-in: unexpected $*" >&2; exit 3 ;;
esac
`

describe('class open, failing part-way', () => {
  it('removes the RoleBindings, ServiceAccounts and namespaces it made, and the files, then says why (exit 2)', async () => {
    const dir = await testDir('kubewalk-class-open-')
    await writeFile(join(dir, 'kubectl'), STAND_IN, { mode: 0o755 })
    const kubeconfig = join(dir, 'config')
    await writeFile(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: "https://10.0.0.5:6443"}}]\ncontexts: [{name: lab, context: {cluster: lab, user: u}}]\ncurrent-context: lab\nusers: [{name: u, user: {token: x}}]\n',
    )
    const out = join(dir, 'out')
    const io = captureIo({ PATH: `${dir}:${process.env.PATH ?? ''}`, STATE: dir })
    expect(await main(['class', 'open', '--names', 'ann,bo', '--out', out, '--kubeconfig', kubeconfig], io.sinks)).toBe(2)
    expect(io.err()).toMatch(
      /kubewalk: could not get a token for (ann|bo): Error from server \(Forbidden\): serviceaccounts "participant" is forbidden: nope\n$/,
    )
    expect(io.err()).toContain('class open did not finish; removing what it made…')
    const calls = (await readFile(join(dir, 'calls'), 'utf8')).split('\n')
    const revoke = calls.findIndex((c) => c.startsWith('delete rolebindings,serviceaccounts --all -n class-ann'))
    const remove = calls.findIndex((c) => c.startsWith('delete namespace class-ann class-bo'))
    expect(revoke).toBeGreaterThan(0)
    expect(calls.some((c) => c.startsWith('delete rolebindings,serviceaccounts --all -n class-bo'))).toBe(true)
    expect(remove).toBeGreaterThan(revoke)
    expect(await readdir(out)).toEqual([])
    // What was sent to create: both participants' objects, the namespace of each before its objects.
    const sent = (await readdir(dir)).filter((f) => f.startsWith('created-'))
    const kinds = (
      await Promise.all(sent.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as { items: { kind: string }[] }))
    ).flatMap((l) => l.items.map((i) => i.kind))
    expect(kinds.filter((k) => k === 'Namespace')).toHaveLength(2)
    expect(io.out()).toBe('')
  })
})
