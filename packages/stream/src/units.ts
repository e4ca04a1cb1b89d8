/**
 * Sizes and times as users type them (shared with the CLI): durations are
 * `h:m:s` with fractions allowed, or sample counts with an `s` suffix; any
 * number may carry a multiplier `k` (1e3), `K` (1024), `m` (1e6) or
 * `M` (1024 * 1024).
 */

const multipliers: Readonly<Record<string, number>> = { k: 1e3, K: 1024, m: 1e6, M: 1024 * 1024 }
const numberPattern = /^(\d+(?:\.\d*)?|\.\d+)([kKmM])?$/

function parseNumber(text: string, what: string): number {
  const match = numberPattern.exec(text)
  if (!match) {
    throw new RangeError(
      `Expected a number with an optional k/K/m/M multiplier for ${what}, got ${JSON.stringify(text)}`,
    )
  }
  return Number(match[1]) * (match[2] ? (multipliers[match[2]] ?? 1) : 1)
}

/**
 * Parses a count: digits with an optional multiplier; must come out whole.
 * @example
 * ```ts
 * parseCount('480k') // 480000
 * parseCount('2K')   // 2048
 * ```
 * @throws RangeError naming the text and what is allowed.
 */
export function parseCount(text: string, what = 'a count'): number {
  const value = parseNumber(text.trim(), what)
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Expected a whole number for ${what}, got ${JSON.stringify(text)} (${value})`)
  }
  return value
}

/**
 * Parses a sample rate: `48000`, `48k`, `44.1k`.
 * @example
 * ```ts
 * parseSamplerate('44.1k') // 44100
 * ```
 */
export function parseSamplerate(text: string): number {
  const value = parseNumber(text.trim(), 'samplerate')
  if (!(value > 0)) throw new RangeError(`Expected a positive samplerate, got ${JSON.stringify(text)}`)
  return value
}

/**
 * Converts a duration to frames at `samplerate`: `[[h:]m:]s` (each field
 * may have a fraction; seconds may exceed 59), or a sample count with an
 * `s` suffix. Results are rounded to the nearest frame.
 * @example
 * ```ts
 * parseDuration('1:30', 48000)   // 4320000
 * parseDuration('0.1', 48000)    // 4800
 * parseDuration('60', 48000)     // 2880000
 * parseDuration('480ks', 48000)  // 480000 (samples)
 * ```
 * @throws RangeError naming the text and the accepted forms.
 */
export function parseDuration(text: string, samplerate: number, what = 'a duration'): number {
  const t = text.trim()
  if (t.endsWith('s')) return parseCount(t.slice(0, -1), `${what} in samples`)
  const fields = t.split(':')
  if (fields.length > 3 || fields.some((f) => f === '')) {
    throw new RangeError(`Expected [[h:]m:]s or a sample count like 4800s for ${what}, got ${JSON.stringify(text)}`)
  }
  let seconds = 0
  for (const field of fields) {
    let value: number
    try {
      value = parseNumber(field, what)
    } catch {
      throw new RangeError(`Expected [[h:]m:]s or a sample count like 4800s for ${what}, got ${JSON.stringify(text)}`)
    }
    seconds = seconds * 60 + value
  }
  return Math.round(seconds * samplerate)
}
