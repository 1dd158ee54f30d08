// curl draws a progress meter on stderr when stdout is not a terminal; in the article's terminal
// it drew none. Hidden from what people read only: the JSON report keeps stderr as it was.
const METER = /^\s*(?:% Total\s+% Received.*|Dload\s+Upload.*|\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+.*--:--:--.*)$/
export const withoutProgressMeter = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((l) => !METER.test(l.replace(/\r/g, '')))
    .join('\n')
