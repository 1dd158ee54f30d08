import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { importedNames } from '../../../../src/platform/lab/node/node.js'

// From the lab's ctr v2.4.2 on a node lab (2026-11-30): `ctr -n k8s.io images import` of a hand-written docker-save
// tarball tagged kubewalk-e2e/hello:1, then `ctr -n k8s.io images ls`. Its name column reads "kubewalk e2e": a
// progress display, which is why the names come from the listing.
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const IMPORT = fixture('ctr-2.4.2-images-import.stdout.txt')
const LS = fixture('ctr-2.4.2-images-ls.stdout.txt')

describe('importedNames', () => {
  it("names the images of the digests ctr printed, as the listing spells them, without the CRI's sha256: refs", () => {
    expect(importedNames(IMPORT, LS)).toEqual(['docker.io/kubewalk-e2e/hello:1'])
  })

  it('names none when ctr printed no digest, or the listing lacks it', () => {
    expect(importedNames('', LS)).toEqual([])
    expect(
      importedNames(
        IMPORT,
        LS.split('\n')
          .filter((l) => !l.includes('hello'))
          .join('\n'),
      ),
    ).toEqual([])
  })
})
