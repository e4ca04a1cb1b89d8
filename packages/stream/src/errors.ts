/**
 * Errors of pastream. `PastreamError` is the base class; library failures
 * use the subclasses, invalid arguments throw `TypeError`/`RangeError` at once.
 * This file owns the errors of a run (BufferFull, BufferEmpty, DeviceLost).
 */

// The base class and PortAudio's class live in core-native, beside the
// one place that turns what the addon throws into them.
import { PastreamError, type DeviceLostReason } from '@pastream/core-native'

export { PastreamError, PortAudioError, type PortAudioErrorInfo } from '@pastream/core-native'

/** The recording ring was full: the stream aborted rather than drop input silently. */
export class BufferFull extends PastreamError {
  override name = 'BufferFull'
}

/**
 * The playback ring ran dry before the promised frames were played: a
 * frame count the source did not reach, or a source that was late (its
 * ring ran dry before it ended) with `pad >= 0`.
 */
export class BufferEmpty extends PastreamError {
  override name = 'BufferEmpty'
}

/**
 * The device went away under the stream: its server died, it was
 * unplugged, or it stopped calling back. The stream is in the terminal
 * `deviceLost` state: what was recorded up to the loss reached the sink,
 * and the stream can only be closed (a new stream may be opened).
 * @example
 * ```ts
 * try { await stream.wait() } catch (error) {
 *   if (error instanceof DeviceLost) console.error(`${error.device}: lost after ${error.frames} frames`)
 * }
 * ```
 */
export class DeviceLost extends PastreamError {
  override name = 'DeviceLost'
  /** the device's name (both names for a duplex stream on two devices) */
  readonly device: string
  /** the stream position when the device was lost, in frames */
  readonly frames: number
  /** why it counts as lost */
  readonly reason: DeviceLostReason
  /** frames recorded up to the loss (all reached the sink); undefined without input */
  readonly recordedFrames: number | undefined

  constructor(message: string, details: { device: string; frames: number; reason: DeviceLostReason; recordedFrames?: number }) {
    super(message, { code: 'ERR_PASTREAM_DEVICE_LOST' })
    this.device = details.device
    this.frames = details.frames
    this.reason = details.reason
    this.recordedFrames = details.recordedFrames
  }
}
