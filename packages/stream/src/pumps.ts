// Pumps: what services a ring while a stream runs, on the main thread or in
// a Worker. The audio callback never waits for any of them; they wait for
// the ring by sleeping until the frames they need can be there (predicted
// from the sample rate), so an idle stream costs a timer wake-up per block.
import { Worker } from 'node:worker_threads'
import { Readable, Writable } from 'node:stream'
import type { DType, RingBuffer } from '@pastream/core-native'
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

/** What a pump knows about the stream it services. */
export interface PumpContext {
  ring: RingBuffer
  samplerate: number
  /** frames per wake-up the pump aims for (the stream's blocksize, or 256) */
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

/**
 * The second argument of a Worker module's default export (the first is the
 * stream's ring, rebuilt in the Worker from its SharedArrayBuffer: no copy,
 * no addon call). The waits block the Worker's thread with `Atomics.wait`,
 * timed from the sample rate: they sleep, never spin, and wake at once when
 * the stream stops.
 *
 * A source returns when `stopped` (the engine is done: more frames would not
 * play); a sink drains the ring after `stopped`, then returns; both return at
 * once when `cancelled` (abort/close; a Worker still running a moment later
 * is terminated). An exception thrown (or a rejected promise) aborts the
 * stream and is re-raised to the owner from wait(), stop() or start() with
 * its name, message, stack and own properties. The Worker ends when the
 * default export returns: await what you started. To send results back,
 * throw on failure, or post them on a `BroadcastChannel` (from
 * node:worker_threads; close it before returning); parameters can travel in
 * the module URL's query (`new URL(import.meta.url).searchParams`).
 *
 * @example
 * ```js
 * // tone.mjs: a source
 * export default function tone(ring, context) {
 *   const block = new Float32Array(1024 * context.channels)
 *   let t = 0
 *   while (!context.stopped) {
 *     context.waitWritable(1024)
 *     for (let i = 0; i < block.length; i++) block[i] = 0.1 * Math.sin((2 * Math.PI * 440 * t++) / context.samplerate)
 *     ring.write(block)   // whole frames; returns how many fitted
 *   }
 * }
 * // sink.mjs: a sink
 * export default function sink(ring, context) {
 *   for (;;) {
 *     const n = context.waitReadable(context.blocksize || 256)
 *     if (n === 0 && context.stopped) return
 *     const bytes = ring.read(n)   // process n frames
 *   }
 * }
 * ```
 */
export interface WorkerContext extends Readonly<WorkerInfo> {
  /** The engine stopped, or the stream was stopped, aborted or closed. */
  readonly stopped: boolean
  /** The stream was aborted or closed: return at once. */
  readonly cancelled: boolean
  /**
   * Blocks until `frames` (default: the blocksize, or 256; at most the ring's
   * size) can be written, or the stream stopped. Returns the frames writable.
   */
  waitWritable(frames?: number): number
  /**
   * Blocks until `frames` (default: the blocksize, or 256; at most the ring's
   * size) can be read, or the stream stopped. Returns the frames readable
   * (after a stop, what is left, maybe 0).
   */
  waitReadable(frames?: number): number
  /**
   * Tells the owner the first data is in the ring: start() (pre-buffering)
   * starts the device then. Writing to the ring does this by itself.
   */
  ready(): void
}

/** The default export of a Worker source or sink module. */
export type WorkerMain = (ring: RingBuffer, context: WorkerContext) => void | Promise<void>

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
      await sleepFrames(quantum, samplerate, signal)
    }
  }
}


/** An error (or any thrown value) as the Worker runner posts it. */
type SerializedError =
  | { kind: 'value'; value: unknown }
  | {
      kind: 'error'
      name: string
      message: string
      stack?: string
      props: Record<string, unknown>
      cause?: SerializedError
      errors?: SerializedError[]
    }

type WorkerMessage = { type: 'ready' } | { type: 'done' } | { type: 'error'; error: SerializedError }

const errorTypes: Record<string, ErrorConstructor> = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError }

function hidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false })
}

/** Rebuilds a Worker's error on this thread: same name, message, stack, own properties and cause. */
function revive(serialized: SerializedError): unknown {
  if (serialized.kind === 'value') return serialized.value
  const { name, message, stack, props, cause, errors } = serialized
  const error: Error = errors ? new AggregateError(errors.map(revive), message) : new (errorTypes[name] ?? Error)(message)
  if (error.name !== name) hidden(error, 'name', name)
  if (stack !== undefined) hidden(error, 'stack', stack)
  Object.assign(error, props)
  if (cause !== undefined) hidden(error, 'cause', revive(cause))
  return error
}

/** After abort/close, how long a Worker may take to return before it is terminated. */
const CANCEL_GRACE_MS = 200
/** After the engine stopped, how long a source Worker may take to return before it is terminated. */
const SOURCE_STOP_GRACE_MS = 1000
/** After the default export returned, how long the Worker may take to exit by itself (open handles) before it is terminated. */
const RETURN_GRACE_MS = 100

/** Control words shared with the runner (see worker-runner.js). */
const STATE = 0
const FAILED = 1
const RUNNING = 0
const ENGINE_STOPPED = 1
const CANCELLED = 2

/**
 * Runs a user's module in a Worker with the ring: its default export is
 * called as `default(ring, context)` (see {@link WorkerContext}) and may be
 * async. The ring is rebuilt in the Worker from its SharedArrayBuffer: no
 * copy, no addon call. `done` settles once the thread has exited: it
 * rejects with the module's error (rebuilt here), resolves when the module
 * returned or was cancelled.
 */
export class WorkerPump implements Pump {
  readonly ready: Promise<void>
  readonly done: Promise<void>
  readonly #worker: Worker
  readonly #control: Int32Array
  readonly #role: 'source' | 'sink'
  #failure: { error: unknown } | undefined
  #exited = false
  /** we ended it (cancel, stop grace, return grace): an exit code != 0 is no error */
  #ending = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #deadline = Infinity

  /**
   * @param options.prebuffer a source: `ready` waits for its first write
   *   (else it is ready at once); a sink is ready when its module runs
   */
  constructor(ctx: PumpContext, module: URL, options: { prebuffer: boolean }) {
    const control = new Int32Array(new SharedArrayBuffer(8))
    this.#control = control
    const role = ctx.info.role
    this.#role = role
    const runner = new URL('./worker-runner.js', import.meta.url)
    const what = `the Worker module ${module.href} (the stream's ${role})`
    let readyResolve!: () => void
    this.ready = new Promise((resolve) => (readyResolve = resolve))
    // a source is ready after its first write; a sink once its module loaded and runs
    // (else a small ring could overflow while the Worker starts)
    if (!options.prebuffer && role === 'source') readyResolve()
    const worker = new Worker(runner, {
      workerData: { module: module.href, ring: ctx.ring.buffer, control: control.buffer, info: ctx.info },
    })
    this.#worker = worker
    this.done = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') readyResolve()
        else if (message.type === 'done') this.#endIn(RETURN_GRACE_MS)
        else if (message.type === 'error') {
          this.#failure ??= { error: revive(message.error) }
          this.#endIn(0)
        }
      })
      // the runner itself failed (it catches the module's errors)
      worker.on('error', (error) => {
        this.#failure ??= { error: error instanceof Error ? new Error(`${what} failed: ${error.message}`, { cause: error }) : error }
      })
      worker.on('exit', (code) => {
        this.#exited = true
        if (this.#timer !== undefined) clearTimeout(this.#timer)
        // reject before resolving ready: start() sees the error when ready resolves
        if (this.#failure) reject(this.#failure.error)
        else if (code === 0 || this.#ending) resolve()
        else reject(new Error(`${what} exited with code ${code}`))
        readyResolve()
      })
    })
  }

  /** The module failed (known the moment it threw, before `done` rejects). */
  get failed(): boolean {
    return this.#failure !== undefined || Atomics.load(this.#control, FAILED) === 1
  }

  /** Terminates the Worker after `ms` unless it exits by itself first (an earlier deadline stands). */
  #endIn(ms: number): void {
    if (this.#exited || this.#ending) return
    const deadline = performance.now() + ms
    if (this.#timer !== undefined) {
      if (deadline >= this.#deadline) return
      clearTimeout(this.#timer)
    }
    this.#deadline = deadline
    this.#timer = setTimeout(() => {
      this.#ending = true
      void this.#worker.terminate()
    }, Math.max(0, ms))
  }

  engineStopped(): void {
    if (Atomics.compareExchange(this.#control, STATE, RUNNING, ENGINE_STOPPED) === RUNNING) {
      Atomics.notify(this.#control, STATE)
    }
    // frames a source writes now never play: do not wait for it forever
    if (this.#role === 'source') this.#endIn(SOURCE_STOP_GRACE_MS)
  }

  cancel(): void {
    Atomics.store(this.#control, STATE, CANCELLED)
    Atomics.notify(this.#control, STATE)
    this.#endIn(CANCEL_GRACE_MS)
  }
}
