// kubewalk token: decode a service-account token, check it against the cluster's keys, print what it says.
import { readFile } from 'node:fs/promises'
import { EXIT, parse, type Io } from '../args.js'
import { ParseError, UsageError, errorMessage } from '../../core/errors.js'
import { TOKEN_FLAGS } from './flags.js'
import { resolveTarget } from '../../platform/kubeconfig.js'
import { Secrets, redact, redactDeep } from '../../engine/redact.js'
import {
  fetchIssuer,
  fetchJwks,
  formatTokenInfo,
  inspectToken,
  tokenReport,
  verifyToken,
  type TokenInfo,
  type Verification,
} from '../../platform/token.js'

/** The token and where it came from (the start of any message about it); never echoes the token. */
async function readToken(values: { token?: string; 'token-file'?: string }, io: Io): Promise<{ token: string; source: string }> {
  const file = values['token-file']
  if (file !== undefined) {
    if (file === '') throw new UsageError('--token-file needs a file name.')
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code
      throw new UsageError(
        `--token-file ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : errorMessage(e)}.`,
        { cause: e },
      )
    })
    return { token: text.trim(), source: `--token-file ${file}` }
  }
  if (values.token === '-') {
    if (io.stdin === undefined) throw new UsageError('--token -: there is no standard input to read the token from.')
    if (io.stdin.isTTY === true) io.stderr('paste the token, then press Enter and Ctrl-D:\n')
    const chunks: Buffer[] = []
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
    return { token: Buffer.concat(chunks).toString('utf8').trim(), source: 'standard input (--token -)' }
  }
  if (values.token !== undefined) {
    io.stderr(
      'kubewalk: warning: a token given as --token T is seen by ps and kept in your shell history; pass --token - (standard input), --token-file FILE or export TOKEN instead.\n',
    )
    return { token: values.token.trim(), source: '--token' }
  }
  return { token: (io.env.TOKEN ?? '').trim(), source: '$TOKEN' }
}

/** Runs `kubewalk token`; resolves with the exit code, throws UsageError/PreconditionError (exit 2). */
export async function cmdToken(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, TOKEN_FLAGS)
  // Never echo a positional: it is most likely the token itself.
  if (positionals.length > 0)
    throw new UsageError('token takes no positional arguments; pass the token with --token - (standard input), --token-file FILE or $TOKEN.')
  const { token, source } = await readToken(values, io)
  if (token === '')
    throw new UsageError(
      `no token${source === '$TOKEN' ? '' : ` in ${source}`}: pass it with --token - (standard input), --token-file FILE, or export TOKEN.`,
    )

  const now = new Date()
  let info: TokenInfo
  try {
    info = inspectToken(token, now, source)
  } catch (e) {
    // The message starts with `source` and says what is wrong: not a JWT, or which claim is no time.
    if (e instanceof ParseError) throw new UsageError(`${e.message}; pass a token as kubectl create token prints it.`, { cause: e })
    throw e
  }

  let verification: Verification = { checked: false, ok: false }
  if (values['no-verify'] !== true) {
    const target = await resolveTarget({
      env: io.env,
      ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context !== undefined ? { context: values.context } : {}),
    })
    try {
      const env = { ...io.env, ...target.env }
      const [jwks, issuer] = await Promise.all([fetchJwks(env), info.kind === 'legacy' ? undefined : fetchIssuer(env)])
      verification = await verifyToken(token, jwks, { now, ...(issuer !== undefined ? { issuer } : {}) })
    } finally {
      await target.dispose()
    }
  }

  const showSecrets = values['show-secrets'] === true
  const secrets = new Secrets()
  secrets.add(token)
  if (values.json) {
    const doc = tokenReport(info, verification, token)
    io.stdout(`${JSON.stringify(showSecrets ? doc : redactDeep(doc, secrets), null, 2)}\n`)
  } else {
    const text = formatTokenInfo(info, verification, { token })
    io.stdout(showSecrets ? text : redact(text, secrets))
  }
  return verification.checked && !verification.ok ? EXIT.failed : EXIT.ok
}
