import { describe, expect, it } from 'vitest'
import { devices, NativeStream } from '@pastream/core-native'
import { findVirtualDevice } from '@pastream/core-native/testing'
import { BufferFull, PastreamError, PortAudioError } from './errors.js'

describe('PortAudioError', () => {
  it('formats the message as STYLE.md shows', () => {
    const error = new PortAudioError(
      'Error opening InputStream',
      { code: 'paInvalidChannelCount', paErrorCode: -9998 },
      'Invalid number of channels',
    )
    expect(error.message).toBe('Error opening InputStream: Invalid number of channels [paInvalidChannelCount -9998]')
    expect(error).toBeInstanceOf(PastreamError)
    expect(error.name).toBe('PortAudioError')
  })

  it('wraps what the addon throws when PortAudio refuses a real device', () => {
    const device = findVirtualDevice()
    let caught: unknown
    try {
      NativeStream.open(
        { input: { device: device.index, channels: 99, latency: 0 }, dtype: 'int16', samplerate: 48000, blocksize: 0 },
        devices().devices,
      )
    } catch (error) {
      caught = PortAudioError.from(error)
    }
    expect(caught).toBeInstanceOf(PortAudioError)
    expect((caught as PortAudioError).message).toBe(
      'Error opening InputStream: Invalid number of channels [paInvalidChannelCount -9998]',
    )
    expect((caught as PortAudioError).cause).toBeInstanceOf(Error)
  })

  it('leaves other errors alone', () => {
    const plain = new RangeError('x')
    expect(PortAudioError.from(plain)).toBe(plain)
    expect(new BufferFull('ring full').name).toBe('BufferFull')
  })
})
