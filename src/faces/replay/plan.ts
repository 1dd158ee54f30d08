// What one replay was asked to do, as data: a face (the CLI's run, drift and check; the browser
// notebook) builds it from its own input, and the replay module carries it out.
import type { WalkthroughSection } from '../../sources/prose.js'
import type { ReporterName } from '../report/index.js'
import type { Step } from '../../core/step.js'
import type { Walkthrough } from '../../core/walkthrough.js'

export type ReplayMode = 'run' | 'drift' | 'check' | 'serve'

/** A replay, validated before anything touches a cluster. */
export interface ReplayPlan {
  mode: ReplayMode
  walkthrough: Walkthrough
  steps: Step[]
  /** check: the step whose participant check runs instead of the walkthrough's line. */
  participantCheck?: Step
  reporter: ReporterName
  interactive: boolean
  commandTimeoutMs: number
  waitTimeoutMs?: number
  /** How long deleting an --isolate namespace may take (its finalizers run first). */
  namespaceTimeoutMs: number
  /** --workdir: the lines start in a copy of this folder. */
  workdir?: string
  settings: Record<string, number>
  lab: boolean
  labVersion?: string
  /** With --lab: the lab runs a node (root only), so walkthroughs that run Pods can. */
  node: boolean
  /** The binary that plays `kubectl` (--kubectl; with --lab, the lab's own by default). */
  kubectl?: string
  namespace?: string
  isolate: boolean
  /** --allow-changes: changes to objects the run did not create, allowed beyond the walkthrough's own declared changes. */
  allowChanges: string[]
  kubeconfig?: string
  context?: string
  cluster?: string
  strictTls: boolean
  showSecrets: boolean
  useKuberc: boolean
  /** --report-progress: record what was verified in the namespace's kubewalk-progress ConfigMap, for the instructor's board. */
  reportProgress: boolean
  transcript?: string
  out?: string
  /** The walkthrough's prose, read while planning when a face shows it (a prose that does not parse is exit 2 before anything runs). */
  prose: WalkthroughSection[]
  /** Values given with --set NAME=VALUE: they seed the walkthrough's variables (a placeholder's chosen value). */
  sets: Record<string, string>
  /** Print what would run and be cleaned up; run nothing. */
  dryRun: boolean
}
