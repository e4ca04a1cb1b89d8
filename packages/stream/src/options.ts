// Stream options: the option types of every stream and run, and the
// argument checks that run before anything touches PortAudio (numbers,
// latency, samplerate, buffersize, channel maps, the run fields).
import { checkBuffersize, checkChannelMap, dtypes, type DType } from '@pastream/core-native'
import type { Source } from './endpoint.js'

/** `'low'` or `'high'` (the device's defaults), or seconds. */
export type Latency = 'low' | 'high' | number
/** A device index, or a case-insensitive part of its name. */
export type DeviceSpec = number | string
/**
 * A channel map: an array (entry k = the 1-based source channel for
 * destination channel k+1, 0 = silence) or an object `{ from: to }`.
 */
export type ChannelMap = readonly number[] | Readonly<Record<number, number>>

/** Options shared by every stream. */
export interface CommonOptions {
  /** frames per second; default: the device's default samplerate */
  samplerate?: number
  /** default 'float32' */
  dtype?: DType
  /** frames per callback, 0 (default) = the host decides */
  blocksize?: number
  /** ring size in frames for sources and sinks the stream allocates; default the power of two >= 1 s of audio */
  buffersize?: number
  /** PortAudio dithering (default off) */
  dither?: boolean
  /** PortAudio clipping (default on) */
  clip?: boolean
}

/** Options of an InputStream or OutputStream. */
export interface StreamOptions extends CommonOptions {
  /** index or name part; default: the default device */
  device?: DeviceSpec
  /** default: the device's maximum */
  channels?: number
  /** default 'high' */
  latency?: Latency
}

/** Options of a DuplexStream: single values apply to both directions, pairs are [input, output]. */
export interface DuplexStreamOptions extends CommonOptions {
  device?: DeviceSpec | readonly [DeviceSpec | null | undefined, DeviceSpec | null | undefined]
  channels?: number | readonly [number, number]
  latency?: Latency | readonly [Latency, Latency]
}

/** Options of chunks(). */
export interface ChunksOptions extends RunOptions {
  /** frames per chunk; default the blocksize; with blocksize 0 and none given, chunks come as they arrive */
  chunksize?: number
  /** frames shared with the previous chunk (the first starts with zeros); needs a fixed chunksize */
  overlap?: number
  /** yield into this buffer (reused) instead of views into the ring */
  out?: ArrayBufferView
  /** DuplexStream: what to play meanwhile */
  playback?: Source
  /** cancels the iteration and stops the stream */
  signal?: AbortSignal
}

/** What one run does (set before `start()`, or pass to play/record/playrec/chunks). */
export interface RunOptions {
  /** data frames; -1 = unbounded (or until a source runs dry) */
  frames?: number
  /** zero frames after the data; < 0 = pad automatically (play silence whenever the source is empty) */
  pad?: number
  /** input frames dropped from the start of the recording */
  offset?: number
  /** replay the source from its start when it ends */
  loop?: boolean
}

/** An integer >= min, else a RangeError naming `name`. */
export function checkInt(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`Expected an integer >= ${min} for ${name}, got ${String(value)} (${typeof value})`)
  }
  return value
}

/**
 * Normalises a channel map to an array (entry k = the 1-based source
 * channel for destination k+1, 0 = silence) and checks it: `length`
 * destinations when given (else an object's highest destination), sources
 * in [0, `sources`] when given, each source at most once.
 * @throws RangeError/TypeError naming the map, the entry and what is allowed.
 * @example
 * ```ts
 * normalizeMap('txmapping', { 1: 2 }, 4) // [0, 1, 0, 0]
 * ```
 */
export function normalizeMap(name: string, map: ChannelMap, length?: number, sources?: number): number[] {
  if (Array.isArray(map)) return checkChannelMap(name, map as readonly unknown[], length, sources)
  if (typeof map !== 'object' || map === null) {
    throw new TypeError(`Expected an array or an object {from: to} for ${name}, got ${String(map)} (${typeof map})`)
  }
  const entries = Object.entries(map as Record<string, unknown>).map(([from, to]) => [Number(from), to] as const)
  for (const [from, to] of entries) {
    checkInt(`${name} source channel`, from, 1)
    checkInt(`${name} destination channel`, to, 1)
  }
  const size = length ?? Math.max(0, ...entries.map(([, to]) => to as number))
  const result = new Array<number>(size).fill(0)
  for (const [from, to] of entries as Array<readonly [number, number]>) {
    if (to > size) throw new RangeError(`Expected destination channels in [1, ${size}] for ${name}, got ${to}`)
    if (result[to - 1] !== 0) throw new RangeError(`Expected each destination channel at most once in ${name}, got ${to} twice`)
    result[to - 1] = from
  }
  return checkChannelMap(name, result, undefined, sources)
}

/** 'low', 'high' or seconds >= 0. */
export function checkLatency(latency: unknown): Latency {
  if (latency === 'low' || latency === 'high') return latency
  if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) {
    const shown = typeof latency === 'string' ? JSON.stringify(latency) : String(latency)
    throw new RangeError(`Expected 'low', 'high' or seconds >= 0 for latency, got ${shown} (${typeof latency})`)
  }
  return latency
}

/**
 * One of the sample formats ({@link dtypes}), else a RangeError listing them.
 * @example
 * ```ts
 * checkDtype('int16')   // 'int16'
 * checkDtype('float64') // RangeError: Expected one of float32, int32, int24, int16, int8, uint8 for dtype, got float64 (string)
 * ```
 */
export function checkDtype(dtype: unknown): DType {
  if (!(dtypes as readonly unknown[]).includes(dtype)) {
    throw new RangeError(`Expected one of ${dtypes.join(', ')} for dtype, got ${String(dtype)} (${typeof dtype})`)
  }
  return dtype as DType
}

/** A positive, finite number. */
export function checkSamplerate(samplerate: unknown): number {
  if (typeof samplerate !== 'number' || !Number.isFinite(samplerate) || samplerate <= 0) {
    throw new RangeError(`Expected a positive number for samplerate, got ${String(samplerate)} (${typeof samplerate})`)
  }
  return samplerate
}

/** The stream arguments once checked: each direction's device, channels and latency as given. */
export interface CheckedArguments {
  dtype: DType
  blocksize: number
  input: { device: DeviceSpec | null | undefined; channels: number | undefined; latency: Latency | undefined }
  output: { device: DeviceSpec | null | undefined; channels: number | undefined; latency: Latency | undefined }
}

/**
 * Checks a stream's options (arguments first: nothing touches PortAudio
 * until they are valid) and splits `[input, output]` pairs.
 * @throws RangeError/TypeError naming the option.
 */
export function checkStreamArguments(kind: 'input' | 'output' | 'duplex', options: DuplexStreamOptions): CheckedArguments {
  const dtype = checkDtype(options.dtype ?? 'float32')
  const pair = <T>(name: string, value: T | readonly [T, T] | undefined): [T | undefined, T | undefined] => {
    if (!Array.isArray(value)) return [value as T | undefined, value as T | undefined]
    if (value.length !== 2) throw new RangeError(`Expected [input, output] for ${name}, got an array of ${value.length}`)
    return [value[0] as T | undefined, value[1] as T | undefined]
  }
  const [inDevice, outDevice] = pair<DeviceSpec | null | undefined>('device', options.device)
  const [inChannels, outChannels] = pair('channels', options.channels)
  const [inLatency, outLatency] = pair('latency', options.latency)
  if (kind !== 'output' && inChannels !== undefined) checkInt(kind === 'duplex' ? 'input channels' : 'channels', inChannels, 1)
  if (kind !== 'input' && outChannels !== undefined) checkInt(kind === 'duplex' ? 'output channels' : 'channels', outChannels, 1)
  for (const value of [inLatency, outLatency]) if (value !== undefined) checkLatency(value)
  for (const value of [inDevice, outDevice]) {
    if (value !== undefined && value !== null && typeof value !== 'number' && typeof value !== 'string') {
      throw new TypeError(`Expected a device index or name for device, got ${String(value)} (${typeof value})`)
    }
  }
  if (options.samplerate !== undefined) checkSamplerate(options.samplerate)
  const blocksize = options.blocksize ?? 0
  checkInt('blocksize', blocksize, 0)
  if (options.buffersize !== undefined) checkBuffersize(options.buffersize)
  return {
    dtype,
    blocksize,
    input: { device: inDevice, channels: inChannels, latency: inLatency },
    output: { device: outDevice, channels: outChannels, latency: outLatency },
  }
}

/** Checks the run fields a start() uses (frames >= -1, offset >= 0, pad an integer). */
export function checkRunFields(run: { frames: unknown; offset: unknown; pad: unknown }): void {
  checkInt('frames', run.frames, -1)
  checkInt('offset', run.offset, 0)
  if (typeof run.pad !== 'number' || !Number.isSafeInteger(run.pad)) {
    throw new RangeError(`Expected an integer for pad, got ${String(run.pad)} (${typeof run.pad})`)
  }
}
