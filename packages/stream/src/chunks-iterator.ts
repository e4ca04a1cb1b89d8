// The chunk side of a recording: the chunks() iterator of InputStream and
// DuplexStream (reads the rx ring directly, sleeping until a chunk can be
// complete; zero-copy views or an `out` buffer; overlap) and the Readable
// adapter built on it (backpressure reaches the ring; it needs no low
// latency, so it wakes on fill level instead).
import { Readable } from 'node:stream'
import type { RingBuffer } from '@pastream/core-native'
import { checkInt, type ChunksOptions, type RunOptions } from './options.js'
import { runSeam, type Stream } from './stream.js'
import { asBytes } from './typed.js'
import { sleepFillLevel, sleepFrames } from './wake.js'

/**
 * The chunk iterator behind InputStream/DuplexStream.chunks(): starts a run
 * whose rx ring no pump drains and reads it directly, sleeping until a
 * chunk can be complete (`wake` 'chunk'), or, for a consumer that needs no
 * low latency, a quarter of the ring is filled or the engine stopped
 * ('fill'). Breaking out of the loop (or `signal`) aborts the run.
 */
export async function* iterateChunks(stream: Stream, options: ChunksOptions, wake: 'chunk' | 'fill' = 'chunk'): AsyncGenerator<Uint8Array, void, undefined> {
  const seam = runSeam(stream)
  const overlap = options.overlap ?? 0
  checkInt('overlap', overlap, 0)
  const chunksize = options.chunksize ?? (stream.blocksize > 0 ? stream.blocksize : overlap > 0 ? undefined : 0)
  if (chunksize === undefined) {
    throw new RangeError('Expected a chunksize with overlap (blocksize is 0, so chunks have no fixed size)')
  }
  checkInt('chunksize', chunksize, 0)
  if (overlap > 0 && overlap >= chunksize) {
    throw new RangeError(`Expected overlap < chunksize, got overlap ${overlap} and chunksize ${chunksize}`)
  }
  const framebytes = stream.recordedChannels * stream.samplesize
  const out = options.out ? asBytes(options.out) : undefined
  if (out && chunksize === 0) throw new RangeError('Expected a chunksize with out (blocksize is 0)')
  if (out && out.byteLength < chunksize * framebytes) {
    throw new RangeError(`Expected out to hold ${chunksize} frames (${chunksize * framebytes} bytes), got ${out.byteLength} bytes`)
  }
  const signal = options.signal
  signal?.throwIfAborted()
  const source = options.playback ?? seam.source()
  seam.setRunFields(options)
  const run = await seam.startWith({ source, sink: undefined }, true)
  const ring = run.rx as RingBuffer
  // a fill-level sleep ends when the engine stops (or signal), not later
  const engineStopped = new AbortController()
  void run.finished?.then(
    () => engineStopped.abort(),
    () => engineStopped.abort(),
  )
  const wakeSignal = signal ? AbortSignal.any([signal, engineStopped.signal]) : engineStopped.signal
  const step = chunksize - overlap
  // the chunk buffer when overlapping or copying into out
  const buffer = out ?? (overlap > 0 ? new Uint8Array(chunksize * framebytes) : undefined)
  let pending: number = 0 // frames yielded as a view, to release on the next step
  let ended = false
  const onAbort = () => void stream.abort().catch(() => undefined)
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      if (pending) {
        ring.advanceReadIndex(pending)
        pending = 0
      }
      const want = chunksize === 0 ? 1 : step
      // sleep until a whole step can be there, or the run is over
      while (ring.readAvailable < want) {
        if (signal?.aborted) throw signal.reason
        if (seam.runOver(run)) {
          ended = true
          break
        }
        await (wake === 'fill' ? sleepFillLevel(ring, stream.samplerate, wakeSignal) : sleepFrames(want - ring.readAvailable, stream.samplerate, signal))
      }
      if (signal?.aborted) throw signal.reason
      const available = ring.readAvailable
      if (available === 0) break
      const n = chunksize === 0 ? available : Math.min(step, available)
      if (buffer) {
        // slide the overlap down, append n new frames
        if (overlap > 0) buffer.copyWithin(0, step * framebytes, chunksize * framebytes)
        const dest = buffer.subarray((chunksize - step) * framebytes, (chunksize - step + n) * framebytes)
        ring.readInto(dest)
        yield buffer.subarray(0, (chunksize - step + n) * framebytes)
      } else {
        const [count, first, second] = ring.getReadBuffers(n)
        if (second.byteLength === 0) {
          pending = count // zero-copy: valid until the next step
          yield first
        } else {
          const copy = new Uint8Array(count * framebytes)
          copy.set(first)
          copy.set(second, first.byteLength)
          ring.advanceReadIndex(count)
          yield copy
        }
      }
      if (ended && ring.readAvailable === 0) break
    }
    if (pending) ring.advanceReadIndex(pending)
    await stream.wait()
  } finally {
    signal?.removeEventListener('abort', onAbort)
    if (!seam.collected(run)) await stream.abort().catch(() => undefined)
  }
}

/**
 * @internal The readable() of InputStream and DuplexStream: PCM bytes
 * pulled from the rx ring only when the consumer asks for more, so
 * backpressure reaches the ring. A consumer that stops reading lets the
 * ring fill: the engine aborts with BufferFull, and the readable is
 * destroyed with that error at once (even while paused), never losing
 * frames silently.
 */
export function readableOf(stream: Stream, options: RunOptions): Readable {
  const seam = runSeam(stream)
  // destroy() ends the iterator's sleep at once (return() would wait for it)
  const destroyed = new AbortController()
  const iterator = iterateChunks(stream, { ...options, chunksize: 0, signal: destroyed.signal }, 'fill')
  let pulling = false
  let watching = false
  const pull = async () => {
    pulling = true
    try {
      for (;;) {
        const step = await iterator.next()
        if (!watching) {
          // the run exists now: report its error even if nobody reads again
          watching = true
          const run = seam.currentRun()
          void run?.settled.then(() => {
            if (run.failed && !readable.destroyed) readable.destroy(toError(run.combine()))
          })
        }
        if (step.done) {
          readable.push(null)
          return
        }
        // a copy: the view is only valid until the next step
        if (!readable.push(Buffer.from(step.value))) return
      }
    } catch (error) {
      readable.destroy(toError(error))
    } finally {
      pulling = false
    }
  }
  const readable = new Readable({
    read() {
      if (!pulling) void pull()
    },
    destroy(error, callback) {
      destroyed.abort()
      iterator.return(undefined).then(
        () => callback(error),
        () => callback(error),
      )
    },
  })
  return readable
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
