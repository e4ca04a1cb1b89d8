/**
 * @pastream/stream: typed PortAudio streams whose audio callback never
 * waits on JavaScript. This release has the building blocks: the shared
 * ring buffer, device queries and lookup, size/time parsing and the error
 * classes. See the package README for what is coming.
 */
export { RingBuffer, dtypes, sampleSizes, type DType, type BufferLike } from '@pastream/core-native'
export { portaudioVersion } from '@pastream/core-native'
export {
  queryDevices,
  queryHostApis,
  findDevice,
  formatDeviceTable,
  type DeviceInfo,
  type HostApiInfo,
  type DeviceKind,
} from './devices.js'
export { parseCount, parseDuration, parseSamplerate } from './units.js'
export { PastreamError, PortAudioError, BufferFull, BufferEmpty, XrunError, type PortAudioErrorInfo } from './errors.js'
