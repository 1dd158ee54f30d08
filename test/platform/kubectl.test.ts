// --kubectl: a file, or a command with arguments wrapped as an executable `kubectl`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../../src/core/errors.js'
import { checkKubectlCommand, installKubectl, parseKubectlCommand, splitCommand } from '../../src/platform/kubectl.js'
import { resolveTarget } from '../../src/platform/kubeconfig.js'
import { runScript } from '../../src/platform/shell.js'
import { kubeconfigYaml } from '../helpers.js'

let dir: string
let echoArgs: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-kubectl-'))
  // Prints each argument on its own line: shows exactly what the wrapper passed.
  echoArgs = join(dir, 'echo args')
  await writeFile(echoArgs, '#!/usr/bin/env bash\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n', { mode: 0o755 })
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('splitCommand', () => {
  it.each([
    ['minikube kubectl --', ['minikube', 'kubectl', '--']],
    ['env FOO=1 /opt/lab/kubectl', ['env', 'FOO=1', '/opt/lab/kubectl']],
    [`  a   'b c'  "d \\"e\\" f" g\\ h  `, ['a', 'b c', 'd "e" f', 'g h']],
    [`x'y'"z" ''`, ['xyz', '']],
    ['kubectl --context=a#b', ['kubectl', '--context=a#b']],
  ])('%j → %j', (line, words) => {
    expect(splitCommand('--kubectl', line)).toEqual(words)
  })

  it.each([
    ['kubectl | tee log', /"\|" is shell syntax/],
    ['kubectl; rm -rf x', /";" is shell syntax/],
    ['$(which kubectl)', /"\$" is shell syntax/],
    ['kubectl "$HOME"', /\$ inside "…" is shell syntax/],
    ["kubectl 'open", /a quote \('\) is not closed/],
    ['kubectl > out', /">" is shell syntax/],
    ['~/bin/kubectl', /"~" is shell syntax/],
  ])('refuses %j', (line, why) => {
    const e = (() => {
      try {
        return splitCommand('--kubectl', line)
      } catch (x) {
        return x
      }
    })()
    expect(e).toBeInstanceOf(UsageError)
    expect((e as Error).message).toMatch(why)
    expect((e as Error).message).toMatch(/; give a program and its arguments, quoted as in a shell\.$/)
  })
})

describe('--kubectl as a command', () => {
  it('a file whose path has a space is the program itself, not split', async () => {
    expect((await parseKubectlCommand(echoArgs)).words).toEqual([echoArgs])
  })

  it('looks the program up on PATH; a missing one is a usage error', async () => {
    expect((await parseKubectlCommand('env FOO=1 kubectl', { PATH: '/usr/bin:/bin' })).words).toEqual(['/usr/bin/env', 'FOO=1', 'kubectl'])
    await expect(parseKubectlCommand('no-such-program-kw x', { PATH: '/usr/bin:/bin' })).rejects.toThrow(
      '--kubectl no-such-program-kw x: no-such-program-kw is not on PATH.',
    )
    await expect(parseKubectlCommand('/nonexistent/kubectl --v=0')).rejects.toThrow(
      '--kubectl /nonexistent/kubectl --v=0: no such file (/nonexistent/kubectl).',
    )
  })

  it("the wrapper runs the words, each intact, then kubectl's own arguments", async () => {
    const spec = `${JSON.stringify(echoArgs)} 'a b' "c'd" '$(touch /tmp/kubewalk-pwned)'`
    const cmd = await parseKubectlCommand(spec)
    const bin = await mkdtemp(join(dir, 'bin-'))
    await installKubectl(bin, cmd)
    const r = await runScript(`kubectl get 'x y' "$V"`, { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, V: '; echo no' }, timeoutMs: 10_000 })
    expect(r.stdout).toBe("[a b]\n[c'd]\n[$(touch /tmp/kubewalk-pwned)]\n[get]\n[x y]\n[; echo no]\n")
  })

  it("resolveTarget puts the wrapper first on the run's PATH as kubectl", async () => {
    const kubeconfig = join(dir, 'config')
    await writeFile(kubeconfig, kubeconfigYaml([{ name: 'one', server: 'https://127.0.0.1:1' }]))
    const t = await resolveTarget({ kubeconfig, env: { PATH: '/usr/bin:/bin' }, kubectl: `env KW_FOO=1 ${JSON.stringify(echoArgs)}` })
    try {
      const r = await runScript('kubectl version --client', { env: t.env, timeoutMs: 10_000 })
      expect(r.stdout).toBe('[version]\n[--client]\n')
    } finally {
      await t.dispose()
    }
  })

  it('checkKubectlCommand wants a command that answers version --client as a kubectl', async () => {
    // A stand-in that answers as kubectl v1.37.2 does (`kubectl version --client -o json`, clientVersion only).
    const fake = join(dir, 'fake-kubectl')
    await writeFile(
      fake,
      '#!/usr/bin/env bash\n[ "$FOO" = 1 ] && [ "$*" = "version --client -o json" ] && echo \'{"clientVersion":{"gitVersion":"v1.37.2"}}\'\n',
      { mode: 0o755 },
    )
    // env as PATH finds it (/usr/bin/env, or /bin/env where /bin comes first).
    expect((await checkKubectlCommand(`env FOO=1 ${fake}`)).words).toEqual([expect.stringMatching(/^\/.*\/env$/), 'FOO=1', fake])
    await expect(checkKubectlCommand(fake)).rejects.toThrow(`--kubectl ${fake}: not a kubectl`)
    await expect(checkKubectlCommand('env FOO=1 /bin/true')).rejects.toThrow(
      '--kubectl env FOO=1 /bin/true: not a kubectl (`env FOO=1 /bin/true version --client -o json` printed no client version).',
    )
  })
})
