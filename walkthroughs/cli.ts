// The program bin/kubewalk.js runs (bundled into dist/bundle/cli.js): the engine's CLI and the registry.
export { createCli } from '../src/faces/cli.js'
export { walkthroughs } from './index.js'
