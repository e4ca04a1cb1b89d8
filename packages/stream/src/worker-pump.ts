// The Worker pump: runs a user's source or sink module in a Worker with the
// stream's ring (worker-runner.js is the Worker's entry), the context the
// module gets, and the module's errors rebuilt on the owner's thread.
import { Worker } from 'node:worker_threads'
import type { RingBuffer } from '@pastream/core-native'
import type { Pump, PumpContext, WorkerInfo } from './pumps.js'

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
 *     const n = context.waitReadable()   // the blocksize's frames (256 when it is 0)
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
    // before the device starts: a dry ring means a late source until the
    // module returns (the runner then says 'ended', from the Worker itself)
    if (role === 'source') ctx.ring.writer = 'open'
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
