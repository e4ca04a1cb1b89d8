// This package's addon (pastream_core, loaded by addon-loader.ts) and its
// raw functions, typed here and used only by this package's wrappers; JS
// never sees a PortAudio pointer.
import { addonLoader } from './addon-loader.js'
import { fromNative } from './errors.js'

/** A direction of a stream as the addon takes it; numbers already validated. */
export interface NativeDirection {
  device: number
  channels: number
  /** pas_format_t of the ring data */
  format: number
  /** pas_format_t of PortAudio's buffers: equal to format, or float32 when the engine converts */
  deviceFormat: number
  latency: number
}

export interface NativeOpenOptions {
  input?: NativeDirection | null
  output?: NativeDirection | null
  samplerate: number
  blocksize: number
  flags: number
}

/**
 * Why a device counts as lost: it started but never called back
 * (`startTimeout`), its callbacks stopped while it ran (`stalled`), or the
 * host API ended the stream by itself, a device error (`ended`).
 */
export type DeviceLostReason = 'startTimeout' | 'stalled' | 'ended'

export interface NativeEngineConfig {
  frames: number
  pad: number
  offset: number
  loop: boolean
  txChannels?: number
  rxChannels?: number
  txmapping?: number[]
  rxmapping?: number[]
  /** ms a started device may take to call back before it counts as lost (default 2000) */
  startTimeoutMs?: number
  /** ms without a callback after which a running device counts as lost (default: 4 blocks, at least 500) */
  stallTimeoutMs?: number
}

export interface NativeHostApi {
  index: number
  name: string
  type: number
  deviceCount: number
  defaultInputDevice: number
  defaultOutputDevice: number
  devices: number[]
}

export interface NativeDevice {
  index: number
  name: string
  hostApi: number
  hostApiName: string
  hostApiType: number
  maxInputChannels: number
  maxOutputChannels: number
  defaultLowInputLatency: number
  defaultLowOutputLatency: number
  defaultHighInputLatency: number
  defaultHighOutputLatency: number
  defaultSamplerate: number
}

export interface NativeStreamInfo {
  inputLatency: number
  outputLatency: number
  samplerate: number
  active: boolean
  stopped: boolean
  cpuLoad: number
  time: number
}

export interface NativeFormatCheck {
  supported: boolean
  code?: string
  paErrorCode?: number
  message?: string
}

declare const handleBrand: unique symbol
/** Opaque, type-tagged native handle. */
export type NativeHandle = { readonly [handleBrand]: 'stream' }
declare const loopbackBrand: unique symbol
export type NativeLoopbackHandle = { readonly [loopbackBrand]: 'loopback' }

export interface NativeAddon {
  version(): { version: number; text: string }
  hostApis(): { hostApis: NativeHostApi[]; defaultHostApi: number }
  devices(): { devices: NativeDevice[]; defaultInputDevice: number; defaultOutputDevice: number }
  checkFormat(options: Omit<NativeOpenOptions, 'blocksize' | 'flags'>): NativeFormatCheck
  layout(): Record<string, number>
  paAcquire(): void
  paRelease(): void
  /** terminates PortAudio when nothing holds it; throws ERR_PASTREAM_BUSY / ERR_PASTREAM_PORTAUDIO_KEPT */
  paReset(): void
  streamOpen(options: NativeOpenOptions, stats: Uint8Array, onFinished: (lost: '' | DeviceLostReason) => void): NativeHandle
  streamInfo(handle: NativeHandle): NativeStreamInfo
  streamStart(
    handle: NativeHandle,
    config: NativeEngineConfig,
    tx: Uint8Array | null,
    rx: Uint8Array | null,
  ): Promise<void>
  streamStop(handle: NativeHandle): Promise<void>
  streamAbort(handle: NativeHandle): Promise<void>
  streamClose(handle: NativeHandle): Promise<void>
  streamRequestAbort(handle: NativeHandle): void
  streamUnref(handle: NativeHandle): void
  loopbackOpen(serverName: string, clientName: string, channels: number): {
    handle: NativeLoopbackHandle
    samplerate: number
    period: number
  }
  loopbackClose(handle: NativeLoopbackHandle): void
}

/** Loads this package's addon on first use; importing this package touches no device. */
export const native: () => NativeAddon = addonLoader<NativeAddon>(import.meta.url, 'pastream_core', fromNative)
