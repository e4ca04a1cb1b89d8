// What a recording's file is, with no device: the subtype <-> dtype table
// both ways, and the encoding the CLI records a container in.
import { describe, expect, it } from 'vitest'
import { dtypes } from '@pastream/stream'
import { dtypeForSubtype, pickSubtype, recordingEncoding } from './record-format.js'

describe('dtypeForSubtype', () => {
  it('is the inverse of pickSubtype for the PCM and float subtypes', () => {
    expect(['FLOAT', 'PCM_32', 'PCM_24', 'PCM_16', 'PCM_S8', 'PCM_U8'].map(dtypeForSubtype)).toEqual(['float32', 'int32', 'int24', 'int16', 'int8', 'uint8'])
    for (const dtype of dtypes) {
      if (dtype === 'int8') continue // WAV has only PCM_U8 for 8 bits
      expect(dtypeForSubtype(pickSubtype('WAV', dtype))).toBe(dtype)
    }
    expect(dtypeForSubtype(pickSubtype('AU', 'int8'))).toBe('int8')
  })

  it('is undefined for subtypes no dtype holds exactly', () => {
    expect(dtypeForSubtype('VORBIS')).toBeUndefined()
    expect(dtypeForSubtype('DOUBLE')).toBeUndefined()
  })
})

describe('recordingEncoding', () => {
  it("keeps the dtype's subtype where the container has one", () => {
    expect(recordingEncoding('WAV', 'float32', { dtypeGiven: false })).toEqual({ subtype: 'FLOAT', dtype: 'float32' })
    expect(recordingEncoding('FLAC', 'int24', { dtypeGiven: true })).toEqual({ subtype: 'PCM_24', dtype: 'int24' })
  })

  it("falls back to the container's default subtype; the dtype follows unless given", () => {
    expect(recordingEncoding('FLAC', 'float32', { dtypeGiven: false })).toEqual({ subtype: 'PCM_16', dtype: 'int16' })
    expect(recordingEncoding('FLAC', 'float32', { dtypeGiven: true })).toEqual({ subtype: 'PCM_16', dtype: 'float32' })
    expect(recordingEncoding('OGG', 'int16', { dtypeGiven: false })).toEqual({ subtype: 'VORBIS', dtype: 'int16' })
  })
})
