// Shared by the stream tests on the virtual loopback device: seeded signals,
// finding the loopback delay, bit-exact comparison, and small waits.
import { BroadcastChannel } from 'node:worker_threads'
import type { DType } from '@pastream/core-native'
import { arrayTypes, asBytes, type SampleArrays } from '../src/typed.js'
import { prng, waitFor } from '../src/testing.js'

/** The loopback device's name (test/global-setup.ts). */
export const DEVICE = 'loopback'
/** The JACK server's rate and period. */
export const SAMPLERATE = 48000
export const PERIOD = 256

export { prng, waitFor }

/**
 * The name of the private server a child-process test kills (device loss,
 * process exit): one name for every such test of a run. JACK keeps a slot
 * (of 8 on the machine) for each server name it saw, and frees the slot of
 * a SIGKILLed server only when a server of the same name starts again: a
 * new name per test or per run would use up the slots, and then no JACK
 * server starts ("Too many servers already active").
 */
export function killableServer(): string {
  return `${process.env.PASTREAM_TEST_SERVER ?? 'pastream-test-stream'}-killed`
}

/** A seeded integer in [lo, hi]. */
export function randomInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1))
}

/** A seeded permutation of 1..n. */
export function permutation(random: () => number, n: number): number[] {
  const p = Array.from({ length: n }, (_, k) => k + 1)
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(random, 0, i)
    const t = p[i] as number
    p[i] = p[j] as number
    p[j] = t
  }
  return p
}

/**
 * Interleaved pseudo-random samples of dtype, never silent (no zero sample,
 * 128 avoided for uint8), so the loopback delay is unambiguous and a
 * dropped or repeated frame shows.
 */
export function noise<D extends DType>(dtype: D, frames: number, channels: number, seed = 1): SampleArrays[D] {
  const random = prng(seed)
  const n = frames * channels
  const nonzero = (lo: number, hi: number) => {
    for (;;) {
      const v = randomInt(random, lo, hi)
      if (v !== 0) return v
    }
  }
  const Type = arrayTypes[dtype]
  const a = new Type(dtype === 'int24' ? n * 3 : n)
  switch (dtype) {
    case 'float32':
      for (let i = 0; i < n; i++) a[i] = (random() * 2 - 1) * 0.99 || 0.5
      break
    case 'int32':
      // 24 significant bits: what a float32 server carries exactly
      for (let i = 0; i < n; i++) a[i] = nonzero(-8388608, 8388607) * 256
      break
    case 'int24':
      for (let i = 0; i < n; i++) {
        const v = nonzero(-8388608, 8388607)
        a[i * 3] = v & 0xff
        a[i * 3 + 1] = (v >> 8) & 0xff
        a[i * 3 + 2] = (v >> 16) & 0xff
      }
      break
    case 'int16':
      for (let i = 0; i < n; i++) a[i] = nonzero(-32768, 32767)
      break
    case 'int8':
      for (let i = 0; i < n; i++) a[i] = nonzero(-128, 127)
      break
    case 'uint8':
      for (let i = 0; i < n; i++) {
        const v = randomInt(random, 1, 255)
        a[i] = v === 128 ? 129 : v
      }
      break
  }
  return a as SampleArrays[D]
}

/** Concatenates byte chunks. */
export function concatBytes(parts: readonly ArrayBufferView[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(asBytes(part), at)
    at += part.byteLength
  }
  return out
}

/**
 * The frame index in `recording` where the first `probe` frames of `signal`
 * start, or -1. Both are raw bytes; a frame is `framebytes` bytes.
 */
export function findDelay(recording: ArrayBufferView, signal: ArrayBufferView, framebytes: number, probe = 8): number {
  const r = asBytes(recording)
  const s = asBytes(signal)
  const frames = r.byteLength / framebytes
  const need = probe * framebytes
  outer: for (let f = 0; f + probe <= frames; f++) {
    const at = f * framebytes
    for (let i = 0; i < need; i++) if (r[at + i] !== s[i]) continue outer
    return f
  }
  return -1
}

/** First byte index where a and b differ (-1 when equal, the shorter length when one is a prefix). */
export function firstDifference(a: ArrayBufferView, b: ArrayBufferView): number {
  const x = asBytes(a)
  const y = asBytes(b)
  const n = Math.min(x.byteLength, y.byteLength)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i
  return x.byteLength === y.byteLength ? -1 : n
}

/** True when every byte is zero (silence for every dtype but uint8). */
export function isSilent(data: ArrayBufferView): boolean {
  return asBytes(data).every((b) => b === 0)
}

/**
 * Checks that `recording` holds `signal` bit-exactly somewhere after the
 * loopback delay, with only silence before it; returns the delay in frames.
 * Throws a readable message (byte and frame of the first difference).
 */
export function expectLoopback(recording: ArrayBufferView, signal: ArrayBufferView, framebytes: number, what = 'signal'): number {
  const delay = findDelay(recording, signal, framebytes)
  if (delay < 0) throw new Error(`${what}: the signal never came back (${recording.byteLength / framebytes} frames recorded)`)
  const r = asBytes(recording)
  if (!isSilent(r.subarray(0, delay * framebytes))) throw new Error(`${what}: not silent before the delay of ${delay} frames`)
  const back = r.subarray(delay * framebytes, delay * framebytes + signal.byteLength)
  const diff = firstDifference(back, signal)
  if (diff >= 0) {
    throw new Error(`${what}: differs at byte ${diff} (frame ${Math.floor(diff / framebytes)} of ${signal.byteLength / framebytes}) after a delay of ${delay}`)
  }
  return delay
}

/** Logs (never asserts) xruns the dummy backend reported. */
export function reportXruns(what: string, stream: { xruns: number }): void {
  if (stream.xruns > 0) console.log(`${what}: ${stream.xruns} xruns reported by the dummy backend`)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Counts of live resources by type, as Node reports them (timers included). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

/** A fixture module's URL with its query parameters. */
export function fixture(name: string, params: Record<string, string | number> = {}): URL {
  const url = new URL(`./fixtures/${name}`, import.meta.url)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value))
  return url
}


let channels = 0
/** A fresh BroadcastChannel name and a listener collecting what arrives on it. */
export function listen<T>(): { name: string; messages: T[]; next(timeoutMs?: number): Promise<T>; close(): void } {
  const name = `pastream-worker-test-${process.pid}-${channels++}`
  const channel = new BroadcastChannel(name)
  const messages: T[] = []
  const waiting: Array<(message: T) => void> = []
  channel.onmessage = (event: MessageEvent) => {
    messages.push(event.data as T)
    waiting.shift()?.(event.data as T)
  }
  return {
    name,
    messages,
    next(timeoutMs = 2000) {
      const had = messages.length
      if (had > 0) return Promise.resolve(messages[had - 1] as T)
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message on ${name} within ${timeoutMs} ms`)), timeoutMs)
        waiting.push((message) => {
          clearTimeout(timer)
          resolve(message)
        })
      })
    },
    close: () => channel.close(),
  }
}
