// The engine through real PortAudio on the virtual loopback device (a private
// JACK dummy server started by global-setup.ts). Never skipped.
import { describe, expect, it } from 'vitest'
import { waitFor } from '../src/testing-waits.js'
import { checkFormat, devices, NativeStream, RingBuffer, sampleSizes, type DType } from '../src/index.js'
import { findDelay, firstDifference, loopbackDevice, loopbackRun, noise } from './helpers.js'

const channels = Number(process.env.PASTREAM_TEST_LOOPBACK_CHANNELS ?? 8)

describe('device listing', () => {
  it('shows the JACK loopback device with the configured channel count', () => {
    const device = loopbackDevice()
    expect(device.hostApiName).toMatch(/JACK/)
    expect(device.maxInputChannels).toBe(channels)
    expect(device.maxOutputChannels).toBe(channels)
    expect(device.defaultSamplerate).toBe(48000)
  })
})

describe('format checks', () => {
  it("reports PortAudio's reason for a sample rate the device refuses", () => {
    const device = loopbackDevice()
    const output = { device: device.index, channels: 2, latency: 0 }
    expect(checkFormat({ output, dtype: 'float32', samplerate: 48000 })).toEqual({ supported: true })
    expect(checkFormat({ output, dtype: 'float32', samplerate: 44100 })).toMatchObject({
      supported: false,
      code: 'paInvalidSampleRate',
      message: 'Invalid sample rate',
    })
  })
})

describe('bit-exact duplex loopback', () => {
  const cases: DType[] = ['int8', 'int16', 'int24', 'float32', 'int32', 'uint8']
  for (const dtype of cases) {
    it(`moves a pseudo-random ${dtype} signal bit-exactly${dtype === 'int32' ? ' (24 significant bits)' : ''}`, async () => {
      const ch = 2
      const frames = 12000
      const signal = noise(dtype, frames, ch, 42)
      const framebytes = ch * sampleSizes[dtype]
      const { recording, stats } = await loopbackRun({ dtype, channels: ch, signal, config: { frames, pad: 2048 } })
      expect(stats.reason).toBe('complete')
      expect(stats.frameCount).toBe(frames + 2048)
      expect(recording.byteLength / framebytes).toBe(frames + 2048)
      const delay = findDelay(recording, signal, framebytes)
      expect(delay, 'the signal never came back').toBeGreaterThanOrEqual(0)
      expect(delay).toBeLessThanOrEqual(2048)
      const back = recording.subarray(delay * framebytes, (delay + frames) * framebytes)
      expect(firstDifference(back, signal)).toBe(-1)
      if (stats.xruns > 0) console.log(`${dtype}: ${stats.xruns} xruns reported by the dummy backend`)
    })
  }
})

describe('frames, pad and offset', () => {
  it('records frames + pad - offset frames and reports exact frame counts', async () => {
    const dtype = 'int16'
    const signal = noise(dtype, 4800, 1, 7)
    const { recording, stats } = await loopbackRun({ dtype, channels: 1, signal, config: { frames: 4800, pad: 100, offset: 300 } })
    expect(stats.frameCount).toBe(4900) // not rounded up to whole callbacks
    expect(recording.byteLength / 2).toBe(4900 - 300)
    expect(stats.txFrames).toBe(4800)
  })

  it('autoframes: plays until the ring runs dry, then pads and completes', async () => {
    const dtype = 'float32'
    const signal = noise(dtype, 3000, 1, 9)
    const { recording, stats } = await loopbackRun({ dtype, channels: 1, signal, config: { frames: -1, pad: 512 } })
    expect(stats.reason).toBe('complete')
    expect(stats.totalFrames).toBe(3000 + 512)
    expect(recording.byteLength / 4).toBe(3512)
  })

  it('frames beyond the data aborts with BufferEmpty', async () => {
    const signal = noise('int16', 1000, 1, 3)
    const { stats } = await loopbackRun({ dtype: 'int16', channels: 1, signal, config: { frames: 5000, pad: 0 } })
    expect(stats.state).toBe('aborted')
    expect(stats.reason).toBe('bufferEmpty')
    expect(stats.txFrames).toBe(1000)
  })

  it('a full rx ring aborts with BufferFull and keeps what fit', async () => {
    const { recording, stats } = await loopbackRun({
      dtype: 'int16',
      channels: 1,
      signal: null,
      config: { frames: -1, pad: -1 },
      rxSize: 1024,
    })
    expect(stats.reason).toBe('bufferFull')
    expect(recording.byteLength / 2).toBe(1024)
  })

  it('loops a buffer 5 times bit-exactly', async () => {
    const dtype = 'int16'
    const len = 1000
    const signal = noise(dtype, len, 1, 11)
    const { recording } = await loopbackRun({ dtype, channels: 1, signal, config: { frames: 5 * len, pad: 1024, loop: true } })
    const delay = findDelay(recording, signal, 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    for (let k = 0; k < 5; k++) {
      const part = recording.subarray((delay + k * len) * 2, (delay + (k + 1) * len) * 2)
      expect(firstDifference(part, signal), `loop ${k + 1}`).toBe(-1)
    }
  })
})

describe('lifecycle', () => {
  it('completes, restarts, is aborted and stopped, on one stream', async () => {
    const device = loopbackDevice()
    const stream = NativeStream.open(
      {
        input: { device: device.index, channels: 1, latency: 0 },
        output: { device: device.index, channels: 1, latency: 0 },
        dtype: 'float32',
        samplerate: 48000,
        blocksize: 256,
      },
      devices().devices,
    )
    try {
      const signal = noise('float32', 2000, 1, 5)
      const first = await loopbackRun({ dtype: 'float32', channels: 1, signal, config: { frames: 2000 }, stream })
      expect(first.stats.reason).toBe('complete')
      const again = await loopbackRun({ dtype: 'float32', channels: 1, signal, config: { frames: 2000 }, stream })
      expect(again.stats.reason).toBe('complete')
      expect(again.stats.frameCount).toBe(2000) // counters reset at start

      const rx = new RingBuffer(4, 1 << 16)
      let finished = stream.onceFinished()
      await stream.start({ frames: -1, pad: -1, rx })
      await waitFor('the first callbacks', () => stream.stats().frameCount > 0)
      expect(stream.info().active).toBe(true)
      await stream.abort()
      expect((await finished).state).toBe('running') // ended by the owner, not the engine
      expect(stream.info().stopped).toBe(true)

      rx.flush()
      finished = stream.onceFinished()
      await stream.start({ frames: -1, pad: -1, rx })
      await waitFor('the first callbacks', () => stream.stats().frameCount > 0)
      await stream.stop()
      await finished
      expect(stream.stats().frameCount).toBeGreaterThan(0)
      expect(stream.info().active).toBe(false)
    } finally {
      await stream.close()
    }
    await stream.close() // twice is a no-op
    expect(() => stream.info()).toThrow('stream is closed')
    await expect(stream.start()).rejects.toThrow('stream is closed')
  })

  it('rejects invalid numbers before they reach PortAudio', () => {
    const device = loopbackDevice()
    const base = { output: { device: device.index, channels: 1, latency: 0 }, dtype: 'float32' as const, blocksize: 0 }
    expect(() => NativeStream.open({ ...base, samplerate: Number.NaN }, devices().devices)).toThrow(
      'Expected a positive finite number for samplerate, got NaN (number)',
    )
    expect(() => NativeStream.open({ ...base, samplerate: 48000, blocksize: -1 }, devices().devices)).toThrow(
      'Expected an integer in [0, 16777216] for blocksize, got -1 (number)',
    )
    expect(() =>
      NativeStream.open({ ...base, samplerate: 48000, output: { device: 9999, channels: 1, latency: 0 } }, devices().devices),
    ).toThrow(/output.device/)
  })

  it('maps a PortAudio refusal to an error with its code', () => {
    const device = loopbackDevice()
    let caught: unknown
    try {
      NativeStream.open(
        { output: { device: device.index, channels: 64, latency: 0 }, dtype: 'float32', samplerate: 48000, blocksize: 0 },
        devices().devices,
      )
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(Error)
    expect((caught as { code?: string }).code).toBe('paInvalidChannelCount')
    expect((caught as Error).message).toMatch(/^Error opening OutputStream: Invalid number of channels/)
  })
})

describe('channel maps', () => {
  it('swaps output channels and zeros a recorded channel', async () => {
    const dtype = 'int16'
    const frames = 3000
    const signal = noise(dtype, frames, 2, 21)
    const { recording } = await loopbackRun({
      dtype,
      channels: 2,
      signal,
      config: { frames, pad: 1024, txmapping: [2, 1], rxmapping: [1, 0, 2] },
      rxChannels: 3,
    })
    const s = new Int16Array(signal.buffer)
    const r = new Int16Array(recording.buffer, recording.byteOffset, recording.byteLength / 2)
    // find the delay on the swapped channel pair
    let delay = -1
    for (let f = 0; f < 2048 && delay < 0; f++) if (r[f * 3] === s[1] && r[f * 3 + 2] === s[0] && r[(f + 1) * 3] === s[3]) delay = f
    expect(delay).toBeGreaterThanOrEqual(0)
    for (let i = 0; i < frames; i++) {
      const at = (delay + i) * 3
      if (r[at] !== s[i * 2 + 1] || r[at + 1] !== 0 || r[at + 2] !== s[i * 2]) {
        throw new Error(`frame ${i}: got [${r[at]}, ${r[at + 1]}, ${r[at + 2]}], expected [${s[i * 2 + 1]}, 0, ${s[i * 2]}]`)
      }
    }
  })

  it('rejects a channel used twice', async () => {
    const device = loopbackDevice()
    const stream = NativeStream.open(
      { output: { device: device.index, channels: 2, latency: 0 }, dtype: 'float32', samplerate: 48000, blocksize: 0 },
      devices().devices,
    )
    try {
      await expect(stream.start({ txmapping: [1, 1] })).rejects.toThrow('Expected each channel at most once in txmapping, got 1 twice')
    } finally {
      await stream.close()
    }
  })
})
