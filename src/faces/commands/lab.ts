// kubewalk lab build|up|status|down, and the throwaway lab behind run --lab.
import { stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { EXIT, parse, type Io } from '../args.js'
import { LAB_FLAGS } from './flags.js'
import { LabError, UsageError } from '../../core/errors.js'
import { checkNodeUsable, resolveVersion } from '../replay/lab.js'

export async function cmdLab(args: string[], io: Io, signal: AbortSignal, cleaning: (what: string[] | undefined) => void): Promise<number> {
  const [sub, ...rest] = args
  const lab = await import('../../platform/lab/index.js')
  const progress = (line: string): void => io.stderr(`${line}\n`)
  const defaultDir = '.kubewalk/lab'
  const noArguments = (positionals: string[]): void => {
    const [extra] = positionals
    if (extra !== undefined)
      throw new UsageError(`lab ${sub} takes no arguments, got ${extra}${sub === 'build' ? '' : ` (for a directory: --dir ${extra})`}.`)
  }
  // The directory the user named is not a lab, or holds one already: their input, so exit 2.
  const aboutDir = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (e) {
      throw e instanceof LabError && !e.logFile ? new UsageError(e.message, { cause: e }) : e
    }
  }
  // No root, a missing system package: the user's to fix, so exit 2, before any build.
  const nodeUsable = checkNodeUsable
  switch (sub) {
    case 'build': {
      const { values, positionals } = parse(rest, LAB_FLAGS.build)
      noArguments(positionals)
      if (values.node && values['kubectl-only']) throw new UsageError('lab build takes --node or --kubectl-only, not both.')
      const version = await resolveVersion(values.version, signal)
      if (values['kubectl-only']) {
        io.stdout(`${dirname(await lab.buildLabKubectl({ version, onProgress: progress, signal }))}\n`)
        return EXIT.ok
      }
      if (values.node) await nodeUsable()
      const b = await lab.ensureLabBinaries({ version, onProgress: progress, signal })
      if (values.node) await lab.ensureNode(b, { onProgress: progress, signal })
      io.stdout(`${b.dir}\n`)
      return EXIT.ok
    }
    case 'up': {
      const { values, positionals } = parse(rest, LAB_FLAGS.up)
      noArguments(positionals)
      if (values['pull-through'] && !values.node) throw new UsageError("--pull-through is about the node's image pulls; add --node.")
      const name = values['cluster-name']
      if (name !== undefined && !lab.LAB_CLUSTER_NAME.test(name))
        throw new UsageError(`--cluster-name takes letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(name)}.`)
      // Before a build that may take minutes on a fresh machine.
      await aboutDir(() => lab.checkLabDir(values.dir ?? defaultDir))
      const version = await resolveVersion(values.version, signal)
      if (values.node) {
        await nodeUsable()
        if (values['no-controller-manager'])
          throw new UsageError(
            "--node needs the controller manager (it creates the ServiceAccounts and the tokens' Secrets Pods use); drop --no-controller-manager.",
          )
      }
      const binaries = await lab.ensureLabBinaries({ version, onProgress: progress, signal })
      const node = values.node ? await lab.ensureNode(binaries, { onProgress: progress, signal }) : undefined
      cleaning(['the lab, still starting'])
      const state = await lab.labUp({
        signal,
        dir: values.dir ?? defaultDir,
        binaries,
        onProgress: progress,
        controllerManager: values['no-controller-manager'] !== true,
        ...(node ? { node } : {}),
        ...(values['pull-through'] ? { pullThrough: true } : {}),
        ...(values['cluster-name'] !== undefined ? { clusterName: values['cluster-name'] } : {}),
      })
      cleaning(undefined)
      io.stdout(`${state.kubeconfig}\n`)
      return EXIT.ok
    }
    case 'down': {
      const { values, positionals } = parse(rest, LAB_FLAGS.down)
      noArguments(positionals)
      const dir = values.dir ?? defaultDir
      const r = await aboutDir(() => lab.labDown({ dir }))
      // No lab is not an error (down twice, or cleanup in CI), but it is said plainly.
      io.stderr(r.found ? `stopped: ${r.stopped.join(', ') || 'nothing was running'}\n` : `no lab in ${resolve(dir)}: nothing to stop\n`)
      return EXIT.ok
    }
    case 'status': {
      const { values, positionals } = parse(rest, LAB_FLAGS.status)
      noArguments(positionals)
      const s = await aboutDir(() => lab.labStatus({ dir: values.dir ?? defaultDir }))
      if (values.json) io.stdout(`${JSON.stringify(s, null, 2)}\n`)
      else {
        io.stdout(`lab Kubernetes ${s.version}${s.commit ? ` (commit ${s.commit.slice(0, 12)})` : ''}, kubeconfig ${s.kubeconfig}\n`)
        for (const c of s.components) io.stdout(`  ${c.healthy ? '✓' : '✗'} ${c.name.padEnd(24)} pid ${c.pid} port ${c.port}  ${c.detail}\n`)
        if (s.node) {
          const n = s.node
          io.stdout(`node ${n.name}: ${n.detail}; Services ${n.network.serviceCidr}, Pods ${n.network.podCidr}, node address ${n.network.nodeIp}\n`)
          if (n.registry !== undefined) io.stdout(`  images from the lab's registry ${n.registry} (kubewalk lab image list)\n`)
          for (const c of n.components)
            io.stdout(`  ${c.alive ? '✓' : '✗'} ${c.name.padEnd(24)} pid ${c.pid}  ${c.alive ? 'running' : 'not running'}\n`)
          io.stdout(
            n.pods.length === 0
              ? '  no Pods\n'
              : `  Pods:\n${n.pods.map((p) => `    ${p.ready ? '✓' : '✗'} ${`${p.namespace}/${p.name}`.padEnd(40)} ${p.phase}${p.restarts > 0 ? `, ${p.restarts} restarts` : ''}\n`).join('')}`,
          )
        }
      }
      const nodeOk = !s.node || (s.node.ready && s.node.components.every((c) => c.alive))
      return s.components.every((c) => c.healthy) && nodeOk ? EXIT.ok : EXIT.failed
    }
    case 'image': {
      const [verb, ...more] = rest
      if (verb === 'list') {
        const { values, positionals } = parse(more, { dir: { type: 'string' }, json: { type: 'boolean' } })
        if (positionals[0] !== undefined) throw new UsageError(`lab image list takes no arguments, got ${positionals[0]}.`)
        const dir = resolve(values.dir ?? defaultDir)
        const listed = await lab.listLabImages(dir)
        if (values.json) io.stdout(`${JSON.stringify(listed, null, 2)}\n`)
        else {
          if (!listed.running) io.stderr(`no node lab runs in ${dir}: these are kubewalk's cached images, which every node lab serves\n`)
          for (const i of listed.images) io.stdout(`${i.name.padEnd(60)} ${i.in.join(', ')}\n`)
        }
        return EXIT.ok
      }
      if (verb !== 'import')
        throw new UsageError(
          verb === undefined ? 'lab image needs a subcommand: import FILE.tar, or list.' : `lab image ${verb}: unknown subcommand (import, list).`,
        )
      const { values, positionals } = parse(more, LAB_FLAGS.imageImport)
      const [file, extra] = positionals
      if (file === undefined)
        throw new UsageError('lab image import needs an image tarball (docker save or OCI layout): kubewalk lab image import FILE.tar.')
      if (extra !== undefined) throw new UsageError(`lab image import takes one file, got also ${extra}.`)
      const st = await stat(file).catch(() => undefined)
      if (!st?.isFile()) throw new UsageError(`lab image import: ${file} is not a file.`)
      const dir = resolve(values.dir ?? defaultDir)
      // A tarball that names no image is the user's input: exit 2.
      const r = await aboutDir(() => lab.importImageIntoLab(dir, resolve(file)))
      io.stderr(
        r.servedIn !== undefined
          ? `imported into the registry of the node of ${r.servedIn}, and kept in ${r.file}: ${r.names.join(', ')}\n`
          : `kept in ${r.file}: ${r.names.join(', ')}; every node lab started from now on serves it (no node lab runs in ${dir})\n`,
      )
      return EXIT.ok
    }
    default:
      throw new UsageError(
        sub === undefined
          ? 'lab needs a subcommand: build, up, status, down, image import or image list.'
          : `lab ${sub}: unknown subcommand (build, up, status, down, image import, image list).`,
      )
  }
}
