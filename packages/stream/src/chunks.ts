// The module-level chunks(): opens an InputStream (or a DuplexStream with
// playback), yields its chunks and closes it when the loop ends.
import type { DType } from '@pastream/core-native'
import { DuplexStream } from './duplex-stream.js'
import { InputStream } from './input-stream.js'
import type { ChunksOptions, DuplexStreamOptions, StreamOptions } from './options.js'
import type { SampleArrayOf } from './typed.js'

/** Options of the module-level chunks(): stream options plus chunk options. */
export type ModuleChunksOptions<D extends DType> = ChunksOptions &
  (StreamOptions | DuplexStreamOptions) & { dtype?: D }

/**
 * Opens a stream, yields recorded chunks, and closes the stream when the
 * loop ends (by itself, by `break`, by an error or by `signal`). With
 * `playback` it opens a DuplexStream and plays it meanwhile.
 *
 * @example
 * ```ts
 * import { chunks } from '@pastream/stream'
 * for await (const chunk of chunks({ chunksize: 1024, overlap: 512, channels: 1, frames: 48000 })) {
 *   spectrum(chunk)
 * }
 * ```
 */
export async function* chunks<D extends DType = 'float32'>(
  options: ModuleChunksOptions<D> = {},
): AsyncGenerator<SampleArrayOf<D>, void, undefined> {
  const { chunksize, overlap, out, playback, signal, frames, pad, offset, loop, ...streamOptions } = options
  const chunkOptions: ChunksOptions = {
    ...(chunksize !== undefined ? { chunksize } : {}),
    ...(overlap !== undefined ? { overlap } : {}),
    ...(out !== undefined ? { out } : {}),
    ...(playback !== undefined ? { playback } : {}),
    ...(signal !== undefined ? { signal } : {}),
    ...(frames !== undefined ? { frames } : {}),
    ...(pad !== undefined ? { pad } : {}),
    ...(offset !== undefined ? { offset } : {}),
    ...(loop !== undefined ? { loop } : {}),
  }
  const stream =
    playback !== undefined
      ? new DuplexStream<D>(streamOptions as DuplexStreamOptions & { dtype?: D })
      : new InputStream<D>(streamOptions as StreamOptions & { dtype?: D })
  try {
    yield* stream.chunks(chunkOptions)
  } finally {
    await stream.close()
  }
}
