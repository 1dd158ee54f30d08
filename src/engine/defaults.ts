// The runner's defaults, apart from the runner: the CLI's flag table shows them in its help without loading the engine.

/** The optional run options' defaults: a command's time limit, the namespace. */
export const runnerDefaults = {
  commandTimeoutMs: 30_000,
  namespace: 'default',
}
