// Setup file of both projects: each worker, and every process it starts (the CLI, kubectl, bash), finds the
// global setup's kubectl first on PATH (see kubectl-dir.ts).
import { delimiter } from 'node:path'
import { inject } from 'vitest'

const dir = inject('labKubectlDir')
const path = process.env.PATH ?? ''
if (dir && path.split(delimiter)[0] !== dir) process.env.PATH = `${dir}${delimiter}${path}`
