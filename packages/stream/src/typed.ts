// Samples as typed arrays: the array type of each dtype, byte views
// (asBytes), sample views and allocation, and the sleep helper pumps use.
import { asBytes, type DType } from '@pastream/core-native'

/** The typed array that holds samples of each dtype (int24 is packed bytes). */
export type SampleArray = Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array

/** The typed array of each dtype. */
export interface SampleArrays {
  float32: Float32Array
  int32: Int32Array
  int24: Uint8Array
  int16: Int16Array
  int8: Int8Array
  uint8: Uint8Array
}

/** The typed array that holds samples of dtype D. */
export type SampleArrayOf<D extends DType> = SampleArrays[D]

/**
 * The typed array constructor for samples of each dtype (int24: packed
 * bytes in a Uint8Array).
 * @example
 * ```ts
 * const silence = new arrayTypes.int16(480 * 2) // 480 stereo frames
 * ```
 */
export const arrayTypes = {
  float32: Float32Array,
  int32: Int32Array,
  int24: Uint8Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const satisfies Record<DType, unknown>

/** Bytes of any typed array / buffer as a Uint8Array view (no copy): core-native's. */
export { asBytes }

/** A view of bytes as the dtype's typed array (no copy when aligned; a copy otherwise). */
export function asSamples(bytes: Uint8Array, dtype: DType): SampleArray {
  const Type = arrayTypes[dtype]
  const size = Type.BYTES_PER_ELEMENT
  if (bytes.byteOffset % size === 0) return new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / size)
  return new Type(bytes.slice().buffer, 0, bytes.byteLength / size)
}

/** A new, zeroed array holding `frames` frames. */
export function allocate(dtype: DType, frames: number, channels: number): SampleArray {
  const Type = arrayTypes[dtype]
  const samples = dtype === 'int24' ? frames * channels * 3 : frames * channels
  return new Type(samples)
}

/**
 * Promise that resolves after `ms`, or at once when `signal` aborts. The
 * timer keeps the process alive while it runs: a pump still draining a
 * ring after the device finished (and the addon let go of the process)
 * must get to its end; cancel it with `signal`.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      signal?.removeEventListener('abort', done)
      clearTimeout(timer)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
