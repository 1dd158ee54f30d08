// Blocks → draft steps: a block the prose offers as equivalent forms of one thing is a step per command, the first
// run, the others shown (kubernetes/website update-api-object-kubectl-patch.md's last block).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { parseMarkdown } from '../../../src/sources/markdown/parse.js'
import { draftSteps, equivalentForms, fileNamed } from '../../../src/sources/markdown/steps.js'

const page = (slug: string): string => fileURLToPath(new URL(`../../fixtures/docs/${slug}/page.md`, import.meta.url))

describe('equivalentForms', () => {
  it.each([
    ['The following commands are equivalent:', 'The following commands are equivalent'],
    ['You can patch it from a file or inline. These two commands are equivalent.', 'These two commands are equivalent'],
    ['Use either of the following commands:', 'Use either of the following commands'],
    ['Run one of the following commands to create it:', 'Run one of the following commands'],
  ])('%s', (prose, words) => expect(equivalentForms(prose)).toBe(words))

  it.each([
    'The following commands create the Pod:',
    'Run the following commands:',
    'These commands are run in order.',
    'The commands above are equivalent to this one:',
  ])('not %s', (prose) => expect(equivalentForms(prose)).toBeUndefined())
})

describe('a block of equivalent forms', () => {
  const doc = (prose: string) =>
    draftSteps(
      parseMarkdown(
        'w.md',
        `# W\n\n${prose}\n\n\`\`\`shell\nkubectl patch deployment d --patch-file p.yaml\nkubectl patch deployment d --patch 'spec: {}'\n\nkubectl patch deployment d --patch-file p.json\n\`\`\`\n\n\`\`\`\ndeployment.apps/d patched\n\`\`\`\n`,
      ),
    )

  it('is one step per command: the first runs and records the output, the others are shown with the reason', () => {
    const drafts = doc('The following commands are equivalent:')
    expect(drafts.map((d) => d.command)).toEqual([
      'kubectl patch deployment d --patch-file p.yaml',
      "kubectl patch deployment d --patch 'spec: {}'",
      'kubectl patch deployment d --patch-file p.json',
    ])
    expect(drafts[0]?.annotations.manual).toBeUndefined()
    expect(drafts[0]?.recording?.text).toBe('deployment.apps/d patched')
    for (const d of drafts.slice(1))
      expect(d.annotations.manual).toBe('an equivalent form of step 01 the page offers ("The following commands are equivalent"): a reader runs one')
  })

  it('stays one step that runs every command when the prose says nothing of the kind', () => {
    const drafts = doc('Patch the Deployment:')
    expect(drafts).toHaveLength(1)
    expect(drafts[0]?.annotations.manual).toBeUndefined()
  })
})

describe('kubernetes/website update-api-object-kubectl-patch.md, run', () => {
  // Its last block: "The following commands are equivalent:" and four forms of one patch (the second, in single
  // quotes, keeps `\n` as a backslash and an n, which kubectl refuses).
  const w = markdownWalkthrough(page('update-api-object-kubectl-patch'), readFileSync(page('update-api-object-kubectl-patch'), 'utf8'))
  const last = w.steps.slice(-4)

  it('runs the first form and shows the three others as not run, saying why', () => {
    expect(last.map((s) => (typeof s.command === 'string' ? s.command : ''))).toEqual([
      'kubectl patch deployment patch-demo --patch-file patch-file.yaml',
      "kubectl patch deployment patch-demo --patch 'spec:\\n template:\\n  spec:\\n   containers:\\n   - name: patch-demo-ctr-2\\n     image: redis'",
      'kubectl patch deployment patch-demo --patch-file patch-file.json',
      `kubectl patch deployment patch-demo --patch '{"spec": {"template": {"spec": {"containers": [{"name": "patch-demo-ctr-2","image": "redis"}]}}}}'`,
    ])
    expect(last[0]?.manual).toBeUndefined()
    for (const s of last.slice(1))
      expect(s.manual).toMatch(/^an equivalent form of step \d\d the page offers \("The following commands are equivalent"\)/)
    expect(last[1]?.manual).toContain(`step ${last[0]?.number}`)
  })
})

describe('files a line reaches through a folder', () => {
  const draft = (md: string) => draftSteps(parseMarkdown('p.md', md))
  const made = (md: string): [string, string[]][] => draft(md).map((s) => [s.command, s.files.map((f) => f.name)])

  it('a line naming a folder has the files the page made in it written', () => {
    const md =
      'Create `app/pod.yaml`:\n\n```yaml\nkind: Pod\n```\n\nCreate `other/x.yaml`:\n\n```yaml\nkind: X\n```\n\n```shell\nkubectl apply -f ./app/\n```\n'
    expect(made(md)).toEqual([['kubectl apply -f ./app/', ['app/pod.yaml']]])
  })
  it('a kustomization in the shell folder is read by `-k .` and by `-k <directory-path>` (kubernetes/website managing-secret-using-kustomize.md)', () => {
    const md = (line: string): string =>
      `Create the \`kustomization.yaml\` file:\n\n\`\`\`yaml\nsecretGenerator:\n- name: c\n\`\`\`\n\n\`\`\`shell\n${line}\n\`\`\`\n`
    expect(made(md('kubectl apply -k <directory-path>'))).toEqual([['kubectl apply -k <directory-path>', ['kustomization.yaml']]])
    expect(made(md('kubectl apply -k .'))).toEqual([['kubectl apply -k .', ['kustomization.yaml']]])
    expect(made(md('kubectl apply -k ./overlays/prod'))).toEqual([['kubectl apply -k ./overlays/prod', []]])
    expect(made(md('kubectl get secrets'))).toEqual([['kubectl get secrets', []]])
  })
  it('a file the prose names without an extension, read from a list of paths (kubernetes/website configure-access-multiple-clusters.md)', () => {
    // Excerpt of content/en/docs/tasks/access-application-cluster/configure-access-multiple-clusters.md @ 00daab9750a0 (CC BY 4.0).
    const md = [
      'In your `config-exercise` directory, create a file named `config-demo-2` with this content:',
      '```yaml\napiVersion: v1\nkind: Config\npreferences: {}\n```',
      'Temporarily append two paths to your `KUBECONFIG` environment variable. For example:',
      '```shell\nexport KUBECONFIG="${KUBECONFIG}:config-demo:config-demo-2"\n```',
    ].join('\n\n')
    expect(made(md)).toEqual([['export KUBECONFIG="${KUBECONFIG}:config-demo:config-demo-2"', ['config-demo-2']]])
    expect(fileNamed('Create a directory named `config-exercise`. In it, create a file named `config-demo` with this content:')).toBe('config-demo')
    expect(fileNamed('A file named `a.yaml`, then `b.json`.')).toBe('b.json')
  })
  it('a folder named only as part of a longer one is not it', () => {
    const md = 'Create `base/k.yaml`:\n\n```yaml\nkind: X\n```\n\n```shell\nkubectl apply -f xbase\nls some-base/\n```\n'
    expect(made(md)).toEqual([['kubectl apply -f xbase\nls some-base/', []]])
  })
  it('a kustomization brings what it reads: resources in another folder, patches beside it, nothing else', () => {
    const md = [
      'Create `base/deployment.yaml`:\n\n```yaml\nkind: Deployment\n```',
      'Create `base/kustomization.yaml`:\n\n```yaml\nresources:\n- deployment.yaml\n```',
      'Create `unused/extra.yaml`:\n\n```yaml\nkind: Extra\n```',
      'Create `overlays/prod/p.yaml`:\n\n```yaml\nkind: Deployment\n```',
      'Create `overlays/prod/kustomization.yaml`:\n\n```yaml\nresources:\n- ../../base\npatches:\n- path: p.yaml\n```',
      '```shell\nkubectl kustomize overlays/prod\n```\n',
    ].join('\n\n')
    const [step] = draft(md)
    expect(step?.files.map((f) => f.name).sort()).toEqual([
      'base/deployment.yaml',
      'base/kustomization.yaml',
      'overlays/prod/kustomization.yaml',
      'overlays/prod/p.yaml',
    ])
  })
  it('kubernetes/website kustomize-strategic-merge-patches.md: the overlay and the base, for `kubectl kustomize overlays/production`', () => {
    const file = page('kustomize-strategic-merge-patches')
    const w = markdownWalkthrough(file, readFileSync(file, 'utf8'))
    const build = w.steps.find((s) => s.command === 'kubectl kustomize overlays/production')
    expect(build?.files?.map((f) => f.name).sort()).toEqual([
      'base/deployment.yaml',
      'base/kustomization.yaml',
      'overlays/production/add-sidecar.yaml',
      'overlays/production/delete-memcached.yaml',
      'overlays/production/kustomization.yaml',
      'overlays/production/update-nginx.yaml',
    ])
  })
})

describe('a manifest shown without a name in kubewalk Markdown', () => {
  it('is saved under the one file the next line reads', () => {
    const md =
      '# M\n\nCreate the manifest:\n\n```yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n```\n\n```bash\nkubectl apply -f cm.yaml\n```\n'
    const w = markdownWalkthrough('m.md', md)
    expect(w.steps[0]?.files).toEqual([{ name: 'cm.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n' }])
  })
})
