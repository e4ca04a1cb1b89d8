// DuplexStream: plays and records at once (playrec, record, play, chunks,
// readable, writable), sharing the run helpers of input-stream.ts and
// output-stream.ts.
import type { Readable, Writable } from 'node:stream'
import type { DType } from '@pastream/core-native'
import { recordWith, type RecordOptions } from './input-stream.js'
import { playWith, writableOf } from './output-stream.js'
import type { Sink, Source } from './endpoint.js'
import type { ChunksOptions, DuplexStreamOptions, RunOptions } from './options.js'
import { Stream } from './stream.js'
import { iterateChunks, readableOf } from './chunks-iterator.js'
import { asSamples, type SampleArrayOf } from './typed.js'

/** Options of playrec(). */
export interface PlayrecOptions extends RunOptions {
  /** record into this array */
  out?: ArrayBufferView
}

/**
 * Plays and records at once, sample-synchronously. Options take single
 * values for both directions or `[input, output]` pairs.
 *
 * @example
 * ```ts
 * await using stream = new DuplexStream({ device: 'loopback', channels: 2, dtype: 'int16' })
 * const recording = await stream.playrec(signal, { pad: 1024 })
 * for await (const chunk of stream.chunks({ chunksize: 512, playback: signal, loop: true })) ...
 * ```
 */
export class DuplexStream<D extends DType = 'float32'> extends Stream {
  declare readonly dtype: D

  constructor(options: DuplexStreamOptions & { dtype?: D } = {}) {
    super('duplex', options)
  }

  /**
   * What the next start() (and record(), chunks(), readable() without
   * playback) plays; undefined plays silence. `loop` replays it from the
   * start when it ends. States: every one but `closed`.
   */
  setSource(source: Source | undefined, options: { loop?: boolean } = {}): void {
    this.checkOpen()
    this.source = source
    if (options.loop !== undefined) this.loop = options.loop
  }

  /** Where the next start() (and play()) records to; undefined: nowhere, the input is discarded. States: every one but `closed`. */
  setSink(sink: Sink | undefined): void {
    this.checkOpen()
    this.sink = sink
  }

  /**
   * Plays `source` while recording; resolves with the recording of
   * frames + pad - offset frames (frames default: the source's length).
   * Options not given take their defaults (pad 0, offset 0, loop false).
   */
  async playrec(source: Source, options: PlayrecOptions = {}): Promise<SampleArrayOf<D>> {
    let frames = options.frames
    if (frames === undefined && ArrayBuffer.isView(source) && !options.loop) {
      frames = Math.floor(source.byteLength / (this.txChannels * this.samplesize))
    }
    return (await recordWith(this, frames, options, { source })) as SampleArrayOf<D>
  }

  /** Records while playing silence (or the source set with setSource). */
  async record(frames?: number, options: RecordOptions = {}): Promise<SampleArrayOf<D>> {
    return (await recordWith(this, frames, options, { source: this.source })) as SampleArrayOf<D>
  }

  /** Plays `source`; the input goes to the sink set with setSink, or nowhere. */
  async play(source: Source, options: RunOptions = {}): Promise<void> {
    await playWith(this, source, options)
  }

  /** Iterates over recorded chunks while playing `playback` (silence by default). */
  async *chunks(options: ChunksOptions = {}): AsyncGenerator<SampleArrayOf<D>, void, undefined> {
    for await (const bytes of iterateChunks(this, options)) yield asSamples(bytes, this.dtype) as SampleArrayOf<D>
  }

  /**
   * The recording as a Node Readable of PCM bytes while the source set with
   * setSource plays (silence if none); starts at the first read.
   */
  readable(options: RunOptions = {}): Readable {
    return readableOf(this, options)
  }

  /** A Node Writable of PCM bytes that plays what is written (see OutputStream.writable). */
  writable(options: RunOptions = {}): Writable {
    return writableOf(this, options)
  }
}
