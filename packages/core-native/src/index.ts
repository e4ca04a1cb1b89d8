/**
 * @pastream/core-native: the C callback engine, the shared ring buffer and
 * thin typed access to PortAudio. Importing this module touches no device:
 * PortAudio is initialised on first use, per query or while a stream is open.
 */
import { native, type NativeDevice, type NativeFormatCheck, type NativeHostApi } from './binding.js'
import { formatCodes, type DType, type NativeStreamDirection } from './native-stream.js'

export { RingBuffer, asBytes, type BufferLike, type RingWriter } from './ring-buffer.js'
export { ASSUMED_BLOCKSIZE, MAX_BUFFERSIZE, MAX_FILL_WAKE_MS, assumedBlocksize, checkBuffersize, fillWakeMs, isPowerOfTwo, nextPowerOfTwo, sleepMsForFrames } from './sizes.js'
export { layout, EngineState, EngineReason, StatusFlags } from './layout.js'
export {
  NativeStream,
  checkChannelMap,
  HostApiType,
  StreamFlags,
  dtypes,
  formatCodes,
  sampleSizes,
  isFloatNativeHost,
  type DType,
  type EngineConfig,
  type EngineStats,
  type NativeStreamDirection,
  type NativeStreamOptions,
  deviceLostError,
} from './native-stream.js'
export type { DeviceLostReason, NativeDevice, NativeHostApi, NativeStreamInfo, NativeFormatCheck } from './binding.js'
export {
  addonLoader,
  addonModeFromEnv,
  locateAddon,
  resolveAddon,
  NoPrebuildError,
  type AddonLocation,
  type AddonMode,
  type AddonQuery,
} from './addon-loader.js'
export { detectLibc, platformLabel, platformPackageFor, platformPackages, type Libc, type PlatformPackage } from './platforms.js'
export { PastreamError, PortAudioError, fromNative, type PortAudioErrorInfo, type NativeErrorCode } from './errors.js'

/**
 * PortAudio's version.
 * @example
 * ```ts
 * portaudioVersion().text // 'PortAudio V19.6.0-devel, revision ...'
 * ```
 */
export function portaudioVersion(): { version: number; text: string } {
  return native().version()
}

/**
 * The host APIs PortAudio was built with, with their devices' global indices.
 * @example
 * ```ts
 * hostApis().hostApis.map((api) => api.name) // ['ALSA', 'OSS', 'JACK Audio Connection Kit']
 * ```
 */
export function hostApis(): { hostApis: NativeHostApi[]; defaultHostApi: number } {
  return native().hostApis()
}

/**
 * The devices PortAudio sees now (it is re-initialised for the query when
 * no stream is open, so newly started JACK clients show up).
 * @example
 * ```ts
 * const { devices: list, defaultOutputDevice } = devices()
 * ```
 */
export function devices(): { devices: NativeDevice[]; defaultInputDevice: number; defaultOutputDevice: number } {
  return native().devices()
}

/**
 * Asks PortAudio whether a configuration would open, and why not.
 * @example
 * ```ts
 * checkFormat({ output: { device: 0, channels: 2, latency: 0 }, dtype: 'int16', samplerate: 44100 })
 * // { supported: false, code: 'paInvalidSampleRate', message: 'Invalid sample rate', ... }
 * ```
 */
export function checkFormat(options: {
  input?: NativeStreamDirection
  output?: NativeStreamDirection
  dtype: DType
  samplerate: number
  /** the format PortAudio is asked for; default dtype */
  deviceDtype?: DType
}): NativeFormatCheck {
  const format = formatCodes[options.dtype]
  const deviceFormat = formatCodes[options.deviceDtype ?? options.dtype]
  const dir = (d: NativeStreamDirection | undefined) => (d ? { ...d, format, deviceFormat } : null)
  return native().checkFormat({ input: dir(options.input), output: dir(options.output), samplerate: options.samplerate })
}

/**
 * Lets go of PortAudio, so that the next query or stream initialises it
 * again and sees the devices and host APIs as they are now (a device
 * plugged in, a JACK server started). PortAudio is otherwise initialised
 * once, on first use, and kept for the life of the process: a stream opens
 * in a few ms instead of 30-50 ms, and the device list is the one read at
 * that first use.
 * @throws PastreamError `ERR_PASTREAM_BUSY` while a stream is open (close
 *   every stream first); `ERR_PASTREAM_PORTAUDIO_KEPT` when PortAudio cannot
 *   be re-initialised in this process (its JACK server went away)
 * @example
 * ```ts
 * resetPortAudio()
 * const list = devices() // as they are now
 * ```
 */
export function resetPortAudio(): void {
  native().paReset()
}

/**
 * Runs `fn` with PortAudio held for all of it, so nothing can reset it in
 * between (PortAudio is initialised once and kept: see
 * {@link resetPortAudio}). Nesting is fine (reference counted).
 * @example
 * ```ts
 * const stream = withPortAudio(() => NativeStream.open(options, devices().devices))
 * ```
 */
export function withPortAudio<T>(fn: () => T): T {
  native().paAcquire()
  try {
    return fn()
  } finally {
    native().paRelease()
  }
}

/** The byte offsets the compiled addon uses (for layout tests). @internal */
export function nativeLayout(): Record<string, number> {
  return native().layout()
}
