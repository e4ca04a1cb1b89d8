// This package's addon (pastream_sndfile, loaded by core-native's
// addonLoader: the platform package, then build/Release) and its raw
// functions, typed here and used only by this package's wrappers; JS never
// sees a SNDFILE pointer.
import { addonLoader } from '@pastream/core-native'

/** SF_INFO as the addon reports it; frames is -1 when libsndfile does not know (a pipe). */
export interface NativeInfo {
  frames: number
  samplerate: number
  channels: number
  /** SF_FORMAT_* code: major | subtype | endian */
  format: number
  sections: number
  seekable: boolean
}

/** One entry of libsndfile's format or subtype list (SFC_GET_FORMAT_MAJOR / _SUBTYPE). */
export interface NativeFormatInfo {
  format: number
  name: string
  extension: string
}

export interface NativeOpenOptions {
  /** sf_open_fd: close the descriptor when the file is closed */
  closefd: boolean
  /**
   * Writing: SFC_RF64_AUTO_DOWNGRADE, an RF64 file that stays under 4 GiB
   * is written as WAV, with a plain fmt chunk for 1 or 2 channels (the glue
   * writes it through its own I/O: src/binding/wav_writer.cc)
   */
  rf64Downgrade: boolean
  /** clear O_NONBLOCK on the descriptor first (a pipe Node has touched) */
  blocking: boolean
}

/**
 * The stable `code` every error thrown by the addon carries (see
 * src/binding/glue.h). TypeScript maps codes to its error classes and never
 * parses a message.
 *
 * - `ERR_SOUNDFILE_CLOSED`: a call on a closed file ("sound file is closed")
 * - `ERR_SOUNDFILE_LIBSNDFILE`: libsndfile failed; the error also carries
 *   `sndfileErrorCode` (sf_error's number), and `errno` when a system call failed
 * - `ERR_SOUNDFILE_INVALID_HANDLE`: a TypeError: not a sound file or pump handle
 * - `ERR_SOUNDFILE_INVALID_ARG`: a TypeError or RangeError: an argument of
 *   the wrong type, size or range
 * - `ERR_SOUNDFILE_DETACHED`: a read's output array was detached or shrunk meanwhile
 * - `ERR_SOUNDFILE_PUMP`: a pump thread could not be set up
 * - `ERR_SOUNDFILE_DISK_FULL`: an open, a write or a close (or a record pump)
 *   failed for want of space (`errno` ENOSPC, EDQUOT): "disk full (No space
 *   left on device)"; also `sndfileErrorCode`
 *
 * @example
 * ```ts
 * try {
 *   native().info(handle)
 * } catch (error) {
 *   if ((error as NativeError).code === 'ERR_SOUNDFILE_CLOSED') console.log('closed')
 * }
 * ```
 */
export type NativeErrorCode =
  | 'ERR_SOUNDFILE_CLOSED'
  | 'ERR_SOUNDFILE_LIBSNDFILE'
  | 'ERR_SOUNDFILE_INVALID_HANDLE'
  | 'ERR_SOUNDFILE_INVALID_ARG'
  | 'ERR_SOUNDFILE_DETACHED'
  | 'ERR_SOUNDFILE_PUMP'
  | 'ERR_SOUNDFILE_DISK_FULL'

/** An error as the addon throws it: an Error (or TypeError/RangeError) with a code. */
export interface NativeError extends Error {
  code: NativeErrorCode
  /** libsndfile's error number, on ERR_SOUNDFILE_LIBSNDFILE and ERR_SOUNDFILE_DISK_FULL */
  sndfileErrorCode?: number
  /** the operating system's error number, when a system call failed (an open, a write, a close...) */
  errno?: number
}

declare const handleBrand: unique symbol
/** Opaque, type-tagged native handle of an open SNDFILE. */
export type NativeFileHandle = { readonly [handleBrand]: 'sndfile' }

/**
 * Samples as the addon takes them: the typed array of the dtype (int24:
 * packed bytes). The addon takes a dtype as core-native's format code
 * (`formatCodes[dtype]`), the same number core-native's addon takes.
 */
export type NativeSamples = Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array

export interface NativeAddon {
  version(): string
  majorFormats(): NativeFormatInfo[]
  subtypes(): NativeFormatInfo[]
  formatCheck(format: number, samplerate: number, channels: number): boolean
  open(
    target: string | number,
    mode: number,
    info: { samplerate: number; channels: number; format: number },
    options: NativeOpenOptions,
  ): Promise<{ handle: NativeFileHandle; info: NativeInfo }>
  openSync(
    target: string | number,
    mode: number,
    info: { samplerate: number; channels: number; format: number },
    options: NativeOpenOptions,
  ): { handle: NativeFileHandle; info: NativeInfo }
  info(handle: NativeFileHandle): NativeInfo
  read(handle: NativeFileHandle, format: number, frames: number, out: NativeSamples): Promise<number>
  readSync(handle: NativeFileHandle, format: number, frames: number, out: NativeSamples): number
  write(handle: NativeFileHandle, format: number, frames: number, data: NativeSamples): Promise<number>
  writeSync(handle: NativeFileHandle, format: number, frames: number, data: NativeSamples): number
  seek(handle: NativeFileHandle, frames: number, whence: number): number
  close(handle: NativeFileHandle): Promise<void>
  closeSync(handle: NativeFileHandle): void
  /** onEnd: called once when the thread ends (by itself, or after pumpStop) */
  pumpRecord(handle: NativeFileHandle, ring: Uint8Array, options: NativePumpOptions, onEnd: () => void): NativePumpHandle
  pumpPlay(handle: NativeFileHandle, ring: Uint8Array, options: NativePumpOptions, onEnd: () => void): NativePumpHandle
  pumpStatus(pump: NativePumpHandle): NativePumpStatus
  pumpStop(pump: NativePumpHandle): Promise<NativePumpStatus>
  modes: { READ: number; WRITE: number; RDWR: number }
}

declare const pumpBrand: unique symbol
/** Opaque, type-tagged native handle of a file pump thread. */
export type NativePumpHandle = { readonly [pumpBrand]: 'pump' }

export interface NativePumpOptions {
  /** the ring's sample format: core-native's `formatCodes[dtype]` */
  format: number
  /** with the ring's size, when the thread wakes (core-native's fillWakeMs rule), and the seconds in messages */
  samplerate: number
  /** play: seek back to the start at end of file */
  loop?: boolean
  /** the file's name, for error messages */
  name: string
}

export interface NativePumpStatus {
  /** the thread is still moving frames */
  running: boolean
  /** frames moved between the ring and the file */
  frames: number
  /** why the thread stopped early (disk full, file closed...) */
  error?: string
  /** with error: the operating system's error number of the read or write that failed (EPIPE, ENOSPC...), when one did */
  errno?: number
  /** with error: ERR_SOUNDFILE_DISK_FULL when a record pump stopped for want of space (errno ENOSPC, EDQUOT) */
  code?: NativeErrorCode
}

/** Loads the addon on first use; importing this package opens nothing. */
export const native: () => NativeAddon = addonLoader<NativeAddon>(import.meta.url, 'pastream_sndfile')
