// When main-thread JavaScript wakes to service a ring, kept once: a pump
// that needs no low latency (array, function, Writable and Readable sinks
// and sources, the discard pump, readable()) wakes on fill level, a quarter
// of its ring, at most every MAX_FILL_WAKE_MS; chunks() wakes when a chunk
// can be complete. A wake-up of the event loop is the main cost of a pump
// (a timer wake-up costs about 0.2 ms on a small VM), so both are counted.
import { sleepMsForFrames, type RingBuffer } from '@pastream/core-native'
import { sleep } from './typed.js'

/**
 * Longest sleep of a fill-level pump, in ms: bounds how much a sink hands
 * over at once on a large ring. Not needed to notice the end of a run: a
 * pump's sleep is interrupted when the engine stops or the run is cancelled.
 */
export const MAX_FILL_WAKE_MS = 250

/**
 * How long a fill-level pump sleeps, in whole ms: the time the audio takes
 * to fill (sink) or play out (source) a quarter of the ring, between 1 ms
 * and {@link MAX_FILL_WAKE_MS}. So a blocked main thread loses no frame
 * while the ring covers the stall plus a quarter of the ring (the fill a
 * stall can start from), and the ring never runs more than a quarter
 * empty (source) or full (sink) between wakes.
 */
export function fillWakeMs(ring: RingBuffer, samplerate: number): number {
  return Math.max(1, Math.min(MAX_FILL_WAKE_MS, Math.floor((ring.size / 4 / samplerate) * 1000)))
}

/** Sleeps one fill-level interval (see {@link fillWakeMs}); `signal` ends it early. */
export function sleepFillLevel(ring: RingBuffer, samplerate: number, signal?: AbortSignal): Promise<void> {
  return sleep(fillWakeMs(ring, samplerate), signal)
}

/**
 * Sleeps until the audio can have produced (or consumed) `frames` frames:
 * core-native's sleepMsForFrames (rounded up to whole ms, so one wake-up
 * suffices; between 1 and 100 ms); `signal` ends it early.
 */
export function sleepFrames(frames: number, samplerate: number, signal?: AbortSignal): Promise<void> {
  return sleep(sleepMsForFrames(frames, samplerate), signal)
}
