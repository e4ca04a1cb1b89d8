// Pumps: what services a ring while a stream runs, on the main thread or in
// a Worker. The audio callback never waits for any of them; they wait for
// the ring by sleeping until the frames they need can be there (predicted
// from the sample rate), so an idle stream costs a timer wake-up per block.
import { Worker } from 'node:worker_threads'
import { Readable, Writable } from 'node:stream'
import type { RingBuffer } from '@pastream/core-native'
import { asBytes, sleep } from './typed.js'

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

/** What a pump knows about the stream it services. */
export interface PumpContext {
  ring: RingBuffer
  samplerate: number
  /** frames per wake-up the pump aims for (the stream's blocksize, or 256) */
  quantum: number
  /** info passed to Worker modules */
  info: WorkerInfo
}

/** What a Worker module's default export receives. */
export interface WorkerInfo {
  samplerate: number
  channels: number
  dtype: string
  blocksize: number
  /** 'source': fill the ring; 'sink': drain it */
  role: 'source' | 'sink'
}

/** A running servicer of one ring. */
export interface Pump {
  /** resolves once the pump has put its first data in the ring (sources), at once for sinks */
  readonly ready: Promise<void>
  /** resolves when the pump is done; rejects with its own error */
  readonly done: Promise<void>
  /** the engine stopped: sources stop, sinks drain what is left then finish */
  engineStopped(): void
  /** stop now (abort/close); done still settles */
  cancel(): void
}

/** Sleeps about as long as the audio needs to produce (or consume) `frames`. */
export function sleepFrames(frames: number, samplerate: number, signal?: AbortSignal): Promise<void> {
  const ms = Math.max(1, Math.min(100, Math.floor((frames / samplerate) * 1000)))
  return sleep(ms, signal)
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

  engineStopped(): void {
    this.stopped = true
  }

  cancel(): void {
    this.stopped = true
    this.cancelled.abort()
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
          if (at < whole) await sleepFrames(Math.max(this.ctx.quantum, (whole - at) / es), this.ctx.samplerate, this.cancelled.signal)
        }
        carry = bytes.slice(whole)
        if (this.stopped) return
      }
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
    const { ring, samplerate, quantum } = this.ctx
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
      // sleep until about half the ring has played out
      await sleepFrames(Math.max(quantum, ring.size / 2), samplerate, this.cancelled.signal)
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
    const { ring, samplerate, quantum } = this.ctx
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
      await sleepFrames(quantum, samplerate, this.cancelled.signal)
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
    const { ring, samplerate, quantum } = this.ctx
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
    for (;;) {
      const available = ring.readAvailable
      if (available > 0) {
        await write(ring.read(available))
        continue
      }
      if (this.stopped) return
      await sleepFrames(quantum, samplerate, this.cancelled.signal)
    }
  }
}

/**
 * Runs a user's module in a Worker with the ring: its default export is
 * called as `default(ring, info)` and may be async. The ring is rebuilt in
 * the Worker from its SharedArrayBuffer: no copy, no addon call.
 */
export class WorkerPump implements Pump {
  readonly ready: Promise<void>
  readonly done: Promise<void>
  readonly #worker: Worker
  readonly #stop: Int32Array

  constructor(ctx: PumpContext, module: URL, options: { prebuffer: boolean }) {
    // control words: [0] = stop requested (1 engine stopped, 2 cancelled), [1] = first write done
    const control = new Int32Array(new SharedArrayBuffer(8))
    this.#stop = control
    const runner = new URL('./worker-runner.js', import.meta.url)
    this.#worker = new Worker(runner, {
      workerData: { module: module.href, ring: ctx.ring.buffer, control: control.buffer, info: ctx.info },
    })
    let readyResolve!: () => void
    this.ready = new Promise((resolve) => (readyResolve = resolve))
    if (!options.prebuffer || ctx.info.role === 'sink') readyResolve()
    this.done = new Promise<void>((resolve, reject) => {
      let failed: unknown
      this.#worker.on('message', (message: { type: string; error?: unknown }) => {
        if (message.type === 'ready') readyResolve()
      })
      this.#worker.on('error', (error) => (failed = error))
      this.#worker.on('exit', (code) => {
        readyResolve()
        if (failed !== undefined) reject(failed)
        else if (code !== 0) reject(new Error(`worker ${module.href} exited with code ${code}`))
        else resolve()
      })
    })
    // a source that writes without yielding still counts as ready once the ring has data
    if (ctx.info.role === 'source') {
      const poll = async () => {
        while (ctx.ring.readAvailable === 0 && Atomics.load(control, 0) === 0) await sleep(1)
        readyResolve()
      }
      void poll()
    }
  }

  engineStopped(): void {
    Atomics.store(this.#stop, 0, 1)
  }

  cancel(): void {
    Atomics.store(this.#stop, 0, 2)
  }
}
