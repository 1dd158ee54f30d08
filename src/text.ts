// Small text helpers shared by the runner, the preflight, the token inspector and the reporters.

/** The first non-blank line, trimmed: how a command's error is quoted in a one-sentence message. */
export const firstLine = (text: string): string => text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? ''

/** A checked value as a person reads it: JSON, or "nothing" when there is none. */
export const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value))
