// The data a stream plays or records: the Source and Sink types, and the
// RingEndpoint protocol through which objects of other packages (e.g.
// @pastream/soundfile's SoundFile) service a ring the stream allocates.
import type { Readable, Writable } from 'node:stream'
import type { DType, RingBuffer } from '@pastream/core-native'

/** Data a source may yield: samples of the stream's dtype (any typed array) or raw bytes. */
export type SourceChunk = ArrayBufferView | ArrayBuffer

/**
 * A producer of frames for output: a typed array of any length, a ring, a
 * Worker module, an async function, a Node Readable, a web ReadableStream,
 * or any (async) iterable of typed arrays.
 */
export type Source =
  | ArrayBufferView
  | RingBuffer
  | URL
  | ((frames: number) => Promise<SourceChunk | null | undefined> | SourceChunk | null | undefined)
  | Readable
  | ReadableStream<SourceChunk>
  | AsyncIterable<SourceChunk>
  | Iterable<SourceChunk>
  | RingEndpoint

/**
 * A consumer of recorded frames: a typed array to fill, a ring, a Worker
 * module, an async function called per chunk, or a Node Writable.
 */
export type Sink =
  | ArrayBufferView
  | RingBuffer
  | URL
  | ((chunk: Uint8Array) => Promise<void> | void)
  | Writable
  | RingEndpoint

/**
 * The key of the {@link RingEndpoint} protocol: `Symbol.for('pastream.ringEndpoint')`,
 * so packages built on this one (e.g. @pastream/soundfile's SoundFile) can
 * implement it without this package knowing them.
 */
export const ringEndpoint: unique symbol = Symbol.for('pastream.ringEndpoint')

/** What a {@link RingEndpoint} is told about the stream when a run starts. */
export interface RingEndpointContext {
  samplerate: number
  /** a source: replay from the start at its end, until stopped (the engine does not loop the ring) */
  loop: boolean
  /** channels per frame of the ring */
  channels: number
  dtype: DType
  /** frames per callback; 0 = the host decides */
  blocksize: number
}

/** What a {@link RingEndpoint} returns: the servicer of the ring for one run. */
export interface RingEndpointPump {
  /** resolves once the ring holds the first data (sources), or at once (sinks) */
  readonly ready: Promise<void>
  /** resolves when the pump has stopped; rejects with its error (which aborts the stream) */
  readonly done: Promise<void>
  /** the engine stopped: a source stops; a sink drains the ring, then stops */
  engineStopped(): void
  /** stop now (abort/close); done still settles */
  cancel(): void
  /** a source: the frames it holds (play() then plays exactly these unless looping); undefined or < 0 when unknown */
  readonly frames?: number | undefined
}

/**
 * A source or sink that services a ring the stream allocates (frame size =
 * channels x sample size), e.g. a SoundFile: for each run the stream calls
 * `endpoint[ringEndpoint](role, ring, context)` and treats the returned pump
 * like its own.
 */
export interface RingEndpoint {
  [ringEndpoint](role: 'source' | 'sink', ring: RingBuffer, context: RingEndpointContext): RingEndpointPump
}

/** True for objects implementing the {@link RingEndpoint} protocol. */
export function isRingEndpoint(value: unknown): value is RingEndpoint {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as Partial<RingEndpoint>)[ringEndpoint] === 'function'
}
