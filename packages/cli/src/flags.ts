/**
 * The flags of the main command, and the checks that need no device or
 * file: usage errors (exit 2) before anything opens. Which file type,
 * encoding and sample format each side gets is decided here and in
 * session.ts; the type and encoding names are libsndfile's.
 */
import { isPowerOfTwo, type DType } from '@pastream/stream'
import { channelCount, count, deviceSpec, endian, parseMap, parsePair, positiveCount, sampleFormat, sampleRate, upper, UsageError } from './values.js'

type SoundfileModule = typeof import('@pastream/soundfile')

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

/** The flags once checked: pairs split, numbers parsed (durations wait for the samplerate). */
export interface CheckedFlags {
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
  const samplerate = flags.rate === undefined ? undefined : sampleRate(flags.rate)
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
export function checkFileType(soundfile: SoundfileModule, type: string, encoding: string | undefined): void {
  const formats = soundfile.availableFormats()
  if (!(type in formats)) throw new UsageError(`--file_type: unknown file type '${type.toLowerCase()}'`, `allowed: ${Object.keys(formats).join(', ').toLowerCase()}`)
  if (encoding === undefined) return
  const subtypes = soundfile.availableSubtypes(type)
  if (!(encoding in subtypes) || !soundfile.checkFormat(type, encoding)) {
    throw new UsageError(`--encoding: ${type} files cannot hold '${encoding.toLowerCase()}'`, `${type} allows: ${Object.keys(subtypes).join(', ').toLowerCase()}`)
  }
}
