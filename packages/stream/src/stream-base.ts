// What an open stream knows and reports, apart from its lifecycle: the
// device it opened (samplerate, blocksize, dtype, channels, latency), the
// fields of the next run, the channel maps and the engine's counters read
// from shared memory. Stream (stream.ts) adds the lifecycle on top.
import { nextPowerOfTwo, sampleSizes, type DType, type EngineStats, type NativeStream } from '@pastream/core-native'
import { openDevice, type Direction } from './open.js'
import { checkStreamArguments, normalizeMap, type ChannelMap, type DuplexStreamOptions } from './options.js'
import type { Sink, Source } from './endpoint.js'
import type { RunFacts } from './run-plan.js'

/** @internal The part of {@link Stream} that is not its lifecycle (see stream.ts). */
export abstract class StreamBase {
  /** @internal */
  protected readonly nativeStream: NativeStream
  readonly samplerate: number
  readonly blocksize: number
  readonly dtype: DType
  readonly samplesize: number
  /** ring size in frames for rings the stream allocates */
  readonly buffersize: number
  readonly #buffersizeGiven: boolean
  /** data frames of the next run; -1 = unbounded */
  frames = -1
  /** zero frames after the data; < 0 = pad automatically (with no source the output plays silence for frames + pad) */
  pad = 0
  /** input frames dropped from the start of the recording */
  offset = 0
  /** replay the source when it ends */
  loop = false
  #txmapping: number[] | undefined
  #rxmapping: number[] | undefined
  protected source: Source | undefined
  protected sink: Sink | undefined
  protected readonly input: Direction | undefined
  protected readonly output: Direction | undefined

  /** @internal */
  protected constructor(kind: 'input' | 'output' | 'duplex', options: DuplexStreamOptions) {
    // arguments first: nothing touches PortAudio until they are valid
    const args = checkStreamArguments(kind, options)
    const opened = openDevice(kind, args, options)
    this.input = opened.input
    this.output = opened.output
    this.nativeStream = opened.nativeStream
    this.samplerate = opened.samplerate
    this.blocksize = args.blocksize
    this.dtype = args.dtype
    this.samplesize = sampleSizes[args.dtype]
    this.buffersize = options.buffersize ?? nextPowerOfTwo(Math.ceil(opened.samplerate))
    this.#buffersizeGiven = options.buffersize !== undefined
  }

  /** Output channel map (see {@link ChannelMap}); undefined = identity. */
  get txmapping(): number[] | undefined {
    return this.#txmapping?.slice()
  }
  set txmapping(map: ChannelMap | undefined) {
    if (!this.output && map !== undefined) throw new TypeError(`${this.constructor.name} has no output: txmapping does not apply`)
    this.#txmapping = map === undefined ? undefined : normalizeMap('txmapping', map, this.output?.channels)
  }

  /** Input channel map (see {@link ChannelMap}); undefined = identity. */
  get rxmapping(): number[] | undefined {
    return this.#rxmapping?.slice()
  }
  set rxmapping(map: ChannelMap | undefined) {
    if (!this.input && map !== undefined) throw new TypeError(`${this.constructor.name} has no input: rxmapping does not apply`)
    this.#rxmapping = map === undefined ? undefined : normalizeMap('rxmapping', map, undefined, this.input?.channels)
  }

  /** [input, output] channels for duplex, else the one count. */
  get channels(): number | [number, number] {
    if (this.input && this.output) return [this.input.channels, this.output.channels]
    return (this.input ?? this.output)?.channels ?? 0
  }

  /** [input, output] devices (indices) for duplex, else the one device. */
  get device(): number | [number, number] {
    if (this.input && this.output) return [this.input.device.index, this.output.device.index]
    return (this.input ?? this.output)?.device.index ?? -1
  }

  /** Channels per frame of the data the source provides. */
  protected get txChannels(): number {
    const map = this.#txmapping
    return map ? Math.max(1, ...map) : (this.output?.channels ?? 0)
  }

  /** Channels per recorded frame. */
  protected get rxChannels(): number {
    return this.#rxmapping ? this.#rxmapping.length : (this.input?.channels ?? 0)
  }

  /** The engine's counters (no addon call). */
  get stats(): EngineStats {
    return this.nativeStream.stats()
  }
  /** Callbacks that carried an under/overflow flag since start. */
  get xruns(): number {
    return this.stats.xruns
  }
  /** OR of PortAudio status flags since start. */
  get status(): number {
    return this.stats.status
  }
  get inputUnderflows(): number {
    return this.stats.inputUnderflows
  }
  get inputOverflows(): number {
    return this.stats.inputOverflows
  }
  get outputUnderflows(): number {
    return this.stats.outputUnderflows
  }
  get outputOverflows(): number {
    return this.stats.outputOverflows
  }
  /** Frames processed since start (data + pad), exactly. */
  get frameCount(): number {
    return this.stats.frameCount
  }
  /** Latency in seconds: [input, output] for duplex. */
  get latency(): number | [number, number] {
    const info = this.nativeStream.info()
    if (this.input && this.output) return [info.inputLatency, info.outputLatency]
    return this.input ? info.inputLatency : info.outputLatency
  }

  /**
   * Channels per recorded frame: the input channels, or the length of
   * `rxmapping` when one is set. This is what a recording (record(),
   * chunks(), a sink) holds per frame.
   * @example
   * ```ts
   * const stream = new InputStream({ channels: 4 })
   * stream.rxmapping = [3, 1]
   * stream.recordedChannels // 2
   * ```
   */
  get recordedChannels(): number {
    return this.rxChannels
  }

  /** The channel maps the engine applies (undefined = identity). */
  protected engineMaps(): { txmapping?: number[]; rxmapping?: number[] } {
    return { ...(this.#txmapping ? { txmapping: this.#txmapping } : {}), ...(this.#rxmapping ? { rxmapping: this.#rxmapping } : {}) }
  }

  /** What run planning needs to know, read now. */
  protected runFacts(): RunFacts {
    return {
      samplerate: this.samplerate,
      blocksize: this.blocksize,
      dtype: this.dtype,
      samplesize: this.samplesize,
      buffersize: this.buffersize,
      buffersizeGiven: this.#buffersizeGiven,
      hasInput: this.input !== undefined,
      hasOutput: this.output !== undefined,
      txChannels: this.txChannels,
      rxChannels: this.rxChannels,
      frames: this.frames,
      pad: this.pad,
      offset: this.offset,
      loop: this.loop,
    }
  }
}
