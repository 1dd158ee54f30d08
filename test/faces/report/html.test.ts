import { describe, expect, it } from 'vitest'
import { transcriptHtml } from '../../../src/faces/report/html.js'
import { renderTranscript } from '../../../src/faces/report/transcript.js'
import { Secrets } from '../../../src/engine/redact.js'
import { cluster, failed, passed, sections, token } from './runs.js'

// Markup a cluster could send back: in an error message (outside any code block) and in output.
const hostile = {
  ...failed,
  error: {
    name: 'StepError',
    code: 'E_ASSERTION' as const,
    message:
      'call-api: <script>alert(1)</script> <img src=x onerror=alert(2)> [help](javascript:alert(3)) ![t](https://evil.example/t.png) <https://evil.example/auto>',
  },
  output: { ...failed.output, stdout: `<b>${token}</b>\n` },
}
// Step 06 folds kubectl's log in <details>, the transcript's own HTML.
const logged = {
  ...passed,
  id: 'token-duration',
  number: '06',
  title: 'Read the token lifetime',
  output: { stdout: '', stderr: 'I1128 round_trippers.go] "Response" status="201 Created"\n', exitCode: 0 },
}
const result = {
  ok: false,
  status: 'failed' as const,
  steps: [passed, hostile, logged],
  cleanup: [
    {
      describe: 'delete Secret default-token',
      command: 'kubectl delete secret default-token',
      status: 'failed' as const,
      error: '![x](https://evil.example/x.png)',
    },
  ],
  startedAt: '2026-11-28T10:00:00.000Z',
  durationMs: 2345,
}

describe('transcriptHtml', () => {
  const secrets = new Secrets()
  secrets.add(token)
  const html = transcriptHtml(
    renderTranscript(result, cluster, sections, {
      secrets,
      walkthrough: { id: 'article', title: 'Calling the Kubernetes API with curl using a ServiceAccount token' },
      stderrLabels: new Map([['token-duration', 'kubectl log (stderr)']]),
    }),
  )

  it('is one standalone page: doctype, title from the heading, style inline, nothing loaded from outside', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true)
    expect(html).toContain('<title>Transcript: Calling the Kubernetes API with curl using a ServiceAccount token</title>')
    expect(html).toContain('<style>')
    expect(html).not.toMatch(/<(link|script|iframe|img)\b|\ssrc="/)
    expect(html.trimEnd().endsWith('</body>\n</html>')).toBe(true)
  })
  it('renders the steps, the checks table and the output', () => {
    expect(html).toContain('<h2>04. Request a token (<code>create-token</code>) ✅</h2>')
    expect(html).toContain('<h2>05. Call the API (<code>call-api</code>) ❌</h2>')
    expect(html).toMatch(/<table>[\s\S]*<td>kind is APIVersions \(the token was accepted\)<\/td>/)
    expect(html).toContain('<pre><code class="language-bash">TOKEN=$(kubectl create token default)')
  })
  it('shows markup from the cluster as text, never as markup', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;')
    expect(html).toContain('&lt;b&gt;')
    expect(html).not.toMatch(/<img|<b>/)
    // Markdown links and images in cluster text: no javascript: link, nothing loaded from elsewhere.
    expect(html).not.toMatch(/href="javascript:|src="https:/)
    expect(html).toContain('[help](javascript:alert(3))')
    // Shown as written (a bare https URL in it may still become a plain link).
    expect(html).toContain('![t](')
    expect(html).toContain('![x](')
  })
  it('renders markup in Markdown it is given as text: raw HTML, images, javascript: links', () => {
    // Straight into transcriptHtml, past the transcript's own escaping.
    const page = transcriptHtml(
      '# T\n\n<img src=x onerror=alert(1)>\n\nsee [x](javascript:alert(2)) and ![p](https://evil.example/p.png) <b>bold</b>\n\n[ok](https://kubernetes.io/docs/)\n',
    )
    expect(page).not.toMatch(/<img|<b>|href="javascript:|src="/)
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page).toContain('[x](javascript:alert(2))')
    expect(page).toContain('![p](https://evil.example/p.png)')
    expect(page).toContain('<a href="https://kubernetes.io/docs/">ok</a>')
  })
  it('keeps its own <details> fold for the -v=8 log', () => {
    expect(html).toContain('<details><summary>kubectl log (stderr)</summary>')
    expect(html).toContain('</details>')
  })
  it('keeps tokens masked', () => {
    expect(html).not.toContain(token)
  })
})

describe('cluster text with backticks', () => {
  // A value a step captured, a namespace and a cluster name, as a cluster or kubeconfig could hand them back.
  const evil = 'x` [open me](https://evil.example/steal) `y'
  const run = {
    ok: true,
    status: 'passed' as const,
    steps: [{ ...passed, captured: { name: 'CLUSTER_NAME', value: evil } }],
    cleanup: [{ describe: 'delete Secret a', command: 'kubectl delete secret a', status: 'done' as const }],
    startedAt: '2026-11-28T10:00:00.000Z',
    durationMs: 1,
  }
  const page = transcriptHtml(renderTranscript(run, { ...cluster, name: evil, namespace: '``[ns](https://evil.example/ns)``' }, sections))
  it('never becomes a live link: each stays inside its code span', () => {
    expect(page).not.toContain('href="https://evil.example')
    expect(page).toContain('<code>x` [open me](https://evil.example/steal) `y</code>')
    expect(page).toContain('<code>``[ns](https://evil.example/ns)``</code>')
  })
})
