// One run of a stream, from start() until the owner takes note of its end:
// its rings, its pumps and what they report, the engine's own end
// (BufferFull/BufferEmpty/DeviceLost), the first error with later ones as its cause,
// and the stop once a streaming source has played out.
import type { EngineStats, NativeStream, RingBuffer } from '@pastream/core-native'
import { BufferEmpty, BufferFull } from './errors.js'
import { CallbackSinkPump, type Pump } from './pumps.js'
import { sleep } from './typed.js'
import { sleepFrames } from './wake.js'

/** One run's bookkeeping (its lifecycle lives in the stream's state, see lifecycle.ts). */
export class Run {
  /** resolves when the engine stops (set once the run's engine config is known; the device may never start) */
  finished: Promise<EngineStats> | undefined
  /** the pumps servicing the run's rings */
  pumps: readonly Pump[] = []
  /** the rx ring (chunks() reads it directly) */
  rx: RingBuffer | undefined
  /** errors of sources and sinks, in the order the owner heard of them */
  readonly errors: unknown[] = []
  /**
   * BufferFull/BufferEmpty from the engine. Reported after the pumps'
   * errors: a source or sink that failed caused them, even when the owner
   * heard of the engine first (a Worker's error arrives later).
   */
  readonly engineErrors: unknown[] = []
  /** resolves when the engine stopped and every pump settled (or the run never started the device) */
  readonly settled: Promise<void>
  /** resolves when start() returned or threw (wait() during `starting` waits for it) */
  readonly begun: Promise<void>
  /** the engine has stopped */
  engineDone = false
  readonly settle: () => void
  readonly markBegun: () => void

  constructor() {
    let settle!: () => void
    this.settled = new Promise<void>((resolve) => (settle = resolve))
    this.settle = settle
    let begin!: () => void
    this.begun = new Promise<void>((resolve) => (begin = resolve))
    this.markBegun = begin
  }

  /** Any error to report (pumps' or engine's). */
  get failed(): boolean {
    return this.errors.length + this.engineErrors.length > 0
  }

  /** The run's first error, with the later ones attached as its `cause`. */
  combine(): unknown {
    const [first, ...rest] = [...this.errors, ...this.engineErrors]
    if (rest.length > 0 && first instanceof Error && first.cause === undefined) {
      Object.defineProperty(first, 'cause', { value: rest.length === 1 ? rest[0] : new AggregateError(rest, 'later errors'), enumerable: false, configurable: true })
    }
    return first
  }

  /** The errors were handed to start()'s caller: wait() and stop() have none left to report. */
  forgetErrors(): void {
    this.errors.length = 0
    this.engineErrors.length = 0
  }

  /** Cancels every pump and waits until each has settled. */
  async cancelPumps(): Promise<void> {
    for (const pump of this.pumps) pump.cancel()
    await Promise.allSettled(this.pumps.map((p) => p.done))
  }

  /** A failing pump records its error, asks the engine to abort and cancels the other pumps. */
  watchPumps(nativeStream: NativeStream): void {
    for (const pump of this.pumps) {
      pump.done.catch((error: unknown) => {
        this.errors.push(error)
        nativeStream.requestAbort()
        for (const other of this.pumps) other.cancel()
      })
    }
  }

  /**
   * Once the device is about to start: when the engine stops, tell the
   * pumps, record BufferFull/BufferEmpty, and settle once every pump did.
   * @param owner the stream's class name, for messages
   * @param frames the frames the engine runs (for BufferEmpty's message)
   * @param lossError the stream's DeviceLost error once its device is lost
   */
  watchEngine(owner: string, frames: number, lossError: () => unknown): void {
    const finished = this.finished as Promise<EngineStats>
    const pumps = this.pumps
    finished.then((stats) => {
      this.engineDone = true
      for (const pump of pumps) pump.engineStopped()
      const lost = lossError()
      if (lost !== undefined) {
        this.engineErrors.push(lost)
      } else if (stats.reason === 'bufferFull') {
        this.engineErrors.push(new BufferFull(`${owner}: the recording ring was full after ${stats.rxFrames} frames; the stream aborted rather than drop input (read faster or raise buffersize)`))
      } else if (stats.reason === 'bufferEmpty') {
        const promised = frames >= 0 ? `of ${frames} frames` : 'frames, before it ended (it was late: raise buffersize, or pad -1 plays silence through a stall)'
        this.engineErrors.push(new BufferEmpty(`${owner}: the source ran dry after ${stats.txFrames} ${promised}`))
      }
      // the run failed: a main-thread callback sink still waiting on its
      // consumer would hold wait() forever (ring data already taken is kept
      // by array and Worker sinks, which drain on their own)
      if (this.engineErrors.length > 0) for (const pump of pumps) if (pump instanceof CallbackSinkPump) pump.cancel()
    })
    void finished.then(() => Promise.allSettled(pumps.map((p) => p.done))).then(this.settle)
  }
}

/**
 * pad < 0 plays silence when the source stalls, so the engine cannot tell
 * the end: when the source's pump is done, let the ring play out, then let
 * the device play the last frames, then `stop()`. `over()` (the run ended
 * first: abort, stop, close, the engine) cancels the wait (an aborted
 * engine never drains the ring).
 */
export function stopWhenPlayedOut(
  sourcePump: Pump,
  ring: RingBuffer,
  samplerate: number,
  options: { over: () => boolean; outputLatencySeconds: () => number; stop: () => Promise<void> },
): void {
  const { over } = options
  sourcePump.done
    .then(async () => {
      while (ring.readAvailable > 0 && !over()) await sleepFrames(ring.readAvailable, samplerate)
      if (over()) return
      // the last frames left the ring in a callback: let the device play them
      await sleep(Math.ceil(options.outputLatencySeconds() * 1000) + 1)
      if (!over()) await options.stop()
    })
    .catch(() => undefined)
}
