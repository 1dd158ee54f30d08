// kubewalk's public surface for walkthrough authors and programs, without the CLI: what `import … from
// 'kubewalk'` gives a walkthrough loaded from a folder (the loader links it to the running engine, and
// cannot import the CLI that loads it). src/index.ts adds createCli.
export { run, runnerDefaults } from './runner.js'
export { defineStep, defineVar, defineCleanup, commandOf, equal, truthy } from './step.js'
export { defineWalkthrough, walkthroughProblems, settingsOf } from './walkthrough.js'
export { parseProse, readProse } from './prose.js'
export { readRecordings, readRecordedSource, recordingFile } from './recordings.js'
export {
  parseKubectlTable,
  parseClusterTable,
  parseJsonObject,
  parseApiAnswer,
  parseKubeObject,
  parseKubeList,
  secretDataValues,
  decodeToken,
  classifyToken,
  LEGACY_ISSUER,
  withoutProgressMeter,
} from './parse/index.js'
export { defineRecordedStep, recordedWalkthrough } from './markdown/recorded.js'
export { runIfMain } from './standalone.js'
export { resolveTarget, probeServer } from './kubeconfig.js'
export { driftOf, diffValues } from './drift.js'
export { inspectToken, verifyToken } from './token.js'
export { reporters } from './report/index.js'
export { renderJson } from './report/json.js'
export { renderJunit } from './report/junit.js'
export { renderTap } from './report/tap.js'
export { renderTranscript } from './report/transcript.js'
export { redact, maskForRecording, withoutSignature, Secrets } from './redact.js'
export {
  ensureLabBinaries,
  labUp,
  labDown,
  labStatus,
  resolveLabVersion,
  DEFAULT_LAB_VERSION,
  SUPPORTED_LAB_VERSIONS,
  ARTICLE_LAB_VERSION,
} from './lab/index.js'
export { KubewalkError, CommandError, ParseError, UsageError, PreconditionError, LabError, WalkthroughError } from './errors.js'

export type {
  Step,
  StepContext,
  StepOutput,
  StepWait,
  Assertion,
  ParticipantCheck,
  Guard,
  Var,
  Vars,
  Cleanup,
  Setting,
  KubeconfigCluster,
} from './step.js'
export type { Walkthrough, WalkthroughEntry, WalkthroughSource, Trace, Requirements } from './walkthrough.js'
export type { WalkthroughSection } from './prose.js'
export type { RecordedSource, RecordingPart } from './recordings.js'
export type { APIVersions, Status, KubeObject, DecodedToken, TokenKind, ClusterRow } from './parse/index.js'
export type { RecordedStep, RecordedCheck, RecordedWalkthrough } from './markdown/recorded.js'
export type { RunOptions, RunResult, StepResult, StepStatus, RunStatus, RunEvent, CleanupResult } from './runner.js'
export type { Target, TargetOptions } from './kubeconfig.js'
export type { StepDrift, DriftItem, DriftKind, DriftRule } from './drift.js'
export type { TokenInfo, Verification } from './token.js'
export type { ClusterInfo, ReportOptions, WalkthroughInfo } from './report/json.js'
export type { ReporterName, Reporter } from './report/index.js'
export type { LabBinaries, LabState } from './lab/index.js'
