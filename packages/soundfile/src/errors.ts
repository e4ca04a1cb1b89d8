/**
 * The package's error class (SoundFileError), how files are named in
 * messages, wrapping the addon's errors, and putting the caller's stack on
 * errors that come back from the thread pool.
 */
import { PastreamError } from '@pastream/stream'

/** What a SoundFileError is about. */
export interface SoundFileErrorInfo {
  /** the path, file descriptor or '-' the file was opened with */
  path: string | number
  /** libsndfile's error number (sf_error), when libsndfile reported the error */
  sndfileErrorCode?: number | undefined
  cause?: unknown
}

/**
 * libsndfile failed, or refused what it cannot do (a WAV header on a pipe).
 * The message holds libsndfile's own text and the path.
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

  constructor(message: string, info: SoundFileErrorInfo) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause })
    this.path = info.path
    this.sndfileErrorCode = info.sndfileErrorCode
  }
}

/** How a target appears in messages: 'name.wav', fd 5, stdin, stdout. */
export function describeTarget(path: string | number, writing: boolean): string {
  if (typeof path === 'number') return `fd ${path}`
  if (path === '-') return writing ? 'stdout' : 'stdin'
  return `'${path}'`
}

/**
 * Wraps an error thrown by the addon (libsndfile's text with a
 * sndfileErrorCode property) as `<what> <target>: <text>`; other errors
 * (TypeError from argument checks) come back unchanged.
 */
export function fromNative(error: unknown, what: string, path: string | number, writing: boolean, hint = ''): unknown {
  if (!(error instanceof Error)) return error
  const code = (error as Error & { sndfileErrorCode?: unknown }).sndfileErrorCode
  if (typeof code !== 'number' && error.message !== 'sound file is closed') return error
  return new SoundFileError(`${what} ${describeTarget(path, writing)}: ${error.message}${hint}`, {
    path,
    sndfileErrorCode: typeof code === 'number' ? code : undefined,
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
