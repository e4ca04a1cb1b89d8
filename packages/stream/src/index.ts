/**
 * @pastream/stream: typed PortAudio streams whose audio callback never
 * waits on JavaScript. A C callback moves frames between the device and
 * lock-free ring buffers in SharedArrayBuffer memory; sources and sinks
 * (typed arrays, rings, Worker modules, functions, Node and web streams)
 * service the rings whenever they get to run.
 */
export { RingBuffer, dtypes, sampleSizes, portaudioVersion, isPowerOfTwo, checkBuffersize, type DType, type BufferLike, type RingWriter, type EngineStats, type DeviceLostReason } from '@pastream/core-native'
export {
  queryDevices,
  refreshDevices,
  queryHostApis,
  defaultDevice,
  findDevice,
  formatDeviceTable,
  noDefaultDeviceError,
  deviceNames,
  type DeviceInfo,
  type HostApiInfo,
  type DeviceKind,
} from './devices.js'
export { parseCount, parseDuration, parseSamplerate } from './units.js'
export { PastreamError, PortAudioError, BufferFull, BufferEmpty, DeviceLost, type PortAudioErrorInfo } from './errors.js'
export { Stream } from './stream.js'
export {
  checkDtype,
  normalizeMap,
  type ChannelMap,
  type ChunksOptions,
  type CommonOptions,
  type DeviceSpec,
  type DuplexStreamOptions,
  type Latency,
  type RunOptions,
  type StreamOptions,
} from './options.js'
export { InputStream, type RecordOptions } from './input-stream.js'
export { OutputStream } from './output-stream.js'
export { DuplexStream, type PlayrecOptions } from './duplex-stream.js'
export { chunks, type ModuleChunksOptions } from './chunks.js'
export type { Source, Sink, SourceChunk, RingEndpoint, RingEndpointContext, RingEndpointPump } from './endpoint.js'
export type { WorkerInfo } from './pumps.js'
export type { WorkerContext, WorkerMain } from './worker-pump.js'
export { ringEndpoint, isRingEndpoint } from './endpoint.js'
export type { SampleArray, SampleArrayOf, SampleArrays } from './typed.js'
export { arrayTypes } from './typed.js'
