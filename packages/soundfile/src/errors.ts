/**
 * The package's error class (SoundFileError), how files are named in
 * messages, wrapping the addon's errors, and putting the caller's stack on
 * errors that come back from the thread pool.
 */
import { constants } from 'node:os'
import { PastreamError } from '@pastream/stream'
import type { NativeError, NativeErrorCode } from './binding.js'

/** What a SoundFileError is about. */
export interface SoundFileErrorInfo {
  /** the path, file descriptor or '-' the file was opened with */
  path: string | number
  /** libsndfile's error number (sf_error), when libsndfile reported the error */
  sndfileErrorCode?: number | undefined
  /** the addon's code (binding.ts NativeErrorCode); default ERR_SOUNDFILE_LIBSNDFILE when sndfileErrorCode is given */
  code?: string | undefined
  /** the operating system's error number of the system call that failed, if one did */
  errno?: number | undefined
  cause?: unknown
}

/**
 * libsndfile failed, or refused what it cannot do (a WAV header on a pipe).
 * The message holds libsndfile's own text and the path. `code` says what
 * kind: `ERR_SOUNDFILE_DISK_FULL` when the disk had no room (an open with
 * no room for the header leaves no file; a recording keeps, finalized,
 * every whole frame written before), `ERR_SOUNDFILE_CLOSED`,
 * `ERR_SOUNDFILE_LIBSNDFILE`. When a system call failed, `systemCode` names
 * its error (`'ENOSPC'` with `ERR_SOUNDFILE_DISK_FULL`, `'EPIPE'`...).
 *
 * @example
 * ```ts
 * await SoundFile.open('missing.wav')
 * // SoundFileError: Error opening 'missing.wav': System error : No such file or directory.
 * ```
 */
export class SoundFileError extends PastreamError {
  override name = 'SoundFileError'
  /** the path, file descriptor or '-' the file was opened with */
  readonly path: string | number
  /** libsndfile's error number, or undefined when the refusal is ours */
  readonly sndfileErrorCode: number | undefined
  /**
   * The operating system's name for the error of the system call that
   * failed, e.g. `'EPIPE'` (the reader of a pipe went away) or `'ENOSPC'`
   * (the disk is full); undefined when no system call failed.
   */
  readonly systemCode: string | undefined

  constructor(message: string, info: SoundFileErrorInfo) {
    // a libsndfile error number means the addon's ERR_SOUNDFILE_LIBSNDFILE
    const code = info.code ?? (info.sndfileErrorCode === undefined ? undefined : 'ERR_SOUNDFILE_LIBSNDFILE')
    super(message, { ...(code === undefined ? {} : { code }), ...(info.cause === undefined ? {} : { cause: info.cause }) })
    this.path = info.path
    this.sndfileErrorCode = info.sndfileErrorCode
    this.systemCode = systemCodeOf(info.errno)
  }
}

/** errno's name ('EPIPE') for its number, as the operating system calls it. */
function systemCodeOf(errno: number | undefined): string | undefined {
  if (errno === undefined) return undefined
  return Object.entries(constants.errno).find(([, value]) => value === errno)?.[0]
}

/** How a target appears in messages: 'name.wav', fd 5, stdin, stdout. */
export function describeTarget(path: string | number, writing: boolean): string {
  if (typeof path === 'number') return `fd ${path}`
  if (path === '-') return writing ? 'stdout' : 'stdin'
  return `'${path}'`
}

/** The addon's codes that become a SoundFileError (the others are argument errors, thrown as they are). */
const fileErrorCodes: ReadonlySet<string> = new Set<NativeErrorCode>(['ERR_SOUNDFILE_LIBSNDFILE', 'ERR_SOUNDFILE_CLOSED', 'ERR_SOUNDFILE_DISK_FULL'])

/**
 * Wraps an error the addon threw with one of the file error codes
 * (libsndfile failed, with its `sndfileErrorCode`; the disk is full; or the file is closed)
 * as `<what> <target>: <text>`; other errors (TypeError from argument
 * checks) come back unchanged. Decided by the code, never by the message.
 */
export function fromNative(error: unknown, what: string, path: string | number, writing: boolean, hint = ''): unknown {
  if (!(error instanceof Error)) return error
  const { code, sndfileErrorCode, errno } = error as Partial<NativeError>
  if (typeof code !== 'string' || !fileErrorCodes.has(code)) return error
  return new SoundFileError(`${what} ${describeTarget(path, writing)}: ${error.message}${hint}`, {
    path,
    code,
    sndfileErrorCode: typeof sndfileErrorCode === 'number' ? sndfileErrorCode : undefined,
    errno: typeof errno === 'number' ? errno : undefined,
    cause: error,
  })
}

/** The caller's stack, to put on errors that come back from the thread pool. */
export function callerTrace(): Error {
  const trace = new Error()
  Error.captureStackTrace(trace, callerTrace)
  return trace
}

export function withTrace(error: unknown, trace: Error): unknown {
  if (error instanceof Error && typeof trace.stack === 'string') {
    const head = `${error.name}: ${error.message}`
    error.stack = `${head}\n${trace.stack.split('\n').slice(1).join('\n')}`
  }
  return error
}
