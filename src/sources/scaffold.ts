// What `kubewalk new` writes: the smallest walkthrough that runs at once, as a Markdown file or a typed
// folder. Its one step reads the namespace every cluster has; its recording is a real run's output.
// The files are returned as data, by relative path; the command writes them.

/** A scaffold's files, by path relative to where it goes. */
export type ScaffoldFiles = Record<string, string>

/** What a scaffold needs to know: its id and title, and the versions its package.json asks for. */
export interface ScaffoldOptions {
  id: string
  title: string
  /** The running kubewalk's version (the typed folder depends on it). */
  kubewalkVersion: string
  /** Versions of vitest, typescript and @types/node the folder's tests and typecheck use. */
  devVersions: Record<'vitest' | 'typescript' | '@types/node', string>
}

const LINE = 'kubectl get namespace default'
// Recorded by `kubewalk record --walkthrough ./my-walk --lab` on a scaffold (the lab: Kubernetes v1.37.2, its own kubectl).
const RECORDING = 'NAME      STATUS   AGE\ndefault   Active   2s\n'
const SOURCE = {
  kubernetes: 'v1.37.2',
  kubectl: 'v1.37.2',
  cluster: { name: 'kubewalk-lab', server: 'https://127.0.0.1:36889' },
  recordedAt: '2026-11-30T14:46:44.410Z',
}

/** A title from an id: `my-first-walk` → `My first walk`. */
export function titleOf(id: string): string {
  const words = id.replace(/-/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** One Markdown file: front matter, prose, the line in a bash block, its recording in the block after it. */
export function markdownScaffold(o: Pick<ScaffoldOptions, 'id' | 'title'>): string {
  return `---
id: ${o.id}
title: ${JSON.stringify(o.title)}
---
# ${o.title}

Each \`bash\` block is a step, run exactly as written. The block right after it is what it printed
when it was recorded ("the output is similar to this"): a run passes when the line exits 0 and its
output matches that, the age of the namespace aside.

## Look at the default namespace

Every cluster has a namespace called \`default\`, and it is \`Active\`:

\`\`\`bash
${LINE}
\`\`\`

\`\`\`
${RECORDING.trimEnd()}
\`\`\`
`
}

/** A typed folder: package.json, tsconfig.json, index.ts, one step, its prose, its recording, a vitest test. */
export function typedScaffold(o: ScaffoldOptions): ScaffoldFiles {
  const step = 'get-namespace'
  return {
    'package.json': `${JSON.stringify(
      {
        name: o.id,
        version: '0.1.0',
        private: true,
        type: 'module',
        description: o.title,
        scripts: { test: 'vitest run', typecheck: 'tsc --noEmit' },
        dependencies: { kubewalk: `^${o.kubewalkVersion}` },
        devDependencies: { '@types/node': o.devVersions['@types/node'], typescript: o.devVersions.typescript, vitest: o.devVersions.vitest },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          allowImportingTsExtensions: true,
          noEmit: true,
          strict: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['*.ts', 'steps'],
      },
      null,
      2,
    )}\n`,
    '.gitignore': 'node_modules/\n',
    'index.ts': `// The walkthrough ${o.id}: its steps, its prose (walkthrough.md) and its recordings (recorded/).
// Run it:      npx kubewalk run --walkthrough . --lab      (or against your kubectl context)
// Test it:     npx kubewalk test --walkthrough .           (offline: no cluster, no kubectl)
// Record it:   npx kubewalk record --walkthrough . --lab --force
import { defineWalkthrough, readProse, readRecordedSource, readRecordings } from 'kubewalk'
import { getNamespace } from './steps/01-${step}.ts'

const steps = [getNamespace]
const recorded = new URL('./recorded/', import.meta.url)

export default defineWalkthrough({
  id: '${o.id}',
  title: ${JSON.stringify(o.title)},
  source: { title: ${JSON.stringify(o.title)}, ...readRecordedSource(recorded) },
  vars: [],
  steps,
  prose: () => readProse(new URL('./walkthrough.md', import.meta.url)),
  recorded: () => readRecordings(recorded, steps),
})
`,
    [`steps/01-${step}.ts`]: `// Step 01: the line as the prose shows it, how to read what it prints, and what to check.
import { ParseError, defineStep, equal, parseKubectlTable } from 'kubewalk'

export const getNamespace = defineStep({
  id: '${step}',
  number: '01',
  title: 'Look at the default namespace',
  command: '${LINE}',
  reads: [],
  parse: (out) => {
    const row = parseKubectlTable('${step}', out.stdout)[0]
    if (row === undefined) throw new ParseError('${step}', 'kubectl printed no namespace', out.stdout)
    return { name: row.NAME, status: row.STATUS }
  },
  check: (ns) => [equal('the namespace is default', 'default', ns.name), equal('it is Active', 'Active', ns.status)],
  // Running it again changes nothing, so \`kubewalk check ${step}\` reruns it.
  participantCheck: 'rerun',
  hint: 'run ${LINE}',
})
`,
    'walkthrough.md': `# ${o.title}

The prose: one section per step, headed by its number, title and id, with the step's line in one
bash block. \`kubewalk run --interactive\` and the transcript show it.

## 01. Look at the default namespace (\`${step}\`)

Every cluster has a namespace called \`default\`, and it is \`Active\`.

\`\`\`bash
${LINE}
\`\`\`
`,
    [`recorded/01-${step}.stdout.txt`]: RECORDING,
    'recorded/source.json': `${JSON.stringify(SOURCE, null, 2)}\n`,
    'index.test.ts': `// The offline checks of \`kubewalk test\`, in your own test run: the contract, the prose shows each
// line, each recording passes its checks, and every check fails on some changed recording.
import { expect, it } from 'vitest'
import { testWalkthrough } from 'kubewalk/testing'
import walkthrough from './index.ts'

it('${o.id} keeps the contract, and every check can fail', () => {
  const result = testWalkthrough(walkthrough)
  expect(result.shortfalls).toEqual([])
  expect(result.checks.length).toBeGreaterThan(0)
})
`,
  }
}
