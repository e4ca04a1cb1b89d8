import { Readable, Writable } from 'node:stream'
import {
  NativeStream,
  RingBuffer,
  dtypes,
  sampleSizes,
  type DType,
  type EngineStats,
  type NativeDevice,
} from '@pastream/core-native'
import { findDevice, queryDevices, type DeviceInfo, type DeviceKind } from './devices.js'
import { BufferEmpty, BufferFull, PastreamError, PortAudioError } from './errors.js'
import {
  ArraySinkPump,
  ArraySourcePump,
  CallbackSinkPump,
  StreamingSourcePump,
  WorkerPump,
  sleepFrames,
  type Pump,
  type PumpContext,
  type Sink,
  type Source,
} from './pumps.js'
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

/** Normalises a channel map to an array of `length` entries. */
export function normalizeMap(name: string, map: ChannelMap, length?: number): number[] {
  if (Array.isArray(map)) {
    return (map as readonly number[]).map((m, k) => checkInt(`${name}[${k}]`, m, 0))
  }
  if (typeof map !== 'object' || map === null) {
    throw new TypeError(`Expected an array or an object {from: to} for ${name}, got ${String(map)} (${typeof map})`)
  }
  const entries = Object.entries(map as Record<string, number>).map(([from, to]) => [Number(from), to] as const)
  const size = length ?? Math.max(0, ...entries.map(([, to]) => to))
  const result = new Array<number>(size).fill(0)
  for (const [from, to] of entries) {
    checkInt(`${name} source channel`, from, 1)
    checkInt(`${name} destination channel`, to, 1)
    if (to > size) throw new RangeError(`Expected destination channels in [1, ${size}] for ${name}, got ${to}`)
    result[to - 1] = from
  }
  return result
}

function resolveLatency(latency: Latency, device: NativeDevice, kind: DeviceKind): number {
  if (latency === 'low') return kind === 'input' ? device.defaultLowInputLatency : device.defaultLowOutputLatency
  if (latency === 'high') return kind === 'input' ? device.defaultHighInputLatency : device.defaultHighOutputLatency
  if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) {
    throw new RangeError(`Expected 'low', 'high' or seconds >= 0 for latency, got ${String(latency)} (${typeof latency})`)
  }
  return latency
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
  finished: Promise<EngineStats>
  pumps: Pump[]
  errors: unknown[]
  settled: Promise<void>
  ended: boolean
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
  /** data frames of the next run; -1 = unbounded */
  frames = -1
  /** zero frames after the data; < 0 = pad automatically */
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
  #run: Run | undefined
  #closed = false
  #aborted = false
  #stopped = true

  /** @internal */
  protected constructor(kind: 'input' | 'output' | 'duplex', options: DuplexStreamOptions) {
    const dtype = options.dtype ?? 'float32'
    if (!dtypes.includes(dtype)) {
      throw new RangeError(`Expected one of ${dtypes.join(', ')} for dtype, got ${String(dtype)} (${typeof dtype})`)
    }
    const query = queryDevices()
    const pair = <T>(value: T | readonly [T, T] | undefined): [T | undefined, T | undefined] =>
      Array.isArray(value) ? [value[0], value[1]] : [value as T | undefined, value as T | undefined]
    const [inDevice, outDevice] = pair(options.device as DeviceSpec | undefined)
    const [inChannels, outChannels] = pair(options.channels)
    const [inLatency, outLatency] = pair(options.latency)
    const direction = (which: DeviceKind, spec: DeviceSpec | undefined, channels: number | undefined, latency: Latency | undefined): Direction => {
      const device = pickDevice(spec, which, query.devices, which === 'input' ? query.defaultInput : query.defaultOutput)
      const max = which === 'input' ? device.maxInputChannels : device.maxOutputChannels
      const ch = channels ?? max
      checkInt(`${which} channels`, ch, 1)
      if (ch > max) {
        throw new RangeError(`Expected at most ${max} ${which} channels for device ${device.index} (${device.name}), got ${ch}`)
      }
      return { device, channels: ch, latency: resolveLatency(latency ?? 'high', device, which) }
    }
    if (kind !== 'output') this.input = direction('input', inDevice, inChannels, inLatency)
    if (kind !== 'input') this.output = direction('output', outDevice, outChannels, outLatency)
    const main = (this.output ?? this.input) as Direction
    const samplerate = options.samplerate ?? main.device.defaultSamplerate
    if (typeof samplerate !== 'number' || !Number.isFinite(samplerate) || samplerate <= 0) {
      throw new RangeError(`Expected a positive number for samplerate, got ${String(samplerate)} (${typeof samplerate})`)
    }
    const blocksize = options.blocksize ?? 0
    checkInt('blocksize', blocksize, 0)
    const buffersize = options.buffersize ?? nextPowerOfTwo(Math.ceil(samplerate))
    if (!Number.isInteger(buffersize) || buffersize < 1 || (buffersize & (buffersize - 1)) !== 0) {
      throw new RangeError(`Expected a power of two for buffersize, got ${String(buffersize)} (${typeof buffersize})`)
    }
    this.samplerate = samplerate
    this.blocksize = blocksize
    this.dtype = dtype
    this.samplesize = sampleSizes[dtype]
    this.buffersize = buffersize
    const what = kind === 'duplex' ? 'DuplexStream' : kind === 'input' ? 'InputStream' : 'OutputStream'
    try {
      this.nativeStream = NativeStream.open(
        {
          ...(this.input ? { input: { device: this.input.device.index, channels: this.input.channels, latency: this.input.latency } } : {}),
          ...(this.output ? { output: { device: this.output.device.index, channels: this.output.channels, latency: this.output.latency } } : {}),
          dtype,
          samplerate,
          blocksize,
          ...(options.dither !== undefined ? { dither: options.dither } : {}),
          ...(options.clip !== undefined ? { clip: options.clip } : {}),
        },
        query.devices,
      )
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
  }

  /** Output channel map (see {@link ChannelMap}); undefined = identity. */
  get txmapping(): number[] | undefined {
    return this.#txmapping?.slice()
  }
  set txmapping(map: ChannelMap | undefined) {
    this.#txmapping = map === undefined ? undefined : normalizeMap('txmapping', map, this.output?.channels)
  }

  /** Input channel map (see {@link ChannelMap}); undefined = identity. */
  get rxmapping(): number[] | undefined {
    return this.#rxmapping?.slice()
  }
  set rxmapping(map: ChannelMap | undefined) {
    this.#rxmapping = map === undefined ? undefined : normalizeMap('rxmapping', map)
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
    return !this.#closed && this.nativeStream.info().active
  }
  /** Not started, or stopped/aborted by the owner. */
  get stopped(): boolean {
    return this.#closed || this.#stopped
  }
  /** The last run completed by itself (frames + pad done). */
  get finished(): boolean {
    return this.stats.state === 'complete'
  }
  /** The last run was aborted (by abort(), an error, BufferFull or BufferEmpty). */
  get aborted(): boolean {
    return this.#aborted || this.stats.state === 'aborted'
  }
  get closed(): boolean {
    return this.#closed
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
    return this.#closed ? 0 : this.nativeStream.info().cpuLoad
  }
  /** The stream clock in seconds. */
  get time(): number {
    return this.#closed ? 0 : this.nativeStream.info().time
  }
  /** Latency in seconds: [input, output] for duplex. */
  get latency(): number | [number, number] {
    const info = this.nativeStream.info()
    if (this.input && this.output) return [info.inputLatency, info.outputLatency]
    return this.input ? info.inputLatency : info.outputLatency
  }

  protected checkOpen(): void {
    if (this.#closed) throw new PastreamError(`${this.constructor.name} is closed`)
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

  /** Builds the tx side of a run: ring + pump (or none) + engine loop flag. */
  #planSource(prebuffer: boolean): { ring: RingBuffer | null; pump?: Pump; engineLoop: boolean; frames?: number } {
    const source = this.source
    const framebytes = this.txChannels * this.samplesize
    if (source === undefined) return { ring: null, engineLoop: false }
    if (source instanceof RingBuffer) {
      if (source.elementsize !== framebytes) {
        throw new RangeError(`Expected a source ring with elementsize ${framebytes} (${this.txChannels} channels x ${this.samplesize} bytes), got ${source.elementsize}`)
      }
      return { ring: source, engineLoop: this.loop }
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
  #planSink(frames: number): { ring: RingBuffer; pump?: Pump } {
    const framebytes = this.rxChannels * this.samplesize
    const sink = this.sink
    if (sink instanceof RingBuffer) {
      if (sink.elementsize !== framebytes) {
        throw new RangeError(`Expected a sink ring with elementsize ${framebytes} (${this.rxChannels} channels x ${this.samplesize} bytes), got ${sink.elementsize}`)
      }
      return { ring: sink }
    }
    // a finite recording gets a ring that holds all of it (up to a cap), so
    // a blocked main thread cannot overflow it; the pump copies as it can
    const size = frames > 0 ? nextPowerOfTwo(Math.min(frames, ONE_RING_MAX_FRAMES)) : this.buffersize
    const ring = new RingBuffer(framebytes, Math.max(size, 256))
    if (sink === undefined) return { ring }
    const ctx = this.context(ring, 'sink', this.rxChannels)
    if (sink instanceof URL) return { ring, pump: new WorkerPump(ctx, sink, { prebuffer: false }) }
    if (ArrayBuffer.isView(sink)) return { ring, pump: new ArraySinkPump(ctx, asBytes(sink)) }
    if (sink instanceof Writable || typeof sink === 'function') return { ring, pump: new CallbackSinkPump(ctx, sink) }
    throw new TypeError(`Expected a typed array, RingBuffer, Worker module URL, function or Writable for the sink, got ${Object.prototype.toString.call(sink)}`)
  }

  /** @internal The rx ring of the current run (chunks() reads it directly). */
  protected rxRing: RingBuffer | undefined

  /**
   * Starts a run: allocates rings for the source and sink, starts their
   * pumps, and (with `prebuffer`, the default) waits for the source's first
   * write before starting the device. Counters reset.
   * @throws PastreamError when closed or already active; PortAudioError.
   */
  async start(options: { prebuffer?: boolean } = {}): Promise<void> {
    this.checkOpen()
    if (this.#run && !this.#run.ended) {
      if (this.nativeStream.info().active) throw new PastreamError(`${this.constructor.name} is already active`)
      await this.#finishRun(false)
    }
    const prebuffer = options.prebuffer ?? true
    checkInt('frames', this.frames, -1)
    checkInt('offset', this.offset, 0)
    if (typeof this.pad !== 'number' || !Number.isSafeInteger(this.pad)) {
      throw new RangeError(`Expected an integer for pad, got ${String(this.pad)} (${typeof this.pad})`)
    }
    const pumps: Pump[] = []
    let tx: RingBuffer | null = null
    let engineLoop = false
    let frames = this.frames
    if (this.output) {
      const plan = this.#planSource(prebuffer)
      tx = plan.ring
      engineLoop = plan.engineLoop
      if (plan.pump) pumps.push(plan.pump)
      // a finite array source sets the frame count unless told otherwise or looping
      if (frames < 0 && plan.frames !== undefined && !this.loop) frames = plan.frames
    }
    let rx: RingBuffer | null = null
    if (this.input) {
      const total = frames >= 0 ? frames + Math.max(0, this.pad) - this.offset : -1
      const plan = this.#planSink(total)
      rx = plan.ring
      if (plan.pump) pumps.push(plan.pump)
    }
    this.rxRing = rx ?? undefined
    const run: Run = { finished: this.nativeStream.onceFinished(), pumps, errors: [], settled: Promise.resolve(), ended: false }
    this.#run = run
    this.#aborted = false
    for (const pump of pumps) {
      pump.done.catch((error: unknown) => {
        run.errors.push(error)
        this.nativeStream.requestAbort()
        for (const other of pumps) other.cancel()
      })
    }
    if (prebuffer) await Promise.all(pumps.map((p) => p.ready))
    if (run.errors.length > 0) {
      for (const pump of pumps) pump.cancel()
      await Promise.allSettled(pumps.map((p) => p.done))
      run.ended = true
      throw this.#combine(run.errors)
    }
    run.finished.then((stats) => {
      for (const pump of pumps) pump.engineStopped()
      if (stats.reason === 'bufferFull') {
        run.errors.push(new BufferFull(`${this.constructor.name}: the recording ring was full after ${stats.rxFrames} frames; the stream aborted rather than drop input (read faster or raise buffersize)`))
      } else if (stats.reason === 'bufferEmpty') {
        run.errors.push(new BufferEmpty(`${this.constructor.name}: the source ran dry after ${stats.txFrames} of ${this.frames} frames`))
      }
    })
    run.settled = run.finished.then(() => Promise.allSettled(pumps.map((p) => p.done))).then(() => undefined)
    const sourcePump = this.output ? pumps[0] : undefined
    if (sourcePump && tx && frames < 0 && this.pad < 0 && !this.loop) {
      // pad < 0 plays silence when the source stalls, so the engine cannot
      // tell the end: when the source is done, let the ring play out, then stop
      const ring = tx
      sourcePump.done.then(async () => {
        while (ring.readAvailable > 0 && this.nativeStream.stats().state === 'running') {
          await sleepFrames(ring.readAvailable, this.samplerate)
        }
        const latency = this.output ? this.nativeStream.info().outputLatency : 0
        await sleep(Math.ceil(latency * 1000) + 1)
        if (!run.ended && this.nativeStream.stats().state === 'running') await this.nativeStream.stop().catch(() => undefined)
      }, () => undefined)
    }
    this.#stopped = false
    try {
      await this.nativeStream.start({
        frames,
        pad: this.pad,
        offset: this.offset,
        loop: engineLoop,
        ...(this.#txmapping ? { txmapping: this.#txmapping } : {}),
        ...(this.#rxmapping ? { rxmapping: this.#rxmapping } : {}),
        tx,
        rx,
      })
    } catch (error) {
      this.#stopped = true
      for (const pump of pumps) pump.cancel()
      run.ended = true
      throw PortAudioError.from(error)
    }
  }

  #combine(errors: unknown[]): unknown {
    const [first, ...rest] = errors
    if (rest.length > 0 && first instanceof Error && first.cause === undefined) {
      Object.defineProperty(first, 'cause', { value: rest.length === 1 ? rest[0] : new AggregateError(rest, 'later errors'), enumerable: false, configurable: true })
    }
    return first
  }

  /** Ends the run's bookkeeping; throws its first error if `raise`. */
  async #finishRun(raise: boolean): Promise<void> {
    const run = this.#run
    if (!run || run.ended) return
    await run.settled
    run.ended = true
    // the device completed by itself or was stopped: bring PortAudio to "stopped"
    if (!this.#closed) await this.nativeStream.stop().catch(() => undefined)
    this.#stopped = true
    if (raise && run.errors.length > 0) throw this.#combine(run.errors)
  }

  /**
   * Waits until the run ends (completes, is aborted or stopped) and its
   * sinks have drained, then throws the first error of the run (BufferFull,
   * BufferEmpty, a source or sink error; later ones attached as `cause`).
   * @param timeoutMs give up after this long and return false
   * @returns true when the run ended, false on timeout
   */
  async wait(timeoutMs?: number): Promise<boolean> {
    const run = this.#run
    if (!run) return true
    if (timeoutMs !== undefined) {
      const timedOut = await Promise.race([run.settled.then(() => false), sleep(timeoutMs).then(() => true)])
      if (timedOut) return false
    }
    await this.#finishRun(true)
    return true
  }

  /** Stops after queued buffers play; sinks drain; throws the run's first error. */
  async stop(): Promise<void> {
    this.checkOpen()
    await this.nativeStream.stop()
    await this.#finishRun(true)
  }

  /** Stops at once, dropping queued buffers; cancels sources and sinks. */
  async abort(): Promise<void> {
    this.checkOpen()
    this.#aborted = true
    for (const pump of this.#run?.pumps ?? []) pump.cancel()
    await this.nativeStream.abort()
    await this.#finishRun(false)
  }

  /**
   * Aborts if running and closes the device. A second close is a no-op.
   * Errors of the last run are not thrown here: call `wait()` or `stop()`
   * first to see them.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    for (const pump of this.#run?.pumps ?? []) pump.cancel()
    await this.nativeStream.abort().catch(() => undefined)
    await this.#run?.settled
    if (this.#run) this.#run.ended = true
    this.#closed = true
    this.#stopped = true
    await this.nativeStream.close()
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
    const state = this.#closed ? 'closed' : this.#stopped ? 'stopped' : 'active'
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
    this.applyRunOptions(options)
    if (options.playback !== undefined) this.source = options.playback
    this.sink = undefined
    await this.start()
    const ring = this.rxRing as RingBuffer
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
          if (this.#runOver()) {
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
      if (!this.#closed && this.#run && !this.#run.ended) await this.abort().catch(() => undefined)
    }
  }

  /** The engine left the running state, or the device is not active. */
  #runOver(): boolean {
    const run = this.#run
    if (!run || run.ended) return true
    const state = this.nativeStream.stats().state
    return state === 'complete' || state === 'aborted' || this.#stopped
  }

  /** Applies run options to the stream's fields. @internal */
  protected applyRunOptions(options: RunOptions): void {
    if (options.frames !== undefined) this.frames = options.frames
    if (options.pad !== undefined) this.pad = options.pad
    if (options.offset !== undefined) this.offset = options.offset
    if (options.loop !== undefined) this.loop = options.loop
  }
}

export { Readable, Writable }
