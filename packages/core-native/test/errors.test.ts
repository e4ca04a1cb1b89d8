// Errors cross the native boundary as codes: the addon sets properties, the
// one fromNative turns them into pastream's classes; no message is parsed.
import { describe, expect, it } from 'vitest'
import { devices, fromNative, NativeStream, PastreamError, PortAudioError } from '../src/index.js'
import { loopbackDevice } from './helpers.js'

describe('fromNative', () => {
  it('builds a PortAudioError from the properties, not from the message', () => {
    const raw = Object.assign(new Error('a message nobody parses'), {
      code: 'paInvalidChannelCount',
      what: 'Error opening InputStream',
      paErrorCode: -9998,
      paErrorText: 'Invalid number of channels',
    })
    const error = fromNative(raw)
    expect(error).toBeInstanceOf(PortAudioError)
    expect((error as PortAudioError).message).toBe('Error opening InputStream: Invalid number of channels [paInvalidChannelCount -9998]')
    expect((error as PortAudioError).code).toBe('paInvalidChannelCount')
    expect((error as PortAudioError).cause).toBe(raw)
  })

  it('keeps the host API fields of an unanticipated host error', () => {
    const raw = Object.assign(new Error('x'), {
      code: 'paUnanticipatedHostError',
      what: 'Error starting stream',
      paErrorCode: -9999,
      paErrorText: 'Unanticipated host error',
      hostApiType: 8,
      hostErrorCode: -32,
      hostErrorText: 'Broken pipe',
    })
    const error = fromNative(raw) as PortAudioError
    expect([error.hostApiType, error.hostErrorCode, error.hostErrorText]).toEqual([8, -32, 'Broken pipe'])
  })

  it('turns our own codes into a PastreamError with the same message and code', () => {
    const raw = Object.assign(new Error('stream is already active'), { code: 'ERR_PASTREAM_ACTIVE' })
    const error = fromNative(raw)
    expect(error).toBeInstanceOf(PastreamError)
    expect(error).not.toBeInstanceOf(PortAudioError)
    expect((error as PastreamError).message).toBe('stream is already active')
    expect((error as PastreamError).code).toBe('ERR_PASTREAM_ACTIVE')
  })

  it('leaves errors without a code, other codes and our own errors alone', () => {
    const plain = new TypeError('options must be an object')
    expect(fromNative(plain)).toBe(plain)
    const node = Object.assign(new Error('no such file'), { code: 'ENOENT' })
    expect(fromNative(node)).toBe(node)
    const ours = new PastreamError('x', { code: 'ERR_PASTREAM_BUSY' })
    expect(fromNative(ours)).toBe(ours)
    expect(PortAudioError.from(ours)).toBe(ours)
    expect(fromNative('a string')).toBe('a string')
  })
})

describe('what the addon throws arrives as our classes', () => {
  it('PortAudio refusing a real device: a PortAudioError straight from NativeStream.open', () => {
    const device = loopbackDevice()
    let caught: unknown
    try {
      NativeStream.open({ input: { device: device.index, channels: 99, latency: 0 }, dtype: 'int16', samplerate: 48000, blocksize: 0 }, devices().devices)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(PortAudioError)
    expect((caught as PortAudioError).message).toBe('Error opening InputStream: Invalid number of channels [paInvalidChannelCount -9998]')
    expect((caught as PortAudioError).paErrorCode).toBe(-9998)
  })

  it('a call on a closed stream: a PastreamError with code ERR_PASTREAM_CLOSED', async () => {
    const device = loopbackDevice()
    const stream = NativeStream.open({ output: { device: device.index, channels: 1, latency: 0 }, dtype: 'float32', samplerate: 48000, blocksize: 0 }, devices().devices)
    await stream.close()
    expect(() => stream.info()).toThrow(expect.objectContaining({ name: 'PastreamError', code: 'ERR_PASTREAM_CLOSED', message: 'stream is closed' }))
    await expect(stream.stop()).rejects.toMatchObject({ code: 'ERR_PASTREAM_CLOSED' })
  })
})
