// Types of kuberc.mjs (the call as kubectl runs it under the user's kuberc; plain JavaScript for the hook).

export interface KubercOption {
  name: string
  default: string
}

export interface Preferences {
  aliases: { name: string; command: string; prependArgs: string[]; appendArgs: string[]; options: KubercOption[] }[]
  defaults: { command: string; options: KubercOption[] }[]
}

export declare const COMMANDS: ReadonlySet<string>
export declare function commandName(words: readonly string[]): string | undefined
export declare function kubercPath(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): string | undefined
export declare function readsKuberc(version: { major: number; minor: number }, env: Readonly<Record<string, string | undefined>>): boolean
export declare function preferencesOf(docs: readonly unknown[]): Preferences | undefined
export declare function asKubectlRuns(argv: readonly string[], prefs: Preferences | undefined): { argv: string[]; alias?: string }
export declare function kubectlView(o: {
  argv: string[]
  env: Record<string, string | undefined>
  cwd: string
  state: string
}): Promise<{ argv: string[]; env: Record<string, string | undefined>; alias?: string }>
