#!/usr/bin/env node
// Records a walkthrough's outputs from a real replay, as its recorded/ baseline for drift and tests:
//   node scripts/record-walkthrough.mjs ID DIR   (against the current kubectl context; --lab works too)
// Each step that passed leaves NN-id.stdout.txt, .stderr.txt and .captured.txt (the variable it set).
// Masked as recordings are (maskForRecording): a JWT keeps its header and claims and loses its
// signature, other secret values are masked. Still: record against a throwaway cluster (the lab).
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Secrets, maskForRecording } from '../dist/src/index.js'
import { walkthroughs } from '../dist/walkthroughs/index.js'

const [id, dir, ...rest] = process.argv.slice(2)
if (!id || !dir) {
  console.error('usage: node scripts/record-walkthrough.mjs WALKTHROUGH_ID DIR [kubewalk run options]')
  process.exit(2)
}
const bin = new URL('../bin/kubewalk.js', import.meta.url).pathname
let json
try {
  json = execFileSync(process.execPath, [bin, 'run', '--walkthrough', id, '--reporter', 'json', '--show-secrets', ...rest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
} catch (e) {
  console.error(`the replay failed (exit ${e.status}); nothing recorded`)
  process.exit(1)
}
const report = JSON.parse(json)
const entry = walkthroughs.find((w) => w.id === id)
const secretVars = new Set(entry ? (await entry.load()).vars.filter((v) => v.secret).map((v) => v.name) : [])
const secrets = new Secrets()
for (const s of report.steps) if (s.captured && secretVars.has(s.captured.name)) secrets.add(s.captured.value)
const write = (file, text) => writeFileSync(file, maskForRecording(text, secrets))
mkdirSync(dir, { recursive: true })
for (const s of report.steps) {
  if (s.status !== 'passed') continue
  const base = join(dir, `${s.number}-${s.id}`)
  if (s.output.stdout !== '') write(`${base}.stdout.txt`, s.output.stdout)
  if (s.output.stderr !== '') write(`${base}.stderr.txt`, s.output.stderr)
  if (s.captured) write(`${base}.captured.txt`, s.captured.value)
}
console.error(`recorded ${report.steps.length} steps of ${id} from ${report.cluster.name} (${report.cluster.server}, Kubernetes ${report.cluster.version}) into ${dir}`)
