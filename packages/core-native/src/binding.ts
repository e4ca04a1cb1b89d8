// Loads the addon with node-gyp-build: prebuilds/<platform>-<arch>/ first,
// then build/Release. The raw functions are typed here and used only by
// this package's wrappers; JS never sees a PortAudio pointer.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
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

/**
 * A lazy loader for a pastream addon: node-gyp-build looks in
 * `prebuilds/<platform>-<arch>/` first, then `build/Release`, under the
 * package root of `moduleUrl` (the calling module sits in `dist/` or
 * `src/`, one level below it). With `convertError`, every function of the
 * addon is wrapped so that what it throws, or its promise rejects with,
 * goes through it (core-native passes {@link fromNative}, so callers only
 * ever see pastream's error classes); without, the functions are the
 * addon's own and the caller converts, where it knows more context.
 * @param moduleUrl `import.meta.url` of a module in the addon's package
 * @example
 * ```ts
 * const native = addonLoader<MyAddon>(import.meta.url)
 * native().version()
 * ```
 */
export function addonLoader<T extends object>(moduleUrl: string, convertError?: (error: unknown) => unknown): () => T {
  let loaded: T | undefined
  return () => {
    if (loaded === undefined) {
      const root = join(dirname(fileURLToPath(moduleUrl)), '..')
      const require = createRequire(join(root, 'package.json'))
      // node-gyp-build honours PREBUILDS_ONLY=1 (skip build/): test:prebuild uses it
      const load = require('node-gyp-build') as (dir: string) => T
      const raw = load(root)
      loaded = convertError ? withConvertedErrors(raw, convertError) : raw
    }
    return loaded
  }
}

/** The addon's functions, each converting its errors with `convert` (other members as they are). */
function withConvertedErrors<T extends object>(raw: T, convert: (error: unknown) => unknown): T {
  const wrapped: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'function') {
      wrapped[key] = value
      continue
    }
    const call = value as (...args: unknown[]) => unknown
    wrapped[key] = (...args: unknown[]): unknown => {
      let result: unknown
      try {
        result = call(...args)
      } catch (error) {
        throw convert(error)
      }
      return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(convert(error))) : result
    }
  }
  return wrapped as T
}

/** Loads this package's addon on first use; importing this package touches no device. */
export const native: () => NativeAddon = addonLoader<NativeAddon>(import.meta.url, fromNative)
