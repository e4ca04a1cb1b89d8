/**
 * What a recording's file is: its container (from `format` or the
 * extension) and subtype (from the dtype, through the one table of which
 * subtypes hold which dtype exactly: pcmByDtype).
 */
import { checkDtype, dtypes, type DType } from '@pastream/stream'
import { checkFormat, defaultSubtype, formatFromExtension, requireFormat, type FormatName, type SubtypeName } from './formats.js'

/** The subtypes that hold each dtype's samples exactly, the first preferred (the one table both ways: see pickSubtype and dtypeForSubtype). */
const pcmByDtype: Readonly<Record<DType, readonly SubtypeName[]>> = {
  float32: ['FLOAT', 'PCM_32'],
  int32: ['PCM_32'],
  int24: ['PCM_24'],
  int16: ['PCM_16'],
  int8: ['PCM_S8', 'PCM_U8'],
  uint8: ['PCM_U8'],
}

/**
 * The subtype a recording of `dtype` gets in `format` when none is given:
 * float32 -> FLOAT where the container has it, otherwise PCM at the sample
 * width (int8 -> PCM_S8, or PCM_U8 where only that exists).
 * @throws RangeError when the container has none of them, or for an unknown dtype
 */
export function pickSubtype(format: string, dtype: DType, endian?: string): SubtypeName {
  const name = requireFormat(format)
  const candidates = pcmByDtype[checkDtype(dtype)]
  for (const subtype of candidates) if (checkFormat(name, subtype, endian)) return subtype
  throw new RangeError(
    `No subtype of ${name} fits dtype ${dtype} (tried ${candidates.join(', ')}): pass subtype (e.g. { subtype: 'PCM_16' }) or another dtype`,
  )
}

/**
 * The dtype that holds a subtype's samples exactly (the inverse of
 * pickSubtype): FLOAT -> float32, PCM_32 -> int32, PCM_24 -> int24,
 * PCM_16 -> int16, PCM_S8 -> int8, PCM_U8 -> uint8; undefined for the
 * others (compressed, DOUBLE, ...).
 *
 * @example
 * ```ts
 * dtypeForSubtype('PCM_24') // 'int24'
 * ```
 */
export function dtypeForSubtype(subtype: string): DType | undefined {
  return dtypes.find((dtype) => pcmByDtype[dtype][0] === subtype)
}

/**
 * How to record `dtype` in `format` when the device format may follow the
 * file: pickSubtype's subtype; or, for a container with no subtype of that
 * width (FLAC has no float, OGG and MP3 no PCM), the container's default
 * subtype and, unless `dtypeGiven`, the dtype that holds it exactly.
 *
 * @example
 * ```ts
 * recordingEncoding('FLAC', 'float32', { dtypeGiven: false }) // { subtype: 'PCM_16', dtype: 'int16' }
 * ```
 */
export function recordingEncoding(format: string, dtype: DType, options: { endian?: string | undefined; dtypeGiven: boolean }): { subtype: string | undefined; dtype: DType } {
  try {
    return { subtype: pickSubtype(format, dtype, options.endian), dtype }
  } catch {
    const subtype = defaultSubtype(format)
    return { subtype, dtype: !options.dtypeGiven && subtype !== undefined ? (dtypeForSubtype(subtype) ?? dtype) : dtype }
  }
}

/** The container of a recording: `format`, else from the extension of `path`. */
function recordFormat(path: string, format: string | undefined): FormatName {
  if (format !== undefined) return requireFormat(format)
  const byExtension = formatFromExtension(path)
  if (byExtension === undefined) {
    throw new RangeError(`Cannot tell the container of '${path}' from its extension: pass format (e.g. { format: 'WAV' })`)
  }
  return byExtension
}

/** The format, subtype and endian a recording of `dtype` to `path` is opened with. */
export function recordPlan(path: string, dtype: DType, options: { format?: string | undefined; subtype?: string | undefined; endian?: string | undefined }): { format: FormatName; subtype: string; endian?: string } {
  const format = recordFormat(path, options.format)
  const subtype = options.subtype ?? pickSubtype(format, dtype, options.endian)
  return { format, subtype, ...(options.endian !== undefined ? { endian: options.endian } : {}) }
}

