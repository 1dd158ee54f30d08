// The guard at kubectl's arguments: a `kubectl` shim first on PATH (for child processes: xargs, watch,
// scripts) and a `kubectl() { … }` function for the run's shell. Both see the argv bash already parsed
// (comments, continuations, heredocs, variables resolved), decide with a bash `case` on the verb, and
// run the real kubectl at once for a call that changes nothing; a changing verb goes to hook.mjs.
import { constants, existsSync } from 'node:fs'
import { access, chmod, mkdir, realpath, writeFile } from 'node:fs/promises'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PreconditionError } from '../../core/errors.js'
import { COMMANDS } from './kuberc.mjs'
import { CHANGING, CONFIG_WRITES, VALUED, VALUED_SHORT } from './rules.mjs'

/** What the guard needs for a run. */
export interface GuardOptions {
  /** The guard's own folder for this run: shim, ledger, refusals, saved objects. */
  stateDir: string
  /** The kubectl behind the guard: a path, or a name looked up on PATH (after the guard's own folder). */
  realKubectl: string
  mode: GuardMode
  /** The PATH the real kubectl is looked up on and the shim's folder is put before (default: this process's). */
  path?: string
  /**
   * The signal the function sends to its shell (`$$`) after a refusal, so the rest of the line does not
   * run (the kernel traps it as it traps Ctrl-C); null sends none. Default 'INT'.
   */
  stopSignal?: string | null
  /** hook.mjs, when kubewalk runs from a bundle that does not sit beside it. */
  hookFile?: string
  /** The kubewalk process's own guard (server.ts): the function asks it, with no process start; the hook is the fallback. */
  server?: GuardAddress
}

/** Whose objects a run may change. */
export interface GuardMode {
  /** A lab this run started: everything on it is the run's. */
  lab: boolean
  /** Namespaces the run created (`--isolate`): everything in them is the run's. */
  namespaces: string[]
  /** Declared changes (`node/*`, `serviceaccount/default`, `ns/kind/name`): allowed, with the state before saved for a restore. */
  allow: string[]
}

/** The guard as the kernel plugs it in. */
export interface InstalledGuard {
  /** Holds the `kubectl` shim; `env.PATH` already starts with it. */
  binDir: string
  /** `kubectl() { … }`, to define in the run's shell (and define again before every line). */
  functionText: string
  env: Record<string, string>
  /** The kubectl the guard runs. */
  realKubectl: string
}

// POSIX quoting (zx's `quote` writes bash's $'…', which the sh shim cannot read).
const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** hook.mjs beside this module: src/, dist/src/ and dist/bundle/ each have it (the build copies it to both). */
function defaultHook(): string {
  return fileURLToPath(new URL('./hook.mjs', import.meta.url))
}

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  )
}

/** The real kubectl: `cmd` itself when it is a path, else the first `cmd` on PATH that is not in the guard's folder. */
export async function resolveRealKubectl(cmd: string, path: string, binDir: string): Promise<string> {
  const own = await realpath(binDir).catch(() => resolve(binDir))
  const candidates = cmd.includes('/')
    ? [resolve(cmd)]
    : path
        .split(delimiter)
        .filter((d) => d !== '' && isAbsolute(d))
        .map((d) => join(d, cmd))
  for (const file of candidates) {
    if (!(await executable(file))) continue
    const dir = await realpath(join(file, '..')).catch(() => file)
    // Never itself: a shim that called the shim would loop.
    if (dir === own) continue
    return file
  }
  throw new PreconditionError(`No ${cmd} found on PATH behind kubewalk's guard; install kubectl or name one with --kubectl.`)
}

// A verb is the first word that is neither a flag nor a flag's value; the second word a sub-verb.
function classifierText(indent: string, local: boolean): string {
  const v = (s: string): string => `__kw_${s}`
  return [
    `${local ? `local ${v('a')} ` : ''}${v('v')}= ${v('s')}= ${v('skip')}= ${v('c')}= ${v('g')}=`,
    `for ${v('a')} in "$@"; do`,
    `  if [ -n "$${v('skip')}" ]; then ${v('skip')}=; continue; fi`,
    `  case $${v('a')} in`,
    `    --) break ;;`,
    `    ${[...new Set(VALUED)].join('|')}) ${v('skip')}=1 ;;`,
    // A cluster of letters (`-Rn ns`) whose first letter that takes a value is its last: the next word is that value.
    `    -[!-]*) ${v('c')}=$\{${v('a')}#-}; ${v('c')}=$\{${v('c')}%%[${[...VALUED_SHORT].join('')}]*}; if [ "$\{#${v('c')}}" -eq "$(($\{#${v('a')}} - 2))" ]; then ${v('skip')}=1; fi ;;`,
    `    -?*) ;;`,
    `    *) if [ -z "$${v('v')}" ]; then ${v('v')}=$${v('a')}; else ${v('s')}=$${v('a')}; break; fi ;;`,
    `  esac`,
    `done`,
  ]
    .map((l) => indent + l)
    .join('\n')
}

// Calls that change nothing, whatever their verb's other sub-verbs do; then every changing verb.
const PASSING = ['create/token', 'apply/view-last-applied']
const GUARDED = [
  ...Object.keys(CHANGING)
    .filter((v) => v !== 'rollout' && v !== 'certificate' && v !== 'auth')
    .map((v) => `${v}/*`),
  'rollout/undo',
  'rollout/restart',
  'rollout/pause',
  'rollout/resume',
  'certificate/approve',
  'certificate/deny',
  'auth/reconcile',
  // kubectl writes these to a kubeconfig file: the run's copy only (call.mjs).
  ...CONFIG_WRITES.map((w) => `config/${w}`),
]

// bash's `case` takes the first match: PASSING before GUARDED's `verb/*`; kubectl's other commands run at once. A word
// that is none of kubectl's commands may be an alias of the user's kuberc (`kubectl ap -f x.yaml`): the guard reads it,
// unless no kuberc can be read (KUBERC=off, a run's default; KUBECTL_KUBERC=false).
// A word kubectl runs as a plugin (`kubectl-WORD` on PATH) is written to the `plugins` file: kubewalk cannot see what a
// plugin changes, and the step says so.
function guardedCase(indent: string, onGuarded: string[], real: string, stateDir: string): string {
  return [
    `case $__kw_v/$__kw_s in`,
    `  ${PASSING.join('|')}) ;;`,
    `  ${GUARDED.join('|')}) __kw_g=1 ;;`,
    `  ${[...COMMANDS].map((c) => `${c}/*`).join('|')}|/*) ;;`,
    `  *) if command -v "kubectl-$__kw_v" >/dev/null 2>&1; then printf '%s\\n' "kubectl-$__kw_v" >>${quote(join(stateDir, 'plugins'))}; fi`,
    `    case \${KUBERC-}:\${KUBECTL_KUBERC-} in off:*|*:[Ff][Aa][Ll][Ss][Ee]) ;; *) __kw_g=1 ;; esac ;;`,
    `esac`,
    `if [ -n "$__kw_g" ]; then`,
    ...onGuarded.map((l) => `  ${l}`),
    `fi`,
    real,
  ]
    .map((l) => indent + l)
    .join('\n')
}

/** Where the kubewalk process answers the function's guarded calls (see server.ts). */
export interface GuardAddress {
  port: number
  token: string
}

// The function asks the kubewalk process over fd 19 (the socket; 18 keeps stderr while a failed connect is
// silenced). Options are the function's own here (`local -`, bash 4.4): a page's -e, -u or -x does not reach
// the exchange. The call's exit status comes back as the function's.
function socketText(o: { realKubectl: string; server: GuardAddress }): string[] {
  const read = (v: string): string => `builtin read -r -d '' -u 19 ${v}`
  const real = quote(o.realKubectl)
  return [
    `if (( BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4) )); then`,
    `  local -; builtin set +eux`,
    `  local IFS=$' \\t\\n' __kw_r= __kw_n= __kw_i= __kw_a= __kw_b= __kw_in=; local -a __kw_call=()`,
    `  { {`,
    `    __kw_via=1`,
    `    { builtin printf '%s\\0' ${o.server.token} "$PWD" "$#" "$@"; command env -0; builtin printf '\\0'; } >&19`,
    `    ${read('__kw_r')}`,
    `    if [ "$__kw_r" = copy ]; then`,
    `      ${read('__kw_n')}`,
    `      for ((__kw_i = 0; __kw_i < __kw_n; __kw_i++)); do`,
    `        ${read('__kw_a')}; ${read('__kw_b')}`,
    `        if [ "$__kw_a" = - ]; then command cat >"$__kw_b"; else command cat -- "$__kw_a" >"$__kw_b"; fi`,
    `      done`,
    `      builtin printf '%s\\0' copied >&19; ${read('__kw_r')}`,
    `    fi`,
    `    case $__kw_r in`,
    `      run) ${read('__kw_in')}; ${read('__kw_n')}; __kw_call=("$@")`,
    `        for ((__kw_i = 0; __kw_i < __kw_n; __kw_i++)); do ${read('__kw_a')}; ${read('__kw_b')}; __kw_call[__kw_a]=$__kw_b; done`,
    `        if [ -n "$__kw_in" ]; then command ${real} "\${__kw_call[@]}" <"$__kw_in" 19>&-; else command ${real} "\${__kw_call[@]}" 19>&-; fi`,
    `        __kw_rc=$?; builtin printf '%s\\0' done "$__kw_rc" >&19 ;;`,
    // A held input (`apply -f -`): the call starts now and reads the FIFO on fd 17, which the guard fills once it lets the
    // call run, or kills the call before it reads a byte; its verdict comes when the call has ended.
    `      early) ${read('__kw_in')}; ${read('__kw_n')}; __kw_call=("$@")`,
    `        for ((__kw_i = 0; __kw_i < __kw_n; __kw_i++)); do ${read('__kw_a')}; ${read('__kw_b')}; __kw_call[__kw_a]=$__kw_b; done`,
    // The shell's own stderr is /dev/null meanwhile: a non-interactive bash would say "Killed" of a call the guard stopped.
    `        { builtin printf '%s\\0' opened >&19; command ${real} "\${__kw_call[@]}" <&17 2>&16 16>&- 17<&- 19>&-; } 17<"$__kw_in" 16>&2 2>/dev/null`,
    `        __kw_rc=$?; ${read('__kw_r')}`,
    `        case $__kw_r in`,
    `          go) builtin printf '%s\\0' done "$__kw_rc" >&19 ;;`,
    `          refuse) ${read('__kw_a')}; builtin printf '%s\\n' "$__kw_a" >&2; __kw_rc=2 ;;`,
    `          failed) ${read('__kw_rc')}; ${read('__kw_a')}; builtin printf '%s' "$__kw_a" >&2 ;;`,
    `          *) builtin printf '%s\\n' "kubewalk: the guard's answer was lost; the call may have run, and is not recorded" >&2; __kw_rc=2 ;;`,
    `        esac ;;`,
    `      refuse) ${read('__kw_a')}; builtin printf '%s\\n' "$__kw_a" >&2; __kw_rc=2 ;;`,
    `      failed) ${read('__kw_rc')}; ${read('__kw_a')}; builtin printf '%s' "$__kw_a" >&2 ;;`,
    `      hook) __kw_via= ;;`,
    `      *) builtin printf '%s\\n' "kubewalk: refused: the guard did not answer; the call did not run" >&2; __kw_rc=2 ;;`,
    `    esac`,
    `  } 2>&18 18>&-; } 18>&2 2>/dev/null 19<>/dev/tcp/127.0.0.1/${o.server.port}`,
    `fi`,
  ]
}

/** The text of the shell function `kubectl`: the verb's `case`, the real kubectl at once, or the guard (the kubewalk process, else the hook). */
export function functionText(o: {
  stateDir: string
  realKubectl: string
  node: string
  hook: string
  stopSignal: string | null
  server?: GuardAddress
}): string {
  const run = `command ${quote(o.realKubectl)} "$@"`
  const body = guardedCase(
    '  ',
    [
      'local __kw_rc=0 __kw_via=',
      ...(o.server ? socketText({ realKubectl: o.realKubectl, server: o.server }) : []),
      // `&& … ||`: a page's `set -e` must not end the shell here; the status is returned to the caller below.
      `if [ -z "$__kw_via" ]; then KUBEWALK_GUARD_STATE=${quote(o.stateDir)} ${quote(o.node)} ${quote(o.hook)} "$@" && __kw_rc=0 || __kw_rc=$?; fi`,
      // A refusal stops the line as Ctrl-C would (it is also in the refusals file, for a pipe or list whose status hides it).
      ...(o.stopSignal ? [`if [ "$__kw_rc" = 2 ] && [ -s ${quote(join(o.stateDir, 'refusals'))} ]; then kill -s ${o.stopSignal} $$; fi`] : []),
      'return $__kw_rc',
    ],
    run,
    o.stateDir,
  )
  return `kubectl() {\n${classifierText('  ', true)}\n${body}\n}`
}

/**
 * The text of the `kubectl` shim for child processes: POSIX sh (dash starts in a third of bash's time).
 * It cannot stop its caller's line; the refusals file says it refused.
 */
export function shimText(o: { stateDir: string; realKubectl: string; node: string; hook: string; sh: string }): string {
  const run = `exec ${quote(o.realKubectl)} "$@"`
  const body = guardedCase('', [`export KUBEWALK_GUARD_STATE=${quote(o.stateDir)}`, `exec ${quote(o.node)} ${quote(o.hook)} "$@"`], run, o.stateDir)
  return `#!${o.sh}\n# kubewalk's kubectl guard (generated for one run): reads pass at once, changes go to the hook.\n${classifierText('', false)}\n${body}\n`
}

/** Writes the run's shim and config, and returns what the kernel plugs in. */
export async function installGuard(o: GuardOptions): Promise<InstalledGuard> {
  const path = o.path ?? process.env.PATH ?? ''
  const binDir = join(o.stateDir, 'bin')
  await mkdir(binDir, { recursive: true })
  const realKubectl = await resolveRealKubectl(o.realKubectl, path, binDir)
  const sh = existsSync('/bin/sh') ? '/bin/sh' : await resolveRealKubectl('sh', path, binDir)
  const hook = o.hookFile ?? defaultHook()
  if (!existsSync(hook)) throw new PreconditionError(`kubewalk's guard hook is missing (${hook}); reinstall kubewalk.`)
  await writeFile(join(o.stateDir, 'guard.json'), `${JSON.stringify({ realKubectl, mode: o.mode }, null, 2)}\n`)
  const common = { stateDir: o.stateDir, realKubectl, node: process.execPath, hook }
  const shim = join(binDir, 'kubectl')
  await writeFile(shim, shimText({ ...common, sh }))
  await chmod(shim, 0o755)
  return {
    binDir,
    functionText: functionText({
      ...common,
      stopSignal: o.stopSignal === undefined ? 'INT' : o.stopSignal,
      ...(o.server ? { server: o.server } : {}),
    }),
    env: { PATH: `${binDir}${delimiter}${path}` },
    realKubectl,
  }
}

/**
 * kubectl calls a line makes by an absolute path (`/usr/local/bin/kubectl get …`): they bypass the
 * guard. A notice only, read from the text; the line itself is never edited.
 */
export function absoluteKubectlCalls(line: string): string[] {
  return [...line.matchAll(/(?:^|[\s;&|(`$]|\$\()((?:\/[^\s;&|()'"`]+)*\/kubectl)(?=$|[\s;&|)`])/gm)].map((m) => m[1] as string)
}
