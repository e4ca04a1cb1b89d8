/**
 * Streams that record to and play from sound files: InputStream,
 * OutputStream and DuplexStream subclasses that own opening and closing
 * their files and set them as the stream's sink and source (a
 * FileConnection, the RingEndpoint protocol), so the stream's own run
 * drives the native file pumps. A recording is finalized (pump stopped,
 * file closed, header written) when its run's pump stops: the run ends, is
 * stopped or aborted, fails, or the stream is closed; on SIGINT or SIGTERM
 * by recordings.ts.
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
import { recordPlan } from './record-format.js'
import { FileConnection } from './file-connection.js'
import type { FilePump } from './pumps.js'
import { SoundFile } from './sound-file.js'

/** File options of a recording. */
export interface RecordFileOptions {
  /** container (default: from the extension) */
  format?: string
  /** encoding (default: from the stream's dtype, see pickSubtype) */
  subtype?: string
  /** 'FILE' (default), 'LITTLE', 'BIG', 'CPU' */
  endian?: string
  /** @deprecated the same as the stream's `buffersize` (used when that is not given): the pump's ring is the stream's */
  pumpBuffersize?: number
}

/** File options of a playback. */
export interface PlayFileOptions {
  /** the file's container when it has no usable extension (RAW also needs samplerate, channels, subtype) */
  format?: string
  /** replay the file from its start when it ends, until frames or stop() */
  loop?: boolean
  /** @deprecated the same as the stream's `buffersize` (used when that is not given): the pump's ring is the stream's */
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

/**
 * The stream options with the deprecated `pumpBuffersize` as `buffersize`:
 * the file rings are the stream's rings, sized by its buffersize.
 */
function withBuffersize<T extends { buffersize?: number }>(options: T, pumpBuffersize: number | undefined): T {
  return pumpBuffersize !== undefined && options.buffersize === undefined ? { ...options, buffersize: pumpBuffersize } : options
}

// ---------------------------------------------------------------------------

/**
 * Records to a sound file on a native thread. The file is created when the
 * stream is (samplerate and channels of the stream; container from the
 * extension or `format`; subtype from the dtype unless given) and set as
 * the stream's sink; it is finalized when the run's pump stops: the run
 * ends (wait()), stop(), abort(), close(), an error, SIGINT or SIGTERM.
 * One recording per stream.
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
  readonly #connection: FileConnection

  constructor(path: string, options: SoundFileInputStreamOptions<D> = {}) {
    const { format, subtype, endian, pumpBuffersize, rxmapping, ...streamOptions } = options
    const plan = recordPlan(path, streamOptions.dtype ?? 'float32', { format, subtype, endian })
    super(withBuffersize(streamOptions, pumpBuffersize))
    try {
      if (rxmapping !== undefined) this.rxmapping = rxmapping
      const channels = this.rxmapping?.length ?? (this.channels as number)
      this.file = SoundFile.openSync(path, { mode: 'w', samplerate: this.samplerate, channels, ...plan })
    } catch (error) {
      void super.close().catch(() => undefined)
      throw error
    }
    this.#connection = new FileConnection(this.file, { once: true, endRun: () => super.abort() })
    this.setSink(this.#connection)
  }

  /** the record pump of the recording (undefined before start) */
  get pump(): FilePump | undefined {
    return this.#connection.pump
  }

  /** Aborts a recording under way (which finalizes it), closes the device, and closes the file (without a start: an empty valid file); idempotent. Errors finalizing the file are not thrown here: wait() or stop() report them. */
  override async close(): Promise<void> {
    await super.close()
    await this.file.close().catch(() => undefined)
  }
}

/**
 * Plays a sound file on a native thread, at the file's samplerate and
 * channels: the file is the stream's source. `frames` defaults to the
 * file's frames; `loop` (option or field) replays it from the start; `pad`
 * adds silence. The file stays open for further runs until close().
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
  readonly #connection: FileConnection

  /**
   * @param path the file to play, or a SoundFile opened for reading (e.g. a
   *   RAW file opened with its samplerate, channels and subtype); the stream
   *   owns it from here and closes it on close()
   */
  constructor(path: string | SoundFile, options: SoundFileOutputStreamOptions<D> = {}) {
    const { format, loop, pumpBuffersize, channels, txmapping, ...streamOptions } = options
    const file = openPlayback(path, format)
    try {
      super(withBuffersize({ ...streamOptions, samplerate: file.samplerate, channels: channels ?? outputsReached(txmapping, file.channels) }, pumpBuffersize))
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
    this.#connection = new FileConnection(file)
    this.setSource(this.#connection)
  }

  /** the play pump of the current or last run (undefined before start) */
  get pump(): FilePump | undefined {
    return this.#connection.pump
  }

  /** Aborts, closes the device and the file; idempotent. Errors closing the file are not thrown. */
  override async close(): Promise<void> {
    await super.close()
    await this.file.close().catch(() => undefined)
  }
}

/**
 * Plays `playback` while recording to `record` (either may be null:
 * silence, or the input discarded / the source set with setSource).
 * The samplerate and played channels come from the playback file; the
 * recorded channels from `channels` (a number, or [input, output]). A pair's
 * output count opens more device channels than the file has, for a
 * txmapping that places the file's channels. The files are the stream's
 * source and sink; the recording is finalized as SoundFileInputStream's.
 *
 * @example
 * ```ts
 * await using stream = new SoundFileDuplexStream('in.wav', 'out.wav', { device: 'loopback', dtype: 'int16' })
 * stream.pad = 4096
 * await stream.start()
 * await stream.wait()
 * ```
 */
export class SoundFileDuplexStream<D extends DType = 'float32'> extends DuplexStream<D> {
  readonly playbackFile: SoundFile | undefined
  readonly recordFile: SoundFile | undefined
  readonly #player: FileConnection | undefined
  readonly #recorder: FileConnection | undefined

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
      super(
        withBuffersize(
          {
            ...streamOptions,
            ...(played ? { samplerate: played.samplerate } : {}),
            ...(input !== undefined || output !== undefined ? { channels: [input ?? output ?? 1, output ?? input ?? 1] as const } : {}),
          },
          pumpBuffersize,
        ),
      )
    } catch (error) {
      played?.closeSync()
      throw error
    }
    this.playbackFile = played
    if (loop !== undefined) this.loop = loop
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
      this.#recorder = new FileConnection(this.recordFile, { once: true, endRun: () => super.abort() })
      this.setSink(this.#recorder)
    }
    if (played) {
      this.#player = new FileConnection(played)
      this.setSource(this.#player)
    }
  }

  /** the play pump of the current or last run */
  get playbackPump(): FilePump | undefined {
    return this.#player?.pump
  }

  /** the record pump of the recording */
  get recordPump(): FilePump | undefined {
    return this.#recorder?.pump
  }

  /** Aborts, closes the device and both files (a recording is finalized); idempotent. Errors closing the files are not thrown. */
  override async close(): Promise<void> {
    await super.close()
    await this.playbackFile?.close().catch(() => undefined)
    await this.recordFile?.close().catch(() => undefined)
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
