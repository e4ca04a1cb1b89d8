/**
 * What `pastream [input] [output]` does: checks every option, opens the
 * files and the device through @pastream/soundfile, runs the stream with a
 * status line, and ends with a summary. Errors are {@link CliError}s that
 * carry the exit code; the native modules are imported only here, so
 * `--help` and `--version` never load them.
 */
import { fstatSync } from 'node:fs'
import type { Writable } from 'node:stream'
import type { DType } from '@pastream/stream'
import type { SoundFile } from '@pastream/soundfile'
import { count, frameCount, isNone, UsageError } from './values.js'
import { looksLikeDuration } from './argv.js'
import { exitCodes } from './exit-codes.js'
import { checkFileType, checkFlags, type CheckedFlags, type PlayrecFlags } from './flags.js'
import { CliError, classifier, inputOpenError, readerWentAway, truncatedInput, type Classify } from './outcome.js'
import { formatStatus, formatSummary } from './status.js'
import { watchSignals, type SignalWatch } from './signals.js'

export { CliError } from './outcome.js'
export type { PlayrecFlags } from './flags.js'

/** Under- and overflow counts of one direction. */
export interface XrunCounts {
  underflows: number
  overflows: number
}

/** What a run did: printed as the summary, and the `--json` output. */
export interface PlayrecSummary {
  /** the file played ('-' = stdin), or null */
  input: string | null
  /** the file recorded ('-' = stdout), or null */
  output: string | null
  samplerate: number
  /** frames the device processed */
  frames: number
  seconds: number
  xruns: number
  inputXruns: XrunCounts
  outputXruns: XrunCounts
  /** how the run ended ('stdout closed': the reader of the recording on stdout went away) */
  ended: 'completed' | 'stopped' | 'SIGINT' | 'SIGTERM' | 'fatal-xrun' | 'stdout closed'
}

/** Where the command writes, and how. */
export interface SessionIo {
  /** status and summary text (stdout, or stderr when stdout carries audio) */
  info: Writable & { isTTY?: boolean; columns?: number }
  /** print nothing (-q or --json) */
  quiet: boolean
}

type StreamModule = typeof import('@pastream/stream')
type SoundfileModule = typeof import('@pastream/soundfile')
type FileStream =
  | InstanceType<SoundfileModule['SoundFileDuplexStream']>
  | InstanceType<SoundfileModule['SoundFileInputStream']>
  | InstanceType<SoundfileModule['SoundFileOutputStream']>

/** Runs the main command; resolves with the summary, or throws a CliError. */
export async function playrec(inputArg: string | undefined, outputArg: string | undefined, flags: PlayrecFlags, io: SessionIo): Promise<PlayrecSummary> {
  const { input, output } = files(inputArg, outputArg, flags)
  const checked = checkFlags(flags, input, output)
  // SIGINT/SIGTERM from here on: before the start, nothing more opens and nothing is left (signals.ts)
  const signals = watchSignals()
  await signals.hold('before-open')
  await throwIfStopped(signals)

  // The native modules load here, and only here.
  const stream = await import('@pastream/stream')
  const soundfile = await import('@pastream/soundfile')

  // Devices first: an unknown one is a device error that lists the candidates.
  const { devices, defaultInput, defaultOutput } = stream.queryDevices()
  const pick = (spec: number | string | undefined, kind: 'input' | 'output') => findDevice(stream, devices, kind === 'input' ? defaultInput : defaultOutput, spec, kind)
  const playDevice = input !== null ? pick(checked.device[0], 'output') : undefined
  const recordDevice = output !== null ? pick(checked.device[1], 'input') : undefined
  const playRate = input !== null ? devices.find((d) => d.index === (playDevice ?? defaultOutput))?.defaultSamplerate : undefined
  const classify = classifier(stream, soundfile, { input, output, playRate })
  await throwIfStopped(signals)

  const played = input !== null ? openPlayed(soundfile, input, checked, classify) : undefined
  if (played !== undefined) checkRunLength(played, input as string, checked)
  const recording = recordingFormat(soundfile, output, checked, played)
  let run: FileStream
  try {
    run = openStream(soundfile, checked, { played, output, playDevice, recordDevice, ...recording })
  } catch (error) {
    played?.closeSync()
    // the reader of stdout went away before the recording's header was out
    if (readerWentAway(soundfile, error, output)) return endedEarly(input, output, io)
    return classify(error, 'cannot open the device')
  }

  let stopFinalizing: (() => void) | undefined
  try {
    setRunSizes(run, checked)
    const total = expectedFrames(run.frames, run.pad, played?.frames, checked.loop)
    if (!io.quiet) {
      io.info.write(`<- ${input ?? 'null'}\n-> ${output ?? 'null'}\n${played && output !== null ? '--' : played ? '->' : '<-'} ${run.toString()}\n`)
    }
    // SIGINT/SIGTERM finalize the recording; the summary and the exit code are ours (drive)
    stopFinalizing = soundfile.finalizeOnSignals({ reraise: false })
    await signals.hold('before-start')
    await throwIfStopped(signals, { close: () => run.close(), recording: output })
    const readerGone = (error: unknown) => readerWentAway(soundfile, error, output)
    return await drive(run, { total, quiet: io.quiet, info: io.info, fatalXruns: checked.fatalXruns, input, output, readerGone, signals })
  } catch (error) {
    if (error instanceof stream.BufferEmpty && played !== undefined && played.frames >= 0) {
      // checkRunLength let no run ask for more than the file has: the file is short of its header
      const pump = 'playbackPump' in run ? run.playbackPump : 'pump' in run && output === null ? run.pump : undefined
      throw truncatedInput(input as string, { frames: played.frames, read: pump?.frames ?? run.frameCount }, output !== null, error)
    }
    return classify(error, 'stream error')
  } finally {
    await run.close().catch(() => undefined)
    stopFinalizing?.()
  }
}

/** A signal before the stream started ends the command (exit 130/143), closing what `opened` holds and removing its recording. */
async function throwIfStopped(signals: SignalWatch, opened?: Parameters<SignalWatch['stopBeforeStart']>[0]): Promise<void> {
  const stopped = await signals.stopBeforeStart(opened)
  if (stopped !== undefined) throw new CliError(stopped.message, stopped.code)
}

/** The file arguments ('null', '^' or '' = none); at least one is needed. */
function files(inputArg: string | undefined, outputArg: string | undefined, flags: PlayrecFlags): { input: string | null; output: string | null } {
  const input = isNone(inputArg) ? null : (inputArg as string)
  const output = isNone(outputArg) ? null : (outputArg as string)
  if (input === null && output === null && flags.offset !== undefined && !looksLikeDuration(flags.offset)) {
    // the original README's `pastream -c1 -r48k -e=pcm_16 -o output.raw`: -o is the recording offset
    throw new UsageError(`--offset: expected a duration, got '${flags.offset}' (-o drops frames from the start of a recording)`, `to play a file, give it as the first argument: pastream -c1 -r48k -e=pcm_16 ${flags.offset}`)
  }
  if (input === null && output === null) {
    throw new UsageError('nothing to do: give a file to play, a file to record, or both', "e.g. 'pastream in.wav out.wav', 'pastream null out.wav -d 10', 'pastream in.wav'")
  }
  return { input, output }
}

/** The device index for -D (undefined: PortAudio's default), or a device error listing the candidates. */
function findDevice(
  stream: StreamModule,
  devices: ReturnType<StreamModule['queryDevices']>['devices'],
  defaultIndex: number,
  spec: number | string | undefined,
  kind: 'input' | 'output',
): number | undefined {
  if (spec === undefined) {
    if (defaultIndex >= 0) return undefined
    throw new CliError(`no default ${kind} device (${kind} devices: ${stream.deviceNames(kind, devices)})`, exitCodes.device, "pick one with -D; without a sound card, 'pastream loopback' runs a virtual device to test against")
  }
  try {
    return stream.findDevice(spec, kind, devices).index
  } catch (error) {
    throw new CliError(`--device: ${(error as Error).message}`, exitCodes.device, "'pastream devices' lists them", { cause: error })
  }
}

/**
 * The file to play: its rate, channels and encoding decide the stream's.
 * A file with a header is read by its header, as libsndfile (and the
 * original pastream) read it: -t, -e and --endian for the input matter
 * only for RAW, so a single `-t au` names the output's type
 * (`pastream - - -t au < take.wav`), and a -t that disagrees with a
 * header gives way to it.
 */
function openPlayed(soundfile: SoundfileModule, input: string, checked: CheckedFlags, classify: Classify): SoundFile {
  const given = checked.fileType[0]
  if (given !== undefined) checkFileType(soundfile, given, undefined)
  const raw = (given ?? soundfile.formatFromExtension(input)) === 'RAW'
  const name = input === '-' ? 'stdin' : input
  if (raw) {
    checkFileType(soundfile, 'RAW', checked.encoding[0])
    const options = { samplerate: checked.samplerate, channels: checked.channels[0], subtype: checked.encoding[0] }
    const missing = soundfile.missingOpenOptions('RAW', 'r', options).map((option) => rawFlags[option])
    if (missing.length > 0) throw new UsageError(`${name}: a RAW file needs ${missing.join(', ')}`, `e.g. pastream -c1 -r48k -e pcm_16 -t raw ${input}`)
  }
  let file: SoundFile
  try {
    file = soundfile.SoundFile.openSync(
      input,
      raw
        ? {
            format: 'RAW',
            samplerate: checked.samplerate as number,
            channels: checked.channels[0] as number,
            subtype: checked.encoding[0] as string,
            ...(checked.endian[0] !== undefined ? { endian: checked.endian[0] } : {}),
          }
        : {},
    )
  } catch (error) {
    return inputOpenError(soundfile, error, input, classify)
  }
  if (!raw && checked.samplerate !== undefined && checked.samplerate !== file.samplerate) {
    file.closeSync()
    throw new UsageError(`--rate: ${name} is ${file.samplerate} Hz, not ${checked.samplerate} Hz (pastream does not resample)`, `leave out -r to play it at ${file.samplerate} Hz`)
  }
  return file
}

/**
 * -n or -d may not ask for more than the played file has, unless the run
 * loops or pads automatically: a usage error before anything is recorded.
 */
function checkRunLength(played: SoundFile, input: string, checked: CheckedFlags): void {
  const asked = checked.frames !== undefined ? ['frames', checked.frames] : checked.duration !== undefined ? ['duration', checked.duration] : undefined
  if (asked === undefined || played.frames < 0 || checked.loop) return
  const [flag, text] = asked as [string, string]
  const frames = frameCount(flag, text, played.samplerate, true)
  const pad = checked.pad === undefined ? 0 : frameCount('pad', checked.pad, played.samplerate, true)
  if (frames <= played.frames || pad < 0) return
  played.closeSync()
  const name = input === '-' ? 'stdin' : input
  throw new UsageError(`--${flag}: ${name} has ${played.frames} frames, fewer than the ${frames} asked for`, 'add -p to play silence after it up to that length, or --loop to repeat it')
}

/** The run ended before it started: the reader of stdout had gone. */
function endedEarly(input: string | null, output: string | null, io: SessionIo): PlayrecSummary {
  const none = { underflows: 0, overflows: 0 }
  const summary: PlayrecSummary = { input, output, samplerate: 0, frames: 0, seconds: 0, xruns: 0, inputXruns: none, outputXruns: none, ended: 'stdout closed' }
  if (!io.quiet) io.info.write(formatSummary(summary))
  return summary
}

/** True when stdout is a pipe (or socket), where libsndfile cannot seek. */
function stdoutIsPipe(): boolean {
  try {
    const stat = fstatSync(1)
    return stat.isFIFO() || stat.isSocket()
  } catch {
    return false
  }
}

/** The flags that give what a RAW file's missing header would. */
const rawFlags = { samplerate: '-r RATE', channels: '-c CHANNELS', subtype: '-e ENCODING' } as const

/** The recording's container and encoding, and the stream's sample format (which may follow them). */
function recordingFormat(
  soundfile: SoundfileModule,
  output: string | null,
  checked: CheckedFlags,
  played: SoundFile | undefined,
): { dtype: DType; format: string | undefined; subtype: string | undefined } {
  const format = output === null ? undefined : (checked.fileType[1] ?? (output === '-' ? 'AU' : soundfile.formatFromExtension(output)))
  if (output !== null) {
    if (format === undefined) throw new UsageError(`${output}: cannot tell the file type from the name`, 'give one with -t, e.g. -t wav')
    checkFileType(soundfile, format, checked.encoding[1])
    if (output === '-' && !soundfile.pipeWritableFormats.includes(format as never) && stdoutIsPipe()) {
      throw new UsageError(`-t ${format.toLowerCase()}: stdout is a pipe, and libsndfile must seek back to finish a ${format} header`, `to a pipe it writes ${soundfile.pipeWritableFormats.join(', ')}`)
    }
  }
  const subtypeDtype = (subtype: string | undefined) => (subtype !== undefined ? soundfile.dtypeForSubtype(subtype) : undefined)
  const dtype: DType = checked.dtype ?? subtypeDtype(checked.encoding[1]) ?? subtypeDtype(played?.subtype) ?? 'float32'
  if (format === undefined || checked.encoding[1] !== undefined) return { dtype, format, subtype: checked.encoding[1] }
  // a container without an encoding of that width records in its default one (FLAC: PCM_16, OGG: VORBIS)
  return { format, ...soundfile.recordingEncoding(format, dtype, { endian: checked.endian[1], dtypeGiven: checked.dtype !== undefined }) }
}

/** Opens the file stream: duplex, output or input, on the devices and with the maps the flags give. */
function openStream(
  soundfile: SoundfileModule,
  checked: CheckedFlags,
  plan: { played: SoundFile | undefined; output: string | null; playDevice: number | undefined; recordDevice: number | undefined; dtype: DType; format: string | undefined; subtype: string | undefined },
): FileStream {
  const { played, output, playDevice, recordDevice } = plan
  const common = {
    dtype: plan.dtype,
    ...(checked.blocksize !== undefined ? { blocksize: checked.blocksize } : {}),
    ...(checked.buffersize !== undefined ? { buffersize: checked.buffersize } : {}),
  }
  const recordOptions = {
    ...(plan.format !== undefined ? { format: plan.format } : {}),
    ...(plan.subtype !== undefined ? { subtype: plan.subtype } : {}),
    ...(checked.endian[1] !== undefined ? { endian: checked.endian[1] } : {}),
  }
  // One map: the output's when a file plays, else the input's; two: output, then input.
  // The file streams size the device and the recording from them (-m 1:2 opens
  // output 2 for a mono file; -m 2 records input 2 into a mono file).
  const txmapping = played !== undefined ? checked.maps[0] : undefined
  const rxmapping = played !== undefined ? checked.maps[1] : checked.maps[0]
  const maps = { ...(txmapping !== undefined ? { txmapping } : {}), ...(rxmapping !== undefined ? { rxmapping } : {}) }
  if (played !== undefined && output !== null) {
    return new soundfile.SoundFileDuplexStream<DType>(played, output, {
      ...common,
      ...recordOptions,
      ...maps,
      device: [recordDevice ?? null, playDevice ?? null],
      ...(checked.channels[1] !== undefined ? { channels: checked.channels[1] } : {}),
      loop: checked.loop,
    })
  }
  if (played !== undefined) {
    return new soundfile.SoundFileOutputStream<DType>(played, { ...common, ...maps, ...(playDevice !== undefined ? { device: playDevice } : {}), loop: checked.loop })
  }
  return new soundfile.SoundFileInputStream<DType>(output as string, {
    ...common,
    ...recordOptions,
    ...maps,
    ...(recordDevice !== undefined ? { device: recordDevice } : {}),
    ...(checked.channels[1] !== undefined ? { channels: checked.channels[1] } : {}),
    ...(checked.samplerate !== undefined ? { samplerate: checked.samplerate } : {}),
  })
}

/** The run's sizes that depend on the samplerate, now that it is known. */
function setRunSizes(run: FileStream, checked: CheckedFlags): void {
  const rate = run.samplerate
  if (checked.frames !== undefined) run.frames = count('frames', checked.frames)
  if (checked.duration !== undefined) run.frames = frameCount('duration', checked.duration, rate, true)
  if (checked.pad !== undefined) run.pad = frameCount('pad', checked.pad, rate, true)
  if (checked.offset !== undefined) run.offset = frameCount('offset', checked.offset, rate, false)
}

/** Frames the run will process, when known: frames + pad, or the file's length. */
function expectedFrames(frames: number, pad: number, fileFrames: number | undefined, loop: boolean): number | undefined {
  if (frames >= 0) return frames + Math.max(pad, 0)
  if (fileFrames !== undefined && fileFrames >= 0 && !loop) return fileFrames + Math.max(pad, 0)
  return undefined
}

interface DriveOptions {
  total: number | undefined
  quiet: boolean
  info: SessionIo['info']
  fatalXruns: boolean
  input: string | null
  output: string | null
  /** true for the error that means the reader of stdout went away: the run ends there, quietly */
  readerGone: (error: unknown) => boolean
  signals: SignalWatch
}

interface RunningStream {
  start(): Promise<void>
  wait(timeoutMs?: number): Promise<boolean>
  stop(): Promise<void>
  readonly samplerate: number
  readonly frameCount: number
  readonly xruns: number
  readonly cpuLoad: number
  readonly inputUnderflows: number
  readonly inputOverflows: number
  readonly outputUnderflows: number
  readonly outputOverflows: number
}

/** Starts the stream, shows the status line until it ends, and sums up. */
async function drive(run: RunningStream, options: DriveOptions): Promise<PlayrecSummary> {
  let ended: PlayrecSummary['ended'] = 'completed'
  let wake: (() => void) | undefined
  // a signal ends the wait at once (the soundfile layer finalizes the recording: see finalizeOnSignals in playrec)
  options.signals.onSignal(() => wake?.())
  const live = !options.quiet && options.info.isTTY === true
  // the status line and --fatal-xruns look every 150 ms; otherwise nothing
  // wakes the event loop until the run ends or a signal comes
  const pollMs = live || options.fatalXruns ? 150 : undefined
  const started = performance.now()
  try {
    await run.start()
    await options.signals.hold('after-start')
    for (;;) {
      const finished = await Promise.race([
        run.wait(pollMs),
        new Promise<boolean>((resolve) => {
          wake = () => resolve(false)
        }),
      ])
      wake = undefined
      if (live) {
        const line = formatStatus({ elapsed: (performance.now() - started) / 1000, xruns: run.xruns, cpuLoad: run.cpuLoad, done: run.frameCount, total: options.total, samplerate: run.samplerate, columns: options.info.columns ?? 80 })
        options.info.write(`\r${line}`)
      }
      // a signal first: its finalizer may have ended the run already (finished), the run still ended by it
      if (options.signals.received !== undefined) {
        ended = options.signals.received
        if (!finished) await run.stop()
        break
      }
      if (finished) break
      if (options.fatalXruns && run.xruns > 0) {
        ended = 'fatal-xrun'
        await run.stop()
        break
      }
    }
  } catch (error) {
    if (!options.readerGone(error)) throw error
    ended = 'stdout closed'
  } finally {
    if (live) options.info.write('\n')
  }
  const summary: PlayrecSummary = {
    input: options.input,
    output: options.output,
    samplerate: run.samplerate,
    frames: run.frameCount,
    seconds: run.frameCount / run.samplerate,
    xruns: run.xruns,
    inputXruns: { underflows: run.inputUnderflows, overflows: run.inputOverflows },
    outputXruns: { underflows: run.outputUnderflows, overflows: run.outputOverflows },
    ended,
  }
  if (!options.quiet) options.info.write(formatSummary(summary))
  return summary
}
