// The wake-up rules of main-thread pumps: chunk sleeps rounded up, and
// sleeps that end at once when the run ends (the fill-level interval is
// core-native's fillWakeMs, tested there).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RingBuffer } from '@pastream/core-native'
import { ArraySinkPump, StreamingSourcePump, type PumpContext } from './pumps.js'
import { sleepFillLevel, sleepFrames } from './wake.js'

function context(ring: RingBuffer, role: 'source' | 'sink'): PumpContext {
  return { ring, samplerate: 48000, quantum: 256, info: { samplerate: 48000, channels: 1, dtype: 'int16', blocksize: 256, role } }
}

describe('sleeps', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sleepFrames rounds up: it does not wake before the frames can be there', async () => {
    let woke = false
    const sleeping = sleepFrames(1024, 48000).then(() => (woke = true)) // 21.33 ms
    await vi.advanceTimersByTimeAsync(21)
    expect(woke).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await sleeping
    expect(woke).toBe(true)
  })

  it('a fill-level sleep ends at once when its signal is aborted', async () => {
    const controller = new AbortController()
    const sleeping = sleepFillLevel(new RingBuffer(2, 1 << 20), 48000, controller.signal)
    controller.abort()
    await sleeping // no timer advanced: only the abort can end it
  })

  it('a sink pump sleeping on fill level drains and finishes at once when the engine stops', async () => {
    const ring = new RingBuffer(2, 1 << 16)
    const target = new Int16Array(1000)
    const pump = new ArraySinkPump(context(ring, 'sink'), new Uint8Array(target.buffer))
    ring.write(Int16Array.from({ length: 300 }, (_, i) => i + 1))
    await vi.advanceTimersByTimeAsync(0) // the pump copies, then sleeps
    expect(pump.frames).toBe(300)
    ring.write(Int16Array.from({ length: 200 }, (_, i) => i + 301))
    pump.engineStopped()
    await pump.done
    expect(pump.frames).toBe(500)
    expect(target.subarray(0, 500).every((v, i) => v === i + 1)).toBe(true)
  })

  it('a source pump waiting for room stops at once when cancelled', async () => {
    const ring = new RingBuffer(2, 1024)
    const pump = new StreamingSourcePump(context(ring, 'source'), [new Int16Array(4096)])
    await vi.advanceTimersByTimeAsync(0) // fills the ring, then sleeps
    expect(ring.readAvailable).toBe(1024)
    pump.cancel()
    await pump.done
  })
})
