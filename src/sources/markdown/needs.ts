// What a Markdown walkthrough needs of the cluster beyond the API, read off its lines and files: a page that
// asks for a LoadBalancer, reads the metrics API, claims storage from a default StorageClass, installs
// packages inside a Pod, or waits for a password at the terminal. The replay checks each one it can before
// step 01, so a cluster that lacks it is named in one line instead of a step failing half-way through.
import type { Need, NeedKind } from '../../core/walkthrough.js'
import { splitCommands } from './lines.js'
import type { DraftStep } from './steps.js'

// `kubectl top`, `kubectl autoscale` (an HPA reads CPU through the metrics API), or an HPA in a manifest.
const METRICS_LINE = /\bkubectl[ \t]+(?:[-\w=.]+[ \t]+)*?(?:top|autoscale)\b/
const HPA_KIND = /^kind:\s*HorizontalPodAutoscaler\s*$/m
const LB_LINE = /--type[= ]LoadBalancer\b/
const LB_KIND = /^\s*type:\s*["']?LoadBalancer["']?\s*$/m
const PVC_KIND = /^kind:\s*PersistentVolumeClaim\s*$/m
const PV_KIND = /^kind:\s*PersistentVolume\s*$/m
const CLAIM_TEMPLATES = /^\s*volumeClaimTemplates:/m
const STORAGE_CLASS = /^\s*storageClassName:/m
// Package managers that fetch from the internet, typed in a Pod's shell or passed to `kubectl exec`.
const INSTALL =
  /\b(?:apt-get|apt)\s+(?:-\S+\s+)*(?:update|install)\b|\bapk\s+(?:add|update)\b|\b(?:yum|dnf|microdnf)\s+(?:-\S+\s+)*install\b|\bpip3?\s+install\b/
const EXEC_INSTALL = new RegExp(`\\bkubectl\\s+exec\\b[^\\n]*\\s--\\s[^\\n]*(?:${INSTALL.source})`)
// curl that asks for the password on the terminal: `-u NAME` / `--user NAME` without `:password`.
const CURL_PROMPT = /\bcurl\b[^\n|;&]*\s(?:-u|--user)\s+["']?[^\s:"']+["']?(?=\s|$)/
// A line that reads a running Pod: it needs a node to run it, not only the API to store it.
const RUNNING_POD =
  /\bkubectl\s+(?:[-\w=.]+\s+)*?(?:logs|exec|attach|port-forward|cp)\b|\bkubectl\s+wait\b[^\n]*--for[= ]condition=(?:Ready|ready|Available|available|complete)/

/** The needs of the drafts (each kind once, at its first line), and whether a line reads a running Pod. */
export function needsOf(
  file: string,
  drafts: readonly DraftStep[],
  inContainer: (d: DraftStep) => boolean = () => false,
): { needs: Need[]; node: boolean } {
  const found = new Map<NeedKind, Need>()
  const add = (kind: NeedKind, line: number, because: string): void => {
    if (!found.has(kind)) found.set(kind, { kind, at: `${file}:${line}`, because: because.trim() })
  }
  // A page that makes its own PersistentVolume binds its claims to it: no provisioner is asked.
  const ownVolume = drafts.some((d) => [d.command, ...d.files.map((f) => f.content)].some((t) => PV_KIND.test(t)))
  let node = false
  for (const d of drafts) {
    for (const c of splitCommands(d.command)) {
      const line = d.line + c.index
      const text = c.text
      const metrics = METRICS_LINE.exec(text)
      if (metrics) add('metrics', line, metrics[0])
      if (HPA_KIND.test(text)) add('metrics', line, 'a HorizontalPodAutoscaler')
      if (LB_LINE.test(text) || LB_KIND.test(text)) add('load-balancer', line, 'a Service of type LoadBalancer')
      if (!ownVolume && (PVC_KIND.test(text) || CLAIM_TEMPLATES.test(text)) && !STORAGE_CLASS.test(text))
        add('default-storage', line, 'a PersistentVolumeClaim with no storageClassName')
      const install = INSTALL.exec(text)
      if (install && (inContainer(d) || EXEC_INSTALL.test(text))) add('internet', line, install[0])
      const prompt = CURL_PROMPT.exec(text)
      if (prompt) add('terminal', line, prompt[0])
      if (RUNNING_POD.test(text) || inContainer(d)) node = true
    }
    // Files the step writes: the manifests the lines apply.
    for (const f of d.files) {
      if (HPA_KIND.test(f.content)) add('metrics', d.line, `a HorizontalPodAutoscaler in ${f.name}`)
      if (LB_KIND.test(f.content)) add('load-balancer', d.line, `a Service of type LoadBalancer in ${f.name}`)
      if (!ownVolume && (PVC_KIND.test(f.content) || CLAIM_TEMPLATES.test(f.content)) && !STORAGE_CLASS.test(f.content))
        add('default-storage', d.line, `a PersistentVolumeClaim with no storageClassName in ${f.name}`)
    }
  }
  return { needs: [...found.values()], node }
}
