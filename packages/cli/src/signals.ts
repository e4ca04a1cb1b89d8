/**
 * SIGINT and SIGTERM while the main command runs. This file owns the
 * command's handlers, installed as the command starts (before a module
 * loads that opens a device or a file), what a signal means at each stage,
 * and the test hook that holds the command at a stage until a signal:
 *
 * - before the stream starts: nothing opens after it; what was opened is
 *   closed and a recording's file removed (nothing was recorded), then exit
 *   130 (SIGINT) or 143 (SIGTERM) with one line on stderr;
 * - after the start: the stream stops, the soundfile layer finalizes the
 *   recording (finalizeOnSignals), the summary prints, exit 130 or 143;
 * - a second signal: exit at once with the same codes.
 *
 * The handlers stay for the rest of the process: a signal while the summary
 * is written still exits with the code, not the signal's default action.
 */
import { rmSync } from 'node:fs'
import { exitCodes } from './exit-codes.js'

/** The signals the command handles. */
export type StopSignal = 'SIGINT' | 'SIGTERM'

/**
 * The test hook: with `PASTREAM_TEST_HOLD=before-open` (before anything is
 * opened), `before-start` (device and files open, the stream not started)
 * or `after-start` (the stream has started and runs on) the command writes `pastream: PASTREAM_TEST_HOLD: holding <stage> until
 * SIGINT or SIGTERM` to stderr at that stage and waits there for a signal,
 * so a test can deliver one exactly then (the handlers are in by then).
 * Not for use outside tests: the command never goes on without a signal.
 */
export const holdVariable = 'PASTREAM_TEST_HOLD'

/** The stages {@link holdVariable} can hold at. */
export type HoldStage = 'before-open' | 'before-start' | 'after-start'

/** The command's view of the signals, from {@link watchSignals}. */
export interface SignalWatch {
  /** the first signal received, if any */
  readonly received: StopSignal | undefined
  /** `wake` runs on the next signal (one at a time: a later call replaces it; undefined clears it) */
  onSignal(wake: (() => void) | undefined): void
  /** Holds at `stage` until a signal when {@link holdVariable} names it (the test hook); else resolves at once. */
  hold(stage: HoldStage): Promise<void>
  /**
   * When a signal came before the stream started: closes what was opened
   * (`close`), removes the recording's file (`recording`, a path; '-' and
   * null are none), since nothing was recorded into it, and returns how the
   * command ends: its error line and exit 130 or 143. Undefined when no
   * signal came.
   */
  stopBeforeStart(opened?: { close(): Promise<void>; recording: string | null }): Promise<{ message: string; code: 130 | 143 } | undefined>
}

/** The exit code for a signal. */
export function signalExitCode(signal: StopSignal): 130 | 143 {
  return signal === 'SIGINT' ? exitCodes.sigint : exitCodes.sigterm
}

/**
 * Installs the command's SIGINT and SIGTERM handlers (for the rest of the
 * process) and returns what they saw.
 *
 * @param stderr where the test hook's line goes
 * @example
 * ```ts
 * const signals = watchSignals()
 * await signals.hold('before-open')
 * const stopped = await signals.stopBeforeStart() // Ctrl-C came first: exit stopped.code
 * ```
 */
export function watchSignals(stderr: NodeJS.WritableStream = process.stderr): SignalWatch {
  let received: StopSignal | undefined
  let wake: (() => void) | undefined
  let release: (() => void) | undefined
  const onSignal = (signal: StopSignal): void => {
    if (received !== undefined) process.exit(signalExitCode(signal))
    received = signal
    release?.()
    wake?.()
  }
  process.on('SIGINT', () => onSignal('SIGINT'))
  process.on('SIGTERM', () => onSignal('SIGTERM'))
  return {
    get received() {
      return received
    },
    onSignal(callback) {
      wake = callback
    },
    hold(stage) {
      if (process.env[holdVariable] !== stage || received !== undefined) return Promise.resolve()
      stderr.write(`pastream: ${holdVariable}: holding ${stage} until SIGINT or SIGTERM\n`)
      // a signal handler does not keep the process alive: a timer does, until the signal
      const alive = setInterval(() => undefined, 1 << 30)
      return new Promise<void>((resolve) => {
        release = () => {
          clearInterval(alive)
          resolve()
        }
      })
    },
    async stopBeforeStart(opened) {
      const signal = received
      if (signal === undefined) return undefined
      await opened?.close()
      const removed = opened?.recording !== undefined && opened.recording !== null && opened.recording !== '-' ? opened.recording : undefined
      if (removed !== undefined) rmSync(removed, { force: true })
      const what = removed !== undefined ? `nothing was recorded, ${removed} was removed` : 'nothing was played or recorded'
      return { message: `stopped by ${signal} before the stream started: ${what}`, code: signalExitCode(signal) }
    },
  }
}
