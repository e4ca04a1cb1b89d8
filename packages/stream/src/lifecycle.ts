// The lifecycle of a Stream: its one state value, the events that move it
// and the one table of legal transitions. Stream keeps a `Lifecycle` and
// asks it before it acts; nothing else in the package holds lifecycle flags.
import { PastreamError } from './errors.js'

/**
 * Where a stream is in its life. Open states: `idle`, `aborted`,
 * `starting`, `running`, `stopping`, `aborting`; on the way out:
 * `closing`; terminal: `closed`, `deviceLost`.
 *
 * - `idle`: open, no run under way (never started, or the last run
 *   completed, was stopped or was waited for). `start()` may begin a run.
 * - `aborted`: like `idle`, but the last run was ended by `abort()` (the
 *   `aborted` getter reads this).
 * - `starting`: `start()` is planning the run and pre-buffering; the device
 *   is not started yet. A `stop()`, `abort()` or `close()` now cancels the
 *   run before the device starts.
 * - `running`: the device was started and the owner has not yet taken
 *   note of the run's end: the engine may still run, or may have completed
 *   or aborted by itself (BufferFull, BufferEmpty, frames + pad done).
 * - `stopping`: `stop()` is letting queued frames play and sinks drain.
 * - `aborting`: `abort()` is cancelling the run at once.
 * - `closing`: `close()` is aborting the run and releasing the device.
 * - `closed`: the device is released; every call but `close()`/`wait()` throws.
 * - `deviceLost`: the device went away under the stream. No run can
 *   start again; `close()` still releases what is left (to `closed`).
 */
export type StreamState = 'idle' | 'aborted' | 'starting' | 'running' | 'stopping' | 'aborting' | 'closing' | 'closed' | 'deviceLost'

/** Every state, in the order of the type above (for tests and docs). */
export const streamStates: readonly StreamState[] = ['idle', 'aborted', 'starting', 'running', 'stopping', 'aborting', 'closing', 'closed', 'deviceLost']

/**
 * What moves the state. The public methods are events of their own name
 * (`start`, `stop`, `abort`, `close`); the others are what the run reports:
 *
 * - `started`: the device start was issued (`starting` -> `running`).
 * - `startFailed`: planning, pre-buffering or the device start failed, or
 *   the run was cancelled before the device started.
 * - `ended`: the owner took note of the run's end (wait, stop, abort).
 * - `released`: `close()` settled the run and releases the device (the
 *   stream counts as closed from here on).
 * - `deviceLost`: the device disappeared.
 */
export type StreamEvent = 'start' | 'started' | 'startFailed' | 'stop' | 'abort' | 'ended' | 'close' | 'released' | 'deviceLost'

/** Every event, in the order of the type above. */
export const streamEvents: readonly StreamEvent[] = ['start', 'started', 'startFailed', 'stop', 'abort', 'ended', 'close', 'released', 'deviceLost']

/** The open states a device loss can come in (the device may vanish whatever the stream does). */
const lost = { deviceLost: 'deviceLost' } as const

/**
 * THE transition table: `transitions[state][event]` is the next state; an
 * event missing from a state's row is illegal there. `stop()` on a stream
 * with no run under way and a second `close()` are accepted and change
 * nothing (the row maps them to the same state); so do `stop()` and
 * `abort()` while `close()` is under way (they wait for the close, which
 * ends the run anyway).
 */
export const transitions: Readonly<Record<StreamState, Readonly<Partial<Record<StreamEvent, StreamState>>>>> = {
  idle: { start: 'starting', stop: 'idle', abort: 'aborting', close: 'closing', ...lost },
  aborted: { start: 'starting', stop: 'aborted', abort: 'aborting', close: 'closing', ...lost },
  starting: { started: 'running', startFailed: 'idle', stop: 'stopping', abort: 'aborting', close: 'closing', ...lost },
  running: { stop: 'stopping', abort: 'aborting', ended: 'idle', close: 'closing', ...lost },
  stopping: { stop: 'stopping', abort: 'aborting', ended: 'idle', close: 'closing', ...lost },
  aborting: { stop: 'aborting', abort: 'aborting', ended: 'aborted', close: 'closing', ...lost },
  closing: { stop: 'closing', abort: 'closing', close: 'closing', released: 'closed' },
  closed: { close: 'closed' },
  deviceLost: { close: 'closing' },
}

/**
 * The next state after `event` in `state`.
 * @throws PastreamError naming the stream, the state and the method when
 *   the transition is illegal (`InputStream is closed` in `closed`).
 * @example
 * ```ts
 * nextState('idle', 'start', 'InputStream') // 'starting'
 * nextState('closed', 'start', 'InputStream') // throws PastreamError('InputStream is closed')
 * ```
 */
export function nextState(state: StreamState, event: StreamEvent, owner: string): StreamState {
  const next = transitions[state][event]
  if (next !== undefined) return next
  if (state === 'closed') throw closedError(owner)
  const method = event === 'start' || event === 'stop' || event === 'abort' || event === 'close' ? `${event}()` : `the '${event}' event`
  throw new PastreamError(`${owner} cannot take ${method} while ${state}`)
}

/** What every method that needs an open stream throws once it is closed. */
function closedError(owner: string): PastreamError {
  return new PastreamError(`${owner} is closed`)
}

/** States in which a run is under way (its pumps may still run; the owner has not taken note of its end). */
const underWay: ReadonlySet<StreamState> = new Set(['starting', 'running', 'stopping', 'aborting'])

/**
 * One stream's state. `fire` is the only way to change it; the queries
 * below are what Stream derives its getters from.
 * @example
 * ```ts
 * const life = new Lifecycle('OutputStream')
 * life.fire('start') // 'starting'
 * life.fire('started') // 'running'
 * ```
 */
export class Lifecycle {
  #state: StreamState = 'idle'
  readonly #owner: string

  /** @param owner the stream's class name, for error messages */
  constructor(owner: string) {
    this.#owner = owner
  }

  get state(): StreamState {
    return this.#state
  }

  /**
   * Moves to the state the table gives for `event`, returning it.
   * @throws PastreamError when the table has no such transition.
   */
  fire(event: StreamEvent): StreamState {
    this.#state = nextState(this.#state, event, this.#owner)
    return this.#state
  }

  /** Throws the table's error unless `event` is legal now (changes nothing). */
  check(event: StreamEvent): void {
    nextState(this.#state, event, this.#owner)
  }

  /**
   * For methods accepted in every state but `closed` (setSource, setSink:
   * they set up the next run).
   * @throws PastreamError `<Stream> is closed`
   */
  checkOpen(): void {
    if (this.#state === 'closed') throw closedError(this.#owner)
  }

  /** A run is under way: starting, running, stopping or aborting. */
  get runUnderWay(): boolean {
    return underWay.has(this.#state)
  }

  /** The device was released (or is being released). */
  get closed(): boolean {
    return this.#state === 'closed'
  }

  /** The owner stopped the run or it was never started (the `stopped` getter). */
  get stopped(): boolean {
    return this.#state !== 'running' && this.#state !== 'stopping' && this.#state !== 'aborting'
  }

  /** abort() is ending the run or ended the last one. */
  get abortRequested(): boolean {
    return this.#state === 'aborting' || this.#state === 'aborted'
  }
}
