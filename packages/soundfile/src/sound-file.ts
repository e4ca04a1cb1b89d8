import { closeSync, fstatSync, statSync } from 'node:fs'
import { arrayTypes, dtypes, ringEndpoint, type DType, type RingBuffer, type RingEndpoint, type RingEndpointContext, type RingEndpointPump, type SampleArray, type SampleArrayOf } from '@pastream/stream'
import { endpointOf, startFilePump, type NativeFilePump, type PumpFile } from './pumps.js'
import { trackRecording, untrackRecording, type Recording } from './recordings.js'
import { native, type NativeFileHandle, type NativeInfo, type NativeOpenOptions, type NativeSamples } from './binding.js'
import { describeTarget, fromNative, SoundFileError } from './errors.js'
import {
  defaultSubtypes,
  describeFormatCode,
  formatCode,
  formatCodes,
  formatFromExtension,
  requireEndian,
  requireFormat,
  requireSubtype,
  type EndianName,
  type FormatName,
  type SubtypeName,
} from './formats.js'

/** 'r' read, 'w' write (create or truncate), 'rw' read and write (an existing file, or a new one). */
export type SoundFileMode = 'r' | 'w' | 'rw'

/** Where seek() counts from: the start, the current position or the end (or SEEK_SET/CUR/END: 0, 1, 2). */
export type Whence = 'start' | 'current' | 'end' | 0 | 1 | 2

/** What to open: a path, a file descriptor, or '-' for stdin (reading) / stdout (writing). */
export type SoundFileTarget = string | number

export interface SoundFileOptions {
  /** default 'r' */
  mode?: SoundFileMode
  /** frames per second; needed to write, and to read RAW */
  samplerate?: number
  /** needed to write, and to read RAW */
  channels?: number
  /**
   * Container, e.g. 'WAV', 'FLAC' (see availableFormats()). Writing: from
   * the file extension when not given. Reading: needed for RAW (also taken
   * from a .raw/.pcm extension); for other formats it is checked against
   * the file's header.
   */
  format?: string
  /** Encoding, e.g. 'PCM_16', 'FLOAT' (see availableSubtypes()). Writing: the format's default when not given. Needed for RAW. */
  subtype?: string
  /** 'FILE' (the container's default), 'LITTLE', 'BIG' or 'CPU' */
  endian?: string
  /** With a file descriptor: close it when the SoundFile closes. Default true (ignored for '-'). */
  closefd?: boolean
}

export interface ReadOptions<D extends DType = DType> {
  /** sample type of the result; default float32, or the type of `out` */
  dtype?: D
  /** read into this array (interleaved); frames defaults to what fits */
  out?: SampleArrayOf<D>
}

export interface WriteOptions {
  /** the array's sample type; needed only for int24 (packed bytes in a Uint8Array, which otherwise means uint8) */
  dtype?: DType
}

export interface BlocksOptions<D extends DType = DType> {
  /** frames per block, including the overlap */
  blocksize: number
  /** frames each block repeats from the end of the one before; default 0 */
  overlap?: number
  /** sample type of the blocks; default float32 */
  dtype?: D
  /** frames to read in all (the overlap counted once); default: to the end of the file */
  frames?: number
}


/**
 * The formats libsndfile writes to a pipe correctly (checked by
 * `pipes.test.ts` for every format). The rest it cannot finish without
 * seeking back to the header: WAV, CAF, W64, RF64 and most others fail at
 * open, AIFF only after writing a partial header. Two seem to work and do
 * not: FLAC gets libFLAC's final STREAMINFO rewrite appended to the stream
 * (libsndfile's seek on a pipe silently does nothing), which libsndfile
 * then refuses to read ("flac decoder lost sync"); MP3 loses its last
 * frames (20000 written, 11520 read back).
 */
export const pipeWritableFormats: readonly FormatName[] = ['AU', 'RAW', 'OGG', 'IRCAM', 'PAF', 'PVF', 'MPC2K', 'AVR']

/**
 * The formats libsndfile reads from a pipe correctly (checked by
 * `pipes.test.ts` for every format).
 */
export const pipeReadableFormats: readonly FormatName[] = [
  'WAV', 'WAVEX', 'AIFF', 'AU', 'RAW', 'W64', 'OGG', 'MP3', 'NIST', 'IRCAM', 'PAF', 'PVF', 'SVX', 'MAT4', 'MAT5', 'MPC2K', 'AVR',
]

/**
 * The formats libsndfile cannot read from a pipe: it misreads CAF, RF64
 * and SDS (no frames, or garbage), and fails to open the others there.
 * Refused before a sample is returned: up front when `format` names one,
 * otherwise as soon as the header shows one.
 */
export const pipeUnreadableFormats: readonly FormatName[] = ['CAF', 'RF64', 'SDS', 'FLAC', 'HTK', 'SD2', 'VOC', 'WVE', 'XI']

const SEEK_SET = 0
const SEEK_CUR = 1
const SEEK_END = 2
// sf_seek's whence may carry which pointer to move in read/write mode
const SFM_READ_FLAG = 0x10
const SFM_WRITE_FLAG = 0x20

function describe(value: unknown): string {
  return `${typeof value === 'string' ? `'${value}'` : String(value)} (${typeof value})`
}

function requirePositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`Expected a positive integer for ${name}, got ${describe(value)}`)
  }
  return value
}

function requireDType(value: unknown, name = 'dtype'): DType {
  if (typeof value !== 'string' || !dtypes.includes(value as DType)) {
    throw new RangeError(`Expected one of ${dtypes.join(', ')} for ${name}, got ${describe(value)}`)
  }
  return value as DType
}

/** The dtype of a typed array; a Uint8Array is uint8 unless the caller says int24. */
function dtypeOf(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'float32'
  if (data instanceof Int32Array) return 'int32'
  if (data instanceof Int16Array) return 'int16'
  if (data instanceof Int8Array) return 'int8'
  if (data instanceof Uint8Array) return 'uint8'
  return undefined
}

function isPipeFd(fd: number): boolean {
  try {
    const stat = fstatSync(fd)
    return stat.isFIFO() || stat.isSocket()
  } catch {
    return false // a bad descriptor: libsndfile says so at open
  }
}

function isPipePath(path: string): boolean {
  try {
    const stat = statSync(path)
    return stat.isFIFO() || stat.isSocket()
  } catch {
    return false
  }
}

/** Size in bytes of what the target holds now, or undefined (missing, pipe, bad fd). */
function existingSize(target: string | number): number | undefined {
  try {
    const stat = typeof target === 'number' ? fstatSync(target) : statSync(target)
    return stat.isFile() ? stat.size : undefined
  } catch {
    return undefined
  }
}

/** The caller's stack, to put on errors that come back from the thread pool. */
function callerTrace(): Error {
  const trace = new Error()
  Error.captureStackTrace(trace, callerTrace)
  return trace
}

function withTrace(error: unknown, trace: Error): unknown {
  if (error instanceof Error && typeof trace.stack === 'string') {
    const head = `${error.name}: ${error.message}`
    error.stack = `${head}\n${trace.stack.split('\n').slice(1).join('\n')}`
  }
  return error
}

function sameFamily(expected: FormatName, actual: string): boolean {
  const wav = ['WAV', 'WAVEX', 'RF64']
  return expected === actual || (wav.includes(expected) && wav.includes(actual))
}

/** Everything needed to call the addon's open, decided before any byte moves. */
interface OpenPlan {
  target: string | number
  nativeTarget: string | number
  writing: boolean
  mode: SoundFileMode
  nativeMode: number
  info: { samplerate: number; channels: number; format: number }
  options: NativeOpenOptions
  pipe: boolean
  /** reading: the format the caller said the file has */
  expectedFormat: FormatName | undefined
  /** writing: the names the caller asked for (WAV, even when libsndfile writes RF64 that downgrades) */
  requested: { format: FormatName; subtype: SubtypeName; endian: EndianName } | undefined
}

function planOpen(target: unknown, options: SoundFileOptions): OpenPlan {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected an options object, got ${describe(options)}`)
  }
  const isFd = typeof target === 'number'
  if (isFd ? !Number.isSafeInteger(target) || target < 0 : typeof target !== 'string' || target === '') {
    throw new TypeError(`Expected a path, a file descriptor or '-' to open, got ${describe(target)}`)
  }
  const mode = options.mode ?? 'r'
  if (mode !== 'r' && mode !== 'w' && mode !== 'rw') {
    throw new RangeError(`Expected 'r', 'w' or 'rw' for mode, got ${describe(mode)}`)
  }
  const modes = native().modes
  const std = target === '-'
  if (std && mode === 'rw') throw new RangeError("'-' is stdin for reading or stdout for writing: mode 'rw' is not possible")
  const nativeTarget = std ? (mode === 'r' ? 0 : 1) : (target as string | number)
  const pipe = typeof nativeTarget === 'number' ? isPipeFd(nativeTarget) : isPipePath(nativeTarget)
  const name = describeTarget(target as string | number, mode === 'w')
  // 'rw' on something that exists behaves like reading (the header says it all), otherwise like writing
  const size = mode === 'rw' ? existingSize(nativeTarget) : undefined
  const writing = mode === 'w' || (mode === 'rw' && !(size !== undefined && size > 0))

  if (pipe && mode === 'rw') {
    throw new SoundFileError(`Error opening ${name}: a pipe cannot be opened for reading and writing`, { path: target as string | number })
  }

  const format =
    options.format !== undefined
      ? requireFormat(options.format)
      : typeof nativeTarget === 'string' && !std
        ? formatFromExtension(nativeTarget)
        : undefined
  const raw = format === 'RAW'
  const open: NativeOpenOptions = {
    closefd: std ? false : options.closefd ?? true,
    rf64Downgrade: false,
    blocking: pipe && typeof nativeTarget === 'number',
  }
  const nativeMode = mode === 'r' ? modes.READ : mode === 'w' ? modes.WRITE : modes.RDWR

  if (!writing && !raw) {
    const given = (['samplerate', 'channels', 'subtype', 'endian'] as const).filter((key) => options[key] !== undefined)
    if (given.length > 0) {
      throw new TypeError(
        `${given.join(', ')} cannot be set when reading ${name}: they come from its header (only RAW files need them)`,
      )
    }
    const expected = options.format !== undefined ? format : undefined
    if (pipe && expected !== undefined && pipeUnreadableFormats.includes(expected)) {
      throw new SoundFileError(
        `Error opening ${name}: libsndfile cannot read ${expected} from a pipe; read it from a file`,
        { path: target as string | number },
      )
    }
    return {
      target: target as string | number,
      nativeTarget,
      writing,
      mode,
      nativeMode,
      info: { samplerate: 0, channels: 0, format: 0 },
      options: open,
      pipe,
      expectedFormat: expected,
      requested: undefined,
    }
  }

  // writing, or reading RAW: every parameter must be known
  if (format === undefined) {
    const where = typeof nativeTarget === 'string' && !std ? `the extension of ${name}` : `${name} (no file extension)`
    throw new TypeError(`Cannot tell the format from ${where}: pass format, e.g. 'WAV' (see availableFormats())`)
  }
  const subtype = options.subtype !== undefined ? requireSubtype(options.subtype) : defaultSubtypes[format]
  const endian = options.endian !== undefined ? requireEndian(options.endian) : 'FILE'
  const missing = [
    options.samplerate === undefined ? 'samplerate' : undefined,
    options.channels === undefined ? 'channels' : undefined,
    raw && options.subtype === undefined ? 'subtype' : undefined,
  ].filter((key): key is string => key !== undefined)
  if (missing.length > 0) {
    throw new TypeError(
      raw
        ? `RAW files need samplerate, channels and subtype: missing ${missing.join(', ')}`
        : `Writing ${name} needs samplerate and channels: missing ${missing.join(', ')}`,
    )
  }
  const samplerate = requirePositiveInteger(options.samplerate, 'samplerate')
  const channels = requirePositiveInteger(options.channels, 'channels')
  if (subtype === undefined) throw new TypeError(`RAW files need samplerate, channels and subtype: missing subtype`)
  const code = formatCode(format, subtype, endian)
  if (!native().formatCheck(code, samplerate, channels)) {
    throw new RangeError(
      `libsndfile cannot write ${format} with subtype ${subtype}, endian ${endian}, ${channels} channel(s) at ${samplerate} Hz (see availableSubtypes('${format}'))`,
    )
  }
  if (pipe && writing && !pipeWritableFormats.includes(format)) {
    const why =
      format === 'FLAC'
        ? 'libsndfile appends a stray STREAMINFO block to FLAC on a pipe, which it then cannot read back'
        : format === 'MP3'
          ? 'libsndfile loses the last frames of MP3 on a pipe'
          : `libsndfile cannot write ${format} to a pipe (it must seek back to finish the header)`
    throw new SoundFileError(`Error opening ${name}: ${why}; to a pipe it writes ${pipeWritableFormats.join(', ')}`, {
      path: target as string | number,
    })
  }
  let nativeCode = code
  if (format === 'WAV' && mode === 'w') {
    // libsndfile silently wraps a WAV header's 32-bit sizes past 4 GiB. As
    // RF64 with auto-downgrade it writes RF64 only when the file gets that
    // big, and otherwise a RIFF/WAVE file (which it reads back as WAVEX:
    // the downgrade keeps RF64's extensible fmt chunk and a JUNK chunk).
    const rf64 = formatCodes.RF64 | (code & ~0x0fff0000)
    if (native().formatCheck(rf64, samplerate, channels)) {
      nativeCode = rf64
      open.rf64Downgrade = true
    }
  }
  return {
    target: target as string | number,
    nativeTarget,
    writing,
    mode,
    nativeMode,
    info: { samplerate, channels, format: nativeCode },
    options: open,
    pipe,
    expectedFormat: raw && !writing ? 'RAW' : undefined,
    requested: writing ? { format, subtype, endian } : undefined,
  }
}

/**
 * planOpen, and with closefd a descriptor it refuses is closed, as
 * libsndfile closes one it fails to open: the SoundFile owns it either way.
 */
function planOpenOwning(target: unknown, options: SoundFileOptions): OpenPlan {
  try {
    return planOpen(target, options)
  } catch (error) {
    const owned = typeof target === 'number' && Number.isSafeInteger(target) && target >= 0 && options?.closefd !== false
    if (owned) {
      try {
        closeSync(target)
      } catch {
        // already closed or never valid: the refusal is the error to report
      }
    }
    throw error
  }
}

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
  /** container, e.g. 'WAV', 'FLAC' (a WAV being written is RF64 on disk until it closes small: see README) */
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
   *   SoundFileError when libsndfile fails (`Error opening 'x.wav': ...`) or
   *   when it could not do this on a pipe (refused before a byte moves).
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
      throw withTrace(SoundFile.#openError(error, plan), trace)
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
      throw SoundFile.#openError(error, plan)
    }
    return SoundFile.#checked(plan, opened)
  }

  static #openError(error: unknown, plan: OpenPlan): unknown {
    let hint = ''
    if (plan.pipe && !plan.writing) hint = ` (from a pipe, libsndfile reads only ${pipeReadableFormats.join(', ')})`
    else if (!plan.writing && (error as { sndfileErrorCode?: unknown } | null)?.sndfileErrorCode === 1) {
      // SF_ERR_UNRECOGNISED_FORMAT: libsndfile says "Format not recognised." for these too
      try {
        const stat = typeof plan.nativeTarget === 'number' ? fstatSync(plan.nativeTarget) : statSync(plan.nativeTarget)
        if (stat.isDirectory()) hint = ' (it is a directory)'
        else if (stat.isFile() && stat.size === 0) hint = ' (the file is empty)'
      } catch {
        // missing or closed: libsndfile's message says so
      }
    }
    return fromNative(error, 'Error opening', plan.target, plan.writing, hint)
  }

  /** Refuses what libsndfile opened but would misread; closes it first. */
  static #checked(plan: OpenPlan, opened: { handle: NativeFileHandle; info: NativeInfo }, trace?: Error): SoundFile {
    const found = describeFormatCode(opened.info.format).format
    const name = describeTarget(plan.target, plan.writing)
    let problem: string | undefined
    if (!plan.writing && plan.pipe && pipeUnreadableFormats.includes(found as FormatName)) {
      problem = `libsndfile misreads ${found} from a pipe; read it from a file`
    } else if (!plan.writing && plan.expectedFormat !== undefined && !sameFamily(plan.expectedFormat, found)) {
      problem = `expected ${plan.expectedFormat}, but the file is ${found}`
    }
    if (problem !== undefined) {
      try {
        native().closeSync(opened.handle)
      } catch {
        // the refusal below is the error that matters; a failing close of a file only read adds nothing
      }
      const error = new SoundFileError(`Error opening ${name}: ${problem}`, { path: plan.target })
      throw trace ? withTrace(error, trace) : error
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
    this.#idle(direction === 'record' ? 'recordToFile' : 'playFromFile')
    return { handle, name: describeTarget(this.path, this.mode === 'w') }
  }

  #idle(method: string): void {
    if (this.#pending > 0) {
      throw new Error(`SoundFile.${method}() while an asynchronous operation is in progress: await it first`)
    }
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

  #readPlan<D extends DType>(
    frames: number | undefined,
    options: ReadOptions<D>,
  ): { dtype: D; frames: number | undefined; out: NativeSamples | undefined } {
    if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${describe(options)}`)
    const out = options.out as NativeSamples | undefined
    let dtype: DType
    if (options.dtype !== undefined) dtype = requireDType(options.dtype)
    else dtype = out !== undefined ? (dtypeOf(out) ?? 'float32') : 'float32'
    if (out !== undefined && !(out instanceof arrayTypes[dtype])) {
      throw new TypeError(`Expected a ${arrayTypes[dtype].name} for out (dtype ${dtype}), got ${Object.prototype.toString.call(out)}`)
    }
    if (frames !== undefined && frames !== -1 && (!Number.isSafeInteger(frames) || frames < 0)) {
      throw new RangeError(`Expected a non-negative integer or -1 for frames, got ${describe(frames)}`)
    }
    const frameSize = this.channels * (dtype === 'int24' ? 3 : 1)
    if (out !== undefined) {
      const capacity = Math.floor(out.length / frameSize)
      if (frames === undefined || frames === -1) frames = capacity
      else if (frames > capacity) {
        throw new RangeError(`out holds ${capacity} frames of ${this.channels} channel(s), fewer than the ${frames} frames asked for`)
      }
    }
    return { dtype: dtype as D, frames: frames === -1 ? undefined : frames, out }
  }

  #result<D extends DType>(dtype: D, out: NativeSamples, got: number): SampleArrayOf<D> {
    const samples = got * this.channels * (dtype === 'int24' ? 3 : 1)
    return (samples === out.length ? out : out.subarray(0, samples)) as SampleArrayOf<D>
  }

  #allocate(dtype: DType, frames: number): NativeSamples {
    return new arrayTypes[dtype](frames * this.channels * (dtype === 'int24' ? 3 : 1))
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
    const plan = this.#readPlan(frames, options)
    const dtype = plan.dtype
    try {
      return await this.#serial(async () => {
        const wanted = plan.frames ?? this.#remaining(handle)
        if (wanted !== undefined) {
          const out = plan.out ?? this.#allocate(dtype, wanted)
          const got = await native().read(handle, dtype, wanted, out)
          return this.#result(dtype, out, got)
        }
        // unknown length: read blocks until the end
        const parts: NativeSamples[] = []
        const chunk = 65536
        for (;;) {
          const out = this.#allocate(dtype, chunk)
          const got = await native().read(handle, dtype, chunk, out)
          if (got > 0) parts.push(this.#result(dtype, out, got))
          if (got < chunk) break
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
    const plan = this.#readPlan(frames, options)
    const dtype = plan.dtype
    try {
      const wanted = plan.frames ?? this.#remaining(handle)
      if (wanted !== undefined) {
        const out = plan.out ?? this.#allocate(dtype, wanted)
        return this.#result(dtype, out, native().readSync(handle, dtype, wanted, out))
      }
      const parts: NativeSamples[] = []
      const chunk = 65536
      for (;;) {
        const out = this.#allocate(dtype, chunk)
        const got = native().readSync(handle, dtype, chunk, out)
        if (got > 0) parts.push(this.#result(dtype, out, got))
        if (got < chunk) break
      }
      return concat(dtype, parts) as SampleArrayOf<D>
    } catch (error) {
      throw fromNative(error, 'Error reading', this.path, false)
    }
  }

  #writePlan(data: unknown, options: WriteOptions): { dtype: DType; frames: number; data: NativeSamples } {
    if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${describe(options)}`)
    const inferred = dtypeOf(data)
    if (inferred === undefined) {
      throw new TypeError(
        `Expected a Float32Array, Int32Array, Int16Array, Int8Array or Uint8Array to write, got ${Object.prototype.toString.call(data)}`,
      )
    }
    const dtype = options.dtype !== undefined ? requireDType(options.dtype) : inferred
    if (!(data instanceof arrayTypes[dtype])) {
      throw new TypeError(`Expected a ${arrayTypes[dtype].name} for dtype ${dtype}, got a ${(data as object).constructor.name}`)
    }
    const samples = data as NativeSamples
    const frameSize = this.channels * (dtype === 'int24' ? 3 : 1)
    if (samples.length % frameSize !== 0) {
      throw new RangeError(
        `Expected whole frames of ${this.channels} channel(s)${dtype === 'int24' ? ' x 3 bytes' : ''}, got ${samples.length} samples`,
      )
    }
    return { dtype, frames: samples.length / frameSize, data: samples }
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
    const plan = this.#writePlan(data, options)
    try {
      // the addon copies the samples now, before the operation waits in the queue
      const copy = plan.data.slice()
      await this.#serial(() => native().write(handle, plan.dtype, plan.frames, copy))
    } catch (error) {
      throw withTrace(fromNative(error, 'Error writing', this.path, true), trace)
    }
  }

  /** Like write(), blocking. */
  writeSync(data: NativeSamples, options: WriteOptions = {}): void {
    this.#idle('writeSync')
    const handle = this.#writable('write to')
    const plan = this.#writePlan(data, options)
    try {
      native().writeSync(handle, plan.dtype, plan.frames, plan.data)
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
    if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${describe(options)}`)
    const blocksize = requirePositiveInteger(options.blocksize, 'blocksize')
    const overlap = options.overlap ?? 0
    if (!Number.isSafeInteger(overlap) || overlap < 0 || overlap >= blocksize) {
      throw new RangeError(`Expected an integer from 0 to blocksize - 1 (${blocksize - 1}) for overlap, got ${describe(overlap)}`)
    }
    const dtype = (options.dtype !== undefined ? requireDType(options.dtype) : 'float32') as D
    if (options.frames !== undefined && options.frames !== -1 && (!Number.isSafeInteger(options.frames) || options.frames < 0)) {
      throw new RangeError(`Expected a non-negative integer or -1 for frames, got ${describe(options.frames)}`)
    }
    this.#readable('read blocks from')
    let remaining = options.frames === undefined || options.frames === -1 ? Infinity : options.frames
    const frameSize = this.channels * (dtype === 'int24' ? 3 : 1)
    let previous: NativeSamples | undefined
    while (remaining > 0) {
      const fresh = Math.min(previous === undefined ? blocksize : blocksize - overlap, remaining)
      const data = (await this.read(fresh, { dtype } as ReadOptions<D>)) as NativeSamples
      const got = data.length / frameSize
      if (got === 0) return
      remaining -= got
      let block = data
      if (previous !== undefined && overlap > 0) {
        block = concat(dtype, [previous.subarray(previous.length - overlap * frameSize), data])
      }
      yield block as SampleArrayOf<D>
      previous = block
      if (got < fresh) return
    }
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

function concat(dtype: DType, parts: NativeSamples[]): NativeSamples {
  const total = parts.reduce((sum, part) => sum + part.length, 0)
  const result = new arrayTypes[dtype](total)
  let offset = 0
  for (const part of parts) {
    ;(result as Uint8Array).set(part as Uint8Array, offset)
    offset += part.length
  }
  return result
}
