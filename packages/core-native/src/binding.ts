// Loads the addon with node-gyp-build: prebuilds/<platform>-<arch>/ first,
// then build/Release. The raw functions are typed here and used only by
// this package's wrappers; JS never sees a PortAudio pointer.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

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

export interface NativeEngineConfig {
  frames: number
  pad: number
  offset: number
  loop: boolean
  txChannels?: number
  rxChannels?: number
  txmapping?: number[]
  rxmapping?: number[]
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
  streamOpen(options: NativeOpenOptions, stats: Uint8Array, onFinished: () => void): NativeHandle
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

let addon: NativeAddon | undefined

/** The package root: where prebuilds/ and build/ live (dist/.. or src/..). */
export function packageRoot(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url))
  return join(here, '..')
}

/** Loads the addon on first use; importing this package touches no device. */
export function native(): NativeAddon {
  if (addon === undefined) {
    const require = createRequire(join(packageRoot(), 'package.json'))
    // node-gyp-build honours PREBUILDS_ONLY=1 (skip build/): test:prebuild uses it
    const load = require('node-gyp-build') as (dir: string) => NativeAddon
    addon = load(packageRoot())
  }
  return addon
}
