// The shared size rules: powers of two, the buffersize check and its
// message, the blocksize-0 assumption and the frames-to-sleep formula.
import { describe, expect, it } from 'vitest'
import { ASSUMED_BLOCKSIZE, MAX_FILL_WAKE_MS, assumedBlocksize, checkBuffersize, fillWakeMs, isPowerOfTwo, nextPowerOfTwo, sleepMsForFrames } from './sizes.js'

describe('isPowerOfTwo', () => {
  it('accepts every power of two up to 2^31 and nothing between', () => {
    for (let k = 0; k <= 31; k++) {
      expect(isPowerOfTwo(2 ** k)).toBe(true)
      if (k >= 2) expect(isPowerOfTwo(2 ** k - 1)).toBe(false)
      if (k >= 1) expect(isPowerOfTwo(2 ** k + 1)).toBe(false)
    }
  })
  it('refuses zero, negatives, fractions and non-numbers', () => {
    for (const value of [0, -1, -2, 0.5, 1.5, Number.NaN, Infinity, '4', null, undefined, 4n]) expect(isPowerOfTwo(value)).toBe(false)
  })
})

describe('nextPowerOfTwo', () => {
  it('rounds up to a power of two', () => {
    expect([0, 1, 2, 3, 255, 256, 257, 48000].map(nextPowerOfTwo)).toEqual([1, 1, 2, 4, 256, 256, 512, 65536])
  })
})

describe('checkBuffersize', () => {
  it('returns a power of two in [1, 2^30]', () => {
    expect(checkBuffersize(1)).toBe(1)
    expect(checkBuffersize(2 ** 30)).toBe(2 ** 30)
  })
  it('refuses anything else, naming the value and its type', () => {
    expect(() => checkBuffersize(1000)).toThrow(new RangeError('Expected a power of two for buffersize, got 1000 (number)'))
    expect(() => checkBuffersize(0)).toThrow(new RangeError('Expected a power of two for buffersize, got 0 (number)'))
    expect(() => checkBuffersize(2 ** 31)).toThrow(new RangeError('Expected a power of two for buffersize, got 2147483648 (number)'))
    expect(() => checkBuffersize('64')).toThrow(new RangeError('Expected a power of two for buffersize, got 64 (string)'))
    expect(() => checkBuffersize(3, 'ring size')).toThrow(new RangeError('Expected a power of two for ring size, got 3 (number)'))
  })
})

describe('assumedBlocksize', () => {
  it('is the blocksize, or 256 frames when the host decides (0)', () => {
    expect(ASSUMED_BLOCKSIZE).toBe(256)
    expect(assumedBlocksize(0)).toBe(256)
    expect(assumedBlocksize(64)).toBe(64)
    expect(assumedBlocksize(4096)).toBe(4096)
  })
})

describe('sleepMsForFrames', () => {
  it('is the audio time of the frames in whole ms, within [1, 100]', () => {
    expect(sleepMsForFrames(480, 48000)).toBe(10)
    expect(sleepMsForFrames(256, 48000)).toBe(6) // 5.33 ms, rounded up: one wake-up
    expect(sleepMsForFrames(1, 48000)).toBe(1)
    expect(sleepMsForFrames(0, 48000)).toBe(1)
    expect(sleepMsForFrames(48000, 48000)).toBe(100)
  })
})

describe('fillWakeMs', () => {
  // the same table as the native file pump's test (src/core/file_pump.test.c)
  it.each([
    [4096, 21], // a quarter: 1024 frames = 21.3 ms
    [1024, 5],
    [2, 1], // never less than 1 ms
    [1 << 16, MAX_FILL_WAKE_MS], // 341 ms, capped
    [1 << 24, MAX_FILL_WAKE_MS],
  ])('a ring of %d frames at 48 kHz wakes every %d ms', (size, ms) => {
    expect(fillWakeMs(size, 48000)).toBe(ms)
  })
})
