import type { Readable, Writable } from 'node:stream'
import type { DType } from '@pastream/core-native'
import { readableOf, recordWith, type RecordOptions } from './input-stream.js'
import { playWith, writableOf } from './output-stream.js'
import type { Sink, Source } from './pumps.js'
import { Stream, type ChunksOptions, type DuplexStreamOptions, type RunOptions } from './stream.js'
import { allocate, asSamples, type SampleArrayOf } from './typed.js'

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

  setSource(source: Source | undefined, options: { loop?: boolean } = {}): void {
    this.checkOpen()
    this.source = source
    if (options.loop !== undefined) this.loop = options.loop
  }

  setSink(sink: Sink | undefined): void {
    this.checkOpen()
    this.sink = sink
  }

  /**
   * Plays `source` while recording; resolves with the recording of
   * frames + pad - offset frames (frames default: the source's length).
   */
  async playrec(source: Source, options: PlayrecOptions = {}): Promise<SampleArrayOf<D>> {
    this.source = source
    let frames = options.frames
    if (frames === undefined && ArrayBuffer.isView(source) && !options.loop) {
      frames = Math.floor(source.byteLength / (this.txChannels * this.samplesize))
    }
    return (await recordWith(this, frames, { ...options, ...(options.loop !== undefined ? { loop: options.loop } : {}) })) as SampleArrayOf<D>
  }

  /** Records while playing silence (or the source set with setSource). */
  async record(frames?: number, options: RecordOptions = {}): Promise<SampleArrayOf<D>> {
    if (this.source === undefined && this.pad >= 0 && options.pad === undefined) options = { ...options, pad: -1 }
    return (await recordWith(this, frames, options)) as SampleArrayOf<D>
  }

  /** Plays `source` while the input is recorded nowhere (set a sink to keep it). */
  async play(source: Source, options: RunOptions = {}): Promise<void> {
    await playWith(this, source, options)
  }

  /** Iterates over recorded chunks while playing `playback` (silence by default). */
  async *chunks(options: ChunksOptions = {}): AsyncGenerator<SampleArrayOf<D>, void, undefined> {
    const run = options.playback === undefined && this.source === undefined && options.pad === undefined ? { ...options, pad: -1 } : options
    for await (const bytes of this.chunksImpl(run)) yield asSamples(bytes, this.dtype) as SampleArrayOf<D>
  }

  readable(options: RunOptions = {}): Readable {
    return readableOf(this, options)
  }

  writable(options: RunOptions = {}): Writable {
    return writableOf(this, options)
  }

  /** @internal */
  sinkFor(sink: Sink | undefined): void {
    this.sink = sink
  }
  /** @internal */
  sourceFor(source: Source | undefined): void {
    this.source = source
  }
  /** @internal */
  runWith(options: RunOptions): void {
    this.applyRunOptions(options)
  }
  /** @internal */
  get recordedChannels(): number {
    return this.rxChannels
  }
  /** @internal */
  allocateRecording(frames: number): ArrayBufferView {
    return allocate(this.dtype, frames, this.rxChannels)
  }
}
