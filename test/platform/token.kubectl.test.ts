// kubewalk token against a cluster, through a real kubectl (the lab's, first on PATH: the lab-kubectl project).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PreconditionError } from '../../src/core/errors.js'
import { cmdToken } from '../../src/faces/commands/token.js'
import { captureIo, fixture, kubeconfigYaml } from '../helpers.js'

const bound = fixture('article/04-create-token.token.txt').trim()
const io = (env: Record<string, string | undefined> = {}) => captureIo({ PATH: process.env.PATH, HOME: process.env.HOME, ...env })

describe('cmdToken (a real kubectl)', () => {
  describe('with an unreachable cluster', () => {
    let dir: string
    let kubeconfig: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kubewalk-token-'))
      kubeconfig = join(dir, 'config')
      // Port 1 on loopback: nothing listens, so the server is unreachable at once.
      await writeFile(kubeconfig, kubeconfigYaml([{ name: 'one', server: 'https://127.0.0.1:1' }]))
    })
    afterAll(async () => rm(dir, { recursive: true, force: true }))

    it('is a precondition error (exit 2), and --no-verify never asks it', async () => {
      const e = await cmdToken(['--kubeconfig', kubeconfig], io({ TOKEN: bound }).sinks).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(PreconditionError)
      // The keys and the issuer are fetched together; whichever refusal comes first names the server.
      expect((e as Error).message).toMatch(/^cannot read the cluster's (signing keys|OpenID configuration) .*127\.0\.0\.1:1 was refused/)
      expect(await cmdToken(['--kubeconfig', kubeconfig, '--no-verify'], io({ TOKEN: bound }).sinks)).toBe(0)
    })
  })
})
