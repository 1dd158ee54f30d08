// A docs page shortens long output with a line of `...` (or `…`) where it leaves lines or fields out: an excerpt.
export const ELISION = /^\s*(?:\.\.\.|…|\[\.\.\.\])\s*$/
