/**
 * File pumps: a native thread moves frames between a stream's ring and a
 * SoundFile, so recording to (or playing from) disk never waits for the
 * event loop. The JS side only sets the ring on the stream and keeps the
 * ring and the file alive (the native handle holds references to both
 * until stop() has joined the thread).
 */
import { RingBuffer, type DType, type DuplexStream, type InputStream, type OutputStream } from '@pastream/stream'
import { native, type NativePumpHandle, type NativePumpStatus } from './binding.js'
import { SoundFileError } from './errors.js'
import type { SoundFile } from './sound-file.js'

export interface FilePumpOptions {
  /** ring capacity in frames, a power of two (default: the stream's buffersize) */
  buffersize?: number
}

export interface PlayFromFileOptions extends FilePumpOptions {
  /** seek back to the start of the file at its end, until stopped */
  loop?: boolean
}

/** A running file pump. */
export interface FilePump {
  /** the ring between the stream and the thread */
  readonly ring: RingBuffer
  /** frames moved between the ring and the file so far */
  readonly frames: number
  /** false once the thread has ended (play: end of file; either: an error) */
  readonly running: boolean
  /** why the thread stopped early, if it did */
  readonly error: string | undefined
  /**
   * Ends the thread and joins it off the event loop. A record pump first
   * writes what is left in the ring, so stop (or wait for) the stream
   * first. Resolves to the frames moved.
   * @throws SoundFileError when the thread stopped on an error (e.g. disk
   *   full: the message names the file and the frames and seconds kept)
   */
  stop(): Promise<number>
}

class NativeFilePump implements FilePump {
  #pump: NativePumpHandle
  #stopping: Promise<NativePumpStatus> | undefined
  #detach: () => void
  readonly ring: RingBuffer
  readonly #file: SoundFile

  constructor(pump: NativePumpHandle, ring: RingBuffer, file: SoundFile, detach: () => void) {
    this.#pump = pump
    this.ring = ring
    this.#file = file
    this.#detach = detach
  }

  get frames(): number {
    return native().pumpStatus(this.#pump).frames
  }

  get running(): boolean {
    return native().pumpStatus(this.#pump).running
  }

  get error(): string | undefined {
    return native().pumpStatus(this.#pump).error
  }

  async stop(): Promise<number> {
    this.#stopping ??= native().pumpStop(this.#pump)
    const status = await this.#stopping
    this.#detach()
    if (status.error !== undefined) throw new SoundFileError(status.error, { path: this.#file.path })
    return status.frames
  }
}

function checkRingSize(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 30 || (value & (value - 1)) !== 0) {
    throw new RangeError(`Expected a power of two for buffersize, got ${String(value)}`)
  }
  return value
}

/**
 * Records the stream's input into `file` (opened for writing, with the
 * stream's samplerate and recorded channels) on a native thread: sets a
 * ring of the stream's frame size as the stream's sink and starts the
 * pump. Start the stream afterwards; when it has ended, `await
 * pump.stop()` writes what is left and joins the thread. The file's header
 * is rewritten as it grows, so a killed process leaves a readable file.
 */
export function recordToFile<D extends DType>(
  stream: InputStream<D> | DuplexStream<D>,
  file: SoundFile,
  options: FilePumpOptions = {},
): FilePump {
  const { handle, name } = file.pumpTarget('record')
  const ring = new RingBuffer(file.channels * stream.samplesize, checkRingSize(options.buffersize ?? stream.buffersize))
  const pump = native().pumpRecord(handle, ring.view, {
    dtype: stream.dtype,
    samplerate: stream.samplerate,
    blocksize: stream.blocksize,
    name,
  })
  stream.setSink(ring)
  return new NativeFilePump(pump, ring, file, () => {
    if (!stream.active) stream.setSink(undefined)
  })
}

/**
 * Plays `file` (opened for reading, with the stream's played channels)
 * through the stream on a native thread: fills a ring of the stream's frame
 * size, sets it as the stream's source and starts the pump. Start the
 * stream afterwards; it ends when the file is played (unless `loop`), or
 * stop it and then `await pump.stop()`.
 */
export function playFromFile<D extends DType>(
  stream: OutputStream<D> | DuplexStream<D>,
  file: SoundFile,
  options: PlayFromFileOptions = {},
): FilePump {
  const { handle, name } = file.pumpTarget('play')
  const ring = new RingBuffer(file.channels * stream.samplesize, checkRingSize(options.buffersize ?? stream.buffersize))
  // the pump fills the ring before it returns, so the stream starts with data
  const pump = native().pumpPlay(handle, ring.view, {
    dtype: stream.dtype,
    samplerate: stream.samplerate,
    blocksize: stream.blocksize,
    loop: options.loop === true,
    name,
  })
  // the pump loops the file itself: the stream must not replay the ring
  stream.setSource(ring, { loop: false })
  return new NativeFilePump(pump, ring, file, () => {
    if (!stream.active) stream.setSource(undefined)
  })
}
