// Size rules every layer above shares, kept once: ring and buffer sizes
// are powers of two, what "blocksize 0" means when sizing work (the host
// decides, so assume 256 frames per callback), and how long to sleep for a
// number of frames at a sample rate, and when a fill-level consumer wakes.
// Plain arithmetic: no addon call.
import { layout } from './layout.js'

/** The largest buffersize a stream accepts, in frames (2^30). */
export const MAX_BUFFERSIZE = 2 ** 30

/**
 * Frames per callback assumed when the blocksize is 0 (the host decides
 * and may vary it): pumps wake up, chunks size and worker waits default by it.
 */
export const ASSUMED_BLOCKSIZE: number = layout.PAS_ASSUMED_BLOCKSIZE

/**
 * True for 1, 2, 4, 8, ... (integers only; up to 2^31 and beyond in exact doubles).
 * @example
 * ```ts
 * isPowerOfTwo(1024) // true
 * isPowerOfTwo(1000) // false
 * ```
 */
export function isPowerOfTwo(value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) return false
  return Number.isInteger(Math.log2(value)) && 2 ** Math.log2(value) === value
}

/**
 * The smallest power of two >= `n` (1 for n <= 1).
 * @example
 * ```ts
 * nextPowerOfTwo(48000) // 65536
 * ```
 */
export function nextPowerOfTwo(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/**
 * Checks a ring size in frames: a power of two in [1, 2^30].
 * @param name the argument's name in the message (default 'buffersize')
 * @returns the value
 * @throws RangeError `Expected a power of two for buffersize, got 1000 (number)`
 * @example
 * ```ts
 * checkBuffersize(4096) // 4096
 * checkBuffersize(1000) // throws RangeError
 * ```
 */
export function checkBuffersize(value: unknown, name = 'buffersize'): number {
  if (!isPowerOfTwo(value) || value > MAX_BUFFERSIZE) {
    throw new RangeError(`Expected a power of two for ${name}, got ${String(value)} (${typeof value})`)
  }
  return value
}

/**
 * The frames per callback to size work by: the blocksize, or
 * {@link ASSUMED_BLOCKSIZE} when it is 0 (the host decides).
 * @example
 * ```ts
 * assumedBlocksize(0) // 256
 * assumedBlocksize(1024) // 1024
 * ```
 */
export function assumedBlocksize(blocksize: number): number {
  return blocksize > 0 ? blocksize : ASSUMED_BLOCKSIZE
}

/**
 * How long to sleep, in whole milliseconds, for the audio to produce (or
 * consume) `frames` frames: rounded up, so one wake-up suffices (rounding
 * down woke just before the last frames arrived, then again 1 ms later);
 * at least 1 ms, at most 100 ms (so a stop is noticed soon).
 * @example
 * ```ts
 * sleepMsForFrames(4800, 48000) // 100
 * sleepMsForFrames(256, 48000) // 6
 * ```
 */
export function sleepMsForFrames(frames: number, samplerate: number): number {
  return Math.max(1, Math.min(100, Math.ceil((frames / samplerate) * 1000)))
}

/**
 * Longest sleep of a consumer that wakes on fill level, in ms: bounds how
 * much it handles at once on a large ring. (layout.h's PAS_MAX_FILL_WAKE_MS:
 * the native file pump wakes by the same rule.)
 */
export const MAX_FILL_WAKE_MS: number = layout.PAS_MAX_FILL_WAKE_MS

/**
 * How long a consumer that needs no low latency sleeps, in whole ms: the
 * time the audio takes to fill (or play out) a quarter of a ring of
 * `ringFrames` frames, between 1 ms and {@link MAX_FILL_WAKE_MS}. The same
 * rule as the native file pump's (`pas_file_pump_wake_ns`), from the same
 * layout.h constants, so a ring covers a stall plus a quarter of itself
 * whoever services it.
 * @example
 * ```ts
 * fillWakeMs(8192, 48000) // 42
 * fillWakeMs(1 << 20, 48000) // 250
 * ```
 */
export function fillWakeMs(ringFrames: number, samplerate: number): number {
  const ms = Math.floor((ringFrames / layout.PAS_FILL_WAKE_PARTS / samplerate) * 1000)
  return Math.max(1, Math.min(MAX_FILL_WAKE_MS, ms))
}
