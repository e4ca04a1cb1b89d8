/**
 * pastream's error classes, and the one place where what an addon throws
 * becomes one of them. The addons never build these classes and JS never
 * parses an addon's message: a native error carries a `code` (PortAudio's
 * error name, or one of {@link NativeErrorCode}) and its parts as properties
 * (`what`, `paErrorCode`, `paErrorText`, host API fields), and
 * {@link fromNative} creates the class from them.
 */

/** Codes of the failures the addons report that are not PortAudio's own. */
export type NativeErrorCode =
  /** a call on a stream (or file) that was closed */
  | 'ERR_PASTREAM_CLOSED'
  /** start/stop/abort/close while another of them is in progress on the same stream */
  | 'ERR_PASTREAM_BUSY'
  /** start() on a stream whose callbacks are running */
  | 'ERR_PASTREAM_ACTIVE'
  /** the engine refused a run's configuration (frames, maps, rings) */
  | 'ERR_PASTREAM_CONFIG'
  /** the virtual device's JACK client could not be opened */
  | 'ERR_PASTREAM_LOOPBACK'
  /** the device went away under the stream (see DeviceLostReason); the stream can only be closed */
  | 'ERR_PASTREAM_DEVICE_LOST'

/**
 * Base class of pastream's own errors. `code`, when present, is stable and
 * meant for programs: PortAudio's error name (`paInvalidChannelCount`) or
 * one of {@link NativeErrorCode}.
 * @example
 * ```ts
 * try { await stream.start() } catch (error) {
 *   if (error instanceof PastreamError && error.code === 'ERR_PASTREAM_CLOSED') reopen()
 * }
 * ```
 */
export class PastreamError extends Error {
  override name = 'PastreamError'
  readonly code: string | undefined

  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = options?.code
  }
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
  declare readonly code: string
  readonly paErrorCode: number
  readonly hostApiType: number | undefined
  readonly hostErrorCode: number | undefined
  readonly hostErrorText: string | undefined

  constructor(what: string, info: PortAudioErrorInfo, text: string, options?: { cause?: unknown }) {
    super(`${what}: ${text} [${info.code} ${info.paErrorCode}]`, { code: info.code, ...options })
    this.paErrorCode = info.paErrorCode
    this.hostApiType = info.hostApiType
    this.hostErrorCode = info.hostErrorCode
    this.hostErrorText = info.hostErrorText
  }

  /**
   * The error as pastream reports it: an error an addon threw becomes its
   * class ({@link fromNative}); anything else comes back unchanged.
   * @example
   * ```ts
   * try { NativeStream.open(options, list) } catch (error) { throw PortAudioError.from(error) }
   * ```
   */
  static from(error: unknown): unknown {
    return fromNative(error)
  }
}

/** The properties an addon sets on the errors it throws. */
interface NativeErrorFields {
  code?: unknown
  what?: unknown
  paErrorCode?: unknown
  paErrorText?: unknown
  hostApiType?: unknown
  hostErrorCode?: unknown
  hostErrorText?: unknown
}

/**
 * Turns an error an addon threw into pastream's class for its `code`:
 * a PortAudio failure (`paErrorCode` set) into a {@link PortAudioError}
 * (the addon's error as its `cause`), one of {@link NativeErrorCode} into a
 * {@link PastreamError} with the same message. Errors without a code
 * (argument `TypeError`s of the glue) and errors that already are
 * pastream's come back unchanged.
 * @example
 * ```ts
 * fromNative(Object.assign(new Error('stream is closed'), { code: 'ERR_PASTREAM_CLOSED' })) // PastreamError
 * ```
 */
export function fromNative(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof PastreamError) return error
  const fields = error as Error & NativeErrorFields
  if (typeof fields.code !== 'string') return error
  if (typeof fields.paErrorCode === 'number') {
    const info: PortAudioErrorInfo = { code: fields.code, paErrorCode: fields.paErrorCode }
    if (typeof fields.hostApiType === 'number') info.hostApiType = fields.hostApiType
    if (typeof fields.hostErrorCode === 'number') info.hostErrorCode = fields.hostErrorCode
    if (typeof fields.hostErrorText === 'string') info.hostErrorText = fields.hostErrorText
    const what = typeof fields.what === 'string' ? fields.what : 'PortAudio error'
    const text = typeof fields.paErrorText === 'string' ? fields.paErrorText : error.message
    return new PortAudioError(what, info, text, { cause: error })
  }
  if (fields.code.startsWith('ERR_PASTREAM_')) return new PastreamError(error.message, { code: fields.code, cause: error })
  return error
}
