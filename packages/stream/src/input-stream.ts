// InputStream: records from a device (record, setSink, chunks, readable),
// and recordWith, the record() shared with DuplexStream.
import type { Readable } from 'node:stream'
import type { DType } from '@pastream/core-native'
import type { Sink, Source } from './endpoint.js'
import type { ChunksOptions, RunOptions, StreamOptions } from './options.js'
import { Stream, runSeam } from './stream.js'
import { iterateChunks, readableOf } from './chunks-iterator.js'
import { allocate, asSamples, type SampleArrayOf } from './typed.js'

/** Options of record(). */
export interface RecordOptions extends Omit<RunOptions, 'frames' | 'loop'> {
  /** record into this array (its length sets frames when frames is not given) */
  out?: ArrayBufferView
}

/**
 * Records from an input device. The C callback writes into a ring; a sink
 * (typed array, ring, Worker module, function, Writable) or chunks() drains it.
 *
 * @example
 * ```ts
 * await using stream = new InputStream({ device: 'loopback', channels: 1, dtype: 'int16' })
 * const take = await stream.record(48000)     // 1 s, Int16Array
 * for await (const chunk of stream.chunks({ chunksize: 1024, frames: 48000 })) analyse(chunk)
 * ```
 */
export class InputStream<D extends DType = 'float32'> extends Stream {
  declare readonly dtype: D

  /** Opens the device (default: the default input device, all its channels, float32). */
  constructor(options: StreamOptions & { dtype?: D } = {}) {
    super('input', options)
  }

  /**
   * Where recorded frames go on the next start() (undefined: nowhere, they
   * are discarded). Method calls (record, chunks, readable) use their own.
   * States: every one but `closed` (a run under way keeps its own sink).
   * @throws PastreamError `InputStream is closed`
   */
  setSink(sink: Sink | undefined): void {
    this.checkOpen()
    this.sink = sink
  }

  /**
   * Records `frames` frames (minus `offset`) and resolves with them. With no
   * frames and no `out`, records until stop() and resolves with everything.
   * @throws BufferFull if the recording could not be kept up with.
   */
  async record(frames?: number, options: RecordOptions = {}): Promise<SampleArrayOf<D>> {
    return recordWith(this, frames, options) as Promise<SampleArrayOf<D>>
  }

  /**
   * Iterates over recorded chunks as the dtype's typed array. Views into the
   * ring are zero-copy and valid until the next step; with `out` the same
   * buffer is reused. Breaking out of the loop stops the stream.
   */
  async *chunks(options: Omit<ChunksOptions, 'playback'> = {}): AsyncGenerator<SampleArrayOf<D>, void, undefined> {
    for await (const bytes of iterateChunks(this, options)) yield asSamples(bytes, this.dtype) as SampleArrayOf<D>
  }

  /**
   * The recording as a Node Readable of PCM bytes; the run starts at the
   * first read. Backpressure is honoured: a consumer that stops reading
   * ends in a BufferFull error on the readable, never in silent loss.
   */
  readable(options: RunOptions = {}): Readable {
    return readableOf(this, options)
  }
}

/**
 * The record() of InputStream and DuplexStream (playrec passes `source`).
 * Options not given take their defaults, not an earlier call's values.
 * @internal
 */
export async function recordWith(
  stream: Stream,
  frames: number | undefined,
  options: RecordOptions & RunOptions,
  io: { source?: Source | undefined } = {},
): Promise<ArrayBufferView> {
  if (frames !== undefined) checkFrames(frames)
  const seam = runSeam(stream)
  const offset = options.offset ?? 0
  const channels = stream.recordedChannels
  let total = frames
  if (total === undefined && options.out) {
    total = Math.floor(options.out.byteLength / (channels * stream.samplesize)) + offset
  }
  seam.setRunFields({ ...options, frames: total ?? -1 })
  if (total === undefined) {
    // unbounded: keep every chunk until stop()
    const parts: Uint8Array[] = []
    await seam.startWith({ ...io, sink: (chunk: Uint8Array) => void parts.push(chunk) })
    await stream.wait()
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
    let at = 0
    for (const part of parts) {
      bytes.set(part, at)
      at += part.byteLength
    }
    return asSamples(bytes, stream.dtype)
  }
  const keep = Math.max(0, total + Math.max(0, stream.pad) - offset)
  const framebytes = channels * stream.samplesize
  if (options.out && options.out.byteLength < keep * framebytes) {
    throw new RangeError(`Expected out to hold ${keep} frames (${keep * framebytes} bytes), got ${options.out.byteLength} bytes`)
  }
  const out = options.out ?? allocate(stream.dtype, keep, channels)
  await seam.startWith({ ...io, sink: out })
  await stream.wait()
  return out
}

function checkFrames(frames: number): void {
  if (typeof frames !== 'number' || !Number.isSafeInteger(frames) || frames < 0) {
    throw new RangeError(`Expected an integer >= 0 for frames, got ${String(frames)} (${typeof frames})`)
  }
}
