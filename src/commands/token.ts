// kubewalk token: decode a service-account token, check it against the cluster's keys, print what it says.
import { EXIT, parse, type Io } from '../args.js'
import { ParseError, UsageError } from '../errors.js'
import { resolveTarget } from '../kubeconfig.js'
import { Secrets, redact, redactDeep } from '../redact.js'
import { fetchIssuer, fetchJwks, formatTokenInfo, inspectToken, tokenReport, verifyToken, type TokenInfo, type Verification } from '../token.js'

const HELP = `Usage: kubewalk token [--token T] [--kubeconfig FILE] [--context NAME] [--no-verify] [--json] [--show-secrets]

Decodes a service-account token (from --token, else $TOKEN) and checks its signature against the
cluster's keys (kubectl get --raw /openid/v1/jwks). The token itself is masked unless --show-secrets.

Exit codes: 0 the token verified (or --no-verify), 1 it did not, 2 usage or precondition error.
`

/** Runs `kubewalk token`; resolves with the exit code, throws UsageError/PreconditionError (exit 2). */
export async function cmdToken(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    token: { type: 'string' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    'no-verify': { type: 'boolean' },
    json: { type: 'boolean' },
    'show-secrets': { type: 'boolean' },
    help: { type: 'boolean' },
  })
  if (values.help) {
    io.stdout(HELP)
    return EXIT.ok
  }
  // Never echo a positional: it is most likely the token itself.
  if (positionals.length > 0) throw new UsageError('token takes no positional arguments; pass the token with --token T or export TOKEN.')
  const source = values.token !== undefined ? '--token' : '$TOKEN'
  const token = (values.token ?? io.env.TOKEN ?? '').trim()
  if (token === '') throw new UsageError('no token: pass --token or export TOKEN.')

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
