// The options a file needs when no header says them (open-plan.ts), with no device.
import { describe, expect, it } from 'vitest'
import { missingOpenOptions } from './open-plan.js'

describe('missingOpenOptions', () => {
  it('reading a file with a header needs nothing', () => {
    expect(missingOpenOptions('WAV', 'r', {})).toEqual([])
    expect(missingOpenOptions(undefined, 'r', {})).toEqual([])
  })

  it('writing needs samplerate and channels; RAW also subtype, both ways', () => {
    expect(missingOpenOptions('WAV', 'w', {})).toEqual(['samplerate', 'channels'])
    expect(missingOpenOptions('WAV', 'w', { samplerate: 48000, channels: 2 })).toEqual([])
    expect(missingOpenOptions('RAW', 'r', { channels: 1 })).toEqual(['samplerate', 'subtype'])
    expect(missingOpenOptions('raw', 'w', { samplerate: 48000, channels: 1, subtype: 'PCM_16' })).toEqual([])
  })
})
