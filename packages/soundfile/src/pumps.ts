/**
 * File pumps: a native thread moves frames between a stream's ring and a
 * sound file, so recording to (or playing from) disk never waits for the
 * event loop. This file owns the one JS object around a pump thread
 * ({@link NativeFilePump}, shown publicly as a {@link FilePump}, and to
 * the stream as a RingEndpointPump by {@link endpointOf}) and the checks
 * that start one on a ring the stream allocated ({@link startFilePump}).
 * It knows files only through {@link PumpFile}, so it imports nothing of
 * sound-file.ts.
 */
import { sampleSizes, type RingBuffer, type RingEndpointContext, type RingEndpointPump } from '@pastream/stream'
import { formatCodes } from '@pastream/core-native'
import { native, type NativeFileHandle, type NativePumpHandle, type NativePumpStatus } from './binding.js'
import { SoundFileError } from './errors.js'

/**
 * A running (or finished) file pump, as the file streams and the aliases
 * show it: the pump of the current or last run.
 *
 * @example
 * ```ts
 * await using stream = new SoundFileInputStream('take.wav', { device: 'loopback' })
 * await stream.start()
 * setInterval(() => console.log(stream.pump?.frames), 1000) // frames written so far
 * ```
 */
export interface FilePump {
  /** the ring between the stream and the thread (the stream allocates one per run) */
  readonly ring: RingBuffer | undefined
  /** frames moved between the ring and the file so far */
  readonly frames: number
  /** false once the thread has ended (play: end of file; either: an error; or stopped) */
  readonly running: boolean
  /** why the thread stopped early, if it did */
  readonly error: string | undefined
  /**
   * Ends the thread and joins it off the event loop. A record pump first
   * writes what is left in the ring, so stop (or wait for) the stream
   * first. Resolves to the frames moved.
   * @throws SoundFileError when the thread stopped on an error (e.g. disk
   *   full, code `ERR_SOUNDFILE_DISK_FULL`: the message names the file and
   *   the frames and seconds kept, which the file holds as whole frames;
   *   `systemCode` says 'ENOSPC', or 'EPIPE' when a pipe's reader went away)
   */
  stop(): Promise<number>
}

/** What a pump needs of a sound file (SoundFile implements it). */
export interface PumpFile {
  readonly path: string | number
  readonly channels: number
  readonly samplerate: number
  readonly seekable: boolean
  /** frames in the file, -1 when unknown (a pipe) */
  readonly frames: number
  tell(): number
  seek(frames: number): number
  /**
   * The native handle and the file's name for messages; throws when the
   * file is closed, busy, or opened the other way.
   */
  pumpTarget(direction: 'record' | 'play'): { handle: NativeFileHandle; name: string }
}

/**
 * One pump thread for one run: starts with the ring full (play) or empty
 * (record); `done` settles when the thread has stopped: at the engine's end
 * (a record pump first writes what is left in the ring), on stop(), or as
 * soon as the thread stops on an error (then it rejects with a
 * SoundFileError, which aborts the stream). The thread says when it ends:
 * nothing polls for it.
 */
export class NativeFilePump implements FilePump {
  readonly done: Promise<void>
  readonly ring: RingBuffer
  readonly #pump: NativePumpHandle
  readonly #path: string | number
  #stopping: Promise<NativePumpStatus> | undefined
  #final: NativePumpStatus | undefined
  #settle!: (status: NativePumpStatus) => void
  #fail!: (error: unknown) => void

  /**
   * @param start starts the native pump, with the function its thread calls
   *   as it ends (by itself at the end of a file or on an error, the pump
   *   is then halted; or after stop)
   */
  constructor(start: (onEnd: () => void) => NativePumpHandle, ring: RingBuffer, path: string | number) {
    this.#pump = start(() => this.halt())
    this.ring = ring
    this.#path = path
    this.done = new Promise<void>((resolve, reject) => {
      this.#settle = (status) => (status.error !== undefined ? reject(this.#error(status)) : resolve())
      this.#fail = reject
    })
    // the stream attaches its handler at once; never an unhandled rejection meanwhile
    this.done.catch(() => undefined)
  }

  get frames(): number {
    return (this.#final ?? native().pumpStatus(this.#pump)).frames
  }

  get running(): boolean {
    return this.#final === undefined && native().pumpStatus(this.#pump).running
  }

  get error(): string | undefined {
    return (this.#final ?? native().pumpStatus(this.#pump)).error
  }

  async stop(): Promise<number> {
    const status = await this.#stop()
    if (status.error !== undefined) throw this.#error(status)
    return status.frames
  }

  /** Stops the thread without waiting; `done` reports how it ended. */
  halt(): void {
    void this.#stop().catch(() => undefined)
  }

  #error(status: NativePumpStatus): SoundFileError {
    return new SoundFileError(status.error ?? 'the file pump failed', { path: this.#path, code: status.code, errno: status.errno })
  }

  /** Stops the thread once (joined off the event loop); every caller gets its final status. */
  #stop(): Promise<NativePumpStatus> {
    if (this.#stopping === undefined) {
      this.#stopping = native()
        .pumpStop(this.#pump)
        .then(
          (status) => {
            this.#final = status
            this.#settle(status)
            return status
          },
          (error: unknown) => {
            this.#fail(error)
            throw error
          },
        )
    }
    return this.#stopping
  }
}

/**
 * What the stream sees of a file pump (its RingEndpointPump): the engine's
 * end and cancel() both stop the thread; `frames` is a source's length,
 * which the run then plays exactly unless it loops. `done` may wait for
 * `after` (e.g. closing a finished recording).
 */
export function endpointOf(pump: NativeFilePump, sourceFrames: number | undefined, after?: () => Promise<void>): RingEndpointPump {
  const done = after === undefined ? pump.done : settleThen(pump.done, after)
  done.catch(() => undefined)
  return {
    ready: Promise.resolve(),
    done,
    engineStopped: () => pump.halt(),
    cancel: () => pump.halt(),
    ...(sourceFrames !== undefined ? { frames: sourceFrames } : {}),
  }
}

/** `first`, then `after` whatever happened; rejects with the first error. */
async function settleThen(first: Promise<void>, after: () => Promise<void>): Promise<void> {
  try {
    await first
  } catch (error) {
    await after().catch(() => undefined)
    throw error
  }
  await after()
}

/**
 * Starts a native pump on `ring` for `file`: a play pump (role 'source',
 * from the start of the file when it can seek, looping when the run loops)
 * or a record pump (role 'sink', appending at the write position). The file
 * must match the run: its channels, samplerate and the ring's frame size.
 * @throws RangeError for a mismatch; SoundFileError when the file is closed
 *   or opened the other way
 */
export function startFilePump(
  file: PumpFile,
  role: 'source' | 'sink',
  ring: RingBuffer,
  context: RingEndpointContext,
): { pump: NativeFilePump; sourceFrames: number | undefined } {
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
  const timing = { format: formatCodes[context.dtype], samplerate: context.samplerate }
  if (role === 'source') {
    // every run plays the file from its start
    if (file.seekable && file.tell() !== 0) file.seek(0)
    const frames = file.frames
    const { handle, name: target } = file.pumpTarget('play')
    // the pump fills the ring before it returns: ready at once
    const start = (onEnd: () => void): NativePumpHandle => native().pumpPlay(handle, ring.view, { ...timing, loop: context.loop, name: target }, onEnd)
    return { pump: new NativeFilePump(start, ring, file.path), sourceFrames: frames >= 0 ? frames : undefined }
  }
  const { handle, name: target } = file.pumpTarget('record')
  const start = (onEnd: () => void): NativePumpHandle => native().pumpRecord(handle, ring.view, { ...timing, name: target }, onEnd)
  return { pump: new NativeFilePump(start, ring, file.path), sourceFrames: undefined }
}
