/**
 * SoundFile: one open sound file (libsndfile). This file owns the class:
 * opening (with the plan of open-plan.ts), reading, writing, seeking and
 * closing in call order off the event loop (or blocking), and the file's
 * side of the stream endpoint protocol: starting native pumps (pumps.ts)
 * and being an open recording that signals finalize (recordings.ts).
 */
import { ringEndpoint, type DType, type RingBuffer, type RingEndpoint, type RingEndpointContext, type RingEndpointPump, type SampleArray, type SampleArrayOf } from '@pastream/stream'
import { formatCodes as sampleFormatCodes } from '@pastream/core-native'
import { native, type NativeFileHandle, type NativeInfo, type NativeSamples } from './binding.js'
import { callerTrace, describeTarget, fromNative, SoundFileError, withTrace } from './errors.js'
import { describeFormatCode } from './formats.js'
import { openError, openRefusal, planOpenOwning, type OpenPlan, type SoundFileMode, type SoundFileOptions, type SoundFileTarget } from './open-plan.js'
import { endpointOf, startFilePump, type NativeFilePump, type PumpFile } from './pumps.js'
import { trackRecording, untrackRecording, type Recording } from './recordings.js'
import {
  allocate,
  blocksPlan,
  concat,
  describe,
  firstFrames,
  overlappingBlocks,
  readPlan,
  writePlan,
  type BlocksOptions,
  type ReadOptions,
  type WriteOptions,
} from './samples.js'

export { pipeReadableFormats, pipeUnreadableFormats, pipeWritableFormats, type SoundFileMode, type SoundFileOptions, type SoundFileTarget } from './open-plan.js'
export type { BlocksOptions, ReadOptions, WriteOptions } from './samples.js'

/** Where seek() counts from: the start, the current position or the end (or SEEK_SET/CUR/END: 0, 1, 2). */
export type Whence = 'start' | 'current' | 'end' | 0 | 1 | 2

const SEEK_SET = 0
const SEEK_CUR = 1
const SEEK_END = 2
// sf_seek's whence may carry which pointer to move in read/write mode
const SFM_READ_FLAG = 0x10
const SFM_WRITE_FLAG = 0x20
/** frames per read when the length is unknown (a pipe) */
const CHUNK_FRAMES = 65536

/**
 * A sound file opened with libsndfile: read and write interleaved frames
 * as typed arrays of any of pastream's dtypes. Disk work runs on libuv's
 * thread pool (the Promise methods); the `*Sync` variants block.
 *
 * Conversions are libsndfile's, except that integer data and FLOAT/DOUBLE
 * files, and float32 data and PCM files, are converted here symmetrically
 * (x * 2^(bits-1), rounded and clamped) so that int16 -> FLOAT -> int16 and
 * float32 -> PCM_16 -> float32 round-trip exactly. Narrower integer reads
 * keep the top bits (int16 of a PCM_24 file drops the low 8 bits).
 *
 * @example
 * ```ts
 * await using file = await SoundFile.open('out.wav', { mode: 'w', samplerate: 48000, channels: 2 })
 * await file.write(new Int16Array(96000))
 * ```
 */
export class SoundFile implements RingEndpoint, PumpFile {
  #handle: NativeFileHandle | undefined
  #info: NativeInfo
  #queue: Promise<unknown> = Promise.resolve()
  #pending = 0
  #closing: Promise<void> | undefined
  /** set while the file is an open recording (a record pump started on it): what a signal finalizes */
  #recording: Recording | undefined
  /** the record pumps running on the file (with how to end their stream's run), stopped before a signal closes it */
  readonly #recordPumps = new Map<NativeFilePump, (() => Promise<void>) | undefined>()

  /** The path, file descriptor or '-' it was opened with. */
  readonly path: string | number
  readonly mode: SoundFileMode
  /** frames per second */
  readonly samplerate: number
  readonly channels: number
  /** container, e.g. 'WAV', 'FLAC' (a WAV being written turns into RF64 on disk if it passes 4 GiB: see README) */
  readonly format: string
  /** encoding, e.g. 'PCM_16', 'FLOAT' */
  readonly subtype: string
  /** 'FILE', 'LITTLE', 'BIG' or 'CPU' */
  readonly endian: string
  /** false for pipes: no seek(), and frames is -1 while reading */
  readonly seekable: boolean
  /** sections in the file (libsndfile's SF_INFO.sections) */
  readonly sections: number

  private constructor(plan: OpenPlan, handle: NativeFileHandle, info: NativeInfo) {
    this.#handle = handle
    this.#info = info
    this.path = plan.target
    this.mode = plan.mode
    this.samplerate = info.samplerate
    this.channels = info.channels
    const names = describeFormatCode(info.format)
    this.format = plan.requested?.format ?? names.format
    this.subtype = plan.requested?.subtype ?? names.subtype
    this.endian = plan.requested?.endian ?? names.endian
    // sf_open fills in seekable only when reading (the current info has it),
    // and libsndfile's MP3 reader says seekable even on a pipe
    this.seekable = native().info(handle).seekable && !plan.pipe
    this.sections = info.sections
  }

  /**
   * Opens a sound file off the event loop (opening stdin waits there for
   * the header).
   *
   * @param target a path, a file descriptor, or '-' for stdin (mode 'r') / stdout (mode 'w')
   * @throws TypeError / RangeError for bad or missing options, at once;
   *   SoundFileError when libsndfile fails (`Error opening 'x.wav': ...`; a
   *   full disk: code `ERR_SOUNDFILE_DISK_FULL`, and no file left) or when it
   *   could not do this on a pipe (refused before a byte moves).
   * @example
   * ```ts
   * const file = await SoundFile.open('in.flac')
   * const data = await file.read() // Float32Array, interleaved
   * await file.close()
   * ```
   */
  static async open(target: SoundFileTarget, options: SoundFileOptions = {}): Promise<SoundFile> {
    const trace = callerTrace()
    const plan = planOpenOwning(target, options)
    let opened: { handle: NativeFileHandle; info: NativeInfo }
    try {
      opened = await native().open(plan.nativeTarget, plan.nativeMode, plan.info, plan.options)
    } catch (error) {
      throw withTrace(openError(error, plan), trace)
    }
    return SoundFile.#checked(plan, opened, trace)
  }

  /** Like open(), blocking. */
  static openSync(target: SoundFileTarget, options: SoundFileOptions = {}): SoundFile {
    const plan = planOpenOwning(target, options)
    let opened: { handle: NativeFileHandle; info: NativeInfo }
    try {
      opened = native().openSync(plan.nativeTarget, plan.nativeMode, plan.info, plan.options)
    } catch (error) {
      throw openError(error, plan)
    }
    return SoundFile.#checked(plan, opened)
  }

  /** Refuses what libsndfile opened but would misread; closes it first. */
  static #checked(plan: OpenPlan, opened: { handle: NativeFileHandle; info: NativeInfo }, trace?: Error): SoundFile {
    const refusal = openRefusal(plan, opened.info.format)
    if (refusal !== undefined) {
      try {
        native().closeSync(opened.handle)
      } catch {
        // the refusal below is the error that matters; a failing close of a file only read adds nothing
      }
      throw trace ? withTrace(refusal, trace) : refusal
    }
    return new SoundFile(plan, opened.handle, opened.info)
  }

  /** True once close() or closeSync() was called. */
  get closed(): boolean {
    return this.#handle === undefined
  }

  /**
   * Frames in the file: grows while writing; -1 when libsndfile does not
   * know (reading a pipe). May be stale: while an asynchronous operation
   * runs, the count before it; after close, the last count.
   */
  get frames(): number {
    if (this.#handle !== undefined && this.mode !== 'r' && this.#pending === 0) this.#info = native().info(this.#handle)
    return this.#info.frames
  }

  #open(verb: string): NativeFileHandle {
    if (this.#handle === undefined) {
      throw new SoundFileError(`Cannot ${verb} ${describeTarget(this.path, this.mode === 'w')}: the SoundFile is closed`, {
        path: this.path,
      })
    }
    return this.#handle
  }

  /**
   * @internal For the file pumps (pumps.ts): the native handle and the
   * file's name for messages. The caller keeps the file idle while a pump
   * runs on it (libsndfile calls are serialised by the native mutex anyway).
   */
  pumpTarget(direction: 'record' | 'play'): { handle: NativeFileHandle; name: string } {
    const verb = direction === 'record' ? 'record to' : 'play'
    const handle = direction === 'record' ? this.#writable(verb) : this.#readable(verb)
    this.#refuseWhileBusy(`SoundFile as a stream's ${direction === 'record' ? 'sink' : 'source'}`)
    return { handle, name: describeTarget(this.path, this.mode === 'w') }
  }

  #idle(method: string): void {
    this.#refuseWhileBusy(`SoundFile.${method}()`)
  }

  #refuseWhileBusy(what: string): void {
    if (this.#pending > 0) throw new Error(`${what} while an asynchronous operation is in progress: await it first`)
  }

  /** Runs native operations one after the other, in call order. */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    this.#pending++
    const result = this.#queue.then(operation).finally(() => this.#pending--)
    this.#queue = result.catch(() => undefined)
    return result
  }

  #readable(verb: string): NativeFileHandle {
    const handle = this.#open(verb)
    if (this.mode === 'w') {
      throw new SoundFileError(`Cannot ${verb} ${describeTarget(this.path, true)}: it was opened for writing (mode 'w')`, {
        path: this.path,
      })
    }
    return handle
  }

  #writable(verb: string): NativeFileHandle {
    const handle = this.#open(verb)
    if (this.mode === 'r') {
      throw new SoundFileError(`Cannot ${verb} ${describeTarget(this.path, false)}: it was opened for reading (mode 'r')`, {
        path: this.path,
      })
    }
    return handle
  }

  /** Frames from the read position to the end, or undefined when unknown (a pipe). */
  #remaining(handle: NativeFileHandle): number | undefined {
    const info = this.mode === 'r' ? this.#info : native().info(handle)
    if (info.frames < 0 || !this.seekable) return undefined
    const position = native().seek(handle, 0, SEEK_CUR | SFM_READ_FLAG)
    return Math.max(0, info.frames - position)
  }

  /**
   * Reads up to `frames` frames from the read position, off the event loop.
   * Fewer come back at the end of the file; none after it.
   *
   * @param frames default: the rest of the file (of a pipe: until it ends), or what fits in `out`
   * @returns interleaved samples of `dtype` (float32 by default): `out` or a part of it when given
   * @throws SoundFileError when libsndfile fails or the file is closed or write-only
   * @example
   * ```ts
   * const head = await file.read(1024, { dtype: 'int16' })
   * ```
   */
  read<A extends SampleArray>(frames: number | undefined, options: { out: A; dtype?: DType }): Promise<A>
  read<D extends DType = 'float32'>(frames?: number, options?: ReadOptions<D>): Promise<SampleArrayOf<D>>
  async read<D extends DType = 'float32'>(frames?: number, options: ReadOptions<D> = {}): Promise<SampleArrayOf<D>> {
    const trace = callerTrace()
    const handle = this.#readable('read from')
    const plan = readPlan(this.channels, frames, options)
    const dtype = plan.dtype
    try {
      return await this.#serial(async () => {
        const wanted = plan.frames ?? this.#remaining(handle)
        if (wanted !== undefined) {
          const out = plan.out ?? allocate(dtype, this.channels, wanted)
          return firstFrames(dtype, this.channels, out, await native().read(handle, sampleFormatCodes[dtype], wanted, out))
        }
        // unknown length: read blocks until the end
        const parts: NativeSamples[] = []
        for (;;) {
          const out = allocate(dtype, this.channels, CHUNK_FRAMES)
          const got = await native().read(handle, sampleFormatCodes[dtype], CHUNK_FRAMES, out)
          if (got > 0) parts.push(firstFrames(dtype, this.channels, out, got))
          if (got < CHUNK_FRAMES) break
        }
        return concat(dtype, parts) as SampleArrayOf<D>
      })
    } catch (error) {
      throw withTrace(fromNative(error, 'Error reading', this.path, false), trace)
    }
  }

  /** Like read(), blocking. */
  readSync<A extends SampleArray>(frames: number | undefined, options: { out: A; dtype?: DType }): A
  readSync<D extends DType = 'float32'>(frames?: number, options?: ReadOptions<D>): SampleArrayOf<D>
  readSync<D extends DType = 'float32'>(frames?: number, options: ReadOptions<D> = {}): SampleArrayOf<D> {
    this.#idle('readSync')
    const handle = this.#readable('read from')
    const plan = readPlan(this.channels, frames, options)
    const dtype = plan.dtype
    try {
      const wanted = plan.frames ?? this.#remaining(handle)
      if (wanted !== undefined) {
        const out = plan.out ?? allocate(dtype, this.channels, wanted)
        return firstFrames(dtype, this.channels, out, native().readSync(handle, sampleFormatCodes[dtype], wanted, out))
      }
      const parts: NativeSamples[] = []
      for (;;) {
        const out = allocate(dtype, this.channels, CHUNK_FRAMES)
        const got = native().readSync(handle, sampleFormatCodes[dtype], CHUNK_FRAMES, out)
        if (got > 0) parts.push(firstFrames(dtype, this.channels, out, got))
        if (got < CHUNK_FRAMES) break
      }
      return concat(dtype, parts) as SampleArrayOf<D>
    } catch (error) {
      throw fromNative(error, 'Error reading', this.path, false)
    }
  }

  /**
   * Writes interleaved frames at the write position, off the event loop.
   * The samples are copied before this returns, so `data` may be reused at once.
   *
   * @param data Float32Array, Int32Array, Int16Array, Int8Array, or Uint8Array (uint8; int24 with `{ dtype: 'int24' }`)
   * @throws SoundFileError when libsndfile fails (disk full) or the file is closed or read-only
   * @example
   * ```ts
   * await file.write(new Float32Array([0, 0.5, -0.5, 1]))
   * ```
   */
  async write(data: NativeSamples, options: WriteOptions = {}): Promise<void> {
    const trace = callerTrace()
    const handle = this.#writable('write to')
    const plan = writePlan(this.channels, data, options)
    try {
      // the addon copies the samples now, before the operation waits in the queue
      const copy = plan.data.slice()
      await this.#serial(() => native().write(handle, sampleFormatCodes[plan.dtype], plan.frames, copy))
    } catch (error) {
      throw withTrace(fromNative(error, 'Error writing', this.path, true), trace)
    }
  }

  /** Like write(), blocking. */
  writeSync(data: NativeSamples, options: WriteOptions = {}): void {
    this.#idle('writeSync')
    const handle = this.#writable('write to')
    const plan = writePlan(this.channels, data, options)
    try {
      native().writeSync(handle, sampleFormatCodes[plan.dtype], plan.frames, plan.data)
    } catch (error) {
      throw fromNative(error, 'Error writing', this.path, true)
    }
  }

  /**
   * Moves the read and write positions (both, in mode 'rw').
   *
   * @param frames offset from `whence`
   * @param whence 'start' (default), 'current' or 'end'
   * @returns the new position, in frames from the start
   * @throws SoundFileError when not seekable (a pipe), out of range, or closed
   * @example
   * ```ts
   * file.seek(-1024, 'end')
   * ```
   */
  seek(frames: number, whence: Whence = 'start'): number {
    this.#idle('seek')
    const handle = this.#open('seek in')
    if (!Number.isSafeInteger(frames)) throw new RangeError(`Expected an integer for frames, got ${describe(frames)}`)
    const code =
      whence === 'start' || whence === 0 ? SEEK_SET : whence === 'current' || whence === 1 ? SEEK_CUR : whence === 'end' || whence === 2 ? SEEK_END : undefined
    if (code === undefined) throw new RangeError(`Expected 'start', 'current' or 'end' for whence, got ${describe(whence)}`)
    const name = describeTarget(this.path, this.mode === 'w')
    if (!this.seekable) {
      throw new SoundFileError(`Error seeking in ${name}: it is not seekable (a pipe)`, { path: this.path })
    }
    try {
      return native().seek(handle, frames, code)
    } catch (error) {
      throw fromNative(error, 'Error seeking in', this.path, this.mode === 'w')
    }
  }

  /**
   * @internal The RingEndpoint protocol of @pastream/stream: lets
   * `play(file)`, `playrec(file)`, `chunks({ playback: file })`,
   * `setSource(file)` and `setSink(file)` stream this file through a native
   * pump (role 'source': from its start, exactly its frames unless looping;
   * role 'sink': appended at the write position). The file stays open:
   * close it after the run.
   */
  [ringEndpoint](role: 'source' | 'sink', ring: RingBuffer, context: RingEndpointContext): RingEndpointPump {
    const { pump, sourceFrames } = this.startPump(role, ring, context)
    return endpointOf(pump, sourceFrames)
  }

  /**
   * @internal Starts a native pump on a ring the stream allocated (see
   * [ringEndpoint]); a record pump makes the file an open recording, which
   * SIGINT and SIGTERM finalize (recordings.ts) until the file is closed.
   * `endRun`, when the caller knows the stream, ends its run first on a
   * signal, so that the pump writes every frame the stream processed.
   */
  startPump(
    role: 'source' | 'sink',
    ring: RingBuffer,
    context: RingEndpointContext,
    endRun?: () => Promise<void>,
  ): { pump: NativeFilePump; sourceFrames: number | undefined } {
    const started = startFilePump(this, role, ring, context)
    if (role === 'sink') {
      const pump = started.pump
      this.#recordPumps.set(pump, endRun)
      const forget = () => this.#recordPumps.delete(pump)
      void pump.done.then(forget, forget)
      if (this.#recording === undefined) {
        this.#recording = { finalize: () => this.#finalize() }
        trackRecording(this.#recording)
      }
    }
    return started
  }

  /** Ends the runs that record here, stops their pumps (each writes what is left in its ring), then closes the file. */
  async #finalize(): Promise<void> {
    const runs = [...this.#recordPumps]
    await Promise.allSettled(runs.map(([, endRun]) => endRun?.()))
    await Promise.allSettled(runs.map(([pump]) => pump.stop()))
    await this.close()
  }

  /** The file is closing: no longer a recording to finalize. */
  #untrack(): void {
    if (this.#recording === undefined) return
    untrackRecording(this.#recording)
    this.#recording = undefined
  }

  /** The read position in frames (in mode 'w': the write position). */
  tell(): number {
    this.#idle('tell')
    const handle = this.#open('tell the position in')
    try {
      return native().seek(handle, 0, SEEK_CUR | (this.mode === 'w' ? SFM_WRITE_FLAG : SFM_READ_FLAG))
    } catch (error) {
      throw fromNative(error, 'Error telling the position in', this.path, this.mode === 'w')
    }
  }

  /**
   * Reads the file in blocks of `blocksize` frames, each repeating the last
   * `overlap` frames of the one before; the last block may be shorter.
   * Blocks are new arrays, the caller may keep them.
   *
   * @throws RangeError for a bad blocksize or overlap; SoundFileError as read()
   * @example
   * ```ts
   * for await (const block of file.blocks({ blocksize: 1024, overlap: 512 })) analyse(block)
   * ```
   */
  async *blocks<D extends DType = 'float32'>(options: BlocksOptions<D>): AsyncGenerator<SampleArrayOf<D>, void, undefined> {
    const plan = blocksPlan(options)
    this.#readable('read blocks from')
    yield* overlappingBlocks(plan, this.channels, (frames) => this.read(frames, { dtype: plan.dtype } as ReadOptions<D>))
  }

  /**
   * Closes the file off the event loop, after the operations already asked
   * for; a written file gets its final header here. Closing again returns
   * the same promise.
   *
   * @throws SoundFileError when libsndfile fails to finish the file
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing
    const trace = callerTrace()
    const handle = this.#handle
    if (handle === undefined) return Promise.resolve()
    this.#handle = undefined
    this.#untrack()
    this.#closing = this.#serial(async () => {
      if (this.mode !== 'r') this.#info = native().info(handle)
      await native().close(handle)
    }).catch((error: unknown) => {
      throw withTrace(fromNative(error, 'Error closing', this.path, this.mode === 'w'), trace)
    })
    return this.#closing
  }

  /** Like close(), blocking. */
  closeSync(): void {
    if (this.#handle === undefined) return
    this.#idle('closeSync')
    const handle = this.#handle
    if (this.mode !== 'r') this.#info = native().info(handle)
    this.#handle = undefined
    this.#untrack()
    this.#closing = Promise.resolve()
    try {
      native().closeSync(handle)
    } catch (error) {
      throw fromNative(error, 'Error closing', this.path, this.mode === 'w')
    }
  }

  /** `await using file = await SoundFile.open(...)` closes it at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** Like python-soundfile's repr. */
  toString(): string {
    const path = typeof this.path === 'string' ? `'${this.path}'` : String(this.path)
    return `SoundFile(${path}, mode='${this.mode}', samplerate=${this.samplerate}, channels=${this.channels}, format='${this.format}', subtype='${this.subtype}', endian='${this.endian}')`
  }
}
