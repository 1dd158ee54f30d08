import { describe, expect, it } from 'vitest'
import { parseProse } from '../../src/sources/prose.js'

describe('parseProse', () => {
  it('reads each step section: number, title, id, the prose before the block, the block', () => {
    const md = '# Title\n\npreface\n\n## 01. First (`first`)\n\nWhy.\n\n```bash\necho 1\n```\n\n## 02. Second (`second`)\n\n```bash\necho 2\n```\n'
    expect(parseProse('x.md', md)).toEqual([
      { number: '01', title: 'First', id: 'first', explanation: 'Why.', command: 'echo 1' },
      { number: '02', title: 'Second', id: 'second', explanation: '', command: 'echo 2' },
    ])
  })
  it('rejects a section without exactly one bash block, naming the file', () => {
    expect(() => parseProse('x.md', '## 01. X (`x`)\ntext\n')).toThrow(/^x.md: section 01 \(x\) has 0 bash blocks/)
  })
})
