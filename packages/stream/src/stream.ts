// The Stream base class's lifecycle: start (small named steps: end the
// previous run, plan, pre-buffer, start the device), wait, stop, abort,
// close, each checked against the one state machine in lifecycle.ts, and
// the seam the run helpers (record, play, chunks, ...) use. What the open
// stream knows and reports is in stream-base.ts; argument checks in
// options.ts, device picking in open.ts, run planning in run-plan.ts, a
// run's bookkeeping in run.ts, chunks() and readable() in chunks-iterator.ts.
import { assumedBlocksize, type EngineConfig } from '@pastream/core-native'
import { DeviceLost, PastreamError, PortAudioError } from './errors.js'
import { Lifecycle } from './lifecycle.js'
import type { Direction } from './open.js'
import { checkRunFields, type DuplexStreamOptions, type RunOptions } from './options.js'
import type { Sink, Source } from './endpoint.js'
import { Run, stopWhenPlayedOut } from './run.js'
import { planRun, type RunPlan } from './run-plan.js'
import { StreamBase } from './stream-base.js'
import { sleep } from './typed.js'

/** The source and sink of one method call's run (play, record, chunks, ...), in place of those set with setSource/setSink. */
export interface RunIO {
  source?: Source | undefined
  sink?: Sink | undefined
}

/**
 * @internal What the run helpers of the stream classes (record, play,
 * playrec, writable, chunks, readable) use of a Stream. Reached with
 * {@link runSeam}; not exported from the package.
 */
export interface RunSeam {
  /** Sets the run fields for one method call: each option given, else its default (frames -1, pad 0, offset 0, loop false), never what an earlier call left. */
  setRunFields(options: RunOptions): void
  /**
   * Starts one method call's run through start() (which subclasses may
   * extend) with `io` in place of the source/sink set with setSource/setSink;
   * `readsRx`: chunks() drains the rx ring itself. Resolves with the run.
   */
  startWith(io: RunIO, readsRx?: boolean): Promise<Run>
  /** The current (or last) run. */
  currentRun(): Run | undefined
  /** The owner took note of the run's end, or a newer run replaced it. */
  collected(run: Run): boolean
  /** The engine left the running state, or the device is not active. */
  runOver(run: Run): boolean
  /** The source set with setSource. */
  source(): Source | undefined
}

/** @internal The seam of `stream` (see {@link RunSeam}). */
export function runSeam(stream: Stream): RunSeam {
  return seamOf(stream)
}
let seamOf: (stream: Stream) => RunSeam

/** The source/sink of the method call whose start() comes next. */
interface RunRequest {
  io: RunIO
  readsRx: boolean
}

/**
 * Base of InputStream, OutputStream and DuplexStream: opens the device in
 * the constructor; `start`, `stop`, `abort`, `close`, `wait`; counters read
 * from shared memory. Sources and sinks are serviced by pumps (main thread
 * or Worker); the audio callback never waits on them. Which method is
 * accepted when is the lifecycle table of lifecycle.ts; each method's doc
 * names its states. Method calls that run (play, record, playrec, chunks,
 * readable, writable) accept the states start() accepts.
 *
 * @example
 * ```ts
 * await using stream = new InputStream({ channels: 1 })
 * stream.setSink(new RingBuffer(4, 1 << 16))
 * await stream.start()
 * await stream.stop()
 * ```
 */
export abstract class Stream extends StreamBase implements AsyncDisposable {
  static {
    seamOf = (stream) => stream.#seam
  }

  /** The current run, or the last one (its errors, rings and pumps). */
  #run: Run | undefined
  /** The one lifecycle state (see lifecycle.ts). */
  readonly #life = new Lifecycle(this.constructor.name)
  /** The source/sink of the method call whose start() comes next; consumed by that start(). */
  #request: RunRequest | undefined
  readonly #seam: RunSeam = {
    setRunFields: (options) => {
      this.frames = options.frames ?? -1
      this.pad = options.pad ?? 0
      this.offset = options.offset ?? 0
      this.loop = options.loop ?? false
    },
    startWith: async (io, readsRx = false) => {
      this.#request = { io, readsRx }
      try {
        await this.start()
      } finally {
        this.#request = undefined
      }
      return this.#run as Run
    },
    currentRun: () => this.#run,
    collected: (run) => this.#collected(run),
    runOver: (run) => {
      if (this.#collected(run)) return true
      const state = this.nativeStream.stats().state
      return state === 'complete' || state === 'aborted' || this.#life.stopped
    },
    source: () => this.source,
  }

  /** Callbacks processing (PortAudio's view). */
  get active(): boolean {
    return !this.#life.closed && this.nativeStream.info().active
  }
  /** Not started, or stopped/aborted by the owner. */
  get stopped(): boolean {
    return this.#life.stopped
  }
  /** The last run completed by itself (frames + pad done). */
  get finished(): boolean {
    return this.stats.state === 'complete'
  }
  /** The last run was aborted (by abort(), an error, BufferFull or BufferEmpty). */
  get aborted(): boolean {
    return this.#life.abortRequested || this.stats.state === 'aborted'
  }
  /** close() released the device: every method but close() and wait() throws. */
  get closed(): boolean {
    return this.#life.closed
  }

  /** @internal */
  protected constructor(kind: 'input' | 'output' | 'duplex', options: DuplexStreamOptions) {
    super(kind, options)
  }

  /** PortAudio's cpu load estimate, 0..1. */
  get cpuLoad(): number {
    return this.#life.closed ? 0 : this.nativeStream.info().cpuLoad
  }
  /** The stream clock in seconds. */
  get time(): number {
    return this.#life.closed ? 0 : this.nativeStream.info().time
  }
  /** Accepts every state but `closed` (for methods that set up the next run). */
  protected checkOpen(): void {
    this.#life.checkOpen()
  }

  /**
   * Starts a run with the `frames`, `pad`, `offset` and `loop` fields and
   * the source and sink set: allocates rings, starts their pumps, and (with
   * `prebuffer`, the default) waits for the source's first write before
   * starting the device. Counters reset. With no source the output plays
   * silence; with no sink the input is discarded. A stop(), abort() or
   * close() while pre-buffering ends the run before the device starts.
   *
   * States: `idle` and `aborted` start at once; `running` once the device
   * is no longer active (the old run is collected first, its errors
   * dropped); `stopping`/`aborting` after they end. Anything else throws.
   * @throws PastreamError when closed, starting or already active; PortAudioError.
   * @example
   * ```ts
   * stream.setSink(ring)
   * await stream.start()
   * ```
   */
  async start(options: { prebuffer?: boolean } = {}): Promise<void> {
    const request = this.#request ?? { io: {}, readsRx: false }
    this.#request = undefined
    const state = this.#life.state
    // no await otherwise: a wait() or stop() right after start() finds it `starting`
    if (state === 'running' || state === 'stopping' || state === 'aborting') await this.#endPreviousRun()
    this.#life.fire('start')
    const run = new Run()
    this.#run = run
    try {
      await this.#launch(run, request, options.prebuffer ?? true)
    } catch (error) {
      // the errors go to start()'s caller; wait() and stop() have none left to report
      await run.cancelPumps()
      run.forgetErrors()
      run.settle()
      if (this.nativeStream.lost !== undefined) {
        this.#deviceLost(run)
        throw this.#lossError()
      }
      if (this.#life.state === 'starting') this.#life.fire('startFailed')
      throw error
    } finally {
      run.markBegun()
    }
  }

  /**
   * In `running` with the device no longer active, collects the old run
   * (its errors dropped); in `stopping`/`aborting`, waits for them.
   */
  async #endPreviousRun(): Promise<void> {
    // an abort() or stop() still under way (e.g. from an AbortSignal) finishes first
    await this.#queue
    const run = this.#run
    if (run && !this.#collected(run)) {
      if (this.nativeStream.info().active) throw new PastreamError(`${this.constructor.name} is already active`)
      await this.#finishRun(run, false)
    }
  }

  /** The run was cancelled (stop, abort, close or a lost device) or is no longer the current one. */
  #cancelled(run: Run): boolean {
    return this.#run !== run || this.#life.state !== 'starting'
  }

  /** The owner took note of the run's end (or a newer run replaced it). */
  #collected(run: Run): boolean {
    return this.#run !== run || !this.#life.runUnderWay
  }

  /** start()'s work in `starting`: plan the run, pre-buffer, start the device. */
  async #launch(run: Run, request: RunRequest, prebuffer: boolean): Promise<void> {
    // the run fields, source and sink count as they are when start() is called
    checkRunFields(this)
    const facts = this.runFacts()
    const source = 'source' in request.io ? request.io.source : this.source
    const sink = 'sink' in request.io ? request.io.sink : this.sink
    // native operations queued before (a stop() of an idle stream) finish first
    await this.#queue
    if (this.#cancelled(run)) return run.settle()
    const plan = planRun(facts, source, sink, { prebuffer, readsRx: request.readsRx })
    run.pumps = plan.pumps
    run.rx = plan.rx ?? undefined
    run.finished = this.nativeStream.onceFinished()
    void run.finished.then(() => this.#deviceLost(run))
    run.watchPumps(this.nativeStream)
    if (prebuffer) await Promise.all(plan.pumps.map((p) => p.ready))
    if (run.errors.length > 0) throw run.combine()
    if (this.#cancelled(run)) {
      // stop/abort/close came while pre-buffering: the device never starts
      await run.cancelPumps()
      if (run.errors.length > 0) throw run.combine()
      return run.settle()
    }
    run.watchEngine(this.constructor.name, plan.frames, () => this.#lossError())
    if (plan.sourcePump && plan.tx && plan.frames < 0 && plan.pad < 0 && !facts.loop) {
      const stream = this.nativeStream
      stopWhenPlayedOut(plan.sourcePump, plan.tx, this.samplerate, {
        over: () => run.engineDone || this.#collected(run),
        outputLatencySeconds: () => this.#outputLatencySeconds(),
        stop: () => this.#serial(() => stream.stop()),
      })
    }
    await this.#startDevice(plan, facts.offset)
    if (this.#life.state === 'starting') this.#life.fire('started')
  }

  /** Configures the engine for the planned run and starts the device. */
  async #startDevice(plan: RunPlan, offset: number): Promise<void> {
    const config: EngineConfig = {
      frames: plan.frames,
      pad: plan.pad,
      offset,
      loop: plan.engineLoop,
      ...this.engineMaps(),
      tx: plan.tx,
      rx: plan.rx,
    }
    const stream = this.nativeStream
    try {
      await this.#serial(() => stream.start(config))
    } catch (error) {
      throw PortAudioError.from(error)
    }
  }

  /** When the native stream reports its device lost: the run's stream moves to `deviceLost`. */
  #deviceLost(run: Run): void {
    if (this.nativeStream.lost === undefined || this.#run !== run) return
    if (this.#life.state === 'deviceLost' || this.#life.state === 'closing' || this.#life.state === 'closed') return
    this.#life.fire('deviceLost')
  }

  /** The DeviceLost error of this stream, once its device is lost (names the device and the position). */
  #lossError(): DeviceLost | undefined {
    const reason = this.nativeStream.lost
    if (reason === undefined) return undefined
    const names = [...new Set([this.input, this.output].flatMap((d) => (d ? [d.device.name] : [])))]
    const device = names.join("' and '")
    const stats = this.nativeStream.stats()
    const frames = stats.frameCount
    const what = {
      startTimeout: 'it opened but never called back',
      stalled: 'its callbacks stopped',
      ended: 'the host API ended the stream (a device error)',
    }[reason]
    const recordedFrames = this.input ? stats.rxFrames : undefined
    const kept = recordedFrames !== undefined ? `; ${recordedFrames} frames were recorded` : ''
    const message = `${this.constructor.name}: device '${device}' was lost after ${frames} frames: ${what}${kept}`
    return new DeviceLost(message, { device, frames, reason, ...(recordedFrames !== undefined ? { recordedFrames } : {}) })
  }

  /**
   * How long frames the callback hands over take to be heard, in seconds:
   * the larger of PortAudio's reported output latency and the last
   * callback's (DAC time - current time), whichever are plausible (PortAudio
   * on JACK reports 2^32 frames), plus one block; the suggested latency if
   * neither is.
   */
  #outputLatencySeconds(): number {
    const plausible = (x: number) => Number.isFinite(x) && x > 0 && x <= 10
    const { currentTime, outputBufferDacTime } = this.nativeStream.stats().time
    const known = [this.nativeStream.info().outputLatency, outputBufferDacTime - currentTime].filter(plausible)
    const block = assumedBlocksize(this.blocksize) / this.samplerate
    return (known.length > 0 ? Math.max(...known) : (this.output?.latency ?? 0)) + block
  }

  /**
   * Takes note of the run's end once it settled (fires `ended`); throws its
   * first error if `raise`. Does nothing when someone else took note first.
   */
  async #finishRun(run: Run | undefined, raise: boolean): Promise<void> {
    await run?.settled
    if (this.#life.state === 'deviceLost' && this.#run === run) {
      if (raise) throw this.#lossError()
      return
    }
    if (this.#run !== run || !this.#life.runUnderWay) return
    this.#life.fire('ended')
    // the device completed by itself or was stopped: bring PortAudio to "stopped"
    await this.#serial(() => this.nativeStream.stop()).catch(() => undefined)
    if (raise && run?.failed) throw run.combine()
  }

  /**
   * Waits until the run ends (completes, is aborted or stopped) and its
   * sinks have drained, then throws the first error of the run (BufferFull,
   * BufferEmpty, DeviceLost, a source or sink error; later ones attached as
   * `cause`; in `deviceLost` it throws DeviceLost every time).
   * Accepted in every state: with no run under way it returns true at once;
   * in `starting` it waits for start() first (start() reports its errors);
   * in `closing` until the device is released (close() reports no errors).
   * @param timeoutMs give up after this long and return false
   * @returns true when the run ended, false on timeout
   * @example
   * ```ts
   * await stream.start()
   * if (!(await stream.wait(5000))) await stream.abort()
   * ```
   */
  async wait(timeoutMs?: number): Promise<boolean> {
    const timer = new AbortController()
    const timeout = timeoutMs === undefined ? undefined : sleep(timeoutMs, timer.signal).then(() => true)
    try {
      if (this.#life.state === 'starting' && this.#run) {
        const begun = this.#run.begun.then(() => false)
        if (await (timeout ? Promise.race([begun, timeout]) : begun)) return false
      }
      const run = this.#run
      const closing = this.#life.state === 'closing'
      // a lost device ended the run: its sinks drain, then DeviceLost
      if (this.#life.state === 'deviceLost') await this.#finishRun(run, true)
      if (!run || (!closing && this.#collected(run))) return true
      if (timeout && (await Promise.race([run.settled.then(() => false), timeout]))) return false
      // close() ends the run: it is over once the device is released
      if (closing) await this.#closing
      else await this.#finishRun(run, true)
      return true
    } finally {
      timer.abort()
    }
  }

  /**
   * Stops after queued buffers play; sinks drain; throws the run's first
   * error. States: every open one (a no-op with no run under way; in
   * `starting` the device never starts); in `closing` it waits for the
   * close; throws in `closed` and `deviceLost`.
   * @example
   * ```ts
   * await stream.stop()
   * ```
   */
  async stop(): Promise<void> {
    if (this.#life.state === 'deviceLost') throw this.#lossError()
    if (this.#life.fire('stop') === 'closing') return this.#closing
    await this.#serial(() => this.nativeStream.stop())
    await this.#finishRun(this.#run, true)
  }

  /**
   * Stops at once, dropping queued buffers; cancels sources and sinks; the
   * run's errors are not thrown. States: every open one (in `starting` the
   * device never starts); in `closing` it waits for the close; throws in
   * `closed` and `deviceLost`.
   * @example
   * ```ts
   * await stream.abort()
   * stream.aborted // true
   * ```
   */
  async abort(): Promise<void> {
    if (this.#life.state === 'deviceLost') return // the device stopped for good
    if (this.#life.fire('abort') === 'closing') return this.#closing
    const run = this.#run
    // the device first, then the pumps: a file sink stopped while the
    // callback still ran would miss its last blocks (a recording finalized
    // on a signal must hold every frame the stream counted)
    try {
      await this.#serial(() => this.nativeStream.abort())
    } finally {
      for (const pump of run?.pumps ?? []) pump.cancel()
    }
    await this.#finishRun(run, false)
  }

  /**
   * Aborts if running and closes the device. A second close is a no-op.
   * Errors of the last run are not thrown here: call `wait()` or `stop()`
   * first to see them. States: all (`closing` and `closed` return the
   * first close's promise; `deviceLost` releases what is left).
   * @example
   * ```ts
   * await stream.close()
   * stream.closed // true
   * ```
   */
  async close(): Promise<void> {
    this.#life.fire('close')
    this.#closing ??= (async () => {
      const run = this.#run
      // the device first, then the pumps (as in abort())
      await this.#serial(() => this.nativeStream.abort()).catch(() => undefined)
      for (const pump of run?.pumps ?? []) pump.cancel()
      await run?.settled
      this.#life.fire('released')
      await this.#serial(() => this.nativeStream.close())
    })()
    return this.#closing
  }
  /** The one close under way or done (a second close() returns it). */
  #closing: Promise<void> | undefined

  /** The tail of the native operations under way. */
  #queue: Promise<unknown> = Promise.resolve()

  /**
   * Runs native start/stop/abort/close one after the other: the addon
   * refuses a call while another is in progress on the same stream, and an
   * AbortSignal, a drained source and the owner may all ask at once.
   */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation)
    this.#queue = result.catch(() => undefined)
    return result
  }

  /** `await using stream = new InputStream(...)` closes it at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** Like the original's repr: class, device, samplerate, channels, dtype, blocksize. */
  override toString(): string {
    const name = (d: Direction | undefined) => (d ? `${d.device.index}: ${d.device.name}` : 'none')
    const device = this.input && this.output ? `[${name(this.input)}, ${name(this.output)}]` : name(this.input ?? this.output)
    const channels = Array.isArray(this.channels) ? `[${this.channels.join(', ')}]` : String(this.channels)
    const state = this.closed ? 'closed' : this.stopped ? 'stopped' : 'active'
    return `${this.constructor.name}(device=${device}, samplerate=${this.samplerate}, channels=${channels}, dtype='${this.dtype}', blocksize=${this.blocksize}, ${state})`
  }
}
