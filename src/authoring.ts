// The part of the public surface a walkthrough's own files use (define*, checks, parsers, errors),
// without what only programs that drive kubewalk need (the lab, reporters, token verification): a
// cached walkthrough folder that reads only these names is linked to this module, so loading it
// costs no more than the CLI already loaded. src/api.ts re-exports all of it.
export { defineStep, defineVar, defineCleanup, commandOf, fileContent, equal, truthy, valueOf } from './core/step.js'
export { defineWalkthrough, walkthroughProblems, settingsOf } from './core/walkthrough.js'
export { parseProse, readProse } from './sources/prose.js'
export { readRecordings, readRecordedSource, recordingFile } from './sources/recordings.js'
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
} from './core/parse/index.js'
export { runIfMain } from './faces/standalone.js'
export { KubewalkError, CommandError, ParseError, UsageError, PreconditionError, LabError, WalkthroughError } from './core/errors.js'
