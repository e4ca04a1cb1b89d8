/**
 * File pumps: a native thread moves frames between a stream's ring and a
 * SoundFile, so recording to (or playing from) disk never waits for the
 * event loop. The JS side only sets the ring on the stream and keeps the
 * ring and the file alive (the native handle holds references to both
 * until stop() has joined the thread).
 */
import { RingBuffer, sampleSizes, type DType, type DuplexStream, type InputStream, type OutputStream, type RingEndpointContext, type RingEndpointPump } from '@pastream/stream'
import { formatCodes } from '@pastream/core-native'
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
    format: formatCodes[stream.dtype],
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
    format: formatCodes[stream.dtype],
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

/**
 * The SoundFile side of @pastream/stream's RingEndpoint protocol: a native
 * play pump (role 'source', from the start of the file, looping when the
 * run loops) or record pump (role 'sink') on the ring the stream
 * allocated. `done` settles when the pump has stopped: at the engine's end
 * (a record pump first writes what is left in the ring), on cancel(), or as
 * soon as the thread stops on an error (a SoundFileError, which aborts the
 * stream).
 * @internal
 */
export function endpointPump(file: SoundFile, role: 'source' | 'sink', ring: RingBuffer, context: RingEndpointContext): RingEndpointPump {
  const name = typeof file.path === 'number' ? `fd ${file.path}` : `'${file.path}'`
  if (file.channels !== context.channels) {
    throw new RangeError(
      `The stream ${role === 'source' ? 'plays' : 'records'} ${context.channels} channel(s) but ${name} has ${file.channels}: open the stream with channels ${file.channels}`,
    )
  }
  if (file.samplerate !== context.samplerate) {
    throw new RangeError(`The stream runs at ${context.samplerate} Hz but ${name} is at ${file.samplerate} Hz: open the stream with samplerate ${file.samplerate}`)
  }
  const framebytes = file.channels * sampleSizes[context.dtype]
  if (ring.elementsize !== framebytes) {
    throw new RangeError(`Expected a ring with elementsize ${framebytes} (${file.channels} channels of ${context.dtype}), got ${ring.elementsize}`)
  }
  if (role === 'source') {
    // every run plays the file from its start
    if (file.seekable && file.tell() !== 0) file.seek(0)
    const frames = file.frames
    const { handle, name: target } = file.pumpTarget('play')
    // the pump fills the ring before it returns: ready at once
    const pump = native().pumpPlay(handle, ring.view, {
      format: formatCodes[context.dtype],
      samplerate: context.samplerate,
      blocksize: context.blocksize,
      loop: context.loop,
      name: target,
    })
    return new EndpointFilePump(pump, file, frames >= 0 ? frames : undefined)
  }
  const { handle, name: target } = file.pumpTarget('record')
  const pump = native().pumpRecord(handle, ring.view, {
    format: formatCodes[context.dtype],
    samplerate: context.samplerate,
    blocksize: context.blocksize,
    name: target,
  })
  return new EndpointFilePump(pump, file, undefined)
}

/** How often a running endpoint pump is checked for an early end (an error, or a file played to its end). */
const POLL_MS = 20

class EndpointFilePump implements RingEndpointPump {
  readonly ready: Promise<void> = Promise.resolve()
  readonly done: Promise<void>
  readonly frames: number | undefined
  #pump: NativePumpHandle
  #file: SoundFile
  #timer: ReturnType<typeof setInterval> | undefined
  #stopping = false
  #resolve!: () => void
  #reject!: (error: unknown) => void

  constructor(pump: NativePumpHandle, file: SoundFile, frames: number | undefined) {
    this.#pump = pump
    this.#file = file
    this.frames = frames
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // the stream attaches its handler at once; never an unhandled rejection meanwhile
    this.done.catch(() => undefined)
    this.#timer = setInterval(() => {
      if (!native().pumpStatus(this.#pump).running) this.#stop()
    }, POLL_MS)
  }

  engineStopped(): void {
    this.#stop()
  }

  cancel(): void {
    this.#stop()
  }

  #stop(): void {
    if (this.#stopping) return
    this.#stopping = true
    clearInterval(this.#timer)
    this.#timer = undefined
    native()
      .pumpStop(this.#pump)
      .then((status) => {
        if (status.error !== undefined) this.#reject(new SoundFileError(status.error, { path: this.#file.path }))
        else this.#resolve()
      }, this.#reject)
  }
}
