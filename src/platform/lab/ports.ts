// Loopback ports for the lab's listeners.
import { createServer, type AddressInfo } from 'node:net'

/** `count` distinct TCP ports free on 127.0.0.1 right now (the kernel picks them; a small race remains until they are bound). */
export async function freePorts(count: number): Promise<number[]> {
  // Hold every listener open until all ports are known, so the ports differ from each other.
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer()
          server.once('error', reject)
          server.listen(0, '127.0.0.1', () => resolve(server))
        }),
    ),
  )
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}
