import { describe, expect, it } from 'vitest'
import { ociDocuments, parseLdd, sha256 } from '../../../../src/platform/lab/node/images.js'

describe('node images', () => {
  it('reads the libraries out of ldd', () => {
    // `ldd /usr/bin/curl` on Debian 12 (first lines)
    const out = `\tlinux-vdso.so.1 (0x00007ffd6a3f2000)
\tlibcurl.so.4 => /lib/x86_64-linux-gnu/libcurl.so.4 (0x00007f2b1c0e5000)
\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f2b1c0c6000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2b1bb16000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f2b1c1e4000)
`
    expect(parseLdd(out)).toEqual([
      '/lib/x86_64-linux-gnu/libcurl.so.4',
      '/lib/x86_64-linux-gnu/libz.so.1',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ])
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual([])
  })

  it('names the image for ctr in the index and chains the digests', () => {
    const docs = ociDocuments('kubewalk.local/tools:1', { digest: 'a'.repeat(64), size: 10240 }, { entrypoint: ['/bin/sh'] })
    const index = JSON.parse(docs.index) as { manifests: { digest: string; annotations: Record<string, string>; platform: unknown }[] }
    expect(index.manifests[0]!.annotations['io.containerd.image.name']).toBe('kubewalk.local/tools:1')
    expect(index.manifests[0]!.digest).toBe(`sha256:${sha256(docs.manifest)}`)
    const manifest = JSON.parse(docs.manifest) as { config: { digest: string }; layers: { digest: string; size: number }[] }
    expect(manifest.config.digest).toBe(`sha256:${sha256(docs.config)}`)
    expect(manifest.layers).toEqual([{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${'a'.repeat(64)}`, size: 10240 }])
    expect((JSON.parse(docs.config) as { rootfs: unknown }).rootfs).toEqual({ type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] })
  })
})
