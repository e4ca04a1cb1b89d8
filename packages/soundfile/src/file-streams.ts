/**
 * Streams that record to and play from sound files through the native file
 * pumps (pumps.ts): InputStream, OutputStream and DuplexStream subclasses
 * whose start/stop/abort/close/wait call the stream's own and manage the
 * pumps around them. A recording is always finalized (pump stopped, file
 * closed, header written) when the run ends, is stopped or aborted, fails,
 * the stream is closed, or the process gets SIGINT or SIGTERM.
 */
import {
  DuplexStream,
  InputStream,
  normalizeMap,
  OutputStream,
  type ChannelMap,
  type DType,
  type DuplexStreamOptions,
  type StreamOptions,
} from '@pastream/stream'
import { checkFormat, formatFromExtension, requireFormat, type FormatName, type SubtypeName } from './formats.js'
import { playFromFile, recordToFile, type FilePump } from './pumps.js'
import { SoundFile } from './sound-file.js'

/** File options of a recording. */
export interface RecordFileOptions {
  /** container (default: from the extension) */
  format?: string
  /** encoding (default: from the stream's dtype, see pickSubtype) */
  subtype?: string
  /** 'FILE' (default), 'LITTLE', 'BIG', 'CPU' */
  endian?: string
  /** ring between the stream and the record pump, in frames, a power of two (default: the stream's buffersize) */
  pumpBuffersize?: number
}

/** File options of a playback. */
export interface PlayFileOptions {
  /** the file's container when it has no usable extension (RAW also needs samplerate, channels, subtype) */
  format?: string
  /** replay the file from its start when it ends, until frames or stop() */
  loop?: boolean
  /** ring between the play pump and the stream, in frames, a power of two (default: the stream's buffersize) */
  pumpBuffersize?: number
}

/** Channel maps given at construction: they decide the channels of the files. */
export interface FileMapOptions {
  /** device input channels to recorded channels (see ChannelMap): the recording has as many channels as the map has entries */
  rxmapping?: ChannelMap
  /** played channels to device outputs (see ChannelMap): the device opens as many outputs as the map reaches, unless channels says */
  txmapping?: ChannelMap
}

export type SoundFileInputStreamOptions<D extends DType> = StreamOptions & RecordFileOptions & Pick<FileMapOptions, 'rxmapping'> & { dtype?: D }
export type SoundFileOutputStreamOptions<D extends DType> = Omit<StreamOptions, 'channels' | 'samplerate'> &
  PlayFileOptions &
  Pick<FileMapOptions, 'txmapping'> & {
    dtype?: D
    /**
     * device output channels (default: the file's). More than the file has
     * needs a txmapping that places the file's channels, e.g. a mono file
     * on output 2 of 2: `channels: 2`, then `txmapping = { 1: 2 }`.
     */
    channels?: number
  }
export type SoundFileDuplexStreamOptions<D extends DType> = DuplexStreamOptions &
  RecordFileOptions &
  FileMapOptions & {
    dtype?: D
    /** replay the playback file from its start when it ends */
    loop?: boolean
    /** the playback file's container when it has no usable extension */
    playbackFormat?: string
  }

const pcmByDtype: Record<DType, readonly SubtypeName[]> = {
  float32: ['FLOAT', 'PCM_32'],
  int32: ['PCM_32'],
  int24: ['PCM_24'],
  int16: ['PCM_16'],
  int8: ['PCM_S8', 'PCM_U8'],
  uint8: ['PCM_U8'],
}

/**
 * The subtype a recording of `dtype` gets in `format` when none is given:
 * float32 -> FLOAT where the container has it, otherwise PCM at the sample
 * width (int8 -> PCM_S8, or PCM_U8 where only that exists).
 * @throws RangeError when the container has none of them
 */
export function pickSubtype(format: string, dtype: DType, endian?: string): SubtypeName {
  const name = requireFormat(format)
  const candidates = pcmByDtype[dtype]
  for (const subtype of candidates) if (checkFormat(name, subtype, endian)) return subtype
  throw new RangeError(
    `No subtype of ${name} fits dtype ${dtype} (tried ${candidates.join(', ')}): pass subtype (e.g. { subtype: 'PCM_16' }) or another dtype`,
  )
}

function recordFormat(path: string, format: string | undefined): FormatName {
  if (format !== undefined) return requireFormat(format)
  const byExtension = formatFromExtension(path)
  if (byExtension === undefined) {
    throw new RangeError(`Cannot tell the container of '${path}' from its extension: pass format (e.g. { format: 'WAV' })`)
  }
  return byExtension
}

function recordPlan(path: string, dtype: DType, options: { format?: string | undefined; subtype?: string | undefined; endian?: string | undefined }): { format: FormatName; subtype: string; endian?: string } {
  const format = recordFormat(path, options.format)
  const subtype = options.subtype ?? pickSubtype(format, dtype, options.endian)
  return { format, subtype, ...(options.endian !== undefined ? { endian: options.endian } : {}) }
}

// ---------------------------------------------------------------------------
// signals: every open recording is finalized before the process dies

const recordings = new Set<Recorder>()
const finalSignals = ['SIGINT', 'SIGTERM'] as const
let handlersInstalled = false

function onSignal(signal: NodeJS.Signals): void {
  removeSignalHandlers()
  const all = [...recordings]
  void Promise.allSettled(all.map((r) => r.finalizeForSignal())).then(() => {
    // the default behaviour, unless someone else listens (then they decide)
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  })
}

function installSignalHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  for (const signal of finalSignals) process.on(signal, onSignal)
}

function removeSignalHandlers(): void {
  if (!handlersInstalled) return
  handlersInstalled = false
  for (const signal of finalSignals) process.off(signal, onSignal)
}

/** @internal The number of recordings the signal handlers would finalize (tests). */
export function activeRecordings(): number {
  return recordings.size
}

/** The record side of a file stream: one recording per file. */
class Recorder {
  pump: FilePump | undefined
  #finalizing: Promise<void> | undefined

  constructor(
    readonly file: SoundFile,
    readonly abortStream: () => Promise<void>,
    readonly pumpBuffersize: number | undefined,
  ) {}

  begin(stream: InputStream<DType> | DuplexStream<DType>): void {
    if (this.pump !== undefined || this.file.closed) {
      throw new RangeError(`The recording to '${this.file.path}' is already made: open a new stream for another one`)
    }
    this.pump = recordToFile(stream, this.file, this.pumpBuffersize !== undefined ? { buffersize: this.pumpBuffersize } : {})
    recordings.add(this)
    installSignalHandlers()
  }

  get started(): boolean {
    return this.pump !== undefined
  }

  /** Stops the pump (it writes what is left in the ring) and closes the file; once. */
  finalize(): Promise<void> {
    this.#finalizing ??= (async () => {
      let failure: { error: unknown } | undefined
      try {
        await this.pump?.stop()
      } catch (error) {
        failure = { error }
      }
      try {
        await this.file.close()
      } catch (error) {
        failure ??= { error }
      } finally {
        recordings.delete(this)
        if (recordings.size === 0) removeSignalHandlers()
      }
      if (failure) throw failure.error
    })()
    return this.#finalizing
  }

  async finalizeForSignal(): Promise<void> {
    await this.abortStream().catch(() => undefined)
    await this.finalize()
  }
}

/** The play side of a file stream: a pump per run, the file open until close(). */
class Player {
  pump: FilePump | undefined
  #runs = 0

  constructor(
    readonly file: SoundFile,
    readonly pumpBuffersize: number | undefined,
  ) {}

  begin(stream: OutputStream<DType> | DuplexStream<DType>, loop: boolean): void {
    if (this.#runs++ > 0 && this.file.seekable) this.file.seek(0)
    this.pump = playFromFile(stream, this.file, { loop, ...(this.pumpBuffersize !== undefined ? { buffersize: this.pumpBuffersize } : {}) })
  }

  async end(): Promise<void> {
    const pump = this.pump
    this.pump = undefined
    await pump?.stop()
  }

  async close(): Promise<void> {
    await this.end().catch(() => undefined)
    await this.file.close()
  }
}

/** Device outputs a txmapping reaches (its highest destination), at least `channels`. */
function outputsReached(txmapping: ChannelMap | undefined, channels: number): number {
  return txmapping === undefined ? channels : Math.max(channels, normalizeMap('txmapping', txmapping).length)
}

/** The file a playback reads: opened from a path, or the caller's SoundFile (which must be readable). */
function openPlayback(playback: string | SoundFile, format: string | undefined): SoundFile {
  if (typeof playback === 'string') return SoundFile.openSync(playback, format !== undefined ? { format } : {})
  if (playback.closed) throw new RangeError(`Expected an open SoundFile to play, got '${playback.path}' closed`)
  if (playback.mode === 'w') throw new RangeError(`Expected a SoundFile opened for reading to play, got '${playback.path}' opened with mode 'w'`)
  return playback
}

/** Runs `operation`, then `after` whatever happened; throws the first error. */
async function andThen<T>(operation: () => Promise<T>, after: () => Promise<void>): Promise<T> {
  let result: T
  try {
    result = await operation()
  } catch (error) {
    await after().catch(() => undefined)
    throw error
  }
  await after()
  return result
}

/**
 * Starts a run with the playback's defaults: frames = the file's frames
 * (unless set, or looping), loop done by the pump (the engine must not
 * replay the ring). The fields are restored afterwards.
 */
async function startPlaying(
  stream: OutputStream<DType> | DuplexStream<DType>,
  player: Player,
  start: () => Promise<void>,
): Promise<void> {
  const { frames, loop } = stream
  player.begin(stream, loop)
  if (frames < 0 && !loop && player.file.frames >= 0) stream.frames = player.file.frames
  stream.loop = false
  try {
    await start()
  } catch (error) {
    await player.end().catch(() => undefined)
    throw error
  } finally {
    stream.frames = frames
    stream.loop = loop
  }
}

// ---------------------------------------------------------------------------

/**
 * Records to a sound file on a native thread. The file is created when the
 * stream is (samplerate and channels of the stream; container from the
 * extension or `format`; subtype from the dtype unless given), and
 * finalized when the run ends: wait(), stop(), abort(), close(), an error,
 * SIGINT or SIGTERM. One recording per stream.
 *
 * @example
 * ```ts
 * await using stream = new SoundFileInputStream('recording.wav', { device: 'loopback', dtype: 'int16' })
 * stream.frames = 1000
 * await stream.start()
 * await stream.wait()
 * ```
 */
export class SoundFileInputStream<D extends DType = 'float32'> extends InputStream<D> {
  /** the file being recorded (closed once the recording is finalized) */
  readonly file: SoundFile
  readonly #recorder: Recorder

  constructor(path: string, options: SoundFileInputStreamOptions<D> = {}) {
    const { format, subtype, endian, pumpBuffersize, rxmapping, ...streamOptions } = options
    const plan = recordPlan(path, streamOptions.dtype ?? 'float32', { format, subtype, endian })
    super(streamOptions)
    try {
      if (rxmapping !== undefined) this.rxmapping = rxmapping
      const channels = this.rxmapping?.length ?? (this.channels as number)
      this.file = SoundFile.openSync(path, { mode: 'w', samplerate: this.samplerate, channels, ...plan })
    } catch (error) {
      void super.close().catch(() => undefined)
      throw error
    }
    this.#recorder = new Recorder(this.file, () => super.abort(), pumpBuffersize)
  }

  /** the record pump of the recording (undefined before start) */
  get pump(): FilePump | undefined {
    return this.#recorder.pump
  }

  override async start(options: { prebuffer?: boolean } = {}): Promise<void> {
    this.checkOpen()
    this.#recorder.begin(this)
    try {
      await super.start(options)
    } catch (error) {
      await this.#recorder.finalize().catch(() => undefined)
      throw error
    }
  }

  override async wait(timeoutMs?: number): Promise<boolean> {
    const recorder = this.#recorder
    return andThen(
      () => super.wait(timeoutMs),
      async () => {
        if (recorder.started && !this.active) await recorder.finalize()
      },
    )
  }

  override async stop(): Promise<void> {
    await andThen(() => super.stop(), () => this.#finalizeStarted())
  }

  override async abort(): Promise<void> {
    await andThen(() => super.abort(), () => this.#finalizeStarted())
  }

  /** Aborts a recording under way, finalizes the file and closes the device; idempotent. */
  override async close(): Promise<void> {
    if (!this.closed) await super.abort().catch(() => undefined)
    await this.#recorder.finalize().catch(() => undefined)
    await super.close()
  }

  async #finalizeStarted(): Promise<void> {
    if (this.#recorder.started) await this.#recorder.finalize()
  }
}

/**
 * Plays a sound file on a native thread, at the file's samplerate and
 * channels. `frames` defaults to the file's frames; `loop` (option or
 * field) replays it from the start; `pad` adds silence. The file stays open
 * for further runs until close().
 *
 * @example
 * ```ts
 * await using stream = new SoundFileOutputStream('recording.wav', { device: 'loopback' })
 * await stream.start()
 * await stream.wait()
 * ```
 */
export class SoundFileOutputStream<D extends DType = 'float32'> extends OutputStream<D> {
  readonly file: SoundFile
  readonly #player: Player

  /**
   * @param path the file to play, or a SoundFile opened for reading (e.g. a
   *   RAW file opened with its samplerate, channels and subtype); the stream
   *   owns it from here and closes it on close()
   */
  constructor(path: string | SoundFile, options: SoundFileOutputStreamOptions<D> = {}) {
    const { format, loop, pumpBuffersize, channels, txmapping, ...streamOptions } = options
    const file = openPlayback(path, format)
    try {
      super({ ...streamOptions, samplerate: file.samplerate, channels: channels ?? outputsReached(txmapping, file.channels) })
    } catch (error) {
      file.closeSync()
      throw error
    }
    try {
      if (txmapping !== undefined) this.txmapping = txmapping
    } catch (error) {
      file.closeSync()
      void super.close().catch(() => undefined)
      throw error
    }
    this.file = file
    if (loop !== undefined) this.loop = loop
    this.#player = new Player(file, pumpBuffersize)
  }

  get pump(): FilePump | undefined {
    return this.#player.pump
  }

  override async start(options: { prebuffer?: boolean } = {}): Promise<void> {
    this.checkOpen()
    await startPlaying(this, this.#player, () => super.start(options))
  }

  override async wait(timeoutMs?: number): Promise<boolean> {
    return andThen(
      () => super.wait(timeoutMs),
      async () => {
        if (!this.active) await this.#player.end()
      },
    )
  }

  override async stop(): Promise<void> {
    await andThen(() => super.stop(), () => this.#player.end())
  }

  override async abort(): Promise<void> {
    await andThen(() => super.abort(), () => this.#player.end())
  }

  /** Aborts, stops the pump, closes the file and the device; idempotent. */
  override async close(): Promise<void> {
    if (!this.closed) await super.abort().catch(() => undefined)
    await this.#player.close().catch(() => undefined)
    await super.close()
  }
}

/**
 * Plays `playback` while recording to `record` (either may be null:
 * silence, or the input discarded / the source set with setSource).
 * The samplerate and played channels come from the playback file; the
 * recorded channels from `channels` (a number, or [input, output]). A pair's
 * output count opens more device channels than the file has, for a
 * txmapping that places the file's channels.
 */
export class SoundFileDuplexStream<D extends DType = 'float32'> extends DuplexStream<D> {
  readonly playbackFile: SoundFile | undefined
  readonly recordFile: SoundFile | undefined
  readonly #player: Player | undefined
  readonly #recorder: Recorder | undefined

  /**
   * @param playback a path, a SoundFile opened for reading (the stream owns
   *   it from here), or null
   * @param record a path ('-' for stdout, with `format`), or null
   */
  constructor(playback: string | SoundFile | null | undefined, record: string | null | undefined, options: SoundFileDuplexStreamOptions<D> = {}) {
    const { format, subtype, endian, pumpBuffersize, loop, playbackFormat, txmapping, rxmapping, ...streamOptions } = options
    const plan = record ? recordPlan(record, streamOptions.dtype ?? 'float32', { format, subtype, endian }) : undefined
    const played = playback ? openPlayback(playback, playbackFormat) : undefined
    try {
      const channels = streamOptions.channels
      const input = Array.isArray(channels) ? (channels as readonly [number, number])[0] : (channels as number | undefined)
      // the device plays the file's channels unless [input, output] says otherwise (with a txmapping)
      const output = Array.isArray(channels)
        ? (channels as readonly [number, number])[1]
        : played
          ? outputsReached(txmapping, played.channels)
          : (channels as number | undefined)
      super({
        ...streamOptions,
        ...(played ? { samplerate: played.samplerate } : {}),
        ...(input !== undefined || output !== undefined ? { channels: [input ?? output ?? 1, output ?? input ?? 1] as const } : {}),
      })
    } catch (error) {
      played?.closeSync()
      throw error
    }
    this.playbackFile = played
    if (loop !== undefined) this.loop = loop
    this.#player = played ? new Player(played, pumpBuffersize) : undefined
    try {
      if (txmapping !== undefined) this.txmapping = txmapping
      if (rxmapping !== undefined) this.rxmapping = rxmapping
    } catch (error) {
      played?.closeSync()
      void super.close().catch(() => undefined)
      throw error
    }
    if (record && plan) {
      try {
        const channels = this.rxmapping?.length ?? (this.channels as [number, number])[0]
        this.recordFile = SoundFile.openSync(record, { mode: 'w', samplerate: this.samplerate, channels, ...plan })
      } catch (error) {
        played?.closeSync()
        void super.close().catch(() => undefined)
        throw error
      }
      this.#recorder = new Recorder(this.recordFile, () => super.abort(), pumpBuffersize)
    }
  }

  get playbackPump(): FilePump | undefined {
    return this.#player?.pump
  }

  get recordPump(): FilePump | undefined {
    return this.#recorder?.pump
  }

  override async start(options: { prebuffer?: boolean } = {}): Promise<void> {
    this.checkOpen()
    this.#recorder?.begin(this)
    try {
      if (this.#player) await startPlaying(this, this.#player, () => super.start(options))
      else await super.start(options)
    } catch (error) {
      await this.#recorder?.finalize().catch(() => undefined)
      throw error
    }
  }

  override async wait(timeoutMs?: number): Promise<boolean> {
    return andThen(
      () => super.wait(timeoutMs),
      async () => {
        if (!this.active) await this.#endRun()
      },
    )
  }

  override async stop(): Promise<void> {
    await andThen(() => super.stop(), () => this.#endRun())
  }

  override async abort(): Promise<void> {
    await andThen(() => super.abort(), () => this.#endRun())
  }

  override async close(): Promise<void> {
    if (!this.closed) await super.abort().catch(() => undefined)
    await this.#player?.close().catch(() => undefined)
    await this.#recorder?.finalize().catch(() => undefined)
    await super.close()
  }

  async #endRun(): Promise<void> {
    const results = await Promise.allSettled([
      this.#player?.end(),
      this.#recorder?.started ? this.#recorder.finalize() : undefined,
    ])
    for (const result of results) if (result.status === 'rejected') throw result.reason
  }
}

// ---------------------------------------------------------------------------

/**
 * A stream that plays the file at `path` (samplerate and channels from the
 * file): the same as `new SoundFileOutputStream(path, options)`.
 *
 * @example
 * ```ts
 * await using stream = fromFile('recording.wav', { device: 'loopback' })
 * await stream.start()
 * await stream.wait()
 * ```
 */
export function fromFile<D extends DType = 'float32'>(path: string, options: SoundFileOutputStreamOptions<D> = {}): SoundFileOutputStream<D> {
  return new SoundFileOutputStream<D>(path, options)
}

/** File options of {@link toFile}. */
export type ToFileOptions = Omit<RecordFileOptions, 'pumpBuffersize'>

/**
 * Opens `path` for writing to match `stream` (its samplerate, recorded
 * channels, and a subtype from its dtype unless given: see pickSubtype)
 * and sets the file as the stream's sink: the next run (start(), play(),
 * ...) records into it on a native thread. Close the file when the run has
 * ended (that writes the header); one file per recording.
 *
 * @example
 * ```ts
 * await using input = new InputStream({ device: 'loopback', dtype: 'int16' })
 * await using file = toFile(input, 'recording.wav')
 * input.frames = 1000
 * await input.start()
 * await input.wait()
 * ```
 */
export function toFile<D extends DType>(stream: InputStream<D> | DuplexStream<D>, path: string, options: ToFileOptions = {}): SoundFile {
  const plan = recordPlan(path, stream.dtype, options)
  const file = SoundFile.openSync(path, { mode: 'w', samplerate: stream.samplerate, channels: stream.recordedChannels, ...plan })
  try {
    stream.setSink(file)
  } catch (error) {
    file.closeSync()
    throw error
  }
  return file
}
