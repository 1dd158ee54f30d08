import { writeFileSync } from 'node:fs'
import { hostSnapshot } from '../test/e2e/node-host.ts'
writeFileSync(process.argv[2]!, JSON.stringify(await hostSnapshot(), null, 2))
