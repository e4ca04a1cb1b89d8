/**
 * Option values of the `pastream` command, parsed and checked before any
 * device or file is touched. Pairs are `first[,second]`: the first applies
 * to the input (the file played), the second to the output (the file
 * recorded), as in the original; one value applies to both, and `null`,
 * `^` or an empty field leaves a side unset. Pure: no I/O.
 */
import { dtypes, parseCount, parseDuration, type ChannelMap, type DType } from '@pastream/stream'

/** A usage error: exit code 2, with the flag it is about. */
export class UsageError extends Error {
  override name = 'UsageError'
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** True for the placeholders meaning "none": '', 'null' (any case) and '^'. */
export function isNone(text: string | undefined): boolean {
  return text === undefined || text === '' || text === '^' || text.toLowerCase() === 'null'
}

/** [input side, output side]; undefined = not given. */
export type Pair<T> = readonly [T | undefined, T | undefined]

/**
 * Parses `first[,second]`; one value applies to both sides.
 * @example
 * ```ts
 * parsePair('channels', '1,2', Number)  // [1, 2]
 * parsePair('channels', '2', Number)    // [2, 2]
 * parsePair('device', 'null,3', String) // [undefined, '3']
 * ```
 * @throws UsageError for more than two values
 */
export function parsePair<T>(flag: string, text: string | undefined, parse: (value: string) => T): Pair<T> {
  if (text === undefined) return [undefined, undefined]
  const parts = text.split(',')
  if (parts.length > 2) throw new UsageError(`--${flag}: expected one value or a pair like a,b, got '${text}'`)
  const values = parts.map((p) => (isNone(p.trim()) ? undefined : parse(p.trim())))
  return parts.length === 1 ? [values[0], values[0]] : [values[0], values[1]]
}

/** A positive integer with an optional k/K/m/M multiplier. */
export function positiveCount(flag: string): (text: string) => number {
  return (text) => {
    let value: number
    try {
      value = parseCount(text, `--${flag}`)
    } catch (error) {
      throw new UsageError(`--${flag}: ${(error as Error).message}`)
    }
    if (value <= 0) throw new UsageError(`--${flag}: expected a positive number, got '${text}'`)
    return value
  }
}

/**
 * A sample rate in Hz: a whole number above 0, with an optional k/K/m/M
 * multiplier (48k, 44.1k).
 * @example
 * ```ts
 * sampleRate('44.1k') // 44100
 * sampleRate('nan')   // UsageError: --rate: expected a sample rate in Hz (a whole number > 0, e.g. 48000 or 48k), got 'nan'
 * ```
 */
export function sampleRate(text: string): number {
  let value = 0
  try {
    value = parseCount(text, '--rate')
  } catch {
    // the message below says what is allowed
  }
  if (!(value > 0)) throw new UsageError(`--rate: expected a sample rate in Hz (a whole number > 0, e.g. 48000 or 48k), got '${text}'`)
  return value
}

/** A non-negative integer with an optional k/K/m/M multiplier. */
export function count(flag: string, text: string): number {
  try {
    return parseCount(text, `--${flag}`)
  } catch (error) {
    throw new UsageError(`--${flag}: ${(error as Error).message}`)
  }
}

/** Channels: a positive integer. */
export function channelCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--channels: expected a positive integer per side, got '${text}'`)
  return Number(text)
}

/** A device: an index (digits) or a part of its name. */
export function deviceSpec(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text
}

/** A sample format, as PortAudio's names or ours. */
export function sampleFormat(text: string): DType {
  const name = text.toLowerCase()
  if ((dtypes as readonly string[]).includes(name)) return name as DType
  throw new UsageError(`--format: unknown sample format '${text}'`, `allowed: ${dtypes.join(', ')}`)
}

/**
 * A duration in frames at `samplerate` (see parseDuration), or a frame
 * count for `--frames`; negative means "none" (-1).
 */
export function frameCount(flag: string, text: string, samplerate: number, negativeAllowed: boolean): number {
  const t = text.trim()
  if (t.startsWith('-')) {
    if (!negativeAllowed) throw new UsageError(`--${flag}: expected a duration of 0 or more, got '${text}'`)
    frameCount(flag, t.slice(1), samplerate, false)
    return -1
  }
  try {
    return flag === 'frames' ? parseCount(t, '--frames') : parseDuration(t, samplerate, `--${flag}`)
  } catch (error) {
    throw new UsageError(`--${flag}: ${(error as Error).message}`, flag === 'frames' ? 'e.g. -n 480k' : 'e.g. -d 10 (seconds), -d 1:30, -d 4800s (samples)')
  }
}

/**
 * A channel map `CHIN[:CHOUT][,...]` (1-based): `2:1,1:2` or `2,1` swap two
 * channels, `1:2` sends channel 1 to channel 2 (nothing to channel 1). A
 * bare `CHIN` goes to its position in the list.
 * @example
 * ```ts
 * parseMap('2,1')   // { 2: 1, 1: 2 }
 * parseMap('1:2')   // { 1: 2 }
 * ```
 */
export function parseMap(text: string): ChannelMap {
  const map: Record<number, number> = {}
  const targets = new Set<number>()
  text.split(',').forEach((entry, k) => {
    const match = /^\s*(\d+)\s*(?::\s*(\d+)\s*)?$/.exec(entry)
    if (!match) throw new UsageError(`--map: expected CHIN[:CHOUT][,...] with channels counted from 1, got '${text}'`, 'e.g. -m 2,1 or -m 2:1,1:2 to swap two channels')
    const from = Number(match[1])
    const to = match[2] === undefined ? k + 1 : Number(match[2])
    if (from < 1 || to < 1) throw new UsageError(`--map: channels count from 1, got '${entry.trim()}'`)
    if (from in map) throw new UsageError(`--map: channel ${from} is mapped twice in '${text}'`)
    if (targets.has(to)) throw new UsageError(`--map: two channels go to channel ${to} in '${text}'`)
    targets.add(to)
    map[from] = to
  })
  return map
}

/** Upper-cases libsndfile names (file types, encodings), as the original did. */
export function upper(text: string): string {
  return text.toUpperCase()
}

const endians = ['file', 'little', 'big', 'cpu']

/** An endianness: file, little, big or cpu. */
export function endian(text: string): string {
  const name = text.toLowerCase()
  if (!endians.includes(name)) throw new UsageError(`--endian: unknown endianness '${text}'`, `allowed: ${endians.join(', ')}`)
  return name.toUpperCase()
}
