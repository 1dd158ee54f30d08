// kubewalk's public surface for walkthrough authors and programs, without the CLI: what `import … from
// 'kubewalk'` gives a walkthrough loaded from a folder (the loader links it to the running engine, and
// cannot import the CLI that loads it): what a walkthrough's own files use (src/authoring.ts), and what
// programs that drive kubewalk add. src/index.ts adds createCli.
export * from './authoring.js'
export { run, runnerDefaults } from './engine/runner.js'
export { defineRecordedStep, recordedWalkthrough } from './sources/markdown/recorded.js'
export { resolveTarget, probeServer } from './platform/kubeconfig.js'
export { driftOf, diffValues } from './core/drift.js'
export { inspectToken, verifyToken } from './platform/token.js'
export { reporters } from './faces/report/index.js'
export { renderJson } from './faces/report/json.js'
export { renderJunit } from './faces/report/junit.js'
export { renderTap } from './faces/report/tap.js'
export { renderTranscript } from './faces/report/transcript.js'
export { redact, maskForRecording, withoutSignature, Secrets } from './engine/redact.js'
export {
  ensureLabBinaries,
  labUp,
  labDown,
  labStatus,
  resolveLabVersion,
  DEFAULT_LAB_VERSION,
  SUPPORTED_LAB_VERSIONS,
  ARTICLE_LAB_VERSION,
} from './platform/lab/index.js'

export type {
  Step,
  StepContext,
  StepOutput,
  CommandOutput,
  StepWait,
  Assertion,
  ParticipantCheck,
  Guard,
  Var,
  Vars,
  Cleanup,
  Setting,
  KubeconfigCluster,
} from './core/step.js'
export type { Walkthrough, WalkthroughEntry, WalkthroughSource, Trace, Requirements } from './core/walkthrough.js'
export type { WalkthroughSection } from './sources/prose.js'
export type { RecordedSource, RecordingPart } from './sources/recordings.js'
export type { APIVersions, Status, KubeObject, DecodedToken, TokenKind, ClusterRow } from './core/parse/index.js'
export type { RecordedStep, RecordedCheck, RecordedWalkthrough } from './sources/markdown/recorded.js'
export type { RunOptions, RunResult, StepResult, StepStatus, RunStatus, RunEvent, CleanupResult } from './engine/runner.js'
export type { Target, TargetOptions } from './platform/kubeconfig.js'
export type { StepDrift, DriftItem, DriftKind, DriftRule } from './core/drift.js'
export type { TokenInfo, Verification } from './platform/token.js'
export type { ClusterInfo, ReportOptions, WalkthroughInfo } from './faces/report/json.js'
export type { ReporterName, Reporter } from './faces/report/index.js'
export type { LabBinaries, LabState } from './platform/lab/index.js'
