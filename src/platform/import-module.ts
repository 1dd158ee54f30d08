// import() of a file URL or a package, resolved as from kubewalk's own code. It is a module of its own so that the
// CLI's bundle leaves it out (scripts/bundle.mjs): Node 20 loses a script's import() callback when V8 compiles the
// script from a code cache, and dist/bundle/cli.cjs is compiled from one; this file, loaded by Node's own require,
// keeps it.
export function importModule(specifier: string): Promise<Record<string, unknown>> {
  return import(specifier) as Promise<Record<string, unknown>>
}
