/**
 * Open recordings and what happens to them on SIGINT and SIGTERM. This file
 * owns the set of sound files being recorded (a SoundFile joins it when a
 * record pump starts on it and leaves it when it closes) and the signal
 * handlers that finalize them: the automatic ones a library user gets
 * while a recording is open, or the ones an application asks for with
 * {@link finalizeOnSignals}.
 */

/** A file being recorded, as the signal handlers see it. */
export interface Recording {
  /** stops its record pumps (they write what is left in their rings) and closes the file; idempotent */
  finalize(): Promise<void>
}

/** The signals that finalize recordings. */
export type FinalSignal = 'SIGINT' | 'SIGTERM'

/** Options of {@link finalizeOnSignals}. */
export interface FinalizeOnSignalsOptions {
  /** which signals finalize; default both SIGINT and SIGTERM */
  signals?: readonly FinalSignal[]
  /**
   * After finalizing, remove these handlers and let the signal do what it
   * would have done without them (default true): with no other listener
   * the signal is sent again and ends the process; where the application
   * listens itself, its handlers (which ran already) decide. false: these
   * handlers stay, the process goes on, and the application decides what
   * to do (print a summary, exit with a code of its own).
   */
  reraise?: boolean
  /** called once the recordings are finalized, before any re-raise */
  onFinalized?: (signal: FinalSignal) => void
}

interface Policy {
  signals: readonly FinalSignal[]
  reraise: boolean
  onFinalized: ((signal: FinalSignal) => void) | undefined
  handler: (signal: NodeJS.Signals) => void
  installed: boolean
}

const recordings = new Set<Recording>()
const bothSignals: readonly FinalSignal[] = ['SIGINT', 'SIGTERM']

function makePolicy(options: FinalizeOnSignalsOptions): Policy {
  const policy: Policy = {
    signals: options.signals ?? bothSignals,
    reraise: options.reraise ?? true,
    onFinalized: options.onFinalized,
    installed: false,
    handler: (signal) => {
      const final = signal as FinalSignal
      // re-raising: a second signal while finalizing gets the default action at once
      if (policy.reraise) uninstall(policy)
      void finalizeRecordings().then(() => {
        policy.onFinalized?.(final)
        // what the signal would have done without these handlers: the
        // default action (end the process) only when nobody else listens;
        // an application's own handlers already ran and decide themselves
        if (policy.reraise && process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      })
    },
  }
  return policy
}

function install(policy: Policy): void {
  if (policy.installed) return
  policy.installed = true
  for (const signal of policy.signals) process.on(signal, policy.handler)
}

function uninstall(policy: Policy): void {
  if (!policy.installed) return
  policy.installed = false
  for (const signal of policy.signals) process.off(signal, policy.handler)
}

/** What a library user gets without asking: finalize, then re-raise; installed only while a recording is open. */
const automatic = makePolicy({})
/** The policy an application chose with finalizeOnSignals(), if any: installed until disposed. */
let chosen: Policy | undefined

function updateAutomatic(): void {
  if (chosen === undefined && recordings.size > 0) install(automatic)
  else uninstall(automatic)
}

/** @internal A record pump started on a file: it is finalized on a signal until it leaves. */
export function trackRecording(recording: Recording): void {
  recordings.add(recording)
  updateAutomatic()
}

/** @internal The file closed: nothing left to finalize. */
export function untrackRecording(recording: Recording): void {
  recordings.delete(recording)
  updateAutomatic()
}

/**
 * The number of open recordings: sound files a record pump has written to
 * (a stream's sink) that are not closed yet.
 *
 * @example
 * ```ts
 * if (activeRecordings() > 0) await finalizeRecordings()
 * ```
 */
export function activeRecordings(): number {
  return recordings.size
}

/**
 * Finalizes every open recording now: stops its record pump (which writes
 * what is left in its ring) and closes the file, so its header is final.
 * Errors are not thrown: a file that fails to close keeps what its pump
 * wrote (the header is kept current as it grows).
 *
 * @example
 * ```ts
 * process.on('beforeExit', () => void finalizeRecordings())
 * ```
 */
export async function finalizeRecordings(): Promise<void> {
  await Promise.allSettled([...recordings].map((recording) => recording.finalize()))
}

/**
 * Finalizes every open recording on SIGINT and SIGTERM (see
 * {@link finalizeRecordings}); with `reraise` (the default) the signal is
 * then sent again with these handlers removed, so the process ends as it
 * would have. Without this call a library user gets that default while a
 * recording is open; an application that handles the signals itself (a
 * CLI that prints a summary and exits 130) calls it with `reraise: false`.
 * The handlers stay until the returned function is called; a later call
 * replaces an earlier one.
 *
 * @returns a function that removes the handlers (and brings back the default)
 * @example
 * ```ts
 * const stop = finalizeOnSignals({ reraise: false })
 * process.on('SIGINT', () => { summary(); process.exitCode = 130 })
 * // ... record ...
 * stop()
 * ```
 */
export function finalizeOnSignals(options: FinalizeOnSignalsOptions = {}): () => void {
  if (options === null || typeof options !== 'object') throw new TypeError(`Expected an options object, got ${String(options)} (${typeof options})`)
  for (const signal of options.signals ?? []) {
    if (!bothSignals.includes(signal)) throw new RangeError(`Expected 'SIGINT' or 'SIGTERM' in signals, got ${String(signal)}`)
  }
  if (chosen !== undefined) uninstall(chosen)
  const policy = makePolicy(options)
  chosen = policy
  install(policy)
  updateAutomatic()
  return () => {
    uninstall(policy)
    if (chosen === policy) chosen = undefined
    updateAutomatic()
  }
}
