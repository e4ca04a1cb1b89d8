// What the emulated tests check of a recording made on a loopback: where
// the played signal starts in it (its first frame whose first channel
// reaches `threshold`), then every sample from there, exactly or within a
// tolerance. Shared by emulated.test.mjs (JACK under qemu) and
// emulated-wine-loopback.test.mjs (JACK behind wine's ALSA driver).
import assert from 'node:assert/strict'

/**
 * @param {ArrayLike<number> & { subarray(start: number, end: number): ArrayLike<number> & { length: number } }} recording
 * @param {ArrayLike<number> & { length: number }} signal
 * @param {{ what: string, channels: number, tolerance?: number, threshold?: number }} options
 * @returns {{ delay: number, maxError: number }} the delay in frames and the largest difference
 */
export function expectLoopback(recording, signal, { what, channels, tolerance = 0, threshold = Number.MIN_VALUE }) {
  let delay = 0
  while (delay * channels < recording.length && Math.abs(recording[delay * channels]) < threshold) delay++
  assert.ok(delay * channels < recording.length, `${what}: the signal is not in the recording (${threshold > Number.MIN_VALUE ? `nothing reaches ${threshold}` : 'silent'})`)
  const heard = recording.subarray(delay * channels, delay * channels + signal.length)
  assert.equal(heard.length, signal.length, `${what}: the recording ends ${signal.length - heard.length} samples early (delay ${delay} frames)`)
  let maxError = 0
  let first = -1
  for (let index = 0; index < signal.length; index++) {
    const error = Math.abs(heard[index] - signal[index])
    if (error > tolerance && first < 0) first = index
    maxError = Math.max(maxError, error)
  }
  assert.equal(first, -1, `${what}: sample ${first} after the delay of ${delay} frames is ${heard[first]}, not ${signal[first]} (tolerance ${tolerance})`)
  return { delay, maxError }
}
