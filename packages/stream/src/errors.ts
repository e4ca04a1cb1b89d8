/**
 * Errors of pastream. `PastreamError` is the base class; library failures
 * use the subclasses, invalid arguments throw `TypeError`/`RangeError` at once.
 * This file owns the errors of a run (BufferFull, BufferEmpty).
 */

// The base class and PortAudio's class live in core-native, beside the
// one place that turns what the addon throws into them.
import { PastreamError } from '@pastream/core-native'

export { PastreamError, PortAudioError, type PortAudioErrorInfo } from '@pastream/core-native'

/** The recording ring was full: the stream aborted rather than drop input silently. */
export class BufferFull extends PastreamError {
  override name = 'BufferFull'
}

/** The playback ring ran dry before the promised frames were played. */
export class BufferEmpty extends PastreamError {
  override name = 'BufferEmpty'
}
