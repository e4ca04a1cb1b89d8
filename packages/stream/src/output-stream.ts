// OutputStream: plays to a device (play, setSource, writable), and
// playWith/writableOf, the play() and writable() shared with DuplexStream.
import { PassThrough, type Writable } from 'node:stream'
import type { DType } from '@pastream/core-native'
import { isRingEndpoint, type Source } from './endpoint.js'
import type { RunOptions, StreamOptions } from './options.js'
import { Stream, runSeam } from './stream.js'

/**
 * Plays to an output device. The C callback reads a ring; a source (typed
 * array, ring, Worker module, async function, Readable, ReadableStream,
 * async iterable) fills it.
 *
 * @example
 * ```ts
 * await using stream = new OutputStream({ device: 'loopback', channels: 1, dtype: 'int16' })
 * await stream.play(new Int16Array(48000).fill(1000))          // 1 s
 * await stream.play(someReadable, { pad: 4800 })               // plays until it ends
 * ```
 */
export class OutputStream<D extends DType = 'float32'> extends Stream {
  declare readonly dtype: D

  /** Opens the device (default: the default output device, all its channels, float32). */
  constructor(options: StreamOptions & { dtype?: D } = {}) {
    super('output', options)
  }

  /**
   * What the next start() plays (undefined: silence); `loop` replays it
   * from the start when it ends. States: every one but `closed` (a run
   * under way keeps its own source).
   * @throws PastreamError `OutputStream is closed`
   */
  setSource(source: Source | undefined, options: { loop?: boolean } = {}): void {
    this.checkOpen()
    this.source = source
    if (options.loop !== undefined) this.loop = options.loop
  }

  /**
   * Plays `source` and resolves when it has played (frames + pad).
   * A typed array plays exactly its frames unless `frames` says otherwise;
   * a streaming source plays until it ends.
   * @throws BufferEmpty when `frames` asks for more than the source has.
   */
  async play(source: Source, options: RunOptions = {}): Promise<void> {
    await playWith(this, source, options)
  }

  /**
   * A Node Writable of PCM bytes (the stream's dtype, interleaved) that
   * plays what is written; the stream starts with the first write and
   * stops after end() once everything has played.
   */
  writable(options: RunOptions = {}): Writable {
    return writableOf(this, options)
  }
}

function isStreaming(source: Source): boolean {
  return !ArrayBuffer.isView(source) && !isRingEndpoint(source) && !(source instanceof URL) && !('elementsize' in (source as object))
}

/**
 * The play() of OutputStream and DuplexStream: `source` serves this run
 * only. Options not given take their defaults, not an earlier call's.
 * @internal
 */
export async function playWith(stream: Stream, source: Source, options: RunOptions): Promise<void> {
  // a streaming source may stall: by default play silence then, and stop when it ends
  const pad = options.pad ?? (isStreaming(source) && options.frames === undefined ? -1 : 0)
  const seam = runSeam(stream)
  seam.setRunFields({ ...options, pad })
  await seam.startWith({ source })
  await stream.wait()
}

/** The writable() of OutputStream and DuplexStream. @internal */
export function writableOf(stream: Stream, options: RunOptions): Writable {
  const pass = new PassThrough()
  const seam = runSeam(stream)
  seam.setRunFields({ pad: -1, ...options })
  seam
    .startWith({ source: pass })
    .then(() => stream.wait())
    .catch((error: unknown) => pass.destroy(error instanceof Error ? error : new Error(String(error))))
  return pass
}
