// Every format/subtype pair the installed libsndfile accepts: write a
// seeded signal, read it back, compare. Lossless encodings must come back
// bit for bit (read with the dtype written); lossy ones must keep a sine
// above a signal-to-noise floor measured for each codec.
import type { DType } from '@pastream/stream'
import { afterAll, describe, expect, it } from 'vitest'
import { firstDifference, noise, sine, snr, tempDir, type Samples } from '../test/helpers.js'
import { native } from './binding.js'
import { availableFormats, availableSubtypes, formatCode, type FormatName, type SubtypeName } from './formats.js'
import { SoundFileError } from './errors.js'
import { SoundFile } from './sound-file.js'

const temp = tempDir('round-trip')
afterAll(() => temp.remove())

/** Lossless encodings: the dtype to write and read, and the significant bits the encoding keeps. */
const lossless: Partial<Record<SubtypeName, { dtype: DType; bits?: number }>> = {
  PCM_S8: { dtype: 'int8' },
  PCM_U8: { dtype: 'uint8' },
  PCM_16: { dtype: 'int16' },
  PCM_24: { dtype: 'int24' },
  PCM_32: { dtype: 'int32' },
  FLOAT: { dtype: 'float32' },
  // float32 -> double -> float32 is exact
  DOUBLE: { dtype: 'float32' },
  ALAC_16: { dtype: 'int16' },
  ALAC_20: { dtype: 'int32', bits: 20 },
  ALAC_24: { dtype: 'int24' },
  ALAC_32: { dtype: 'int32' },
  DWVW_12: { dtype: 'int16', bits: 12 },
  DWVW_16: { dtype: 'int16' },
  DWVW_24: { dtype: 'int24' },
  DPCM_8: { dtype: 'int8' },
  DPCM_16: { dtype: 'int16' },
}

/**
 * Lossy encodings: the least SNR (dB) of a 440 Hz sine at half scale.
 * libsndfile 1.2.0 here gives 6 to 11 dB more (GSM610 26.6, ULAW 36.7,
 * VORBIS 41.3, OPUS 43.5, MPEG_LAYER_III 48.4, MS_ADPCM 61.4); a broken
 * codec path gives about 0.
 */
const lossy: Partial<Record<SubtypeName, number>> = {
  GSM610: 20,
  ULAW: 30,
  ALAW: 30,
  NMS_ADPCM_16: 30,
  VORBIS: 30,
  OPUS: 30,
  IMA_ADPCM: 35,
  G723_24: 35,
  MPEG_LAYER_I: 35,
  MPEG_LAYER_II: 35,
  MPEG_LAYER_III: 35,
  VOX_ADPCM: 38,
  NMS_ADPCM_24: 42,
  G721_32: 42,
  G723_40: 45,
  NMS_ADPCM_32: 48,
  MS_ADPCM: 50,
}

/**
 * Pairs sf_format_check accepts but libsndfile 1.2.0 cannot write: it
 * says so with a SoundFileError carrying its own message, at open or at the
 * first write. (It encodes MPEG layer III only, and only in MP3 files.)
 */
const unwritable: Record<string, RegExp> = {
  'AIFF/DWVW_12': /^Error writing '.*': File contains data in an unimplemented format\.$/,
  'MP3/MPEG_LAYER_I': /^Error opening '.*': File contains data in an unimplemented format\.$/,
  'MP3/MPEG_LAYER_II': /^Error opening '.*': File contains data in an unimplemented format\.$/,
  'WAV/MPEG_LAYER_III': /^Error opening '.*': Supported file format but unsupported encoding\.$/,
}

/** Headers that cannot hold 44100 Hz exactly (HTK: 100 ns periods, SDS: ns periods, VOC: a 1/(256 - n) MHz divider). */
const coarseRate = new Set<FormatName>(['HTK', 'SDS', 'VOC'])

/**
 * PAF stores 24-bit samples in blocks of 10 frames; libsndfile pads the last
 * block with stale samples (not silence) and counts them as frames.
 */
const paddedTo: Record<string, number> = { 'PAF/PCM_24': 10 }

/**
 * ALAC's escape path (for blocks that do not compress, like full-scale
 * noise) is broken in libsndfile 1.2.0 for 20 and 24 bits in stereo and for
 * 32 bits (the encoder prints "compressed frame too big"); compressible
 * content is exact. So ALAC gets quiet noise: 12 random bits, right-justified.
 */
/**
 * SDS sends samples in MIDI packets (40 frames of PCM_16, 60 of PCM_S8, 30
 * of PCM_24); libsndfile 1.2.0 loses a final partial packet (a file of 40
 * frames reads back empty, one of 3001 ends in 0), so SDS files get whole packets.
 */
const wholePackets: Partial<Record<FormatName, number>> = { SDS: 3000 }

const quiet = new Set<SubtypeName>(['ALAC_16', 'ALAC_20', 'ALAC_24', 'ALAC_32'])
const alacWidth: Partial<Record<SubtypeName, number>> = { ALAC_16: 16, ALAC_20: 20, ALAC_24: 24, ALAC_32: 32 }

const pairs: Array<[FormatName, SubtypeName]> = []
for (const format of Object.keys(availableFormats()) as FormatName[]) {
  for (const subtype of Object.keys(availableSubtypes(format)) as SubtypeName[]) pairs.push([format, subtype])
}

/** What sf_format_check accepts at this rate: 2 channels where the pair allows them. */
function channelsFor(format: FormatName, subtype: SubtypeName, samplerate: number): number {
  return native().formatCheck(formatCode(format, subtype), samplerate, 2) ? 2 : 1
}

function asFloat(samples: Samples): Float32Array {
  return samples instanceof Float32Array ? samples : Float32Array.from(samples as ArrayLike<number>)
}

describe('every valid format/subtype pair round-trips', () => {
  it('found pairs to test, including the common ones', () => {
    expect(pairs.length).toBeGreaterThan(100)
    const names = pairs.map(([f, s]) => `${f}/${s}`)
    expect(names).toEqual(
      expect.arrayContaining(['WAV/PCM_16', 'WAV/FLOAT', 'FLAC/PCM_24', 'AIFF/PCM_32', 'AU/ULAW', 'OGG/VORBIS', 'CAF/ALAC_16', 'RAW/PCM_S8']),
    )
    // every subtype is classified, so none is skipped silently
    for (const [, subtype] of pairs) expect(lossless[subtype] !== undefined || lossy[subtype] !== undefined, subtype).toBe(true)
  })

  const writable = ([format, subtype]: [FormatName, SubtypeName]) => unwritable[`${format}/${subtype}`] === undefined

  it.each(pairs.filter(([format, subtype]) => unwritable[`${format}/${subtype}`] !== undefined))(
    '%s %s is refused with libsndfile\'s message',
    async (format, subtype) => {
      const path = temp.path(`refused-${format}-${subtype}.${format.toLowerCase()}`)
      const attempt = async () => {
        const writer = await SoundFile.open(path, { mode: 'w', format, subtype, samplerate: 44100, channels: 1 })
        try {
          await writer.write(new Float32Array(4096))
        } finally {
          await writer.close().catch(() => undefined)
        }
      }
      const error = await attempt().then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(SoundFileError)
      expect((error as Error).message).toMatch(unwritable[`${format}/${subtype}`] ?? /never/)
    },
  )

  it.each(pairs.filter(([, subtype]) => lossless[subtype] !== undefined).filter(writable))('%s %s is exact', async (format, subtype) => {
    const { dtype, bits } = lossless[subtype] ?? { dtype: 'int16' }
    const samplerate = coarseRate.has(format) ? 8000 : 44100
    const channels = channelsFor(format, subtype, samplerate)
    const frames = wholePackets[format] ?? 3001
    let data = noise(dtype, frames, channels, 0x5eed, bits)
    if (quiet.has(subtype)) {
      const shift = 32 - (alacWidth[subtype] ?? 32)
      data = (data as Int32Array).map((v) => (v >> 20) * 2 ** shift)
    }
    const path = temp.path(`exact-${format}-${subtype}.${format.toLowerCase()}`)
    const options = { format, subtype, samplerate, channels }
    const writer = await SoundFile.open(path, { mode: 'w', ...options })
    await writer.write(data, { dtype })
    expect(writer.frames).toBe(frames)
    await writer.close()

    const reader = await SoundFile.open(path, format === 'RAW' ? options : { format })
    expect(reader.samplerate).toBe(samplerate)
    expect(reader.channels).toBe(channels)
    expect(reader.subtype).toBe(subtype)
    const block = paddedTo[`${format}/${subtype}`]
    // a RAW file's frames come from its size: a guess for DWVW, whose words vary in length
    const estimated = format === 'RAW' && subtype.startsWith('DWVW')
    if (block !== undefined) expect(reader.frames).toBe(Math.ceil(frames / block) * block)
    else if (estimated) expect(reader.frames).toBeGreaterThanOrEqual(frames)
    else expect(reader.frames).toBe(frames)
    const back = await reader.read(-1, { dtype })
    await reader.close()
    const samples = data.length
    expect(firstDifference(back.subarray(0, samples), data)).toBe(-1)
    if (block !== undefined) expect(back.length).toBe(reader.frames * channels * (dtype === 'int24' ? 3 : 1))
    else if (!estimated) expect(back.length).toBe(samples)
  })

  it.each(pairs.filter(([, subtype]) => lossy[subtype] !== undefined).filter(writable))('%s %s keeps a sine', async (format, subtype) => {
    const samplerate = subtype === 'OPUS' ? 48000 : 44100
    const channels = channelsFor(format, subtype, samplerate)
    const frames = 22050
    const data = sine(frames, channels, samplerate)
    const path = temp.path(`lossy-${format}-${subtype}.${format.toLowerCase()}`)
    const options = { format, subtype, samplerate, channels }
    const writer = await SoundFile.open(path, { mode: 'w', ...options })
    await writer.write(data)
    await writer.close()

    const reader = await SoundFile.open(path, format === 'RAW' ? options : { format })
    expect(reader.channels).toBe(channels)
    expect(reader.subtype).toBe(subtype)
    const back = await reader.read()
    await reader.close()
    // block codecs pad the last block
    expect(back.length / channels).toBeGreaterThanOrEqual(frames)
    expect(back.length / channels).toBeLessThan(frames + 4096)
    // skip the codecs' warm-up at both ends
    const margin = 2048 * channels
    const measured = snr(data, asFloat(back), margin, data.length - margin)
    expect(measured, `SNR of ${format}/${subtype}`).toBeGreaterThan(lossy[subtype] ?? Infinity)
  })
})
