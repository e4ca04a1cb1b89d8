/**
 * Deciding how to open a sound file, before any byte moves: the open
 * options (SoundFileOptions), what libsndfile can and cannot do on a pipe
 * (the pipe*Formats lists), the plan the addon's open() gets (planOpen,
 * with every check of the options, RAW's included), and the refusals and
 * hints after it opened (openRefusal, openError).
 */
import { closeSync, existsSync, fstatSync, rmSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { native, type NativeOpenOptions } from './binding.js'
import { describeTarget, fromNative, SoundFileError } from './errors.js'
import {
  defaultSubtypes,
  describeFormatCode,
  formatCode,
  formatCodes,
  formatFromExtension,
  requireEndian,
  requireFormat,
  requireSubtype,
  type EndianName,
  type FormatName,
  type SubtypeName,
} from './formats.js'
import { describe, requirePositiveInteger } from './samples.js'

/** 'r' read, 'w' write (create or truncate), 'rw' read and write (an existing file, or a new one). */
export type SoundFileMode = 'r' | 'w' | 'rw'

/** What to open: a path, a file descriptor, or '-' for stdin (reading) / stdout (writing). */
export type SoundFileTarget = string | number

export interface SoundFileOptions {
  /** default 'r' */
  mode?: SoundFileMode
  /** frames per second; needed to write, and to read RAW */
  samplerate?: number
  /** needed to write, and to read RAW */
  channels?: number
  /**
   * Container, e.g. 'WAV', 'FLAC' (see availableFormats()). Writing: from
   * the file extension when not given. Reading: needed for RAW (also taken
   * from a .raw/.pcm extension); for other formats it is checked against
   * the file's header.
   */
  format?: string
  /** Encoding, e.g. 'PCM_16', 'FLOAT' (see availableSubtypes()). Writing: the format's default when not given. Needed for RAW. */
  subtype?: string
  /** 'FILE' (the container's default), 'LITTLE', 'BIG' or 'CPU' */
  endian?: string
  /** With a file descriptor: close it when the SoundFile closes. Default true (ignored for '-'). */
  closefd?: boolean
}

/**
 * The formats libsndfile writes to a pipe correctly (checked by
 * `pipes.test.ts` for every format). The rest it cannot finish without
 * seeking back to the header: WAV, CAF, W64, RF64 and most others fail at
 * open, AIFF only after writing a partial header. Two seem to work and do
 * not: FLAC gets libFLAC's final STREAMINFO rewrite appended to the stream
 * (libsndfile's seek on a pipe silently does nothing), which libsndfile
 * then refuses to read ("flac decoder lost sync"); MP3 loses its last
 * frames (20000 written, 11520 read back).
 */
export const pipeWritableFormats: readonly FormatName[] = ['AU', 'RAW', 'OGG', 'IRCAM', 'PAF', 'PVF', 'MPC2K', 'AVR']

/**
 * The formats libsndfile reads from a pipe correctly (checked by
 * `pipes.test.ts` for every format).
 */
export const pipeReadableFormats: readonly FormatName[] = [
  'WAV', 'WAVEX', 'AIFF', 'AU', 'RAW', 'W64', 'OGG', 'MP3', 'NIST', 'IRCAM', 'PAF', 'PVF', 'SVX', 'MAT4', 'MAT5', 'MPC2K', 'AVR',
]

/**
 * The formats libsndfile cannot read from a pipe: it misreads CAF, RF64
 * and SDS (no frames, or garbage), and fails to open the others there.
 * Refused before a sample is returned: up front when `format` names one,
 * otherwise as soon as the header shows one.
 */
export const pipeUnreadableFormats: readonly FormatName[] = ['CAF', 'RF64', 'SDS', 'FLAC', 'HTK', 'SD2', 'VOC', 'WVE', 'XI']

function isPipeFd(fd: number): boolean {
  try {
    const stat = fstatSync(fd)
    return stat.isFIFO() || stat.isSocket()
  } catch {
    return false // a bad descriptor: libsndfile says so at open
  }
}

function isPipePath(path: string): boolean {
  try {
    const stat = statSync(path)
    return stat.isFIFO() || stat.isSocket()
  } catch {
    return false
  }
}

/** Size in bytes of what the target holds now, or undefined (missing, pipe, bad fd). */
function existingSize(target: string | number): number | undefined {
  try {
    const stat = typeof target === 'number' ? fstatSync(target) : statSync(target)
    return stat.isFile() ? stat.size : undefined
  } catch {
    return undefined
  }
}

function sameFamily(expected: FormatName, actual: string): boolean {
  const wav = ['WAV', 'WAVEX', 'RF64']
  return expected === actual || (wav.includes(expected) && wav.includes(actual))
}

/** Everything needed to call the addon's open, decided before any byte moves. */
/** An option a file needs to be opened, when its header cannot say it. */
export type HeaderOption = 'samplerate' | 'channels' | 'subtype'

/**
 * What opening a file of `format` in `mode` needs from the options because
 * no header says it, and `options` lacks, in this order: samplerate and
 * channels to write (and to read RAW); subtype for RAW either way. Opening
 * throws a TypeError naming them.
 *
 * @example
 * ```ts
 * missingOpenOptions('RAW', 'r', { channels: 1 }) // ['samplerate', 'subtype']
 * ```
 */
export function missingOpenOptions(
  format: string | undefined,
  mode: SoundFileMode,
  options: { readonly [K in HeaderOption]?: SoundFileOptions[K] | undefined },
): HeaderOption[] {
  const raw = format !== undefined && format.toUpperCase() === 'RAW'
  if (mode === 'r' && !raw) return []
  const missing: HeaderOption[] = []
  if (options.samplerate === undefined) missing.push('samplerate')
  if (options.channels === undefined) missing.push('channels')
  if (raw && options.subtype === undefined) missing.push('subtype')
  return missing
}

export interface OpenPlan {
  target: string | number
  nativeTarget: string | number
  writing: boolean
  mode: SoundFileMode
  nativeMode: number
  info: { samplerate: number; channels: number; format: number }
  options: NativeOpenOptions
  pipe: boolean
  /** reading: the format the caller said the file has */
  expectedFormat: FormatName | undefined
  /** writing: the names the caller asked for (WAV, even when libsndfile writes RF64 that downgrades) */
  requested: { format: FormatName; subtype: SubtypeName; endian: EndianName } | undefined
  /** the open creates a file at a path where there was none (a failed open removes it: {@link openError}) */
  creates: boolean
}

function planOpen(target: unknown, options: SoundFileOptions): OpenPlan {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected an options object, got ${describe(options)}`)
  }
  const isFd = typeof target === 'number'
  if (isFd ? !Number.isSafeInteger(target) || target < 0 : typeof target !== 'string' || target === '') {
    throw new TypeError(`Expected a path, a file descriptor or '-' to open, got ${describe(target)}`)
  }
  const mode = options.mode ?? 'r'
  if (mode !== 'r' && mode !== 'w' && mode !== 'rw') {
    throw new RangeError(`Expected 'r', 'w' or 'rw' for mode, got ${describe(mode)}`)
  }
  const modes = native().modes
  const std = target === '-'
  if (std && mode === 'rw') throw new RangeError("'-' is stdin for reading or stdout for writing: mode 'rw' is not possible")
  const nativeTarget = std ? (mode === 'r' ? 0 : 1) : (target as string | number)
  const pipe = typeof nativeTarget === 'number' ? isPipeFd(nativeTarget) : isPipePath(nativeTarget)
  const name = describeTarget(target as string | number, mode === 'w')
  // 'rw' on something that exists behaves like reading (the header says it all), otherwise like writing
  const size = mode === 'rw' ? existingSize(nativeTarget) : undefined
  const writing = mode === 'w' || (mode === 'rw' && !(size !== undefined && size > 0))
  const creates = mode !== 'r' && typeof nativeTarget === 'string' && !existsSync(nativeTarget)

  if (pipe && mode === 'rw') {
    throw new SoundFileError(`Error opening ${name}: a pipe cannot be opened for reading and writing`, { path: target as string | number })
  }

  const format =
    options.format !== undefined
      ? requireFormat(options.format)
      : typeof nativeTarget === 'string' && !std
        ? formatFromExtension(nativeTarget)
        : undefined
  const raw = format === 'RAW'
  const open: NativeOpenOptions = {
    closefd: std ? false : options.closefd ?? true,
    rf64Downgrade: false,
    blocking: pipe && typeof nativeTarget === 'number',
  }
  const nativeMode = mode === 'r' ? modes.READ : mode === 'w' ? modes.WRITE : modes.RDWR

  if (!writing && !raw) {
    const given = (['samplerate', 'channels', 'subtype', 'endian'] as const).filter((key) => options[key] !== undefined)
    if (given.length > 0) {
      throw new TypeError(
        `${given.join(', ')} cannot be set when reading ${name}: they come from its header (only RAW files need them)`,
      )
    }
    const expected = options.format !== undefined ? format : undefined
    if (pipe && expected !== undefined && pipeUnreadableFormats.includes(expected)) {
      throw new SoundFileError(
        `Error opening ${name}: libsndfile cannot read ${expected} from a pipe; read it from a file`,
        { path: target as string | number },
      )
    }
    return {
      target: target as string | number,
      nativeTarget,
      writing,
      mode,
      nativeMode,
      info: { samplerate: 0, channels: 0, format: 0 },
      options: open,
      pipe,
      expectedFormat: expected,
      requested: undefined,
      creates,
    }
  }

  // writing, or reading RAW: every parameter must be known
  if (format === undefined) {
    const where = typeof nativeTarget === 'string' && !std ? `the extension of ${name}` : `${name} (no file extension)`
    throw new TypeError(`Cannot tell the format from ${where}: pass format, e.g. 'WAV' (see availableFormats())`)
  }
  const subtype = options.subtype !== undefined ? requireSubtype(options.subtype) : defaultSubtypes[format]
  const endian = options.endian !== undefined ? requireEndian(options.endian) : 'FILE'
  const missing = missingOpenOptions(format, writing ? 'w' : 'r', options)
  if (missing.length > 0) {
    throw new TypeError(
      raw
        ? `RAW files need samplerate, channels and subtype: missing ${missing.join(', ')}`
        : `Writing ${name} needs samplerate and channels: missing ${missing.join(', ')}`,
    )
  }
  const samplerate = requirePositiveInteger(options.samplerate, 'samplerate')
  const channels = requirePositiveInteger(options.channels, 'channels')
  if (subtype === undefined) throw new TypeError(`RAW files need samplerate, channels and subtype: missing subtype`)
  const code = formatCode(format, subtype, endian)
  if (!native().formatCheck(code, samplerate, channels)) {
    throw new RangeError(
      `libsndfile cannot write ${format} with subtype ${subtype}, endian ${endian}, ${channels} channel(s) at ${samplerate} Hz (see availableSubtypes('${format}'))`,
    )
  }
  if (pipe && writing && !pipeWritableFormats.includes(format)) {
    const why =
      format === 'FLAC'
        ? 'libsndfile appends a stray STREAMINFO block to FLAC on a pipe, which it then cannot read back'
        : format === 'MP3'
          ? 'libsndfile loses the last frames of MP3 on a pipe'
          : `libsndfile cannot write ${format} to a pipe (it must seek back to finish the header)`
    throw new SoundFileError(`Error opening ${name}: ${why}; to a pipe it writes ${pipeWritableFormats.join(', ')}`, {
      path: target as string | number,
    })
  }
  let nativeCode = code
  if (format === 'WAV' && mode === 'w') {
    // libsndfile silently wraps a WAV header's 32-bit sizes past 4 GiB. As
    // RF64 with auto-downgrade it writes RF64 only when the file gets that
    // big, and otherwise a RIFF/WAVE file; the addon turns that one's
    // extensible fmt chunk into the plain one for 1 or 2 channels, in
    // place, as libsndfile writes it (src/binding/wav_writer.cc).
    const rf64 = formatCodes.RF64 | (code & ~0x0fff0000)
    if (native().formatCheck(rf64, samplerate, channels)) {
      nativeCode = rf64
      open.rf64Downgrade = true
    }
  }
  return {
    target: target as string | number,
    nativeTarget,
    writing,
    mode,
    nativeMode,
    info: { samplerate, channels, format: nativeCode },
    options: open,
    pipe,
    expectedFormat: raw && !writing ? 'RAW' : undefined,
    requested: writing ? { format, subtype, endian } : undefined,
    creates,
  }
}

/**
 * planOpen, and with closefd a descriptor it refuses is closed, as
 * libsndfile closes one it fails to open: the SoundFile owns it either way.
 */
export function planOpenOwning(target: unknown, options: SoundFileOptions): OpenPlan {
  try {
    return planOpen(target, options)
  } catch (error) {
    const owned = typeof target === 'number' && Number.isSafeInteger(target) && target >= 0 && options?.closefd !== false
    if (owned) {
      try {
        closeSync(target)
      } catch {
        // already closed or never valid: the refusal is the error to report
      }
    }
    throw error
  }
}

/** Where a new file cannot go: its folder is missing, or is not a folder; else ''. */
function folderHint(path: string): string {
  const folder = dirname(path)
  try {
    return statSync(folder).isDirectory() ? '' : ` ('${folder}' is not a folder)`
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? ` (there is no folder '${folder}')` : code === 'ENOTDIR' ? ` (a part of '${folder}' is not a folder)` : ''
  }
}

/**
 * The addon's open failed: removes the file it created (libsndfile creates
 * it, then writes the header, where a full disk fails), so a refused open
 * leaves no empty file where there was none; returns libsndfile's message,
 * with a hint for a pipe, a directory, an empty file or a missing folder.
 */
export function openError(error: unknown, plan: OpenPlan): unknown {
  try {
    if (plan.creates) rmSync(plan.nativeTarget as string, { force: true })
  } catch {
    // the open's error is the one to report
  }
  let hint = ''
  if (plan.pipe && !plan.writing) hint = ` (from a pipe, libsndfile reads only ${pipeReadableFormats.join(', ')})`
  else if (plan.writing && typeof plan.nativeTarget === 'string') hint = folderHint(plan.nativeTarget)
  else if (!plan.writing && (error as { sndfileErrorCode?: unknown } | null)?.sndfileErrorCode === 1) {
    // SF_ERR_UNRECOGNISED_FORMAT: libsndfile says "Format not recognised." for these too
    try {
      const stat = typeof plan.nativeTarget === 'number' ? fstatSync(plan.nativeTarget) : statSync(plan.nativeTarget)
      if (stat.isDirectory()) hint = ' (it is a directory)'
      else if (stat.isFile() && stat.size === 0) hint = ' (the file is empty)'
    } catch {
      // missing or closed: libsndfile's message says so
    }
  }
  return fromNative(error, 'Error opening', plan.target, plan.writing, hint)
}

/** What libsndfile opened but would misread (the refusal's error), or undefined when it is fine. */
export function openRefusal(plan: OpenPlan, formatCodeFound: number): SoundFileError | undefined {
  const found = describeFormatCode(formatCodeFound).format
  let problem: string | undefined
  if (!plan.writing && plan.pipe && pipeUnreadableFormats.includes(found as FormatName)) {
    problem = `libsndfile misreads ${found} from a pipe; read it from a file`
  } else if (!plan.writing && plan.expectedFormat !== undefined && !sameFamily(plan.expectedFormat, found)) {
    problem = `expected ${plan.expectedFormat}, but the file is ${found}`
  }
  if (problem === undefined) return undefined
  return new SoundFileError(`Error opening ${describeTarget(plan.target, plan.writing)}: ${problem}`, { path: plan.target })
}
