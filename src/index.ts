// kubewalk's public surface, for programs that drive a replay or define a walkthrough. Everything
// else is internal. The walkthroughs kubewalk ships are in the registry (kubewalk/walkthroughs).
export { createCli } from './faces/cli.js'
// Everything else public is listed once, in src/api.ts (the surface a loaded walkthrough is linked to).
export * from './api.js'
