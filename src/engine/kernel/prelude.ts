// The bash side of the kernel: what it is told once at start, and the text written for each request.
// Every name starts with __kwk_ so a page's own functions and variables do not clash with it, and
// a page's aliases do not expand in the text written per request (each command word starts with `\`);
// every command goes through `builtin` (but `exec`, whose redirections would otherwise be undone) so a page's `printf() { …; }` or `trap() { …; }` is not called.

/** Single-quotes a value for bash (a value holds no NUL). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** File descriptors in the kernel: 3 answers to Node, 4 Node's own stdin, 7 and 8 the running line's output FIFOs (open only during a line), 9 the watchdog. */
export const FD = { control: 3, stdin: 4, watchdog: 9 } as const

/**
 * Sent once, before anything else. Messages to Node are NUL-terminated fields on fd 3: kind, id,
 * count, then that many fields. The first says which bash this is, so an old one is refused before
 * it parses anything newer.
 */
export function prelude(dir: string, mark: string, init?: string): string {
  return [
    `builtin printf '%s\\0' R -1 1 "$BASH_VERSION" >&3`,
    // Interactive only so that Ctrl-C abandons the rest of a line (as in a terminal) and not the shell;
    // no prompts, no line editing, no history, no job control (jobs stay in the kernel's process group).
    `PS1= PS2= PS0= PROMPT_COMMAND= ; builtin unset HISTFILE MAILCHECK; builtin set +m +H +o history +o emacs +o vi`,
    `__kwk_dir=${shellQuote(dir)} __kwk_m=$'\\x1e'${shellQuote(mark)}: __kwk_f= __kwk_x= __kwk_l=`,
    // The watchdog: fd 9's other end is held by Node alone; at EOF (Node gone, even by SIGKILL) it
    // removes the FIFOs and kills the whole process group. Async commands ignore SIGINT here.
    `{ builtin read -r -u 9 __kwk_l; command rm -rf -- "$__kwk_dir"; builtin kill -KILL 0; } </dev/null >/dev/null 2>&1 3>&- 4<&- &`,
    `builtin disown $! 2>/dev/null; exec 9<&-`,
    // Before a line: its output FIFOs, the default Ctrl-C, and the page's own -e and -u back (they are
    // off while the kernel's own commands run).
    `__kwk_pre() { exec 7>|"$__kwk_dir/o$1" 8>|"$__kwk_dir/e$1"; builtin trap - INT; builtin set +m; __kwk_x=; if [[ $__kwk_f == *x* ]]; then __kwk_x='set -x;'; fi; builtin printf '%s\\0' B "$2" 0 >&3; if [[ $__kwk_f == *u* ]]; then builtin set -u; fi; if [[ $__kwk_f == *e* ]]; then builtin set -e; fi; }`,
    // After a line: keep its options, end both streams with the line's mark and close them (a job of
    // the line may still hold them), report status and cwd.
    `__kwk_post() { __kwk_f=$-; builtin set +eux; builtin trap '' INT; __kwk_l=; builtin printf '%s%s\\x1e' "$__kwk_m" "$2" >&7; builtin printf '%s%s\\x1e' "$__kwk_m" "$2" >&8; exec 7>&- 8>&-; builtin printf '%s\\0' S "$2" 2 "$1" "$PWD" >&3; }`,
    `__kwk_vars() { __kwk_o=(); __kwk_i=$1; builtin shift; for __kwk_n in "$@"; do if [[ -n \${!__kwk_n+x} ]]; then __kwk_o+=("$__kwk_n" "\${!__kwk_n}"); fi; done; builtin printf '%s\\0' V "$__kwk_i" "\${#__kwk_o[@]}" "\${__kwk_o[@]}" >&3; __kwk_o=(); }`,
    `__kwk_ack() { builtin printf '%s\\0' A "$1" 1 "$PWD" >&3; }`,
    // The caller's own text (the guard's function), read as the script goes on: the acknowledgement follows it.
    ...(init !== undefined ? [init] : []),
    `builtin trap '' INT`,
    `__kwk_ack 0`,
    '',
  ].join('\n')
}

/**
 * One line, as three input lines: the text into a variable, the line sourced from a here-string with
 * its own descriptors (a line's `exec >file` is undone after it), then the report. `source` rather
 * than `eval`: `declare` stays global, a syntax error is the line's, and bash prints no job numbers.
 * The report is an input line of its own, so a line abandoned by Ctrl-C or an unset variable still gets it.
 */
export function lineFrame(line: string, pair: number, id: number, stdin: 'ignore' | 'inherit'): string {
  const input = stdin === 'inherit' ? `<&${FD.stdin}` : '</dev/null'
  return `__kwk_l=${shellQuote(line)}\n\\__kwk_pre ${pair} ${id};{ \\builtin source /dev/fd/5;} 5<<<"$__kwk_x$__kwk_l" ${input} >&7 2>&8 3>&- 4<&- 7>&- 8>&-\n\\__kwk_post $? ${id}\n`
}

/** The report alone: written again after Ctrl-C in case the first was lost (a duplicate is ignored). */
export function postFrame(id: number, status: number): string {
  return `\\__kwk_post ${status} ${id}\n`
}

export function varsFrame(names: readonly string[], id: number): string {
  return `\\__kwk_vars ${id} ${names.join(' ')}\n`
}

export function setFrame(vars: Record<string, string>, exported: boolean, id: number): string {
  const assignments = Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`)
  return `${assignments.length === 0 ? '' : `${exported ? '\\builtin export ' : ''}${assignments.join(' ')}; `}\\__kwk_ack ${id}\n`
}

export function unsetFrame(names: readonly string[], id: number): string {
  return `\\builtin unset -v ${names.join(' ')} 2>/dev/null; \\__kwk_ack ${id}\n`
}

export function ackFrame(id: number): string {
  return `\\__kwk_ack ${id}\n`
}
