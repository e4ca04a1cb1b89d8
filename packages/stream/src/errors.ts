/**
 * Errors of pastream. `PastreamError` is the base class; library failures
 * use the subclasses, invalid arguments throw `TypeError`/`RangeError` at once.
 */

/** Base class of pastream's own errors. */
export class PastreamError extends Error {
  override name = 'PastreamError'
}

/** What PortAudio said: its error code name and number, and the host API's own error where there is one. */
export interface PortAudioErrorInfo {
  /** e.g. `paInvalidChannelCount` */
  code: string
  /** e.g. -9998 */
  paErrorCode: number
  hostApiType?: number
  hostErrorCode?: number
  hostErrorText?: string
}

/**
 * PortAudio refused: the message ends with PortAudio's text and code.
 * @example
 * ```ts
 * new PortAudioError('Error opening InputStream', { code: 'paInvalidChannelCount', paErrorCode: -9998 }, 'Invalid number of channels')
 * // message: Error opening InputStream: Invalid number of channels [paInvalidChannelCount -9998]
 * ```
 */
export class PortAudioError extends PastreamError {
  override name = 'PortAudioError'
  readonly code: string
  readonly paErrorCode: number
  readonly hostApiType: number | undefined
  readonly hostErrorCode: number | undefined
  readonly hostErrorText: string | undefined

  constructor(what: string, info: PortAudioErrorInfo, text: string, options?: { cause?: unknown }) {
    super(`${what}: ${text} [${info.code} ${info.paErrorCode}]`, options)
    this.code = info.code
    this.paErrorCode = info.paErrorCode
    this.hostApiType = info.hostApiType
    this.hostErrorCode = info.hostErrorCode
    this.hostErrorText = info.hostErrorText
  }

  /**
   * Wraps an error thrown by the addon (`Error opening X: text` with code
   * and paErrorCode properties); returns other errors unchanged.
   */
  static from(error: unknown): unknown {
    if (!(error instanceof Error)) return error
    const { code, paErrorCode } = error as Error & { code?: unknown; paErrorCode?: unknown }
    if (typeof code !== 'string' || typeof paErrorCode !== 'number') return error
    const split = error.message.indexOf(': ')
    const what = split >= 0 ? error.message.slice(0, split) : 'PortAudio error'
    const text = split >= 0 ? error.message.slice(split + 2) : error.message
    const host = error as Error & { hostApiType?: number; hostErrorCode?: number; hostErrorText?: string }
    const info: PortAudioErrorInfo = { code, paErrorCode }
    if (host.hostApiType !== undefined) info.hostApiType = host.hostApiType
    if (host.hostErrorCode !== undefined) info.hostErrorCode = host.hostErrorCode
    if (host.hostErrorText !== undefined) info.hostErrorText = host.hostErrorText
    return new PortAudioError(what, info, text, { cause: error })
  }
}

/** The recording ring was full: the stream aborted rather than drop input silently. */
export class BufferFull extends PastreamError {
  override name = 'BufferFull'
}

/** The playback ring ran dry before the promised frames were played. */
export class BufferEmpty extends PastreamError {
  override name = 'BufferEmpty'
}

/** An xrun was reported while xruns were made fatal. */
export class XrunError extends PastreamError {
  override name = 'XrunError'
}
