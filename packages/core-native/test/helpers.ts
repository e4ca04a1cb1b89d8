// Shared by the device tests: seeded signals, a one-shot loopback run, and
// finding the loopback delay.
import { devices, NativeStream, RingBuffer, sampleSizes, type DType, type EngineConfig, type EngineStats } from '../src/index.js'
import { findVirtualDevice } from '../src/testing.js'
import { prng } from '../src/testing.js'

export { prng }

/** Interleaved pseudo-random bytes of `frames` x `channels` samples of dtype, never silent. */
export function noise(dtype: DType, frames: number, channels: number, seed = 1): Uint8Array {
  const random = prng(seed)
  const n = frames * channels
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
  const nonzero = (lo: number, hi: number) => {
    for (;;) {
      const v = int(lo, hi)
      if (v !== 0) return v
    }
  }
  switch (dtype) {
    case 'float32': {
      const a = new Float32Array(n)
      for (let i = 0; i < n; i++) a[i] = (random() * 2 - 1) * 0.99 || 0.5
      return new Uint8Array(a.buffer)
    }
    case 'int32': {
      // 24 significant bits: what a float32 server carries exactly
      const a = new Int32Array(n)
      for (let i = 0; i < n; i++) a[i] = nonzero(-8388608, 8388607) * 256
      return new Uint8Array(a.buffer)
    }
    case 'int24': {
      const a = new Uint8Array(n * 3)
      for (let i = 0; i < n; i++) {
        const v = nonzero(-8388608, 8388607)
        a[i * 3] = v & 0xff
        a[i * 3 + 1] = (v >> 8) & 0xff
        a[i * 3 + 2] = (v >> 16) & 0xff
      }
      return a
    }
    case 'int16': {
      const a = new Int16Array(n)
      for (let i = 0; i < n; i++) a[i] = nonzero(-32768, 32767)
      return new Uint8Array(a.buffer)
    }
    case 'int8': {
      const a = new Int8Array(n)
      for (let i = 0; i < n; i++) a[i] = nonzero(-128, 127)
      return new Uint8Array(a.buffer)
    }
    case 'uint8': {
      const a = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        const v = int(0, 255)
        a[i] = v === 128 ? 129 : v // 128 is uint8 silence
      }
      return a
    }
  }
}

export function nextPowerOfTwo(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

export function loopbackDevice() {
  return findVirtualDevice('loopback')
}

export interface LoopbackResult {
  recording: Uint8Array
  stats: EngineStats
}

/** Opens a duplex stream on the loopback device, runs one engine run, returns what was recorded. */
export async function loopbackRun(options: {
  dtype: DType
  channels: number
  signal: Uint8Array | null
  config: Omit<EngineConfig, 'tx' | 'rx'>
  blocksize?: number
  rxChannels?: number
  rxSize?: number
  stream?: NativeStream
}): Promise<LoopbackResult> {
  const device = loopbackDevice()
  const ss = sampleSizes[options.dtype]
  const stream =
    options.stream ??
    NativeStream.open(
      {
        input: { device: device.index, channels: options.channels, latency: 0 },
        output: { device: device.index, channels: options.channels, latency: 0 },
        dtype: options.dtype,
        samplerate: 48000,
        blocksize: options.blocksize ?? 256,
      },
      devices().devices,
    )
  try {
    const txChannels = options.channels
    let tx: RingBuffer | null = null
    if (options.signal) {
      const frames = options.signal.byteLength / (txChannels * ss)
      tx = new RingBuffer(txChannels * ss, nextPowerOfTwo(Math.max(frames, 1)))
      tx.write(options.signal)
    }
    const rxChannels = options.rxChannels ?? options.channels
    const rx = new RingBuffer(rxChannels * ss, options.rxSize ?? 1 << 18)
    const finished = stream.onceFinished()
    await stream.start({ ...options.config, tx, rx })
    const stats = await finished
    await stream.stop()
    return { recording: rx.read(), stats }
  } finally {
    if (!options.stream) await stream.close()
  }
}

/** Index of the first frame of `recording` equal to the first `probe` frames of `signal`; -1 if none. */
export function findDelay(recording: Uint8Array, signal: Uint8Array, framebytes: number, probe = 8): number {
  const frames = recording.byteLength / framebytes
  const need = probe * framebytes
  outer: for (let f = 0; f + probe <= frames; f++) {
    const at = f * framebytes
    for (let i = 0; i < need; i++) if (recording[at + i] !== signal[i]) continue outer
    return f
  }
  return -1
}

/** First byte index where a and b differ, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.byteLength === b.byteLength ? -1 : n
}
