// Parsers for the two kinds of table the article prints: its own jsonpath table and kubectl's columns.
import { ParseError } from '../errors.js'

/** One row of the article's `Cluster name<TAB>Server` table. */
export interface ClusterRow {
  name: string
  server: string
}

/** Parses step 01's jsonpath output: a header line, then one `name<TAB>server` line per cluster. */
export function parseClusterTable(stepId: string, stdout: string): { header: string; rows: ClusterRow[] } {
  const lines = stdout.split('\n').filter((l) => l !== '')
  const header = lines.shift()
  if (header === undefined) throw new ParseError(stepId, 'kubectl printed nothing; expected a "Cluster name<TAB>Server" header', stdout)
  const rows = lines.map((line, i) => {
    const tab = line.indexOf('\t')
    if (tab < 0) throw new ParseError(stepId, `row ${i + 1} has no TAB between name and server: ${JSON.stringify(line)}`, stdout)
    return { name: line.slice(0, tab), server: line.slice(tab + 1) }
  })
  return { header, rows }
}

/** Parses a kubectl column table (`NAME  TYPE  DATA  AGE`) into records keyed by header. */
export function parseKubectlTable(stepId: string, stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '')
  const header = lines.shift()
  if (header === undefined) return []
  // kubectl aligns columns with a tabwriter, so each column starts where its header word starts.
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }))
  // kubectl's headers are upper-case words; anything else (JSON, YAML, a name list) is another format, which
  // a user's kuberc or alias can choose: say so, rather than wait for a table that will never come.
  if (columns.length === 0 || columns[0]?.start !== 0 || !columns.every((c) => /^[A-Z][A-Z0-9()-]*( [A-Z0-9()-]+)*$/.test(c.name))) {
    throw new ParseError(
      stepId,
      `kubectl printed no table (it begins ${JSON.stringify(header.slice(0, 40))}): another output format was chosen, e.g. by a kuberc default or an alias`,
      stdout,
      { wrongShape: true },
    )
  }
  return lines.map((line) => {
    const row: Record<string, string> = {}
    columns.forEach((col, i) => {
      const end = columns[i + 1]?.start ?? line.length
      row[col.name] = line.slice(col.start, end).trim()
    })
    return row
  })
}
