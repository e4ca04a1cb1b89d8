/**
 * What `pastream [input] [output]` does: checks every option, opens the
 * files and the device through @pastream/soundfile, runs the stream with a
 * status line, and ends with a summary. Errors are {@link CliError}s that
 * carry the exit code; the native modules are imported only here, so
 * `--help` and `--version` never load them.
 */
import type { Writable } from 'node:stream'
import { isPowerOfTwo, type DType } from '@pastream/stream'
import type { SoundFile } from '@pastream/soundfile'
import {
  channelCount,
  count,
  deviceSpec,
  endian,
  frameCount,
  isNone,
  parseMap,
  parsePair,
  positiveCount,
  sampleFormat,
  upper,
  UsageError,
} from './values.js'
import { looksLikeDuration } from './argv.js'
import { exitCodes, type ExitCode } from './exit-codes.js'
import { formatStatus, formatSummary } from './status.js'
import { watchSignals, type SignalWatch } from './signals.js'

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

/** The flags of the main command, as oclif parsed them (strings, before checking). */
export interface PlayrecFlags {
  quiet?: boolean | undefined
  json?: boolean | undefined
  buffersize?: string | undefined
  duration?: string | undefined
  frames?: string | undefined
  'fatal-xruns'?: boolean | undefined
  loop?: boolean | undefined
  offset?: string | undefined
  pad?: string | undefined
  blocksize?: string | undefined
  channels?: string | undefined
  device?: string | undefined
  format?: string | undefined
  map?: string[] | undefined
  rate?: string | undefined
  file_type?: string | undefined
  encoding?: string | undefined
  endian?: string | undefined
}

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
  /** how the run ended */
  ended: 'completed' | 'stopped' | 'SIGINT' | 'SIGTERM' | 'fatal-xrun'
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
  const classify = classifier(stream, soundfile)

  // Devices first: an unknown one is a device error that lists the candidates.
  const { devices, defaultInput, defaultOutput } = stream.queryDevices()
  const pick = (spec: number | string | undefined, kind: 'input' | 'output') => findDevice(stream, devices, kind === 'input' ? defaultInput : defaultOutput, spec, kind)
  const playDevice = input !== null ? pick(checked.device[0], 'output') : undefined
  const recordDevice = output !== null ? pick(checked.device[1], 'input') : undefined
  await throwIfStopped(signals)

  const played = input !== null ? openPlayed(soundfile, input, checked, classify) : undefined
  const recording = recordingFormat(soundfile, output, checked, played)
  let run: FileStream
  try {
    run = openStream(soundfile, checked, { played, output, playDevice, recordDevice, ...recording })
  } catch (error) {
    played?.closeSync()
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
    return await drive(run, { total, quiet: io.quiet, info: io.info, fatalXruns: checked.fatalXruns, input, output, signals })
  } catch (error) {
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

/** Maps a library error to the command's: file errors exit 4, device errors 3, bad arguments 2. */
function classifier(stream: StreamModule, soundfile: SoundfileModule): (error: unknown, what: string) => never {
  return (error, what) => {
    if (error instanceof CliError || error instanceof UsageError) throw error
    if (error instanceof soundfile.SoundFileError) throw new CliError(error.message, exitCodes.file, undefined, { cause: error })
    if (error instanceof stream.PastreamError) throw new CliError(`${what}: ${error.message}`, exitCodes.device, undefined, { cause: error })
    if (error instanceof RangeError || error instanceof TypeError) throw new UsageError(error.message)
    throw error
  }
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

/** The file to play: its rate, channels and encoding decide the stream's. */
function openPlayed(soundfile: SoundfileModule, input: string, checked: CheckedFlags, classify: (error: unknown, what: string) => never): SoundFile {
  const type = checked.fileType[0] ?? soundfile.formatFromExtension(input)
  if (type !== undefined) checkFileType(soundfile, type, checked.encoding[0])
  const raw = type === 'RAW'
  if (raw) {
    const given = { samplerate: checked.samplerate, channels: checked.channels[0], subtype: checked.encoding[0] }
    const missing = soundfile.missingOpenOptions(type, 'r', given).map((option) => rawFlags[option])
    if (missing.length > 0) throw new UsageError(`${input}: a RAW file needs ${missing.join(', ')}`, `e.g. pastream -c1 -r48k -e pcm_16 -t raw ${input}`)
  }
  let file: SoundFile
  try {
    file = soundfile.SoundFile.openSync(input, {
      ...(checked.fileType[0] !== undefined ? { format: checked.fileType[0] } : {}),
      ...(raw ? { samplerate: checked.samplerate as number, channels: checked.channels[0] as number, subtype: checked.encoding[0] as string } : {}),
      ...(checked.endian[0] !== undefined ? { endian: checked.endian[0] } : {}),
    })
  } catch (error) {
    return classify(error, input)
  }
  if (!raw && checked.samplerate !== undefined && checked.samplerate !== file.samplerate) {
    file.closeSync()
    throw new UsageError(`--rate: ${input} is ${file.samplerate} Hz, not ${checked.samplerate} Hz (pastream does not resample)`, `leave out -r to play it at ${file.samplerate} Hz`)
  }
  return file
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
    if (output === '-' && !soundfile.pipeWritableFormats.includes(format as never)) {
      throw new UsageError(`-t ${format.toLowerCase()}: cannot be written to a pipe`, `use one of ${soundfile.pipeWritableFormats.join(', ')}`)
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
  const started = performance.now()
  try {
    await run.start()
    await options.signals.hold('after-start')
    for (;;) {
      const finished = await Promise.race([
        run.wait(150),
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

interface CheckedFlags {
  channels: readonly [number | undefined, number | undefined]
  device: readonly [number | string | undefined, number | string | undefined]
  dtype: DType | undefined
  fileType: readonly [string | undefined, string | undefined]
  encoding: readonly [string | undefined, string | undefined]
  endian: readonly [string | undefined, string | undefined]
  maps: ReturnType<typeof parseMap>[]
  samplerate: number | undefined
  blocksize: number | undefined
  buffersize: number | undefined
  frames: string | undefined
  duration: string | undefined
  pad: string | undefined
  offset: string | undefined
  loop: boolean
  fatalXruns: boolean
}

/** Checks what can be checked without the device: usage errors exit 2 before anything opens. */
export function checkFlags(flags: PlayrecFlags, input: string | null, output: string | null): CheckedFlags {
  const formats = parsePair('format', flags.format, sampleFormat)
  if (formats[0] !== undefined && formats[1] !== undefined && formats[0] !== formats[1] && input !== null && output !== null) {
    throw new UsageError(`--format: input and output must use one sample format, got '${flags.format}'`)
  }
  const maps = (flags.map ?? []).map(parseMap)
  if (maps.length > 2) throw new UsageError('--map: give one map, or two (output, then input)')
  if (maps.length === 2 && (input === null || output === null)) throw new UsageError('--map: two maps need both a file to play and a file to record')
  if (flags.frames !== undefined && flags.duration !== undefined) throw new UsageError('--frames and --duration: give one of them')
  if (flags.loop === true && input === null) throw new UsageError('--loop: there is no file to play')
  if (flags.pad !== undefined && input === null) throw new UsageError('--pad: there is no file to play (pad adds silence after the playback)')
  if (flags.offset !== undefined && output === null) throw new UsageError('--offset: there is no file to record (offset drops frames from the recording)')
  const samplerate = flags.rate === undefined ? undefined : positiveCount('rate')(flags.rate)
  return {
    channels: parsePair('channels', flags.channels, channelCount),
    device: parsePair('device', flags.device, deviceSpec),
    dtype: input !== null && output === null ? formats[0] : output !== null && input === null ? formats[1] : (formats[0] ?? formats[1]),
    fileType: parsePair('file_type', flags.file_type, upper),
    encoding: parsePair('encoding', flags.encoding, upper),
    endian: parsePair('endian', flags.endian, endian),
    maps,
    samplerate,
    blocksize: flags.blocksize === undefined ? undefined : count('blocksize', flags.blocksize),
    buffersize: flags.buffersize === undefined ? undefined : powerOfTwo(positiveCount('buffersize')(flags.buffersize), flags.buffersize),
    frames: flags.frames,
    duration: flags.duration,
    pad: flags.pad,
    offset: flags.offset,
    loop: flags.loop === true,
    fatalXruns: flags['fatal-xruns'] === true,
  }
}

/** The ring sizes are powers of two (the ring's indices wrap by masking): the rule is stream's. */
function powerOfTwo(value: number, text: string): number {
  if (!isPowerOfTwo(value)) throw new UsageError(`--buffersize: expected a power of 2 (e.g. 65536 or 64K), got '${text}'`)
  return value
}

/** A file type and encoding libsndfile knows, or a usage error listing the ones it does. */
function checkFileType(soundfile: SoundfileModule, type: string, encoding: string | undefined): void {
  const formats = soundfile.availableFormats()
  if (!(type in formats)) throw new UsageError(`--file_type: unknown file type '${type.toLowerCase()}'`, `allowed: ${Object.keys(formats).join(', ').toLowerCase()}`)
  if (encoding === undefined) return
  const subtypes = soundfile.availableSubtypes(type)
  if (!(encoding in subtypes) || !soundfile.checkFormat(type, encoding)) {
    throw new UsageError(`--encoding: ${type} files cannot hold '${encoding.toLowerCase()}'`, `${type} allows: ${Object.keys(subtypes).join(', ').toLowerCase()}`)
  }
}
