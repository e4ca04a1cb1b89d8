// NativeStream: the typed face of one PortAudio stream in the addon. It
// owns the checks of what reaches the engine (dtypes and their sizes and
// format codes, directions, run configuration, channel maps), the stats
// block the callback writes and its seqlock reads, and start/stop/abort/
// close of the native handle. No policy above one run: that is stream's.
import {
  native,
  type DeviceLostReason,
  type NativeDevice,
  type NativeDirection,
  type NativeEngineConfig,
  type NativeHandle,
  type NativeStreamInfo,
} from './binding.js'
import { PastreamError } from './errors.js'
import { EngineReason, EngineState, layout } from './layout.js'
import type { RingBuffer } from './ring-buffer.js'

/** The error of a call on a closed stream (the same the addon throws). */
function streamClosed(): PastreamError {
  return new PastreamError('stream is closed', { code: 'ERR_PASTREAM_CLOSED' })
}

/** Sample formats. int24 is packed, 3 bytes per sample, little endian. */
export type DType = 'float32' | 'int32' | 'int24' | 'int16' | 'int8' | 'uint8'

/** pas_format_t values (callback.h). */
export const formatCodes: Readonly<Record<DType, number>> = {
  float32: 1,
  int32: 2,
  int24: 3,
  int16: 4,
  int8: 5,
  uint8: 6,
}

/** Bytes per sample of each dtype. */
export const sampleSizes: Readonly<Record<DType, number>> = {
  float32: 4,
  int32: 4,
  int24: 3,
  int16: 2,
  int8: 1,
  uint8: 1,
}

/** Every dtype, in the order the docs list them. */
export const dtypes: readonly DType[] = ['float32', 'int32', 'int24', 'int16', 'int8', 'uint8']

/** PortAudio host API type ids (PaHostApiTypeId) we treat specially. */
export const HostApiType = { coreAudio: 5, alsa: 8, jack: 12 } as const

/**
 * Host APIs that carry float32 internally. PortAudio's integer converters
 * are asymmetric there (an int16 sample through a JACK loopback comes back
 * one step toward zero), so the engine opens them in float32 and converts
 * symmetrically itself (DESIGN.md section 4).
 */
export function isFloatNativeHost(hostApiType: number): boolean {
  return hostApiType === HostApiType.jack || hostApiType === HostApiType.coreAudio
}

/** PortAudio stream flags. */
export const StreamFlags = {
  clipOff: 0x1,
  ditherOff: 0x2,
  neverDropInput: 0x4,
  primeOutputBuffersUsingStreamCallback: 0x8,
} as const

/** A snapshot of the engine's counters (read from shared memory, no addon call). */
export interface EngineStats {
  state: 'idle' | 'running' | 'complete' | 'aborted'
  reason: 'none' | 'complete' | 'bufferFull' | 'bufferEmpty' | 'abortRequested'
  /** OR of PortAudio status flags seen since start */
  status: number
  /** callbacks that carried an under/overflow flag */
  xruns: number
  inputUnderflows: number
  inputOverflows: number
  outputUnderflows: number
  outputOverflows: number
  callbacks: number
  /** frames processed since start (data and pad), not whole callbacks */
  frameCount: number
  /** frames the stream runs, -1 = unbounded (becomes known with autoframes) */
  totalFrames: number
  /** data frames taken from the tx ring, repeats included */
  txFrames: number
  /** frames written to the rx ring */
  rxFrames: number
  /** the last callback's time info, in seconds of the stream clock */
  time: { inputBufferAdcTime: number; currentTime: number; outputBufferDacTime: number }
}

const stateNames = Object.fromEntries(Object.entries(EngineState).map(([k, v]) => [v, k])) as Record<
  number,
  EngineStats['state']
>
const reasonNames = Object.fromEntries(Object.entries(EngineReason).map(([k, v]) => [v, k])) as Record<
  number,
  EngineStats['reason']
>

/** One direction of a {@link NativeStream}. */
export interface NativeStreamDirection {
  /** PortAudio device index */
  device: number
  channels: number
  /** seconds; PortAudio's suggested latency */
  latency: number
}

export interface NativeStreamOptions {
  input?: NativeStreamDirection
  output?: NativeStreamDirection
  dtype: DType
  /** frames per second */
  samplerate: number
  /** frames per callback, 0 = let the host decide */
  blocksize: number
  /**
   * Convert int formats to float32 in the engine: `'auto'` (default) does so
   * on float-native host APIs (JACK, Core Audio); `true`/`false` force it.
   */
  convert?: boolean | 'auto'
  /** PortAudio dithering (default off) */
  dither?: boolean
  /** PortAudio clipping (default on) */
  clip?: boolean
  /** PortAudio's neverDropInput flag (default off) */
  neverDropInput?: boolean
}

/** What one run of the engine does; see DESIGN.md section 4. */
export interface EngineConfig {
  /** data frames, -1 (default) = unbounded */
  frames?: number
  /** zero frames after the data; < 0 = pad automatically. Default 0 */
  pad?: number
  /** input frames dropped from the start of the recording. Default 0 */
  offset?: number
  /** replay the tx ring's contents from the start when they run out */
  loop?: boolean
  /** for each output channel, the 1-based tx channel feeding it (0 = silence) */
  txmapping?: readonly number[]
  /** for each recorded channel, the 1-based device input channel (0 = silence) */
  rxmapping?: readonly number[]
  /** ring to play from (elementsize = tx channels * samplesize) */
  tx?: RingBuffer | null
  /** ring to record into (elementsize = recorded channels * samplesize) */
  rx?: RingBuffer | null
  /** ms a started device may take to call back before it counts as lost. Default 2000 */
  startTimeoutMs?: number
  /** ms without a callback after which a running device counts as lost. Default 4 blocks, at least 500 */
  stallTimeoutMs?: number
}

/**
 * Streams started and not yet finished. The addon's finished callback holds
 * its stream weakly, so a stream nobody references is collected and its
 * handle's finalizer closes it (its ports and PortAudio's reference go);
 * a running stream is held here until it finishes: its callback runs, and
 * it keeps the process alive, until then.
 */
const running = new Set<NativeStream>()

/** The error of a start() the device never answered, or of a call on a lost stream. */
export function deviceLostError(reason: DeviceLostReason | undefined): PastreamError {
  return new PastreamError(`the device was lost (${reason ?? 'unknown'})`, { code: 'ERR_PASTREAM_DEVICE_LOST' })
}

function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`
    throw new RangeError(`Expected ${range} for ${name}, got ${String(value)} (${typeof value})`)
  }
  return value
}

function checkPositiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Expected a positive finite number for ${name}, got ${String(value)} (${typeof value})`)
  }
  return value
}

/**
 * Checks a channel map given as an array (entry k = the 1-based source
 * channel for destination k+1, 0 = silence): every entry an integer >= 0,
 * `length` entries when given, sources at most `sources` when given, each
 * source at most once. The one check of a map's numbers; the engine (C)
 * only guards its memory against what gets past it.
 * @returns the entries as numbers
 * @throws RangeError naming the map, the entry and what is allowed
 * @example
 * ```ts
 * checkChannelMap('txmapping', [2, 1], 2, 2) // [2, 1]
 * checkChannelMap('txmapping', [1, 1]) // RangeError: Expected each channel at most once in txmapping, got 1 twice
 * ```
 */
export function checkChannelMap(name: string, mapping: readonly unknown[], length?: number, sources?: number): number[] {
  const result = mapping.map((m, k) => checkInteger(`${name}[${k}]`, m, 0))
  if (length !== undefined && result.length !== length) {
    throw new RangeError(`Expected ${length} entries for ${name}, got ${result.length}`)
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

/**
 * A PortAudio stream whose callback is the C engine. This is the low-level
 * layer `@pastream/stream` builds on: it validates numbers before they reach
 * PortAudio, chooses the device sample format, and exposes start/stop/abort/
 * close as Promises that never block the event loop.
 *
 * @example
 * ```ts
 * const stream = NativeStream.open({ output: { device: 0, channels: 2, latency: 0.01 },
 *   dtype: 'float32', samplerate: 48000, blocksize: 256 }, devices)
 * const tx = new RingBuffer(8, 65536); tx.write(samples)
 * await stream.start({ frames: 48000, tx })
 * await stream.finished
 * await stream.close()
 * ```
 */
export class NativeStream {
  readonly #handle: NativeHandle
  readonly #stats: Uint8Array
  readonly #u32: Uint32Array
  readonly #f64: Float64Array
  readonly dtype: DType
  readonly samplesize: number
  readonly inputChannels: number
  readonly outputChannels: number
  /** The sample format PortAudio's buffers use (float32 when the engine converts). */
  readonly deviceDtype: DType
  #closed = false
  #listeners: Array<(stats: EngineStats) => void> = []
  #lost: DeviceLostReason | undefined

  private constructor(handle: NativeHandle, stats: Uint8Array, options: NativeStreamOptions, deviceDtype: DType) {
    this.#handle = handle
    this.#stats = stats
    this.#u32 = new Uint32Array(stats.buffer, stats.byteOffset, layout.PAS_STATS_BYTES / 4)
    this.#f64 = new Float64Array(stats.buffer, stats.byteOffset, layout.PAS_STATS_BYTES / 8)
    this.dtype = options.dtype
    this.samplesize = sampleSizes[options.dtype]
    this.inputChannels = options.input?.channels ?? 0
    this.outputChannels = options.output?.channels ?? 0
    this.deviceDtype = deviceDtype
  }

  /**
   * Opens a stream. `devices` is the current device list (to look up host
   * API types); pass `devices()` from this package.
   * @throws RangeError for invalid numbers; an Error with `code` and
   *   `paErrorCode` when PortAudio refuses.
   */
  static open(options: NativeStreamOptions, devices: readonly NativeDevice[]): NativeStream {
    const { dtype } = options
    if (!(dtype in formatCodes)) {
      throw new RangeError(`Expected one of ${dtypes.join(', ')} for dtype, got ${String(dtype)} (${typeof dtype})`)
    }
    if (!options.input && !options.output) throw new TypeError('Expected input, output or both, got neither')
    checkPositiveNumber('samplerate', options.samplerate)
    checkInteger('blocksize', options.blocksize, 0, 1 << 24)
    const hostTypes = new Set<number>()
    const direction = (which: 'input' | 'output', d: NativeStreamDirection | undefined): NativeDirection | null => {
      if (!d) return null
      checkInteger(`${which}.device`, d.device, 0, devices.length - 1)
      checkInteger(`${which}.channels`, d.channels, 1, layout.PAS_MAX_CHANNELS)
      if (typeof d.latency !== 'number' || !Number.isFinite(d.latency) || d.latency < 0) {
        throw new RangeError(`Expected a finite number >= 0 for ${which}.latency, got ${String(d.latency)} (${typeof d.latency})`)
      }
      const info = devices.find((x) => x.index === d.device)
      if (info) hostTypes.add(info.hostApiType)
      return { device: d.device, channels: d.channels, format: formatCodes[dtype], deviceFormat: 0, latency: d.latency }
    }
    const input = direction('input', options.input)
    const output = direction('output', options.output)
    const convert =
      options.convert === true ||
      ((options.convert ?? 'auto') === 'auto' && [...hostTypes].some((t) => isFloatNativeHost(t)))
    const deviceDtype: DType = convert ? 'float32' : dtype
    for (const d of [input, output]) if (d) d.deviceFormat = formatCodes[deviceDtype]
    let flags = 0
    if (!options.dither) flags |= StreamFlags.ditherOff
    if (options.clip === false) flags |= StreamFlags.clipOff
    if (options.neverDropInput) flags |= StreamFlags.neverDropInput
    const stats = new Uint8Array(new SharedArrayBuffer(layout.PAS_STATS_BYTES))
    // The finished callback arrives asynchronously (a thread-safe function),
    // never before `self.ref` is set. It holds the stream weakly: the addon
    // holds the callback for the handle's life, and a strong reference
    // would keep a dropped stream (and its PortAudio stream) forever.
    const self: { ref?: WeakRef<NativeStream> } = {}
    const handle = native().streamOpen(
      { input, output, samplerate: options.samplerate, blocksize: options.blocksize, flags },
      stats,
      (lost) => {
        const stream = self.ref?.deref()
        if (stream) stream.#finished(lost)
      },
    )
    const stream = new NativeStream(handle, stats, options, deviceDtype)
    self.ref = new WeakRef(stream)
    return stream
  }

  #finished(lost: '' | DeviceLostReason): void {
    running.delete(this)
    if (lost !== '') this.#lost = lost
    if (this.#closed) return
    native().streamUnref(this.#handle)
    const stats = this.stats()
    for (const listener of this.#listeners.splice(0)) listener(stats)
  }

  /**
   * Why the device was lost, once it was: the stream then makes no call to
   * PortAudio again (a dead server would block it for minutes) and can only
   * be closed, which abandons the PortAudio stream. `undefined` while the
   * device is fine.
   */
  get lost(): DeviceLostReason | undefined {
    return this.#lost
  }

  /**
   * Resolves with the stats when PortAudio reports the stream finished:
   * completed by itself, aborted by the engine (BufferFull/BufferEmpty),
   * stopped or aborted by the owner. Register before `start()`.
   */
  onceFinished(): Promise<EngineStats> {
    return new Promise((resolve) => this.#listeners.push(resolve))
  }

  /**
   * Configures the engine for one run and starts the device. The stream must
   * not be active; a stream that completed, was stopped or aborted can start
   * again. Counters reset. A device that does not call back within
   * `startTimeoutMs` fails the start with `ERR_PASTREAM_DEVICE_LOST` (the
   * stream is then {@link lost}), even while PortAudio's own start is stuck.
   */
  async start(config: EngineConfig = {}): Promise<void> {
    if (this.#closed) throw streamClosed()
    if (this.#lost !== undefined) throw deviceLostError(this.#lost)
    const frames = config.frames ?? -1
    const pad = config.pad ?? 0
    const offset = config.offset ?? 0
    checkInteger('frames', frames, -1)
    checkInteger('pad', pad, Number.MIN_SAFE_INTEGER)
    checkInteger('offset', offset, 0)
    const tx = config.tx ?? null
    const rx = config.rx ?? null
    const txChannels = tx ? tx.elementsize / this.samplesize : this.outputChannels
    const rxChannels = config.rxmapping ? config.rxmapping.length : rx ? rx.elementsize / this.samplesize : this.inputChannels
    if (!Number.isInteger(txChannels)) {
      throw new RangeError(`Expected a tx ring elementsize that is a multiple of ${this.samplesize}, got ${tx?.elementsize}`)
    }
    if (this.inputChannels > 0) {
      if (!rx) throw new TypeError('Expected an rx ring for a stream with input, got none')
      if (rx.elementsize !== rxChannels * this.samplesize) {
        throw new RangeError(
          `Expected an rx ring elementsize of ${rxChannels * this.samplesize} (${rxChannels} channels x ${this.samplesize} bytes), got ${rx.elementsize}`,
        )
      }
    }
    const engine: NativeEngineConfig = { frames, pad, offset, loop: config.loop === true, txChannels, rxChannels }
    for (const key of ['startTimeoutMs', 'stallTimeoutMs'] as const) {
      const ms = config[key]
      if (ms === undefined) continue
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) throw new RangeError(`Expected a finite number > 0 for ${key}, got ${String(ms)} (${typeof ms})`)
      engine[key] = ms
    }
    if (this.outputChannels > 0) {
      const identity = Array.from({ length: this.outputChannels }, (_, k) => (k < txChannels ? k + 1 : 0))
      engine.txmapping = checkChannelMap('txmapping', config.txmapping ?? identity, this.outputChannels, txChannels)
    }
    if (this.inputChannels > 0) {
      const identity = Array.from({ length: rxChannels }, (_, k) => (k < this.inputChannels ? k + 1 : 0))
      engine.rxmapping = checkChannelMap('rxmapping', config.rxmapping ?? identity, rxChannels, this.inputChannels)
    }
    running.add(this)
    try {
      // the addon gives up on PortAudio's start once the watchdog finds the device lost
      await native().streamStart(this.#handle, engine, tx?.view ?? null, rx?.view ?? null)
    } catch (error) {
      // a start that failed never finishes
      running.delete(this)
      // the rejection may come before the finished notification that tells why
      // (the addon's error, with its `reason`, is the cause of the PastreamError)
      const { code, cause } = error as { code?: string; cause?: { reason?: DeviceLostReason } }
      if (code === 'ERR_PASTREAM_DEVICE_LOST') this.#lost ??= cause?.reason ?? 'startTimeout'
      throw error
    }
  }

  /** Stops after the buffers queued in the device have played. */
  stop(): Promise<void> {
    if (this.#closed) return Promise.reject(streamClosed())
    return native().streamStop(this.#handle)
  }

  /** Stops at once, dropping queued buffers. */
  abort(): Promise<void> {
    if (this.#closed) return Promise.reject(streamClosed())
    return native().streamAbort(this.#handle)
  }

  /** Asks the callback to abort at its next call (any thread may do this). */
  requestAbort(): void {
    if (!this.#closed) native().streamRequestAbort(this.#handle)
  }

  /** Aborts if needed and closes; a second close is a no-op. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await native().streamClose(this.#handle)
    running.delete(this)
  }

  get closed(): boolean {
    return this.#closed
  }

  /** PortAudio's view: latencies, samplerate, active/stopped, cpu load, stream time. */
  info(): NativeStreamInfo {
    if (this.#closed) throw streamClosed()
    const info = native().streamInfo(this.#handle)
    // PortAudio's JACK backend fixes latencies at open, before any port is
    // connected, and then reports JACK's "unknown" (2^32 - 1 frames). The
    // callbacks' time info has the real figure: use it when we have it.
    const unknown = 0xffffffff / info.samplerate - 1
    if (info.inputLatency > unknown || info.outputLatency > unknown) {
      const t = this.stats().time
      if (info.inputLatency > unknown) info.inputLatency = t.inputBufferAdcTime ? Math.max(0, t.currentTime - t.inputBufferAdcTime) : 0
      if (info.outputLatency > unknown) info.outputLatency = t.outputBufferDacTime ? Math.max(0, t.outputBufferDacTime - t.currentTime) : 0
    }
    return info
  }

  /** The engine's counters, read consistently from shared memory (seqlock). */
  stats(): EngineStats {
    const u = this.#u32
    const f = this.#f64
    for (;;) {
      const before = Atomics.load(u, layout.PAS_STATS_SEQ_OFFSET / 4)
      if (before & 1) continue // the audio thread is writing: nanoseconds
      const snapshot: EngineStats = {
        state: stateNames[u[layout.PAS_STATS_STATE_OFFSET / 4] ?? 0] ?? 'idle',
        reason: reasonNames[u[layout.PAS_STATS_REASON_OFFSET / 4] ?? 0] ?? 'none',
        status: u[layout.PAS_STATS_STATUS_OFFSET / 4] ?? 0,
        xruns: u[layout.PAS_STATS_XRUNS_OFFSET / 4] ?? 0,
        inputUnderflows: u[layout.PAS_STATS_INPUT_UNDERFLOWS_OFFSET / 4] ?? 0,
        inputOverflows: u[layout.PAS_STATS_INPUT_OVERFLOWS_OFFSET / 4] ?? 0,
        outputUnderflows: u[layout.PAS_STATS_OUTPUT_UNDERFLOWS_OFFSET / 4] ?? 0,
        outputOverflows: u[layout.PAS_STATS_OUTPUT_OVERFLOWS_OFFSET / 4] ?? 0,
        callbacks: u[layout.PAS_STATS_CALLBACKS_OFFSET / 4] ?? 0,
        frameCount: f[layout.PAS_STATS_FRAME_COUNT_OFFSET / 8] ?? 0,
        totalFrames: f[layout.PAS_STATS_TOTAL_FRAMES_OFFSET / 8] ?? -1,
        txFrames: f[layout.PAS_STATS_TX_FRAMES_OFFSET / 8] ?? 0,
        rxFrames: f[layout.PAS_STATS_RX_FRAMES_OFFSET / 8] ?? 0,
        time: {
          inputBufferAdcTime: f[layout.PAS_STATS_INPUT_ADC_TIME_OFFSET / 8] ?? 0,
          currentTime: f[layout.PAS_STATS_CURRENT_TIME_OFFSET / 8] ?? 0,
          outputBufferDacTime: f[layout.PAS_STATS_OUTPUT_DAC_TIME_OFFSET / 8] ?? 0,
        },
      }
      if (Atomics.load(u, layout.PAS_STATS_SEQ_OFFSET / 4) === before) return snapshot
    }
  }

  /** The raw stats block (shared memory), e.g. to post to a Worker. */
  get statsBuffer(): Uint8Array {
    return this.#stats
  }
}
