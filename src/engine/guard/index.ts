// The guard's surface for the kernel and cleanup: install it for a run, read what it recorded, undo declared changes.
export { absoluteKubectlCalls, installGuard, resolveRealKubectl } from './shim.js'
export type { GuardMode, GuardOptions, InstalledGuard } from './shim.js'
export { deletionCommand, leftOver, readLedger, restoreCommands, takeRefusals } from './ledger.js'
export type { CallTarget, ChangedObject, Ledger, LedgerObject, Refusal } from './ledger.js'
