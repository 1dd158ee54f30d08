// The guard's surface for the runner: install it in a run's shell, read what it recorded.
export { absoluteKubectlCalls, installGuard } from './shim.js'
export type { GuardMode } from './shim.js'
export { startGuardServer, type GuardServer } from './server.js'
export { deletesObject, deletionCommand, leftOver, readLedger, restoreCommands, takePlugins, takeRefusals } from './ledger.js'
export { isLoneKubectlRead } from './read-only.js'
export { nameOf } from './rules.mjs'
