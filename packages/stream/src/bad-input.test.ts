// Bad stream options as one table: each row is a constructor or run call,
// the error class and its message (what was wrong, what is allowed). None
// leaves a stream open: PortAudio is either never asked (argument checks)
// or refuses (what the device cannot do).
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { NativeStream } from '@pastream/core-native'
import { DEVICE } from '../test/helpers.js'
import { DuplexStream, InputStream, OutputStream, PortAudioError } from './index.js'

type Row = [make: () => unknown, type: new (...args: never[]) => Error, message: RegExp]

const rate = (shown: string, type: string): RegExp => new RegExp(`^Expected a positive number for samplerate, got ${shown} \\(${type}\\)$`)
const channels = (shown: string): RegExp => new RegExp(`^Expected an integer >= 1 for channels, got ${shown} \\(number\\)$`)
const noDevice = (shown: string): RegExp => new RegExp(`^No input device matching ${shown}\\. input devices: .*\\d+: loopback \\(JACK Audio Connection Kit, 8 in, 8 out\\)`)
const input = (options: ConstructorParameters<typeof InputStream>[0]) => () => new InputStream({ device: DEVICE, ...options })

const table: Record<string, Row> = {
  'samplerate NaN': [input({ samplerate: Number.NaN }), RangeError, rate('NaN', 'number')],
  'samplerate 0': [input({ samplerate: 0 }), RangeError, rate('0', 'number')],
  'samplerate negative': [input({ samplerate: -48000 }), RangeError, rate('-48000', 'number')],
  'samplerate infinite': [input({ samplerate: Number.POSITIVE_INFINITY }), RangeError, rate('Infinity', 'number')],
  'samplerate as a string': [input({ samplerate: '48000' as unknown as number }), RangeError, rate('48000', 'string')],
  'samplerate the device does not run at': [
    input({ samplerate: 44100 }),
    PortAudioError,
    /^Error opening InputStream: Invalid sample rate 44100 \(device loopback runs at 48000 Hz\) \[paInvalidSampleRate -9997\]$/,
  ],
  'channels 0': [input({ channels: 0 }), RangeError, channels('0')],
  'channels negative': [input({ channels: -2 }), RangeError, channels('-2')],
  'channels NaN': [input({ channels: Number.NaN }), RangeError, channels('NaN')],
  'channels above the device maximum': [
    input({ channels: 9 }),
    PortAudioError,
    /^Error opening InputStream: Invalid number of input channels 9 \(device \d+: loopback has 8\) \[paInvalidChannelCount -9998\]$/,
  ],
  'output channels above the device maximum': [
    () => new DuplexStream({ device: DEVICE, channels: [2, 12] }),
    PortAudioError,
    /^Error opening DuplexStream: Invalid number of output channels 12 \(device \d+: loopback has 8\) \[paInvalidChannelCount -9998\]$/,
  ],
  'device index out of range': [() => new OutputStream({ device: 99 }), RangeError, /^No device with index 99\. output devices: .*\d+: loopback/],
  'device index negative': [() => new OutputStream({ device: -1 }), RangeError, /^No device with index -1\. output devices: /],
  'device index not whole': [() => new OutputStream({ device: 1.5 }), RangeError, /^No device with index 1\.5\. output devices: /],
  'unknown device name': [input({ device: 'no such card' }), RangeError, noDevice('"no such card"')],
  'device name with UTF-8': [input({ device: 'lööp' }), RangeError, noDevice('"lööp"')],
  'device name that is not valid Unicode': [input({ device: 'loop\uD800' }), RangeError, noDevice('"loop\\\\ud800"')],
  'device name with . (literal)': [input({ device: 'l..pback' }), RangeError, noDevice('"l\\.\\.pback"')],
  'device name with + (literal)': [input({ device: 'loop+' }), RangeError, noDevice('"loop\\+"')],
  'device name with ( ) (literal)': [input({ device: '(loop)' }), RangeError, noDevice('"\\(loop\\)"')],
  'device name with [ ] (literal)': [input({ device: '[lo]+p' }), RangeError, noDevice('"\\[lo\\]\\+p"')],
  'device name every device matches': [input({ device: '' }), RangeError, /^Several input devices match "": .*\d+: system .*\d+: loopback .*\. Use an index or a longer name$/],
  'device of another type': [input({ device: { name: 'loopback' } as unknown as string }), TypeError, /^Expected a device index or name for device, got \[object Object\] \(object\)$/],
  'unsupported dtype': [input({ dtype: 'float64' as 'float32' }), RangeError, /^Expected one of float32, int32, int24, int16, int8, uint8 for dtype, got float64 \(string\)$/],
  'dtype in upper case': [input({ dtype: 'INT16' as 'int16' }), RangeError, /^Expected one of float32, int32, int24, int16, int8, uint8 for dtype, got INT16 \(string\)$/],
  'latency NaN': [input({ latency: Number.NaN }), RangeError, /^Expected 'low', 'high' or seconds >= 0 for latency, got NaN \(number\)$/],
  'buffersize not a power of two': [input({ buffersize: 48000 }), RangeError, /^Expected a power of two for buffersize, got 48000 \(number\)$/],
}

describe('bad stream options: the error, its message, no stream left open', () => {
  let open: MockInstance<typeof NativeStream.open>
  beforeEach(() => {
    open = vi.spyOn(NativeStream, 'open')
  })
  afterEach(() => open.mockRestore())

  it.each(Object.entries(table))('%s', (_, [make, type, message]) => {
    let caught: unknown
    try {
      make()
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(type)
    expect((caught as Error).message).toMatch(message)
    // PortAudio was not asked, or it refused: no stream is open
    for (const result of open.mock.results) expect(result.type).toBe('throw')
  })
})

describe('bad run arguments: refused before the device starts', () => {
  it.each([
    ['record(NaN)', (stream: DuplexStream<'int16'>) => stream.record(Number.NaN), /^Expected an integer >= 0 for frames, got NaN \(number\)$/],
    ['record(-1)', (stream: DuplexStream<'int16'>) => stream.record(-1), /^Expected an integer >= 0 for frames, got -1 \(number\)$/],
    ['play() of part of a frame', (stream: DuplexStream<'int16'>) => stream.play(new Uint8Array(3)), /^Expected whole frames of 4 bytes in the source, got 3 bytes$/],
    ['play() with frames NaN', (stream: DuplexStream<'int16'>) => stream.play(new Int16Array(4), { frames: Number.NaN }), /^Expected an integer >= -1 for frames, got NaN \(number\)$/],
  ] as const)('%s', async (_, call, message) => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'int16' })
    await expect(call(stream)).rejects.toThrow(message)
    expect(stream.active).toBe(false)
    expect(stream.frameCount).toBe(0)
  })
})
