// When main-thread JavaScript wakes to service a ring, kept once: a pump
// that needs no low latency (array, function, Writable and Readable sinks
// and sources, the discard pump, readable()) wakes on fill level
// (core-native's fillWakeMs: a quarter of its ring, at most every 250 ms,
// the rule the native file pump follows too); chunks() wakes when a chunk
// can be complete. A wake-up of the event loop is the main cost of a pump
// (a timer wake-up costs about 0.2 ms on a small VM), so both are counted.
import { fillWakeMs, sleepMsForFrames, type RingBuffer } from '@pastream/core-native'
import { sleep } from './typed.js'

/**
 * Sleeps one fill-level interval (core-native's fillWakeMs of the ring's
 * size). So a blocked main thread loses no frame while the ring covers the
 * stall plus a quarter of the ring (the fill a stall can start from), and
 * the ring never runs more than a quarter empty (source) or full (sink)
 * between wakes. `signal` ends it early: the end of a run is noticed at
 * once.
 */
export function sleepFillLevel(ring: RingBuffer, samplerate: number, signal?: AbortSignal): Promise<void> {
  return sleep(fillWakeMs(ring.size, samplerate), signal)
}

/**
 * Sleeps until the audio can have produced (or consumed) `frames` frames:
 * core-native's sleepMsForFrames (rounded up to whole ms, so one wake-up
 * suffices; between 1 and 100 ms); `signal` ends it early.
 */
export function sleepFrames(frames: number, samplerate: number, signal?: AbortSignal): Promise<void> {
  return sleep(sleepMsForFrames(frames, samplerate), signal)
}
