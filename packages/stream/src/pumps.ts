// Pumps: what services a ring while a stream runs. This file holds the
// Pump contract and the main-thread pumps (arrays, iterables, functions,
// Node streams); worker-pump.ts runs a user's module in a Worker. The
// audio callback never waits for any of them; none needs low latency, so
// they wake on fill level (a quarter of the ring, see wake.ts), never once
// per block, and the engine's stop or a cancel wakes them at once.
import { Writable } from 'node:stream'
import type { DType, RingBuffer } from '@pastream/core-native'
import type { Source, SourceChunk } from './endpoint.js'
import { asBytes } from './typed.js'
import { sleepFillLevel } from './wake.js'

/** What a pump knows about the stream it services. */
export interface PumpContext {
  ring: RingBuffer
  samplerate: number
  /** frames per callback (the blocksize, or 256 when it is 0): the least a function source is asked for */
  quantum: number
  /** info passed to Worker modules */
  info: WorkerInfo
}

/** The stream's facts a Worker module receives (part of {@link WorkerContext}). */
export interface WorkerInfo {
  samplerate: number
  /** channels per frame of the ring (the data's channels, after channel maps) */
  channels: number
  dtype: DType
  /** frames per callback; 0 = the host decides */
  blocksize: number
  /** 'source': fill the ring; 'sink': drain it */
  role: 'source' | 'sink'
}

/** A running servicer of one ring. */
export interface Pump {
  /** resolves once the pump has put its first data in the ring (sources), once it runs (Worker sinks), at once (other sinks) */
  readonly ready: Promise<void>
  /** resolves when the pump is done; rejects with its own error */
  readonly done: Promise<void>
  /** the engine stopped: sources stop, sinks drain what is left then finish */
  engineStopped(): void
  /** stop now (abort/close); done still settles */
  cancel(): void
  /**
   * True once the pump has failed, known synchronously, possibly before
   * `done` rejects (a Worker flags it in shared memory the moment it
   * throws): an engine error (BufferFull/BufferEmpty) seen while this is
   * true was caused by the failure and goes after it.
   */
  readonly failed?: boolean
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/** Base of the main-thread pumps: a loop with stop/cancel signals. */
abstract class LoopPump implements Pump {
  readonly ready: Promise<void>
  readonly done: Promise<void>
  protected readonly ctx: PumpContext
  protected readonly cancelled = new AbortController()
  /** aborted when the engine stops or the pump is cancelled: ends a fill-level sleep at once */
  readonly #interrupted = new AbortController()
  protected stopped = false
  readonly #ready = deferred()

  constructor(ctx: PumpContext) {
    this.ctx = ctx
    this.ready = this.#ready.promise
    // start on the next tick so subclasses finish constructing
    this.done = Promise.resolve().then(() => this.run())
    this.done.then(this.#ready.resolve, this.#ready.resolve)
  }

  protected markReady(): void {
    this.#ready.resolve()
  }

  protected abstract run(): Promise<void>

  /** Sleeps until a quarter of the ring filled (sink) or played out (source), or the run ends. */
  protected sleep(): Promise<void> {
    return sleepFillLevel(this.ctx.ring, this.ctx.samplerate, this.#interrupted.signal)
  }

  engineStopped(): void {
    this.stopped = true
    this.#interrupted.abort()
  }

  cancel(): void {
    this.stopped = true
    this.cancelled.abort()
    this.#interrupted.abort()
  }
}

/** Yields byte chunks from any supported streaming source. */
async function* byteChunks(source: Source, wantBytes: () => number): AsyncGenerator<Uint8Array> {
  if (typeof source === 'function') {
    for (;;) {
      const chunk = await (source as (frames: number) => Promise<SourceChunk | null | undefined>)(wantBytes())
      if (chunk === null || chunk === undefined) return
      yield asBytes(chunk)
    }
  }
  const iterable = source as AsyncIterable<SourceChunk> | Iterable<SourceChunk>
  for await (const chunk of iterable) yield typeof chunk === 'string' ? Buffer.from(chunk) : asBytes(chunk)
}

/** Source pump: pulls from an iterable/stream/function and writes whole frames into the ring. */
export class StreamingSourcePump extends LoopPump {
  readonly #source: Source
  constructor(ctx: PumpContext, source: Source) {
    super(ctx)
    this.#source = source
    // before the device starts: a dry ring means a late source until it ends
    ctx.ring.writer = 'open'
  }

  protected async run(): Promise<void> {
    const { ring } = this.ctx
    const es = ring.elementsize
    let carry = new Uint8Array(0)
    const chunks = byteChunks(this.#source, () => Math.max(this.ctx.quantum, ring.writeAvailable))
    try {
      for await (const chunk of chunks) {
        let bytes = chunk
        if (carry.byteLength) {
          const joined = new Uint8Array(carry.byteLength + chunk.byteLength)
          joined.set(carry)
          joined.set(chunk, carry.byteLength)
          bytes = joined
        }
        let at = 0
        const whole = Math.floor(bytes.byteLength / es) * es
        while (at < whole) {
          if (this.stopped) return
          const wrote = ring.write(bytes.subarray(at, whole))
          at += wrote * es
          if (wrote > 0) this.markReady()
          // the ring is full: sleep while a quarter of it plays out (not for
          // all that is left to write, or a ring about the size of a chunk
          // would run dry before the pump wakes)
          if (at < whole) await this.sleep()
        }
        carry = bytes.slice(whole)
        if (this.stopped) return
      }
      // the source is exhausted and all of it is in the ring: a dry ring is now the end
      ring.writer = 'ended'
    } finally {
      await chunks.return(undefined)
    }
  }
}

/** Source pump for a typed array larger than the ring (or looping but not fitting). */
export class ArraySourcePump extends LoopPump {
  readonly #bytes: Uint8Array
  readonly #loop: boolean
  constructor(ctx: PumpContext, bytes: Uint8Array, loop: boolean) {
    super(ctx)
    this.#bytes = bytes
    this.#loop = loop
  }

  protected async run(): Promise<void> {
    const { ring } = this.ctx
    const es = ring.elementsize
    const total = Math.floor(this.#bytes.byteLength / es) * es
    if (total === 0) return
    let at = 0
    for (;;) {
      if (this.stopped) return
      const wrote = ring.write(this.#bytes.subarray(at, total))
      if (wrote > 0) this.markReady()
      at += wrote * es
      if (at >= total) {
        if (!this.#loop) return
        at = 0
        continue
      }
      // sleep while a quarter of the ring plays out
      await this.sleep()
    }
  }
}

/** Sink pump: copies recorded frames into a caller's array until it is full. */
export class ArraySinkPump extends LoopPump {
  readonly #target: Uint8Array
  #filled = 0
  constructor(ctx: PumpContext, target: Uint8Array) {
    super(ctx)
    this.#target = target
    this.markReady()
  }

  /** Frames copied so far. */
  get frames(): number {
    return this.#filled / this.ctx.ring.elementsize
  }

  protected async run(): Promise<void> {
    const { ring } = this.ctx
    for (;;) {
      const room = this.#target.byteLength - this.#filled
      const available = ring.readAvailable
      if (available > 0 && room > 0) {
        const n = ring.readInto(this.#target.subarray(this.#filled))
        this.#filled += n * ring.elementsize
        continue
      }
      if (room <= 0) {
        // the target is full: anything more is dropped deliberately (the engine counts exact frames)
        ring.flush()
        if (this.stopped) return
      }
      if (this.stopped) {
        if (ring.readAvailable === 0) return
        continue
      }
      await this.sleep()
    }
  }
}

/** Sink pump: hands each chunk (a copy) to an async function or a Writable, in order. */
export class CallbackSinkPump extends LoopPump {
  readonly #sink: ((chunk: Uint8Array) => Promise<void> | void) | Writable
  constructor(ctx: PumpContext, sink: ((chunk: Uint8Array) => Promise<void> | void) | Writable) {
    super(ctx)
    this.#sink = sink
    this.markReady()
  }

  protected async run(): Promise<void> {
    const { ring } = this.ctx
    const sink = this.#sink
    const write =
      sink instanceof Writable
        ? (chunk: Uint8Array) =>
            new Promise<void>((resolve, reject) => {
              const onError = (error: Error) => reject(error)
              sink.once('error', onError)
              const ok = sink.write(chunk, (error) => {
                if (error) reject(error)
              })
              const finish = () => {
                sink.off('error', onError)
                resolve()
              }
              // backpressure: wait for drain; meanwhile the ring fills and,
              // if the consumer never catches up, the engine reports BufferFull
              if (ok) finish()
              else sink.once('drain', finish)
            })
        : sink
    // a sink that never returns (or a Writable that never drains) must not
    // keep close(), abort() or an engine error waiting forever
    const signal = this.cancelled.signal
    const cancelled = new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
    })
    for (;;) {
      if (signal.aborted) return
      const available = ring.readAvailable
      if (available > 0) {
        await Promise.race([write(ring.read(available)), cancelled])
        continue
      }
      if (this.stopped) return
      await this.sleep()
    }
  }
}
