/**
 * How what went wrong becomes the command's outcome: {@link CliError} (a
 * message, a hint and an exit code), the libraries' errors mapped to exit
 * codes with hints that say what to do, and two ends that are not
 * pastream's failures: the reader of stdout going away (a quiet end,
 * exit 0), and a played file that ends before its header says (exit 4).
 * Decided by error classes and codes, never by messages.
 */
import { statSync } from 'node:fs'
import type { DeviceLost } from '@pastream/stream'
import { exitCodes, type ExitCode } from './exit-codes.js'
import { UsageError } from './values.js'

type StreamModule = typeof import('@pastream/stream')
type SoundfileModule = typeof import('@pastream/soundfile')

/** An error the command reports as `pastream: <message>` and exits with `code`. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly code: ExitCode,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** What the hints need to know about the run. */
export interface RunFacts {
  input: string | null
  output: string | null
  /** the rate of the device that plays the input, when there is one */
  playRate: number | undefined
}

/** Turns a library error into the command's error (file errors exit 4, device errors 3, bad arguments 2), and throws it. */
export type Classify = (error: unknown, what: string) => never

/** Maps a library error to the command's: file errors exit 4, device errors 3, bad arguments 2. */
export function classifier(stream: StreamModule, soundfile: SoundfileModule, facts: RunFacts): Classify {
  return (error, what) => {
    if (error instanceof CliError || error instanceof UsageError) throw error
    if (error instanceof soundfile.SoundFileError) throw new CliError(error.message, exitCodes.file, undefined, { cause: error })
    if (error instanceof stream.DeviceLost) throw new CliError(deviceLostLine(error, facts.output), exitCodes.device, undefined, { cause: error })
    if (error instanceof stream.PastreamError) throw new CliError(`${what}: ${error.message}`, exitCodes.device, deviceHint(error.code, facts), { cause: error })
    if (error instanceof RangeError || error instanceof TypeError) throw new UsageError(error.message)
    throw error
  }
}

/** The one line a lost device gets: what happened, where, and what the recording kept. */
function deviceLostLine(error: DeviceLost, output: string | null): string {
  const why = { startTimeout: 'it opened but never called back', stalled: 'it stopped calling back', ended: 'the host API ended the stream' }[error.reason]
  const kept = output !== null && error.recordedFrames !== undefined ? `; ${error.recordedFrames} frames kept in ${output === '-' ? 'stdout' : output}` : ''
  return `device '${error.device}' lost after ${error.frames} frames (${why})${kept}`
}

/** What to do about what the device refused. */
function deviceHint(code: string | undefined, facts: RunFacts): string | undefined {
  if (code === 'paInvalidChannelCount') return "'pastream devices' lists the channels of each device"
  if (code !== 'paInvalidSampleRate') return undefined
  if (facts.input === null || facts.playRate === undefined) return "leave out -r to run at the device's rate"
  const rate = facts.playRate
  if (facts.input === '-') return `pastream does not resample: convert it to ${rate} Hz first, e.g. with sox -r ${rate}`
  const stem = facts.input.replace(/\.[^./]*$/, '')
  return `pastream does not resample: convert the file first, e.g. sox ${facts.input} -r ${rate} ${stem}-${rate / 1000}k.wav`
}

/** libsndfile's SF_ERR_UNRECOGNISED_FORMAT: no header it knows. */
const unrecognisedFormat = 1

/**
 * The input could not be opened: a file error, with a hint when it may be
 * samples without a header (stdin, or a file that is neither empty nor a
 * folder: soundfile's message names those).
 */
export function inputOpenError(soundfile: SoundfileModule, error: unknown, input: string, classify: Classify): never {
  if (error instanceof soundfile.SoundFileError && error.sndfileErrorCode === unrecognisedFormat && (input === '-' || isNonEmptyFile(input))) {
    throw new CliError(error.message, exitCodes.file, 'samples without a header play with -t raw -r RATE -c CHANNELS -e ENCODING', { cause: error })
  }
  return classify(error, input)
}

function isNonEmptyFile(path: string): boolean {
  try {
    const stat = statSync(path)
    return stat.isFile() && stat.size > 0
  } catch {
    return false
  }
}

/**
 * True when writing to stdout failed because its reader went away (`head`
 * had its bytes): the run ends there, quietly and with exit 0, as a
 * command line tool upstream of `head` does (it has no other file to
 * finalize: the recording is stdout).
 */
export function readerWentAway(soundfile: SoundfileModule, error: unknown, output: string | null): boolean {
  return output === '-' && error instanceof soundfile.SoundFileError && error.path === '-' && error.systemCode === 'EPIPE'
}

/**
 * The played file ran dry before the frames its header gives (the run asked
 * for no more than those: see checkRunLength): it is cut short or damaged,
 * a file error. The recording, if any, is finalized with what it got.
 */
export function truncatedInput(input: string, played: { frames: number; read: number }, recording: boolean, cause: unknown): CliError {
  const name = input === '-' ? 'stdin' : input
  const finalized = recording ? '; the recording is finalized' : ''
  return new CliError(`${name} ended after ${played.read} of the ${played.frames} frames its header gives (a truncated or damaged file)${finalized}`, exitCodes.file, undefined, { cause })
}
