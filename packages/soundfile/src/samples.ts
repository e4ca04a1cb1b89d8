/**
 * Samples as SoundFile reads and writes them: the dtype of a typed array,
 * array elements per frame (int24 is 3 bytes per sample in a Uint8Array:
 * the one place that says so, from @pastream/stream's tables), the checks
 * of read(), write() and blocks() arguments, and joining arrays.
 */
import { arrayTypes, dtypes, sampleSizes, type DType, type SampleArrayOf } from '@pastream/stream'
import type { NativeSamples } from './binding.js'

export interface ReadOptions<D extends DType = DType> {
  /** sample type of the result; default float32, or the type of `out` */
  dtype?: D
  /** read into this array (interleaved); frames defaults to what fits */
  out?: SampleArrayOf<D>
}

export interface WriteOptions {
  /** the array's sample type; needed only for int24 (packed bytes in a Uint8Array, which otherwise means uint8) */
  dtype?: DType
}

export interface BlocksOptions<D extends DType = DType> {
  /** frames per block, including the overlap */
  blocksize: number
  /** frames each block repeats from the end of the one before; default 0 */
  overlap?: number
  /** sample type of the blocks; default float32 */
  dtype?: D
  /** frames to read in all (the overlap counted once); default: to the end of the file */
  frames?: number
}

export function describe(value: unknown): string {
  return `${typeof value === 'string' ? `'${value}'` : String(value)} (${typeof value})`
}

export function requirePositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`Expected a positive integer for ${name}, got ${describe(value)}`)
  }
  return value
}

export function requireDType(value: unknown, name = 'dtype'): DType {
  if (typeof value !== 'string' || !dtypes.includes(value as DType)) {
    throw new RangeError(`Expected one of ${dtypes.join(', ')} for ${name}, got ${describe(value)}`)
  }
  return value as DType
}

/** The dtype of a typed array; a Uint8Array is uint8 unless the caller says int24. */
export function dtypeOf(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'float32'
  if (data instanceof Int32Array) return 'int32'
  if (data instanceof Int16Array) return 'int16'
  if (data instanceof Int8Array) return 'int8'
  if (data instanceof Uint8Array) return 'uint8'
  return undefined
}

/** Array elements per sample of `dtype`: 1, or 3 for int24 (packed bytes). */
export function elementsPerSample(dtype: DType): number {
  return sampleSizes[dtype] / arrayTypes[dtype].BYTES_PER_ELEMENT
}

/** Array elements per frame of `channels` channels of `dtype`. */
export function elementsPerFrame(dtype: DType, channels: number): number {
  return channels * elementsPerSample(dtype)
}

/** A new array of `frames` frames. */
export function allocate(dtype: DType, channels: number, frames: number): NativeSamples {
  return new arrayTypes[dtype](frames * elementsPerFrame(dtype, channels))
}

/** The first `frames` frames of `out` (itself when it holds exactly those). */
export function firstFrames<D extends DType>(dtype: D, channels: number, out: NativeSamples, frames: number): SampleArrayOf<D> {
  const samples = frames * elementsPerFrame(dtype, channels)
  return (samples === out.length ? out : out.subarray(0, samples)) as SampleArrayOf<D>
}

/** What a read asks for: checked `dtype`, `frames` (undefined: to the end) and `out`. */
export function readPlan<D extends DType>(
  channels: number,
  frames: number | undefined,
  options: ReadOptions<D>,
): { dtype: D; frames: number | undefined; out: NativeSamples | undefined } {
  if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${describe(options)}`)
  const out = options.out as NativeSamples | undefined
  let dtype: DType
  if (options.dtype !== undefined) dtype = requireDType(options.dtype)
  else dtype = out !== undefined ? (dtypeOf(out) ?? 'float32') : 'float32'
  if (out !== undefined && !(out instanceof arrayTypes[dtype])) {
    throw new TypeError(`Expected a ${arrayTypes[dtype].name} for out (dtype ${dtype}), got ${Object.prototype.toString.call(out)}`)
  }
  if (frames !== undefined && frames !== -1 && (!Number.isSafeInteger(frames) || frames < 0)) {
    throw new RangeError(`Expected a non-negative integer or -1 for frames, got ${describe(frames)}`)
  }
  if (out !== undefined) {
    const capacity = Math.floor(out.length / elementsPerFrame(dtype, channels))
    if (frames === undefined || frames === -1) frames = capacity
    else if (frames > capacity) {
      throw new RangeError(`out holds ${capacity} frames of ${channels} channel(s), fewer than the ${frames} frames asked for`)
    }
  }
  return { dtype: dtype as D, frames: frames === -1 ? undefined : frames, out }
}

/** What a write hands over: checked `dtype`, whole `frames`, the samples. */
export function writePlan(channels: number, data: unknown, options: WriteOptions): { dtype: DType; frames: number; data: NativeSamples } {
  if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${describe(options)}`)
  const inferred = dtypeOf(data)
  if (inferred === undefined) {
    throw new TypeError(
      `Expected a Float32Array, Int32Array, Int16Array, Int8Array or Uint8Array to write, got ${Object.prototype.toString.call(data)}`,
    )
  }
  const dtype = options.dtype !== undefined ? requireDType(options.dtype) : inferred
  if (!(data instanceof arrayTypes[dtype])) {
    throw new TypeError(`Expected a ${arrayTypes[dtype].name} for dtype ${dtype}, got a ${(data as object).constructor.name}`)
  }
  const samples = data as NativeSamples
  const frameSize = elementsPerFrame(dtype, channels)
  const perSample = elementsPerSample(dtype)
  if (samples.length % frameSize !== 0) {
    throw new RangeError(`Expected whole frames of ${channels} channel(s)${perSample > 1 ? ` x ${perSample} bytes` : ''}, got ${samples.length} samples`)
  }
  return { dtype, frames: samples.length / frameSize, data: samples }
}

/** Blocks of `plan.blocksize` frames read with `read`, each repeating the last `plan.overlap` frames of the one before. */
export async function* overlappingBlocks<D extends DType>(
  plan: { blocksize: number; overlap: number; dtype: D; frames: number },
  channels: number,
  read: (frames: number) => Promise<SampleArrayOf<D>>,
): AsyncGenerator<SampleArrayOf<D>, void, undefined> {
  const { blocksize, overlap, dtype } = plan
  const frameSize = elementsPerFrame(dtype, channels)
  let remaining = plan.frames
  let previous: NativeSamples | undefined
  while (remaining > 0) {
    const fresh = Math.min(previous === undefined ? blocksize : blocksize - overlap, remaining)
    const data = (await read(fresh)) as NativeSamples
    const got = data.length / frameSize
    if (got === 0) return
    remaining -= got
    let block = data
    if (previous !== undefined && overlap > 0) {
      block = concat(dtype, [previous.subarray(previous.length - overlap * frameSize), data])
    }
    yield block as SampleArrayOf<D>
    previous = block
    if (got < fresh) return
  }
}

/** What blocks() iterates: checked blocksize, overlap, dtype and frames (Infinity: to the end). */
export function blocksPlan<D extends DType>(options: BlocksOptions<D>): { blocksize: number; overlap: number; dtype: D; frames: number } {
  if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${describe(options)}`)
  const blocksize = requirePositiveInteger(options.blocksize, 'blocksize')
  const overlap = options.overlap ?? 0
  if (!Number.isSafeInteger(overlap) || overlap < 0 || overlap >= blocksize) {
    throw new RangeError(`Expected an integer from 0 to blocksize - 1 (${blocksize - 1}) for overlap, got ${describe(overlap)}`)
  }
  const dtype = (options.dtype !== undefined ? requireDType(options.dtype) : 'float32') as D
  if (options.frames !== undefined && options.frames !== -1 && (!Number.isSafeInteger(options.frames) || options.frames < 0)) {
    throw new RangeError(`Expected a non-negative integer or -1 for frames, got ${describe(options.frames)}`)
  }
  return { blocksize, overlap, dtype, frames: options.frames === undefined || options.frames === -1 ? Infinity : options.frames }
}

export function concat(dtype: DType, parts: NativeSamples[]): NativeSamples {
  const total = parts.reduce((sum, part) => sum + part.length, 0)
  const result = new arrayTypes[dtype](total)
  let offset = 0
  for (const part of parts) {
    ;(result as Uint8Array).set(part as Uint8Array, offset)
    offset += part.length
  }
  return result
}
