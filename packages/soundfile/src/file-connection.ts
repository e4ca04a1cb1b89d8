/**
 * A SoundFile connected to a stream as its source or sink. This file owns
 * {@link FileConnection}: the RingEndpoint the file streams and the
 * recordToFile/playFromFile aliases set on a stream, which remembers the
 * pump of the current (or last) run, and, for a one-recording stream,
 * closes the file when the run's pump has stopped; and the two thin
 * aliases kept from before the endpoint protocol, recordToFile() and
 * playFromFile().
 */
import {
  ringEndpoint,
  type DType,
  type DuplexStream,
  type InputStream,
  type OutputStream,
  type RingBuffer,
  type RingEndpoint,
  type RingEndpointContext,
  type RingEndpointPump,
} from '@pastream/stream'
import { endpointOf, type FilePump, type NativeFilePump } from './pumps.js'
import type { SoundFile } from './sound-file.js'

/** Options of a {@link FileConnection}. */
export interface FileConnectionOptions {
  /**
   * One recording: the file is closed (finalized) as soon as the run's pump
   * has stopped, and a second run is refused.
   */
  once?: boolean
  /** ends the stream's run: a signal that finalizes the recording calls it first, so every processed frame is written */
  endRun?: () => Promise<void>
}

/**
 * `file` as a stream's source or sink (the RingEndpoint protocol): each run
 * starts a native pump on the ring the stream allocates, driven by the
 * stream's own run (its end, stop(), abort() and close() stop the pump).
 * @internal
 */
export class FileConnection implements RingEndpoint {
  readonly file: SoundFile
  readonly #once: boolean
  readonly #endRun: (() => Promise<void>) | undefined
  #pump: NativeFilePump | undefined

  constructor(file: SoundFile, options: FileConnectionOptions = {}) {
    this.file = file
    this.#once = options.once === true
    this.#endRun = options.endRun
  }

  /** The pump of the current or last run (undefined before the first). */
  get pump(): FilePump | undefined {
    return this.#pump
  }

  [ringEndpoint](role: 'source' | 'sink', ring: RingBuffer, context: RingEndpointContext): RingEndpointPump {
    if (this.#once && (this.#pump !== undefined || this.file.closed)) {
      throw new RangeError(`The recording to '${String(this.file.path)}' is already made: open a new stream for another one`)
    }
    const { pump, sourceFrames } = this.file.startPump(role, ring, context, this.#endRun)
    this.#pump = pump
    return endpointOf(pump, sourceFrames, this.#once ? () => this.file.close() : undefined)
  }
}

/** Options of {@link recordToFile}. */
export interface FilePumpOptions {
  /**
   * @deprecated No effect: the stream allocates the ring of each run (its
   * `buffersize`: the native pump drains it on its own thread).
   */
  buffersize?: number
}

/** Options of {@link playFromFile}. */
export interface PlayFromFileOptions extends FilePumpOptions {
  /** replay the file from its start at its end, until stopped: sets the stream's `loop` (setSource's option) */
  loop?: boolean
}

/** The FilePump a recordToFile/playFromFile alias returns: the connection's current pump, and stop() detaches it. */
class ConnectionPump implements FilePump {
  readonly #connection: FileConnection
  readonly #detach: () => void

  constructor(connection: FileConnection, detach: () => void) {
    this.#connection = connection
    this.#detach = detach
  }

  get ring(): RingBuffer | undefined {
    return this.#connection.pump?.ring
  }

  get frames(): number {
    return this.#connection.pump?.frames ?? 0
  }

  get running(): boolean {
    return this.#connection.pump?.running ?? false
  }

  get error(): string | undefined {
    return this.#connection.pump?.error
  }

  async stop(): Promise<number> {
    try {
      return (await this.#connection.pump?.stop()) ?? 0
    } finally {
      this.#detach()
    }
  }
}

/**
 * A thin alias, kept for code written before the endpoint protocol: the
 * same as `stream.setSink(file)` (the recommended way, or
 * `toFile(stream, path)`), plus a {@link FilePump} to watch the run's pump;
 * its stop() stops the pump and unsets the sink when the stream is not
 * active. The stream's own run drives the pump: start it afterwards.
 *
 * @throws SoundFileError when the file is closed or opened for reading
 * @example
 * ```ts
 * const pump = recordToFile(input, file) // prefer: input.setSink(file)
 * await input.start()
 * await input.wait()
 * await pump.stop()
 * ```
 */
export function recordToFile<D extends DType>(stream: InputStream<D> | DuplexStream<D>, file: SoundFile, options: FilePumpOptions = {}): FilePump {
  if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${String(options)} (${typeof options})`)
  file.pumpTarget('record')
  const connection = new FileConnection(file)
  stream.setSink(connection)
  return new ConnectionPump(connection, () => {
    if (!stream.active && !stream.closed) stream.setSink(undefined)
  })
}

/**
 * A thin alias, kept for code written before the endpoint protocol: the
 * same as `stream.setSource(file, { loop })` (the recommended way, or a
 * SoundFileOutputStream), plus a {@link FilePump} to watch the run's pump.
 * Each run plays the file from its start and exactly its frames unless
 * the stream sets frames or loops.
 *
 * @throws SoundFileError when the file is closed or opened for writing
 * @example
 * ```ts
 * const pump = playFromFile(output, file) // prefer: output.setSource(file)
 * await output.start()
 * await output.wait()
 * await pump.stop()
 * ```
 */
export function playFromFile<D extends DType>(stream: OutputStream<D> | DuplexStream<D>, file: SoundFile, options: PlayFromFileOptions = {}): FilePump {
  if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${String(options)} (${typeof options})`)
  file.pumpTarget('play')
  const connection = new FileConnection(file)
  stream.setSource(connection, options.loop !== undefined ? { loop: options.loop } : {})
  return new ConnectionPump(connection, () => {
    if (!stream.active && !stream.closed) stream.setSource(undefined)
  })
}
