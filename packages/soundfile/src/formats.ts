// Format, subtype and endian names (python-soundfile's short names) and
// their SF_FORMAT_* codes from sndfile.h, plus the queries that ask the
// installed libsndfile what it supports.
import { native } from './binding.js'

/** Major formats (containers): name -> SF_FORMAT_* code (sndfile.h). */
export const formatCodes = {
  WAV: 0x010000,
  AIFF: 0x020000,
  AU: 0x030000,
  RAW: 0x040000,
  PAF: 0x050000,
  SVX: 0x060000,
  NIST: 0x070000,
  VOC: 0x080000,
  IRCAM: 0x0a0000,
  W64: 0x0b0000,
  MAT4: 0x0c0000,
  MAT5: 0x0d0000,
  PVF: 0x0e0000,
  XI: 0x0f0000,
  HTK: 0x100000,
  SDS: 0x110000,
  AVR: 0x120000,
  WAVEX: 0x130000,
  SD2: 0x160000,
  FLAC: 0x170000,
  CAF: 0x180000,
  WVE: 0x190000,
  OGG: 0x200000,
  MPC2K: 0x210000,
  RF64: 0x220000,
  MP3: 0x230000,
} as const

/** Subtypes (encodings): name -> SF_FORMAT_* code (sndfile.h). */
export const subtypeCodes = {
  PCM_S8: 0x0001,
  PCM_16: 0x0002,
  PCM_24: 0x0003,
  PCM_32: 0x0004,
  PCM_U8: 0x0005,
  FLOAT: 0x0006,
  DOUBLE: 0x0007,
  ULAW: 0x0010,
  ALAW: 0x0011,
  IMA_ADPCM: 0x0012,
  MS_ADPCM: 0x0013,
  GSM610: 0x0020,
  VOX_ADPCM: 0x0021,
  NMS_ADPCM_16: 0x0022,
  NMS_ADPCM_24: 0x0023,
  NMS_ADPCM_32: 0x0024,
  G721_32: 0x0030,
  G723_24: 0x0031,
  G723_40: 0x0032,
  DWVW_12: 0x0040,
  DWVW_16: 0x0041,
  DWVW_24: 0x0042,
  DWVW_N: 0x0043,
  DPCM_8: 0x0050,
  DPCM_16: 0x0051,
  VORBIS: 0x0060,
  OPUS: 0x0064,
  ALAC_16: 0x0070,
  ALAC_20: 0x0071,
  ALAC_24: 0x0072,
  ALAC_32: 0x0073,
  MPEG_LAYER_I: 0x0080,
  MPEG_LAYER_II: 0x0081,
  MPEG_LAYER_III: 0x0082,
} as const

/** Byte orders: name -> SF_ENDIAN_* code. FILE is the container's default. */
export const endianCodes = {
  FILE: 0x00000000,
  LITTLE: 0x10000000,
  BIG: 0x20000000,
  CPU: 0x30000000,
} as const

export type FormatName = keyof typeof formatCodes
export type SubtypeName = keyof typeof subtypeCodes
export type EndianName = keyof typeof endianCodes

const SF_FORMAT_SUBMASK = 0x0000ffff
const SF_FORMAT_TYPEMASK = 0x0fff0000
const SF_FORMAT_ENDMASK = 0x30000000

/**
 * The subtype a format gets when none is given: python-soundfile's table.
 * RAW has none: its subtype must always be given.
 */
export const defaultSubtypes: Readonly<Record<FormatName, SubtypeName | undefined>> = {
  WAV: 'PCM_16',
  AIFF: 'PCM_16',
  AU: 'PCM_16',
  RAW: undefined,
  PAF: 'PCM_16',
  SVX: 'PCM_16',
  NIST: 'PCM_16',
  VOC: 'PCM_16',
  IRCAM: 'PCM_16',
  W64: 'PCM_16',
  MAT4: 'DOUBLE',
  MAT5: 'DOUBLE',
  PVF: 'PCM_16',
  XI: 'DPCM_16',
  HTK: 'PCM_16',
  SDS: 'PCM_16',
  AVR: 'PCM_16',
  WAVEX: 'PCM_16',
  SD2: 'PCM_16',
  FLAC: 'PCM_16',
  CAF: 'PCM_16',
  WVE: 'ALAW',
  OGG: 'VORBIS',
  MPC2K: 'PCM_16',
  RF64: 'PCM_16',
  MP3: 'MPEG_LAYER_III',
}

/** File extensions (lower case, no dot) -> format, for writing without `format`. */
export const extensionFormats: Readonly<Record<string, FormatName>> = {
  wav: 'WAV',
  wave: 'WAV',
  aif: 'AIFF',
  aiff: 'AIFF',
  aifc: 'AIFF',
  au: 'AU',
  snd: 'AU',
  raw: 'RAW',
  pcm: 'RAW',
  paf: 'PAF',
  iff: 'SVX',
  svx: 'SVX',
  nist: 'NIST',
  sph: 'NIST',
  voc: 'VOC',
  sf: 'IRCAM',
  ircam: 'IRCAM',
  w64: 'W64',
  mat: 'MAT5',
  mat4: 'MAT4',
  mat5: 'MAT5',
  pvf: 'PVF',
  xi: 'XI',
  htk: 'HTK',
  sds: 'SDS',
  avr: 'AVR',
  wavex: 'WAVEX',
  sd2: 'SD2',
  flac: 'FLAC',
  caf: 'CAF',
  wve: 'WVE',
  ogg: 'OGG',
  oga: 'OGG',
  opus: 'OGG',
  mpc: 'MPC2K',
  rf64: 'RF64',
  mp3: 'MP3',
}

const formatNames = new Map<number, FormatName>(
  Object.entries(formatCodes).map(([name, code]) => [code, name as FormatName]),
)
const subtypeNames = new Map<number, SubtypeName>(
  Object.entries(subtypeCodes).map(([name, code]) => [code, name as SubtypeName]),
)
const endianNames = new Map<number, EndianName>(
  Object.entries(endianCodes).map(([name, code]) => [code, name as EndianName]),
)

function describe(value: unknown): string {
  return `${typeof value === 'string' ? `'${value}'` : String(value)} (${typeof value})`
}

/** The upper-case format name, or undefined when unknown. Throws TypeError for a non-string. */
export function lookupFormat(format: unknown, argument = 'format'): FormatName | undefined {
  if (typeof format !== 'string') throw new TypeError(`Expected a format name for ${argument}, got ${describe(format)}`)
  const name = format.toUpperCase()
  return Object.hasOwn(formatCodes, name) ? (name as FormatName) : undefined
}

/** The upper-case subtype name, or undefined when unknown. Throws TypeError for a non-string. */
export function lookupSubtype(subtype: unknown, argument = 'subtype'): SubtypeName | undefined {
  if (typeof subtype !== 'string') throw new TypeError(`Expected a subtype name for ${argument}, got ${describe(subtype)}`)
  const name = subtype.toUpperCase()
  return Object.hasOwn(subtypeCodes, name) ? (name as SubtypeName) : undefined
}

/** The upper-case endian name, or undefined when unknown. Throws TypeError for a non-string. */
export function lookupEndian(endian: unknown, argument = 'endian'): EndianName | undefined {
  if (typeof endian !== 'string') throw new TypeError(`Expected an endian name for ${argument}, got ${describe(endian)}`)
  const name = endian.toUpperCase()
  return Object.hasOwn(endianCodes, name) ? (name as EndianName) : undefined
}

/** Like lookupFormat, but an unknown name throws a RangeError listing the known ones. */
export function requireFormat(format: unknown, argument = 'format'): FormatName {
  const name = lookupFormat(format, argument)
  if (name === undefined) {
    throw new RangeError(`Expected one of ${Object.keys(formatCodes).join(', ')} for ${argument}, got ${describe(format)}`)
  }
  return name
}

/** Like lookupSubtype, but an unknown name throws a RangeError listing the known ones. */
export function requireSubtype(subtype: unknown, argument = 'subtype'): SubtypeName {
  const name = lookupSubtype(subtype, argument)
  if (name === undefined) {
    throw new RangeError(`Expected one of ${Object.keys(subtypeCodes).join(', ')} for ${argument}, got ${describe(subtype)}`)
  }
  return name
}

/** Like lookupEndian, but an unknown name throws a RangeError listing the known ones. */
export function requireEndian(endian: unknown, argument = 'endian'): EndianName {
  const name = lookupEndian(endian, argument)
  if (name === undefined) {
    throw new RangeError(`Expected one of ${Object.keys(endianCodes).join(', ')} for ${argument}, got ${describe(endian)}`)
  }
  return name
}

/** The SF_FORMAT_* code of format | subtype | endian. */
export function formatCode(format: FormatName, subtype: SubtypeName, endian: EndianName = 'FILE'): number {
  return formatCodes[format] | subtypeCodes[subtype] | endianCodes[endian]
}

/** Splits an SF_FORMAT_* code into names; a part libsndfile knows but this table does not is a hex string. */
export function describeFormatCode(code: number): { format: string; subtype: string; endian: string } {
  const major = code & SF_FORMAT_TYPEMASK
  const sub = code & SF_FORMAT_SUBMASK
  const end = code & SF_FORMAT_ENDMASK
  return {
    format: formatNames.get(major) ?? `0x${major.toString(16)}`,
    subtype: subtypeNames.get(sub) ?? `0x${sub.toString(16)}`,
    endian: endianNames.get(end) ?? 'FILE',
  }
}

/** The format for a path's extension (case-insensitive), or undefined. */
export function formatFromExtension(path: string): FormatName | undefined {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1)
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return undefined
  return extensionFormats[base.slice(dot + 1).toLowerCase()]
}

/** sf_format_check at 44100 Hz, mono: what python-soundfile checks. */
function libsndfileAccepts(code: number): boolean {
  return native().formatCheck(code, 44100, 1)
}

/**
 * The major formats (containers) the installed libsndfile knows, by short
 * name, with libsndfile's own description.
 *
 * @example
 * ```ts
 * availableFormats().FLAC // 'FLAC (Free Lossless Audio Codec)'
 * ```
 */
export function availableFormats(): Record<string, string> {
  const result: Record<string, string> = {}
  for (const { format, name } of native().majorFormats()) {
    const short = formatNames.get(format)
    if (short !== undefined) result[short] = name
  }
  return result
}

/**
 * The subtypes (encodings) the installed libsndfile knows, by short name,
 * with libsndfile's own description. With a format: only those
 * `sf_format_check` accepts for it (at 44100 Hz, mono).
 *
 * @throws TypeError / RangeError for a format that is not a known name.
 * @example
 * ```ts
 * Object.keys(availableSubtypes('FLAC')) // ['PCM_S8', 'PCM_16', 'PCM_24']
 * ```
 */
export function availableSubtypes(format?: string): Record<string, string> {
  const major = format === undefined ? undefined : requireFormat(format)
  const result: Record<string, string> = {}
  for (const { format: code, name } of native().subtypes()) {
    const short = subtypeNames.get(code)
    if (short === undefined) continue
    if (major !== undefined && !libsndfileAccepts(formatCodes[major] | code)) continue
    result[short] = name
  }
  return result
}

/**
 * Whether the installed libsndfile can write this combination (its
 * `sf_format_check`, at 44100 Hz, mono). Without a subtype, the format's
 * default subtype is checked. Unknown names give false, like
 * python-soundfile's `check_format`.
 *
 * @throws TypeError when an argument is not a string.
 * @example
 * ```ts
 * checkFormat('FLAC', 'PCM_24') // true
 * checkFormat('FLAC', 'FLOAT') // false
 * ```
 */
export function checkFormat(format: string, subtype?: string, endian?: string): boolean {
  const major = lookupFormat(format)
  const sub = subtype === undefined ? (major && defaultSubtypes[major]) : lookupSubtype(subtype)
  const end = endian === undefined ? 'FILE' : lookupEndian(endian)
  if (major === undefined || sub === undefined || end === undefined) return false
  return libsndfileAccepts(formatCode(major, sub, end))
}

/**
 * The subtype a format gets when none is given (python-soundfile's table),
 * or undefined for RAW, which always needs one.
 *
 * @throws TypeError / RangeError for a format that is not a known name.
 * @example
 * ```ts
 * defaultSubtype('OGG') // 'VORBIS'
 * ```
 */
export function defaultSubtype(format: string): SubtypeName | undefined {
  return defaultSubtypes[requireFormat(format)]
}
