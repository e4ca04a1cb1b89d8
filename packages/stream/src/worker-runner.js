// Entry of the Worker that runs a user's source or sink module (plain JS so
// it runs unbundled from src/ as well as from dist/). The user's default
// export is called as `default(ring, context)`; see WorkerContext in pumps.ts.
import { parentPort, workerData } from 'node:worker_threads'
import { RingBuffer } from '@pastream/core-native'

const { module, ring: buffer, control, info } = workerData
const words = new Int32Array(control)
const ring = RingBuffer.from(buffer)

/** Sleeps about as long as the audio needs for `frames` (Atomics.wait: a precise sleep in a Worker). */
function nap(frames) {
  const ms = Math.max(1, Math.min(100, Math.floor((frames / info.samplerate) * 1000)))
  Atomics.wait(words, 1, 0, ms)
}

const context = {
  ...info,
  /** the engine stopped (or the stream was cancelled): a source should return; a sink should drain and return */
  get stopped() {
    return Atomics.load(words, 0) !== 0
  },
  /** the stream was aborted or closed: return at once */
  get cancelled() {
    return Atomics.load(words, 0) === 2
  },
  /** Blocks until `frames` can be written (or the stream stopped). Returns the frames writable. */
  waitWritable(frames = info.blocksize || 256) {
    for (;;) {
      const n = ring.writeAvailable
      if (n >= Math.min(frames, ring.size) || this.stopped) return n
      nap(Math.min(frames, ring.size) - n)
    }
  },
  /** Blocks until `frames` can be read (or the stream stopped). Returns the frames readable. */
  waitReadable(frames = info.blocksize || 256) {
    for (;;) {
      const n = ring.readAvailable
      if (n >= frames || this.stopped) return ring.readAvailable
      nap(frames - n)
    }
  },
  /** Tells the owner the first data is in the ring (start() waits for this when pre-buffering). */
  ready() {
    parentPort?.postMessage({ type: 'ready' })
  },
}

const imported = await import(module)
const run = imported.default
if (typeof run !== 'function') {
  throw new TypeError(`Expected ${module} to export a default function (ring, context), got ${typeof run}`)
}
await run(ring, context)
