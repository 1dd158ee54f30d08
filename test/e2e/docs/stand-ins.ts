// The stand-in images of the docs corpus (test/fixtures/docs/corpus.json): each a one-layer image of Debian's
// busybox-static with every applet linked in /bin, plus what its recipe adds. corpus.json's own `recipe` per image
// is used where it has one; RECIPES below holds a recipe for the images listed before recipes were there.
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { buildImage } from '../../../src/platform/lab/node/images.js'
import { canonicalImageName } from '../../../src/platform/lab/node/mirror.js'

/** How a stand-in is made: its entrypoint (`run`), files (a `#!` file is executable), links (path → target) and environment. */
export interface Recipe {
  run: string[]
  files?: Record<string, string>
  links?: Record<string, string>
  env?: string[]
}

// busybox-static has no printenv applet: `printenv` prints the environment, `printenv A B` the values of those set.
const PRINTENV = `#!/bin/sh
[ $# -eq 0 ] && exec env
rc=0
for n in "$@"; do
  if eval "[ -n \\"\\\${$n+x}\\" ]"; then eval "printf '%s\\\\n' \\"\\$$n\\""; else rc=1; fi
done
exit $rc
`

// A web server on port 80 serving /usr/share/nginx/html, as nginx does; bash is sh (pages exec /bin/bash into it).
const NGINX: Recipe = {
  run: ['/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/usr/share/nginx/html'],
  files: { '/usr/share/nginx/html/index.html': '<h1>Welcome to nginx!</h1>\n' },
  links: { '/bin/bash': 'busybox' },
}

const serving = (port: number, body: string, extra: Partial<Recipe> = {}): Recipe => ({
  run: ['/bin/busybox', 'httpd', '-f', '-p', String(port), '-h', '/www'],
  ...extra,
  files: { '/www/index.html': body, ...extra.files },
})

// One HTTP request on stdin (busybox `nc -ll -e`): the monolith's health port, whose /healthz and /readiness answer
// 200 until their /status toggles them (what the workshop's curls do).
const MONOLITH_HEALTH = `#!/bin/sh
read -r method target proto
while read -r h; do [ "$(printf %s "$h" | tr -d '\\r')" = "" ] && break; done
answer() { printf 'HTTP/1.0 %s\\r\\nContent-Type: text/plain\\r\\nContent-Length: %s\\r\\n\\r\\n%s' "$1" "\${#2}" "$2"; }
flip() { if [ -e "/tmp/$1-failing" ]; then rm "/tmp/$1-failing"; else : > "/tmp/$1-failing"; fi; }
case "$target" in
  /healthz|/readiness) name=\${target#/}; if [ -e "/tmp/$name-failing" ]; then answer '500 Internal Server Error' "$name failing"; else answer '200 OK' 'ok'; fi ;;
  /healthz/status|/readiness/status) name=\${target#/}; name=\${name%/status}; flip "$name"; answer '200 OK' "$name toggled" ;;
  *) answer '404 Not Found' 'not found' ;;
esac
`

/** Recipes for the images corpus.json listed before it carried its own (keyed as the pages write them). */
export const RECIPES: Record<string, Recipe> = {
  debian: { run: ['/bin/sh'], files: { '/usr/bin/printenv': PRINTENV }, links: { '/bin/bash': 'busybox' } },
  'gcr.io/google-samples/hello-app:2.0': serving(8080, 'Hello, world!\nVersion: 2.0.0\n', { files: { '/usr/bin/printenv': PRINTENV } }),
  redis: {
    // ps shows redis-server as PID 1, as in the real image.
    run: ['/usr/local/bin/redis-server'],
    files: { '/usr/local/bin/redis-server': '#!/bin/sh\nwhile :; do sleep 3600; done\n' },
    links: { '/bin/bash': 'busybox' },
  },
  busybox: { run: ['/bin/sh'] },
  nginx: NGINX,
  'nginx:1.15': NGINX,
  'nginx:1.16.1': NGINX,
  'nginx:1.9.14': NGINX,
  'kubernetes/serve_hostname': {
    run: ['/bin/sh', '-c', 'hostname > /www/index.html && exec httpd -f -p 9376 -h /www'],
    files: { '/www/index.html': '' },
  },
  'gcr.io/google-samples/node-hello:1.0': serving(8080, 'Hello Kubernetes!\n'),
  'registry.k8s.io/busybox:1.27.2': { run: ['/bin/sh'], files: { '/usr/bin/printenv': PRINTENV } },
  'registry.k8s.io/hpa-example': serving(80, 'OK!'),
  'askcarter/monolith:1.0.0': {
    run: ['/bin/sh', '-c', 'httpd -p 80 -h /www && exec nc -ll -p 81 -e /health'],
    files: { '/www/index.html': '{"message":"Hello"}\n', '/health': MONOLITH_HEALTH },
  },
  'askcarter/auth:1.0.0': serving(80, '{"message":"Hello"}\n'),
  'askcarter/hello:1.0.0': serving(80, '{"message":"Hello"}\n'),
}

let applets: string[] | undefined

/** Builds the stand-in for `image` from `recipe` into an OCI layout tarball in `dir`; returns the tarball. */
export async function buildStandIn(dir: string, image: string, recipe: Recipe): Promise<string> {
  applets ??= String((await execa('/bin/busybox', ['--list'])).stdout)
    .split('\n')
    .filter((a) => /^[\w.-]+$/.test(a) && a !== 'busybox')
  await mkdir(dir, { recursive: true })
  const rootfs = await mkdtemp(path.join(dir, 'rootfs-'))
  try {
    const bin = path.join(rootfs, 'bin')
    await mkdir(bin, { recursive: true })
    await copyFile('/bin/busybox', path.join(bin, 'busybox'))
    for (const a of applets) await symlink('busybox', path.join(bin, a))
    for (const d of ['etc', 'root', 'usr/bin', 'usr/local/bin']) await mkdir(path.join(rootfs, d), { recursive: true })
    await mkdir(path.join(rootfs, 'tmp'), { mode: 0o1777 })
    await chmod(path.join(rootfs, 'tmp'), 0o1777)
    await writeFile(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n')
    await writeFile(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n')
    for (const [file, text] of Object.entries(recipe.files ?? {})) {
      const at = path.join(rootfs, file)
      await mkdir(path.dirname(at), { recursive: true })
      await writeFile(at, text, { mode: text.startsWith('#!') ? 0o755 : 0o644 })
    }
    for (const [link, target] of Object.entries(recipe.links ?? {})) {
      const at = path.join(rootfs, link)
      await mkdir(path.dirname(at), { recursive: true })
      await rm(at, { force: true })
      // `busybox` as a target means the one in /bin, wherever the link is.
      await symlink(!target.includes('/') && path.dirname(link) !== '/bin' ? `/bin/${target}` : target, at)
    }
    const name = canonicalImageName(image)
    const out = path.join(dir, `${name.replace(/[^\w.-]+/g, '_')}.tar`)
    await buildImage(rootfs, out, name, {
      // A server the image stands in for (nginx, redis, an app) stops on SIGTERM; busybox's httpd as PID 1 would
      // ignore it (PID 1 has no default action), holding every Pod deletion for its 30 s grace. An idle shell is the
      // image's command, not its entrypoint, as in busybox's own image (CMD ["sh"]): a Pod's `args: [sleep, "86400"]`
      // then run as the command, where an entrypoint would make them `sh sleep 86400`.
      ...(idle(recipe.run)
        ? { entrypoint: [], cmd: recipe.run }
        : { entrypoint: ['/bin/sh', '-c', 'trap "exit 0" TERM INT; "$@" & wait', 'sh', ...recipe.run] }),
      env: recipe.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    })
    return out
  } finally {
    await rm(rootfs, { recursive: true, force: true })
  }
}

/** The recipe for an image of the corpus: corpus.json's own, else RECIPES'; undefined when neither has one. */
export function recipeFor(image: { image: string; recipe?: Recipe }): Recipe | undefined {
  return image.recipe ?? RECIPES[image.image]
}

// An entrypoint that only keeps the container alive (a shell, a sleep): any other long-running one does that too.
const idle = (run: readonly string[]): boolean => /(?:^|\/)(?:sh|bash)$/.test(run.at(-1) ?? '') || run.includes('sleep')

/**
 * One recipe for two pages that give the same image different ones (one lab serves one image per name): their files,
 * links and environment together, and the entrypoint that does more than keep the container alive.
 */
export function mergeRecipes(a: Recipe, b: Recipe): Recipe {
  const env = [...new Set([...(a.env ?? []), ...(b.env ?? [])])]
  return {
    run: idle(a.run) ? b.run : a.run,
    files: { ...b.files, ...a.files },
    links: { ...b.links, ...a.links },
    ...(env.length > 0 ? { env } : {}),
  }
}
