import { describe, expect, it } from 'vitest'
import { native } from './binding.js'
import {
  availableFormats,
  availableSubtypes,
  checkFormat,
  defaultSubtype,
  defaultSubtypes,
  formatCodes,
  formatFromExtension,
  subtypeCodes,
  type FormatName,
} from './formats.js'

describe('the tables match the installed libsndfile', () => {
  it('knows every major format libsndfile lists, by python-soundfile name', () => {
    const codes = new Set<number>(Object.values(formatCodes))
    for (const { format, name } of native().majorFormats()) expect(codes.has(format), `${name} 0x${format.toString(16)}`).toBe(true)
    const formats = availableFormats()
    expect(formats).toMatchObject({ WAV: 'WAV (Microsoft)', FLAC: 'FLAC (Free Lossless Audio Codec)', NIST: 'WAV (NIST Sphere)', RAW: 'RAW (header-less)' })
    // MPEG files go by python-soundfile's name
    expect(formats.MP3).toBe('MPEG-1/2 Audio')
  })

  it('knows every subtype libsndfile lists', () => {
    const codes = new Set<number>(Object.values(subtypeCodes))
    for (const { format, name } of native().subtypes()) expect(codes.has(format), `${name} 0x${format.toString(16)}`).toBe(true)
    expect(availableSubtypes()).toMatchObject({ PCM_16: 'Signed 16 bit PCM', FLOAT: '32 bit float', VORBIS: 'Vorbis' })
  })

  it('filters subtypes by format with sf_format_check', () => {
    expect(Object.keys(availableSubtypes('FLAC'))).toEqual(['PCM_S8', 'PCM_16', 'PCM_24'])
    expect(Object.keys(availableSubtypes('ogg')).sort()).toEqual(['OPUS', 'VORBIS'])
    expect(Object.keys(availableSubtypes('WAV'))).not.toContain('PCM_S8')
    expect(() => availableSubtypes('FOO')).toThrow(new RangeError(`Expected one of ${Object.keys(formatCodes).join(', ')} for format, got 'FOO' (string)`))
  })

  it('every default subtype is one libsndfile accepts', () => {
    for (const format of Object.keys(availableFormats()) as FormatName[]) {
      const subtype = defaultSubtypes[format]
      if (format === 'RAW') expect(subtype).toBeUndefined()
      else expect(checkFormat(format, subtype), `${format} ${subtype}`).toBe(true)
    }
  })
})

describe('checkFormat', () => {
  it('asks sf_format_check', () => {
    expect(checkFormat('WAV')).toBe(true)
    expect(checkFormat('wav', 'float')).toBe(true)
    expect(checkFormat('FLAC', 'PCM_24')).toBe(true)
    expect(checkFormat('FLAC', 'FLOAT')).toBe(false)
    expect(checkFormat('AIFF', 'PCM_16', 'LITTLE')).toBe(true)
    expect(checkFormat('FLAC', 'PCM_16', 'BIG')).toBe(false)
    expect(checkFormat('OGG', 'PCM_16')).toBe(false)
  })

  it('is false for unknown names and for RAW without a subtype, like python-soundfile', () => {
    expect(checkFormat('FOO')).toBe(false)
    expect(checkFormat('WAV', 'PCM_99')).toBe(false)
    expect(checkFormat('WAV', 'PCM_16', 'MIDDLE')).toBe(false)
    expect(checkFormat('RAW')).toBe(false)
    expect(checkFormat('RAW', 'PCM_16')).toBe(true)
  })

  it('throws TypeError for a non-string', () => {
    expect(() => checkFormat(3 as unknown as string)).toThrow(new TypeError('Expected a format name for format, got 3 (number)'))
  })
})

describe('defaultSubtype', () => {
  it("is python-soundfile's table", () => {
    expect(defaultSubtype('WAV')).toBe('PCM_16')
    expect(defaultSubtype('flac')).toBe('PCM_16')
    expect(defaultSubtype('OGG')).toBe('VORBIS')
    expect(defaultSubtype('MAT5')).toBe('DOUBLE')
    expect(defaultSubtype('MP3')).toBe('MPEG_LAYER_III')
    expect(defaultSubtype('RAW')).toBeUndefined()
    expect(() => defaultSubtype('WAVE')).toThrow(RangeError)
  })
})

describe('formatFromExtension', () => {
  it('maps extensions, case-insensitively', () => {
    expect(formatFromExtension('a/b/take.WAV')).toBe('WAV')
    expect(formatFromExtension('take.flac')).toBe('FLAC')
    expect(formatFromExtension('take.aif')).toBe('AIFF')
    expect(formatFromExtension('take.aiff')).toBe('AIFF')
    expect(formatFromExtension('take.au')).toBe('AU')
    expect(formatFromExtension('take.raw')).toBe('RAW')
    expect(formatFromExtension('take.caf')).toBe('CAF')
    expect(formatFromExtension('take.w64')).toBe('W64')
    expect(formatFromExtension('take.rf64')).toBe('RF64')
    expect(formatFromExtension('take.ogg')).toBe('OGG')
    expect(formatFromExtension('take.mp3')).toBe('MP3')
  })

  it('is undefined without a known extension', () => {
    expect(formatFromExtension('take.xyz')).toBeUndefined()
    expect(formatFromExtension('take')).toBeUndefined()
    expect(formatFromExtension('.wav')).toBeUndefined()
    expect(formatFromExtension('dir.wav/take')).toBeUndefined()
  })
})
