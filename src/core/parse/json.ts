// The API server's JSON answers as curl prints them: APIVersions on success, a Status on refusal.
import { ParseError } from '../errors.js'

/** `GET /api` on success. */
export interface APIVersions {
  kind: 'APIVersions'
  versions: string[]
  serverAddressByClientCIDRs?: { clientCIDR: string; serverAddress: string }[]
}

/** The API server's error body. */
export interface Status {
  kind: 'Status'
  apiVersion?: string
  status?: string
  message?: string
  reason?: string
  code?: number
}

/** Parses curl's stdout as one JSON object; the error names the step and shows how the text starts. */
export function parseJsonObject(stepId: string, stdout: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(stdout)
  } catch (cause) {
    const head = stdout.trim().slice(0, 80)
    throw new ParseError(
      stepId,
      head === ''
        ? 'the server answered with an empty body; expected JSON'
        : `expected a JSON object from the API server, got ${JSON.stringify(head)}`,
      stdout,
      { cause },
    )
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ParseError(stepId, 'expected a JSON object from the API server', stdout)
  return value as Record<string, unknown>
}

/** Parses an API answer that is either APIVersions or Status. */
export function parseApiAnswer(stepId: string, stdout: string): APIVersions | Status | { kind: string } {
  const obj = parseJsonObject(stepId, stdout)
  if (typeof obj.kind !== 'string') throw new ParseError(stepId, 'the JSON has no "kind"; expected APIVersions or Status', stdout)
  return obj as { kind: string }
}
