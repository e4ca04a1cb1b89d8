import { Readable, Writable } from 'node:stream'
import {
  NativeStream,
  RingBuffer,
  dtypes,
  sampleSizes,
  type DType,
  type EngineConfig,
  type EngineStats,
  type NativeDevice,
  withPortAudio,
} from '@pastream/core-native'
import { findDevice, queryDevices, type DeviceInfo, type DeviceKind } from './devices.js'
import { BufferEmpty, BufferFull, PastreamError, PortAudioError } from './errors.js'
import {
  ArraySinkPump,
  ArraySourcePump,
  CallbackSinkPump,
  StreamingSourcePump,
  WorkerPump,
  isRingEndpoint,
  ringEndpoint,
  sleepFrames,
  type Pump,
  type RingEndpointContext,
  type PumpContext,
  type Sink,
  type Source,
} from './pumps.js'
import { Lifecycle } from './lifecycle.js'
import { asBytes, nextPowerOfTwo, sleep } from './typed.js'

/** `'low'` or `'high'` (the device's defaults), or seconds. */
export type Latency = 'low' | 'high' | number
/** A device index, or a case-insensitive part of its name. */
export type DeviceSpec = number | string
/**
 * A channel map: an array (entry k = the 1-based source channel for
 * destination channel k+1, 0 = silence) or an object `{ from: to }`.
 */
export type ChannelMap = readonly number[] | Readonly<Record<number, number>>

/** Options shared by every stream. */
export interface CommonOptions {
  /** frames per second; default: the device's default samplerate */
  samplerate?: number
  /** default 'float32' */
  dtype?: DType
  /** frames per callback, 0 (default) = the host decides */
  blocksize?: number
  /** ring size in frames for sources and sinks the stream allocates; default the power of two >= 1 s of audio */
  buffersize?: number
  /** PortAudio dithering (default off) */
  dither?: boolean
  /** PortAudio clipping (default on) */
  clip?: boolean
}

/** Options of an InputStream or OutputStream. */
export interface StreamOptions extends CommonOptions {
  /** index or name part; default: the default device */
  device?: DeviceSpec
  /** default: the device's maximum */
  channels?: number
  /** default 'high' */
  latency?: Latency
}

/** Options of a DuplexStream: single values apply to both directions, pairs are [input, output]. */
export interface DuplexStreamOptions extends CommonOptions {
  device?: DeviceSpec | readonly [DeviceSpec | null | undefined, DeviceSpec | null | undefined]
  channels?: number | readonly [number, number]
  latency?: Latency | readonly [Latency, Latency]
}

/** Options of chunks(). */
export interface ChunksOptions extends RunOptions {
  /** frames per chunk; default the blocksize; with blocksize 0 and none given, chunks come as they arrive */
  chunksize?: number
  /** frames shared with the previous chunk (the first starts with zeros); needs a fixed chunksize */
  overlap?: number
  /** yield into this buffer (reused) instead of views into the ring */
  out?: ArrayBufferView
  /** DuplexStream: what to play meanwhile */
  playback?: Source
  /** cancels the iteration and stops the stream */
  signal?: AbortSignal
}

/** What one run does (set before `start()`, or pass to play/record/playrec/chunks). */
export interface RunOptions {
  /** data frames; -1 = unbounded (or until a source runs dry) */
  frames?: number
  /** zero frames after the data; < 0 = pad automatically (play silence whenever the source is empty) */
  pad?: number
  /** input frames dropped from the start of the recording */
  offset?: number
  /** replay the source from its start when it ends */
  loop?: boolean
}

function checkInt(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`Expected an integer >= ${min} for ${name}, got ${String(value)} (${typeof value})`)
  }
  return value
}

/**
 * Normalises a channel map to an array (entry k = the 1-based source
 * channel for destination k+1, 0 = silence) and checks it: `length`
 * destinations when given (else an object's highest destination), sources
 * in [0, `sources`] when given, each source at most once.
 * @throws RangeError/TypeError naming the map, the entry and what is allowed.
 * @example
 * ```ts
 * normalizeMap('txmapping', { 1: 2 }, 4) // [0, 1, 0, 0]
 * ```
 */
export function normalizeMap(name: string, map: ChannelMap, length?: number, sources?: number): number[] {
  let result: number[]
  if (Array.isArray(map)) {
    result = (map as readonly unknown[]).map((m, k) => checkInt(`${name}[${k}]`, m, 0))
    if (length !== undefined && result.length !== length) {
      throw new RangeError(`Expected ${length} entries for ${name}, got ${result.length}`)
    }
  } else {
    if (typeof map !== 'object' || map === null) {
      throw new TypeError(`Expected an array or an object {from: to} for ${name}, got ${String(map)} (${typeof map})`)
    }
    const entries = Object.entries(map as Record<string, unknown>).map(([from, to]) => [Number(from), to] as const)
    for (const [from, to] of entries) {
      checkInt(`${name} source channel`, from, 1)
      checkInt(`${name} destination channel`, to, 1)
    }
    const size = length ?? Math.max(0, ...entries.map(([, to]) => to as number))
    result = new Array<number>(size).fill(0)
    for (const [from, to] of entries as Array<readonly [number, number]>) {
      if (to > size) throw new RangeError(`Expected destination channels in [1, ${size}] for ${name}, got ${to}`)
      if (result[to - 1] !== 0) throw new RangeError(`Expected each destination channel at most once in ${name}, got ${to} twice`)
      result[to - 1] = from
    }
  }
  const seen = new Set<number>()
  result.forEach((m, k) => {
    if (sources !== undefined && m > sources) {
      throw new RangeError(`Expected an integer in [0, ${sources}] for ${name}[${k}], got ${m} (number)`)
    }
    if (m !== 0 && seen.has(m)) throw new RangeError(`Expected each channel at most once in ${name}, got ${m} twice`)
    seen.add(m)
  })
  return result
}

function checkLatency(latency: unknown): Latency {
  if (latency === 'low' || latency === 'high') return latency
  if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) {
    const shown = typeof latency === 'string' ? JSON.stringify(latency) : String(latency)
    throw new RangeError(`Expected 'low', 'high' or seconds >= 0 for latency, got ${shown} (${typeof latency})`)
  }
  return latency
}

function checkSamplerate(samplerate: unknown): number {
  if (typeof samplerate !== 'number' || !Number.isFinite(samplerate) || samplerate <= 0) {
    throw new RangeError(`Expected a positive number for samplerate, got ${String(samplerate)} (${typeof samplerate})`)
  }
  return samplerate
}

function checkBuffersize(buffersize: unknown): number {
  if (typeof buffersize !== 'number' || !Number.isInteger(buffersize) || buffersize < 1 || buffersize > 2 ** 30 || (buffersize & (buffersize - 1)) !== 0) {
    throw new RangeError(`Expected a power of two for buffersize, got ${String(buffersize)} (${typeof buffersize})`)
  }
  return buffersize
}

function resolveLatency(latency: Latency, device: NativeDevice, kind: DeviceKind): number {
  if (latency === 'low') return kind === 'input' ? device.defaultLowInputLatency : device.defaultLowOutputLatency
  if (latency === 'high') return kind === 'input' ? device.defaultHighInputLatency : device.defaultHighOutputLatency
  return checkLatency(latency) as number
}

function pickDevice(spec: DeviceSpec | null | undefined, kind: DeviceKind, list: DeviceInfo[], fallback: number): DeviceInfo {
  if (spec === null || spec === undefined) {
    if (fallback < 0) {
      const usable = list.filter((d) => (kind === 'input' ? d.maxInputChannels : d.maxOutputChannels) > 0)
      throw new RangeError(
        `No default ${kind} device; pass device. ${kind} devices: ${usable.map((d) => `${d.index}: ${d.name}`).join('; ') || 'none'}`,
      )
    }
    return findDevice(fallback, kind, list)
  }
  return findDevice(spec, kind, list)
}

interface Direction {
  device: DeviceInfo
  channels: number
  latency: number
}

interface Run {
  /** resolves when the engine stops (only once the device was started) */
  finished: Promise<EngineStats> | undefined
  pumps: Pump[]
  /** the rx ring (chunks() reads it directly) */
  rx: RingBuffer | undefined
  /** errors of sources and sinks, in the order the owner heard of them */
  errors: unknown[]
  /**
   * BufferFull/BufferEmpty from the engine. Reported after the pumps'
   * errors: a source or sink that failed caused them, even when the owner
   * heard of the engine first (a Worker's error arrives later).
   */
  engineErrors: unknown[]
  /** resolves when the engine stopped and every pump settled (or the run never started the device) */
  settled: Promise<void>
  settle: () => void
  /** resolves when start() returned or threw (wait() during `starting` waits for it) */
  begun: Promise<void>
}

/** The source and sink of one method call's run (play, record, chunks, ...), instead of those set with setSource/setSink. */
interface RunRequest {
  io: { source?: Source | undefined; sink?: Sink | undefined }
  /** chunks() reads the rx ring itself: no pump drains it */
  readsRx: boolean
}

/** Arrays up to this many frames go into one ring whole (2^24: about 6 min at 48 kHz). */
const ONE_RING_MAX_FRAMES = 1 << 24

/** Frames of a typed array / buffer for a frame of `framebytes`. */
function framesIn(data: ArrayBufferView | ArrayBuffer, framebytes: number): number {
  return Math.floor(asBytes(data).byteLength / framebytes)
}

/**
 * Base of InputStream, OutputStream and DuplexStream: opens the device in
 * the constructor; `start`, `stop`, `abort`, `close`, `wait`; counters read
 * from shared memory. Sources and sinks are serviced by pumps (main thread
 * or Worker); the audio callback never waits on them.
 */
export abstract class Stream implements AsyncDisposable {
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
  /** The current run, or the last one (its errors, rings and pumps). */
  #run: Run | undefined
  /** The one lifecycle state (see lifecycle.ts). */
  readonly #life = new Lifecycle(this.constructor.name)
  /** The source/sink of the method call whose start() comes next; consumed by that start(). */
  #request: RunRequest | undefined

  /** @internal */
  protected constructor(kind: 'input' | 'output' | 'duplex', options: DuplexStreamOptions) {
    // arguments first: nothing touches PortAudio until they are valid
    const dtype = options.dtype ?? 'float32'
    if (!dtypes.includes(dtype)) {
      throw new RangeError(`Expected one of ${dtypes.join(', ')} for dtype, got ${String(dtype)} (${typeof dtype})`)
    }
    const pair = <T>(name: string, value: T | readonly [T, T] | undefined): [T | undefined, T | undefined] => {
      if (!Array.isArray(value)) return [value as T | undefined, value as T | undefined]
      if (value.length !== 2) throw new RangeError(`Expected [input, output] for ${name}, got an array of ${value.length}`)
      return [value[0] as T | undefined, value[1] as T | undefined]
    }
    const [inDevice, outDevice] = pair<DeviceSpec | null | undefined>('device', options.device)
    const [inChannels, outChannels] = pair('channels', options.channels)
    const [inLatency, outLatency] = pair('latency', options.latency)
    if (kind !== 'output' && inChannels !== undefined) checkInt(kind === 'duplex' ? 'input channels' : 'channels', inChannels, 1)
    if (kind !== 'input' && outChannels !== undefined) checkInt(kind === 'duplex' ? 'output channels' : 'channels', outChannels, 1)
    for (const value of [inLatency, outLatency]) if (value !== undefined) checkLatency(value)
    for (const value of [inDevice, outDevice]) {
      if (value !== undefined && value !== null && typeof value !== 'number' && typeof value !== 'string') {
        throw new TypeError(`Expected a device index or name for device, got ${String(value)} (${typeof value})`)
      }
    }
    if (options.samplerate !== undefined) checkSamplerate(options.samplerate)
    const blocksize = options.blocksize ?? 0
    checkInt('blocksize', blocksize, 0)
    if (options.buffersize !== undefined) checkBuffersize(options.buffersize)
    const what = kind === 'duplex' ? 'DuplexStream' : kind === 'input' ? 'InputStream' : 'OutputStream'
    // one PortAudio initialisation for the device query and the open
    const opened = withPortAudio(() => {
      const query = queryDevices()
      const direction = (which: DeviceKind, spec: DeviceSpec | null | undefined, channels: number | undefined, latency: Latency | undefined): Direction => {
        const device = pickDevice(spec, which, query.devices, which === 'input' ? query.defaultInput : query.defaultOutput)
        const max = which === 'input' ? device.maxInputChannels : device.maxOutputChannels
        const ch = channels ?? max
        if (ch > max) {
          throw new RangeError(`Expected at most ${max} ${which} channels for device ${device.index} (${device.name}), got ${ch}`)
        }
        return { device, channels: ch, latency: resolveLatency(latency ?? 'high', device, which) }
      }
      const input = kind !== 'output' ? direction('input', inDevice, inChannels, inLatency) : undefined
      const output = kind !== 'input' ? direction('output', outDevice, outChannels, outLatency) : undefined
      const main = (output ?? input) as Direction
      const samplerate = options.samplerate ?? main.device.defaultSamplerate
      try {
        const nativeStream = NativeStream.open(
          {
            ...(input ? { input: { device: input.device.index, channels: input.channels, latency: input.latency } } : {}),
            ...(output ? { output: { device: output.device.index, channels: output.channels, latency: output.latency } } : {}),
            dtype,
            samplerate,
            blocksize,
            ...(options.dither !== undefined ? { dither: options.dither } : {}),
            ...(options.clip !== undefined ? { clip: options.clip } : {}),
          },
          query.devices,
        )
        return { input, output, samplerate, nativeStream }
      } catch (error) {
        const wrapped = PortAudioError.from(error)
        if (wrapped instanceof PortAudioError && wrapped.code === 'paInvalidSampleRate') {
          throw new PortAudioError(
            `Error opening ${what}`,
            { code: wrapped.code, paErrorCode: wrapped.paErrorCode },
            `Invalid sample rate ${samplerate} (device ${main.device.name} runs at ${main.device.defaultSamplerate} Hz)`,
            { cause: error },
          )
        }
        throw wrapped
      }
    })
    this.input = opened.input
    this.output = opened.output
    this.nativeStream = opened.nativeStream
    this.samplerate = opened.samplerate
    this.blocksize = blocksize
    this.dtype = dtype
    this.samplesize = sampleSizes[dtype]
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
  /** Callbacks processing (PortAudio's view). */
  get active(): boolean {
    return !this.#life.closed && this.nativeStream.info().active
  }
  /** Not started, or stopped/aborted by the owner. */
  get stopped(): boolean {
    return this.#life.stopped
  }
  /** The last run completed by itself (frames + pad done). */
  get finished(): boolean {
    return this.stats.state === 'complete'
  }
  /** The last run was aborted (by abort(), an error, BufferFull or BufferEmpty). */
  get aborted(): boolean {
    return this.#life.abortRequested || this.stats.state === 'aborted'
  }
  /** close() released the device: every method but close() and wait() throws. */
  get closed(): boolean {
    return this.#life.closed
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
  /** PortAudio's cpu load estimate, 0..1. */
  get cpuLoad(): number {
    return this.#life.closed ? 0 : this.nativeStream.info().cpuLoad
  }
  /** The stream clock in seconds. */
  get time(): number {
    return this.#life.closed ? 0 : this.nativeStream.info().time
  }
  /** Latency in seconds: [input, output] for duplex. */
  get latency(): number | [number, number] {
    const info = this.nativeStream.info()
    if (this.input && this.output) return [info.inputLatency, info.outputLatency]
    return this.input ? info.inputLatency : info.outputLatency
  }

  /** Accepts every state but `closed` (for methods that set up the next run). */
  protected checkOpen(): void {
    this.#life.checkOpen()
  }

  /** @internal A pump context for a ring. */
  protected context(ring: RingBuffer, role: 'source' | 'sink', channels: number): PumpContext {
    return {
      ring,
      samplerate: this.samplerate,
      quantum: this.blocksize || 256,
      info: { samplerate: this.samplerate, channels, dtype: this.dtype, blocksize: this.blocksize, role },
    }
  }

  /** What a RingEndpoint source or sink is told about the run. */
  #endpointContext(channels: number): RingEndpointContext {
    return { samplerate: this.samplerate, loop: this.loop, channels, dtype: this.dtype, blocksize: this.blocksize }
  }

  /** Builds the tx side of a run: ring + pump (or none) + engine loop flag. */
  #planSource(source: Source | undefined, prebuffer: boolean): { ring: RingBuffer | null; pump?: Pump; engineLoop: boolean; frames?: number } {
    const framebytes = this.txChannels * this.samplesize
    if (source === undefined) return { ring: null, engineLoop: false }
    if (source instanceof RingBuffer) {
      if (source.elementsize !== framebytes) {
        throw new RangeError(`Expected a source ring with elementsize ${framebytes} (${this.txChannels} channels x ${this.samplesize} bytes), got ${source.elementsize}`)
      }
      return { ring: source, engineLoop: this.loop }
    }
    if (isRingEndpoint(source)) {
      // the endpoint loops itself: the engine must not replay the ring
      const ring = new RingBuffer(framebytes, this.buffersize)
      const pump = source[ringEndpoint]('source', ring, this.#endpointContext(this.txChannels))
      const frames = pump.frames
      return { ring, pump, engineLoop: false, ...(typeof frames === 'number' && frames >= 0 ? { frames } : {}) }
    }
    if (ArrayBuffer.isView(source)) {
      const bytes = asBytes(source)
      const frames = framesIn(source, framebytes)
      if (frames * framebytes !== bytes.byteLength) {
        throw new RangeError(`Expected whole frames of ${framebytes} bytes in the source, got ${bytes.byteLength} bytes`)
      }
      if (frames <= ONE_RING_MAX_FRAMES) {
        // the whole array in one ring, written before start: nothing on the
        // main thread has to run while it plays, and the engine loops it itself
        const ring = new RingBuffer(framebytes, nextPowerOfTwo(Math.max(1, frames)))
        ring.write(bytes)
        return { ring, engineLoop: this.loop, frames }
      }
      const ring = new RingBuffer(framebytes, this.buffersize)
      const pump = new ArraySourcePump(this.context(ring, 'source', this.txChannels), bytes, this.loop)
      return { ring, pump, engineLoop: false, frames }
    }
    const ring = new RingBuffer(framebytes, this.buffersize)
    if (source instanceof URL) {
      return { ring, pump: new WorkerPump(this.context(ring, 'source', this.txChannels), source, { prebuffer }), engineLoop: false }
    }
    return { ring, pump: new StreamingSourcePump(this.context(ring, 'source', this.txChannels), source), engineLoop: false }
  }

  /** Builds the rx side of a run. */
  #planSink(sink: Sink | undefined, frames: number, readsRx: boolean): { ring: RingBuffer; pump?: Pump } {
    const framebytes = this.rxChannels * this.samplesize
    if (sink instanceof RingBuffer) {
      if (sink.elementsize !== framebytes) {
        throw new RangeError(`Expected a sink ring with elementsize ${framebytes} (${this.rxChannels} channels x ${this.samplesize} bytes), got ${sink.elementsize}`)
      }
      return { ring: sink }
    }
    // a finite recording gets a ring that holds all of it (up to a cap), so
    // a blocked main thread cannot overflow it; the pump copies as it can
    // (an explicit buffersize always wins)
    const size = frames > 0 && !this.#buffersizeGiven ? nextPowerOfTwo(Math.min(frames, ONE_RING_MAX_FRAMES)) : this.buffersize
    const ring = new RingBuffer(framebytes, Math.max(size, 256))
    if (sink === undefined) return readsRx ? { ring } : { ring, pump: new DiscardPump(ring, this.samplerate) }
    if (isRingEndpoint(sink)) return { ring, pump: sink[ringEndpoint]('sink', ring, this.#endpointContext(this.rxChannels)) }
    const ctx = this.context(ring, 'sink', this.rxChannels)
    if (sink instanceof URL) return { ring, pump: new WorkerPump(ctx, sink, { prebuffer: false }) }
    if (ArrayBuffer.isView(sink)) return { ring, pump: new ArraySinkPump(ctx, asBytes(sink)) }
    if (sink instanceof Writable || typeof sink === 'function') return { ring, pump: new CallbackSinkPump(ctx, sink) }
    throw new TypeError(`Expected a typed array, RingBuffer, Worker module URL, function, Writable or RingEndpoint (e.g. a SoundFile) for the sink, got ${Object.prototype.toString.call(sink)}`)
  }

  /**
   * Starts a run with the `frames`, `pad`, `offset` and `loop` fields and
   * the source and sink set: allocates rings, starts their pumps, and (with
   * `prebuffer`, the default) waits for the source's first write before
   * starting the device. Counters reset. With no source the output plays
   * silence; with no sink the input is discarded. A stop(), abort() or
   * close() while pre-buffering ends the run before the device starts.
   *
   * States: `idle` and `aborted` start at once; `running` once the device
   * is no longer active (the old run is collected first, its errors
   * dropped); `stopping`/`aborting` after they end. Anything else throws.
   * @throws PastreamError when closed, starting or already active; PortAudioError.
   * @example
   * ```ts
   * stream.setSink(ring)
   * await stream.start()
   * ```
   */
  async start(options: { prebuffer?: boolean } = {}): Promise<void> {
    const request = this.#request ?? { io: {}, readsRx: false }
    this.#request = undefined
    const state = this.#life.state
    if (state === 'running' || state === 'stopping' || state === 'aborting') {
      // an abort() or stop() still under way (e.g. from an AbortSignal) finishes first
      await this.#queue
      const run = this.#run
      if (run && this.#life.runUnderWay) {
        if (this.nativeStream.info().active) throw new PastreamError(`${this.constructor.name} is already active`)
        await this.#finishRun(run, false)
      }
    }
    this.#life.fire('start')
    let settle!: () => void
    const settled = new Promise<void>((resolve) => (settle = resolve))
    let begin!: () => void
    const begun = new Promise<void>((resolve) => (begin = resolve))
    const run: Run = { finished: undefined, pumps: [], rx: undefined, errors: [], engineErrors: [], settled, settle, begun }
    this.#run = run
    try {
      await this.#launch(run, request, options.prebuffer ?? true)
    } catch (error) {
      // the errors go to start()'s caller; wait() and stop() have none left to report
      for (const pump of run.pumps) pump.cancel()
      await Promise.allSettled(run.pumps.map((p) => p.done))
      run.errors.length = 0
      run.engineErrors.length = 0
      settle()
      if (this.#life.state === 'starting') this.#life.fire('startFailed')
      throw error
    } finally {
      begin()
    }
  }

  /** The run was cancelled (stop, abort, close or a lost device) or is no longer the current one. */
  #cancelled(run: Run): boolean {
    return this.#run !== run || this.#life.state !== 'starting'
  }

  /** The owner took note of the run's end (or a newer run replaced it). */
  #collected(run: Run): boolean {
    return this.#run !== run || !this.#life.runUnderWay
  }

  /** start()'s work in `starting`: plan, pre-buffer, start the device. */
  async #launch(run: Run, request: RunRequest, prebuffer: boolean): Promise<void> {
    // native operations queued before (a stop() of an idle stream) finish first
    await this.#queue
    if (this.#cancelled(run)) return run.settle()
    checkInt('frames', this.frames, -1)
    checkInt('offset', this.offset, 0)
    if (typeof this.pad !== 'number' || !Number.isSafeInteger(this.pad)) {
      throw new RangeError(`Expected an integer for pad, got ${String(this.pad)} (${typeof this.pad})`)
    }
    const source = 'source' in request.io ? request.io.source : this.source
    const sink = 'sink' in request.io ? request.io.sink : this.sink
    const pumps = run.pumps
    let tx: RingBuffer | null = null
    let engineLoop = false
    let frames = this.frames
    let sourcePump: Pump | undefined
    if (this.output) {
      const plan = this.#planSource(source, prebuffer)
      tx = plan.ring
      engineLoop = plan.engineLoop
      sourcePump = plan.pump
      if (plan.pump) pumps.push(plan.pump)
      // a finite array source sets the frame count unless told otherwise or looping
      if (frames < 0 && plan.frames !== undefined && !this.loop) frames = plan.frames
    }
    let pad = this.pad
    if (this.output && tx === null) {
      // nothing to play: the output plays silence for frames + pad (or until
      // stopped) rather than end at once (frames -1) or fail (BufferEmpty)
      if (frames >= 0) frames += Math.max(0, pad)
      pad = -1
    }
    let rx: RingBuffer | null = null
    if (this.input) {
      const total = frames >= 0 ? frames + Math.max(0, pad) - this.offset : -1
      const plan = this.#planSink(sink, total, request.readsRx)
      rx = plan.ring
      if (plan.pump) pumps.push(plan.pump)
    }
    run.rx = rx ?? undefined
    run.finished = this.nativeStream.onceFinished()
    for (const pump of pumps) {
      pump.done.catch((error: unknown) => {
        run.errors.push(error)
        this.nativeStream.requestAbort()
        for (const other of pumps) other.cancel()
      })
    }
    if (prebuffer) await Promise.all(pumps.map((p) => p.ready))
    if (run.errors.length > 0) throw this.#combine(run)
    if (this.#cancelled(run)) {
      // stop/abort/close came while pre-buffering: the device never starts
      for (const pump of pumps) pump.cancel()
      await Promise.allSettled(pumps.map((p) => p.done))
      if (run.errors.length > 0) throw this.#combine(run)
      return run.settle()
    }
    let engineDone = false
    run.finished.then((stats) => {
      engineDone = true
      for (const pump of pumps) pump.engineStopped()
      if (stats.reason === 'bufferFull') {
        run.engineErrors.push(new BufferFull(`${this.constructor.name}: the recording ring was full after ${stats.rxFrames} frames; the stream aborted rather than drop input (read faster or raise buffersize)`))
      } else if (stats.reason === 'bufferEmpty') {
        run.engineErrors.push(new BufferEmpty(`${this.constructor.name}: the source ran dry after ${stats.txFrames} of ${frames} frames`))
      }
      // the run failed: a main-thread callback sink still waiting on its
      // consumer would hold wait() forever (ring data already taken is kept
      // by array and Worker sinks, which drain on their own)
      if (run.engineErrors.length > 0) for (const pump of pumps) if (pump instanceof CallbackSinkPump) pump.cancel()
    })
    void run.finished.then(() => Promise.allSettled(pumps.map((p) => p.done))).then(run.settle)
    if (sourcePump && tx && frames < 0 && pad < 0 && !this.loop) {
      // pad < 0 plays silence when the source stalls, so the engine cannot
      // tell the end: when the source is done, let the ring play out, then
      // stop. An abort, stop or close ends the run first: then nothing is
      // left to wait for (an aborted engine never drains the ring).
      const ring = tx
      const over = () => engineDone || this.#collected(run)
      const stream = this.nativeStream
      sourcePump.done
        .then(async () => {
          while (ring.readAvailable > 0 && !over()) await sleepFrames(ring.readAvailable, this.samplerate)
          if (over()) return
          // the last frames left the ring in a callback: let the device play them
          await sleep(Math.ceil(this.#outputLatencySeconds() * 1000) + 1)
          if (!over()) await this.#serial(() => stream.stop())
        })
        .catch(() => undefined)
    }
    const config: EngineConfig = {
      frames,
      pad,
      offset: this.offset,
      loop: engineLoop,
      ...(this.#txmapping ? { txmapping: this.#txmapping } : {}),
      ...(this.#rxmapping ? { rxmapping: this.#rxmapping } : {}),
      tx,
      rx,
    }
    const stream = this.nativeStream
    try {
      await this.#serial(() => stream.start(config))
    } catch (error) {
      throw PortAudioError.from(error)
    }
    if (this.#life.state === 'starting') this.#life.fire('started')
  }

  /**
   * How long frames the callback hands over take to be heard, in seconds:
   * the larger of PortAudio's reported output latency and the last
   * callback's (DAC time - current time), whichever are plausible (PortAudio
   * on JACK reports 2^32 frames), plus one block; the suggested latency if
   * neither is.
   */
  #outputLatencySeconds(): number {
    const plausible = (x: number) => Number.isFinite(x) && x > 0 && x <= 10
    const { currentTime, outputBufferDacTime } = this.nativeStream.stats().time
    const known = [this.nativeStream.info().outputLatency, outputBufferDacTime - currentTime].filter(plausible)
    const block = (this.blocksize || 256) / this.samplerate
    return (known.length > 0 ? Math.max(...known) : (this.output?.latency ?? 0)) + block
  }

  /** The run's first error, with the later ones attached as its `cause`. */
  #combine(run: Run): unknown {
    const [first, ...rest] = [...run.errors, ...run.engineErrors]
    if (rest.length > 0 && first instanceof Error && first.cause === undefined) {
      Object.defineProperty(first, 'cause', { value: rest.length === 1 ? rest[0] : new AggregateError(rest, 'later errors'), enumerable: false, configurable: true })
    }
    return first
  }

  /**
   * Takes note of the run's end once it settled (fires `ended`); throws its
   * first error if `raise`. Does nothing when someone else took note first.
   */
  async #finishRun(run: Run | undefined, raise: boolean): Promise<void> {
    await run?.settled
    if (this.#run !== run || !this.#life.runUnderWay) return
    this.#life.fire('ended')
    // the device completed by itself or was stopped: bring PortAudio to "stopped"
    await this.#serial(() => this.nativeStream.stop()).catch(() => undefined)
    if (raise && run && run.errors.length + run.engineErrors.length > 0) throw this.#combine(run)
  }

  /**
   * Waits until the run ends (completes, is aborted or stopped) and its
   * sinks have drained, then throws the first error of the run (BufferFull,
   * BufferEmpty, a source or sink error; later ones attached as `cause`).
   * Accepted in every state: with no run under way it returns true at once;
   * in `starting` it waits for start() first (start() reports its errors).
   * @param timeoutMs give up after this long and return false
   * @returns true when the run ended, false on timeout
   * @example
   * ```ts
   * await stream.start()
   * if (!(await stream.wait(5000))) await stream.abort()
   * ```
   */
  async wait(timeoutMs?: number): Promise<boolean> {
    const timer = new AbortController()
    const timeout = timeoutMs === undefined ? undefined : sleep(timeoutMs, timer.signal).then(() => true)
    try {
      if (this.#life.state === 'starting' && this.#run) {
        const begun = this.#run.begun.then(() => false)
        if (await (timeout ? Promise.race([begun, timeout]) : begun)) return false
      }
      const run = this.#run
      if (!run || this.#collected(run)) return true
      if (timeout && (await Promise.race([run.settled.then(() => false), timeout]))) return false
      await this.#finishRun(run, true)
      return true
    } finally {
      timer.abort()
    }
  }

  /**
   * Stops after queued buffers play; sinks drain; throws the run's first
   * error. States: every open one (a no-op with no run under way; in
   * `starting` the device never starts); throws in `closing`, `closed`,
   * `deviceLost`.
   * @example
   * ```ts
   * await stream.stop()
   * ```
   */
  async stop(): Promise<void> {
    this.#life.fire('stop')
    await this.#serial(() => this.nativeStream.stop())
    await this.#finishRun(this.#run, true)
  }

  /**
   * Stops at once, dropping queued buffers; cancels sources and sinks; the
   * run's errors are not thrown. States: every open one (in `starting` the
   * device never starts); throws in `closing`, `closed`, `deviceLost`.
   * @example
   * ```ts
   * await stream.abort()
   * stream.aborted // true
   * ```
   */
  async abort(): Promise<void> {
    this.#life.fire('abort')
    const run = this.#run
    for (const pump of run?.pumps ?? []) pump.cancel()
    await this.#serial(() => this.nativeStream.abort())
    await this.#finishRun(run, false)
  }

  /**
   * Aborts if running and closes the device. A second close is a no-op.
   * Errors of the last run are not thrown here: call `wait()` or `stop()`
   * first to see them. States: all (`closing` and `closed` return the
   * first close's promise; `deviceLost` releases what is left).
   * @example
   * ```ts
   * await stream.close()
   * stream.closed // true
   * ```
   */
  async close(): Promise<void> {
    this.#life.fire('close')
    this.#closing ??= (async () => {
      const run = this.#run
      for (const pump of run?.pumps ?? []) pump.cancel()
      await this.#serial(() => this.nativeStream.abort()).catch(() => undefined)
      await run?.settled
      this.#life.fire('released')
      await this.#serial(() => this.nativeStream.close())
    })()
    return this.#closing
  }
  /** The one close under way or done (a second close() returns it). */
  #closing: Promise<void> | undefined

  /** The tail of the native operations under way. */
  #queue: Promise<unknown> = Promise.resolve()

  /**
   * Runs native start/stop/abort/close one after the other: the addon
   * refuses a call while another is in progress on the same stream, and an
   * AbortSignal, a drained source and the owner may all ask at once.
   */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation)
    this.#queue = result.catch(() => undefined)
    return result
  }

  /** `await using stream = new InputStream(...)` closes it at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** Like the original's repr: class, device, samplerate, channels, dtype, blocksize. */
  toString(): string {
    const name = (d: Direction | undefined) => (d ? `${d.device.index}: ${d.device.name}` : 'none')
    const device = this.input && this.output ? `[${name(this.input)}, ${name(this.output)}]` : name(this.input ?? this.output)
    const channels = Array.isArray(this.channels) ? `[${this.channels.join(', ')}]` : String(this.channels)
    const state = this.closed ? 'closed' : this.stopped ? 'stopped' : 'active'
    return `${this.constructor.name}(device=${device}, samplerate=${this.samplerate}, channels=${channels}, dtype='${this.dtype}', blocksize=${this.blocksize}, ${state})`
  }

  /**
   * @internal The chunk iterator behind InputStream/DuplexStream.chunks():
   * reads the rx ring directly, sleeping until a chunk can be complete.
   */
  protected async *chunksImpl(options: ChunksOptions): AsyncGenerator<Uint8Array, void, undefined> {
    const overlap = options.overlap ?? 0
    checkInt('overlap', overlap, 0)
    const chunksize = options.chunksize ?? (this.blocksize > 0 ? this.blocksize : overlap > 0 ? undefined : 0)
    if (chunksize === undefined) {
      throw new RangeError('Expected a chunksize with overlap (blocksize is 0, so chunks have no fixed size)')
    }
    checkInt('chunksize', chunksize, 0)
    if (overlap > 0 && overlap >= chunksize) {
      throw new RangeError(`Expected overlap < chunksize, got overlap ${overlap} and chunksize ${chunksize}`)
    }
    const framebytes = this.rxChannels * this.samplesize
    const out = options.out ? asBytes(options.out) : undefined
    if (out && chunksize === 0) throw new RangeError('Expected a chunksize with out (blocksize is 0)')
    if (out && out.byteLength < chunksize * framebytes) {
      throw new RangeError(`Expected out to hold ${chunksize} frames (${chunksize * framebytes} bytes), got ${out.byteLength} bytes`)
    }
    const signal = options.signal
    signal?.throwIfAborted()
    const source = options.playback ?? this.source
    this.applyRunOptions(options)
    await this.startWith({ source, sink: undefined }, true)
    const run = this.#run as Run
    const ring = run.rx as RingBuffer
    const step = chunksize - overlap
    // the chunk buffer when overlapping or copying into out
    const buffer = out ?? (overlap > 0 ? new Uint8Array(chunksize * framebytes) : undefined)
    let pending: number = 0 // frames yielded as a view, to release on the next step
    let ended = false
    const onAbort = () => void this.abort().catch(() => undefined)
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      for (;;) {
        if (pending) {
          ring.advanceReadIndex(pending)
          pending = 0
        }
        const want = chunksize === 0 ? 1 : step
        // sleep until a whole step can be there, or the run is over
        while (ring.readAvailable < want) {
          if (signal?.aborted) throw signal.reason
          if (this.#runOver(run)) {
            ended = true
            break
          }
          await sleepFrames(want - ring.readAvailable, this.samplerate, signal)
        }
        if (signal?.aborted) throw signal.reason
        const available = ring.readAvailable
        if (available === 0) break
        const n = chunksize === 0 ? available : Math.min(step, available)
        if (buffer) {
          // slide the overlap down, append n new frames
          if (overlap > 0) buffer.copyWithin(0, step * framebytes, chunksize * framebytes)
          const dest = buffer.subarray((chunksize - step) * framebytes, (chunksize - step + n) * framebytes)
          ring.readInto(dest)
          yield buffer.subarray(0, (chunksize - step + n) * framebytes)
        } else {
          const [count, first, second] = ring.getReadBuffers(n)
          if (second.byteLength === 0) {
            pending = count // zero-copy: valid until the next step
            yield first
          } else {
            const copy = new Uint8Array(count * framebytes)
            copy.set(first)
            copy.set(second, first.byteLength)
            ring.advanceReadIndex(count)
            yield copy
          }
        }
        if (ended && ring.readAvailable === 0) break
      }
      if (pending) ring.advanceReadIndex(pending)
      await this.wait()
    } finally {
      signal?.removeEventListener('abort', onAbort)
      if (!this.#collected(run)) await this.abort().catch(() => undefined)
    }
  }

  /**
   * @internal The readable() of InputStream and DuplexStream: PCM bytes
   * pulled from the rx ring only when the consumer asks for more, so
   * backpressure reaches the ring. A consumer that stops reading lets the
   * ring fill: the engine aborts with BufferFull, and the readable is
   * destroyed with that error at once (even while paused), never losing
   * frames silently.
   */
  protected readableImpl(options: RunOptions): Readable {
    const iterator = this.chunksImpl({ ...options, chunksize: 0 })
    let pulling = false
    let watching = false
    const pull = async () => {
      pulling = true
      try {
        for (;;) {
          const step = await iterator.next()
          if (!watching) {
            // the run exists now: report its error even if nobody reads again
            watching = true
            const run = this.#run
            void run?.settled.then(() => {
              if (run.errors.length + run.engineErrors.length > 0 && !readable.destroyed) readable.destroy(toError(this.#combine(run)))
            })
          }
          if (step.done) {
            readable.push(null)
            return
          }
          // a copy: the view is only valid until the next step
          if (!readable.push(Buffer.from(step.value))) return
        }
      } catch (error) {
        readable.destroy(toError(error))
      } finally {
        pulling = false
      }
    }
    const readable = new Readable({
      read() {
        if (!pulling) void pull()
      },
      destroy(error, callback) {
        iterator.return(undefined).then(
          () => callback(error),
          () => callback(error),
        )
      },
    })
    return readable
  }

  /** The engine left the running state, or the device is not active. */
  #runOver(run: Run): boolean {
    if (this.#collected(run)) return true
    const state = this.nativeStream.stats().state
    return state === 'complete' || state === 'aborted' || this.#life.stopped
  }

  /**
   * @internal Sets the run fields for one method call (play, record,
   * playrec, chunks, readable, writable): each option given, else its
   * default (frames -1, pad 0, offset 0, loop false), never what an earlier
   * call left in the fields.
   */
  /** @internal The run helpers shared by the stream classes (play, record, playrec) set a run up through these. */
  runWith(options: RunOptions): void {
    this.applyRunOptions(options)
  }
  /** @internal */
  startRun(io: { source?: Source | undefined; sink?: Sink | undefined }): Promise<void> {
    return this.startWith(io)
  }
  /** @internal Channels per recorded frame (after the input map). */
  get recordedChannels(): number {
    return this.rxChannels
  }

  protected applyRunOptions(options: RunOptions): void {
    this.frames = options.frames ?? -1
    this.pad = options.pad ?? 0
    this.offset = options.offset ?? 0
    this.loop = options.loop ?? false
  }

  /**
   * @internal Starts one method call's run through start() (which
   * subclasses may extend): `source`/`sink` (when given) serve this run
   * only, in place of the ones set with setSource/setSink, so a later
   * start() or call does not replay an old source or write into an old
   * recording; `readsRx`: chunks() drains the rx ring itself.
   */
  protected async startWith(io: RunRequest['io'], readsRx = false): Promise<void> {
    this.#request = { io, readsRx }
    try {
      await this.start()
    } finally {
      this.#request = undefined
    }
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

/** Keeps an rx ring nobody reads empty (a stream whose recording goes nowhere). */
class DiscardPump implements Pump {
  readonly ready = Promise.resolve()
  readonly done: Promise<void>
  #stopped = false
  readonly #cancelled = new AbortController()

  constructor(ring: RingBuffer, samplerate: number) {
    this.done = (async () => {
      while (!this.#stopped) {
        ring.flush()
        await sleepFrames(ring.size / 4, samplerate, this.#cancelled.signal)
      }
      ring.flush()
    })()
  }

  engineStopped(): void {
    this.#stopped = true
    this.#cancelled.abort()
  }

  cancel(): void {
    this.engineStopped()
  }
}

export { Readable, Writable }
