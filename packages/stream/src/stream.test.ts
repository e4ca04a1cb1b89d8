// Smoke tests of the stream classes on the virtual loopback device.
import { describe, expect, it } from 'vitest'
import { DuplexStream, InputStream, OutputStream, chunks } from './index.js'

function noise16(frames: number, channels: number, seed = 1): Int16Array {
  const a = new Int16Array(frames * channels)
  let s = seed >>> 0
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    a[i] = ((s >>> 8) & 0xffff) - 32768 || 1
  }
  return a
}

function delayOf(recording: Int16Array, signal: Int16Array, channels: number): number {
  outer: for (let f = 0; f + 4 <= recording.length / channels; f++) {
    for (let i = 0; i < 4 * channels; i++) if (recording[f * channels + i] !== signal[i]) continue outer
    return f
  }
  return -1
}

describe('DuplexStream', () => {
  it('playrec returns a bit-exact recording of frames + pad', async () => {
    await using stream = new DuplexStream({ device: 'loopback', channels: 2, dtype: 'int16', blocksize: 256 })
    const signal = noise16(9600, 2)
    const recording = await stream.playrec(signal, { pad: 2048 })
    expect(recording).toBeInstanceOf(Int16Array)
    expect(recording.length / 2).toBe(9600 + 2048)
    expect(stream.frameCount).toBe(9600 + 2048)
    const delay = delayOf(recording, signal, 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(Array.from(recording.subarray(delay * 2, delay * 2 + signal.length))).toEqual(Array.from(signal))
  })

  it('chunks() yields the signal back in fixed-size chunks', async () => {
    await using stream = new DuplexStream({ device: 'loopback', channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise16(4800, 1, 3)
    const got: number[] = []
    for await (const chunk of stream.chunks({ chunksize: 512, playback: signal, pad: 2048 })) {
      expect(chunk.length).toBeLessThanOrEqual(512)
      got.push(...chunk)
    }
    expect(got.length).toBe(4800 + 2048)
    const rec = Int16Array.from(got)
    const delay = delayOf(rec, signal, 1)
    expect(Array.from(rec.subarray(delay, delay + 4800))).toEqual(Array.from(signal))
  })
})

describe('OutputStream and InputStream', () => {
  it('plays a typed array and records for a set number of frames', async () => {
    await using out = new OutputStream({ device: 'loopback', channels: 1, dtype: 'float32' })
    await out.play(new Float32Array(4800).fill(0.25))
    expect(out.frameCount).toBe(4800)
    await using input = new InputStream({ device: 'loopback', channels: 1, dtype: 'float32' })
    const take = await input.record(2400, { offset: 100 })
    expect(take).toBeInstanceOf(Float32Array)
    expect(take.length).toBe(2300)
    expect(input.toString()).toMatch(/^InputStream\(device=\d+: loopback, samplerate=48000, channels=1, dtype='float32', blocksize=0, stopped\)$/)
  })

  it('module-level chunks() opens and closes its own stream', async () => {
    let n = 0
    for await (const chunk of chunks({ device: 'loopback', channels: 1, chunksize: 256, frames: 2560 })) {
      expect(chunk.length).toBe(256)
      n++
    }
    expect(n).toBe(10)
  })
})
