// Invalid arguments are refused before any device is touched, with messages
// that name the argument, the value and what is allowed; what PortAudio
// refuses says why. Also toString() and the properties of open streams.
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { NativeStream, RingBuffer } from '@pastream/core-native'
import { DEVICE, SAMPLERATE, waitFor } from '../test/helpers.js'
import { queryDevices } from './devices.js'
import { DuplexStream, InputStream, OutputStream, PortAudioError, chunks } from './index.js'

vi.mock('./devices.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./devices.js')>()
  return { ...original, queryDevices: vi.fn(original.queryDevices) }
})

const loopback = () => queryDevices().devices.find((d) => d.name === DEVICE) as { index: number; name: string }

describe('invalid arguments', () => {
  let open: MockInstance<typeof NativeStream.open>
  beforeEach(() => {
    vi.mocked(queryDevices).mockClear()
    open = vi.spyOn(NativeStream, 'open')
  })
  afterEach(() => open.mockRestore())

  /** Expects `make` to throw `message` without listing devices or opening anything. */
  function refusedEarly(make: () => unknown, message: string | RegExp, type: ErrorConstructor = RangeError) {
    expect(make).toThrow(type)
    expect(make).toThrow(message)
    expect(queryDevices).not.toHaveBeenCalled()
    expect(open).not.toHaveBeenCalled()
  }

  it('dtype', () => {
    refusedEarly(
      () => new OutputStream({ device: DEVICE, dtype: 'float64' as 'float32' }),
      'Expected one of float32, int32, int24, int16, int8, uint8 for dtype, got float64 (string)',
    )
  })

  it('blocksize', () => {
    refusedEarly(() => new InputStream({ device: DEVICE, blocksize: -1 }), 'Expected an integer >= 0 for blocksize, got -1 (number)')
    refusedEarly(() => new InputStream({ device: DEVICE, blocksize: 2.5 }), 'Expected an integer >= 0 for blocksize, got 2.5 (number)')
  })

  it('buffersize must be a power of two', () => {
    refusedEarly(() => new DuplexStream({ device: DEVICE, buffersize: 1000 }), 'Expected a power of two for buffersize, got 1000 (number)')
    refusedEarly(() => new DuplexStream({ device: DEVICE, buffersize: 0 }), 'Expected a power of two for buffersize, got 0 (number)')
  })

  it('latency', () => {
    refusedEarly(
      () => new OutputStream({ device: DEVICE, latency: 'medium' as 'low' }),
      `Expected 'low', 'high' or seconds >= 0 for latency, got "medium" (string)`,
    )
    refusedEarly(() => new OutputStream({ device: DEVICE, latency: -0.1 }), `Expected 'low', 'high' or seconds >= 0 for latency, got -0.1 (number)`)
    refusedEarly(() => new DuplexStream({ device: DEVICE, latency: ['low', Number.NaN] }), `Expected 'low', 'high' or seconds >= 0 for latency, got NaN (number)`)
  })

  it('samplerate and channels that are not numbers in range', () => {
    refusedEarly(() => new OutputStream({ device: DEVICE, samplerate: 0 }), 'Expected a positive number for samplerate, got 0 (number)')
    refusedEarly(() => new OutputStream({ device: DEVICE, channels: 0 }), 'Expected an integer >= 1 for channels, got 0 (number)')
    refusedEarly(() => new DuplexStream({ device: DEVICE, channels: [2, 1.5] }), 'Expected an integer >= 1 for output channels, got 1.5 (number)')
    refusedEarly(() => new DuplexStream({ device: DEVICE, channels: [2] as unknown as [number, number] }), 'Expected [input, output] for channels, got an array of 1')
    refusedEarly(() => new OutputStream({ device: { name: 'x' } as unknown as string }), 'Expected a device index or name for device, got [object Object] (object)', TypeError)
  })

  it('channels above the device maximum: a PortAudioError naming the device and the maximum', () => {
    const { index } = loopback()
    open.mockClear()
    expect(() => new OutputStream({ device: DEVICE, channels: 9 })).toThrow(
      new PortAudioError('Error opening OutputStream', { code: 'paInvalidChannelCount', paErrorCode: -9998 }, `Invalid number of output channels 9 (device ${index}: loopback has 8)`),
    )
    expect(() => new DuplexStream({ device: DEVICE, channels: [12, 2] })).toThrow(
      `Error opening DuplexStream: Invalid number of input channels 12 (device ${index}: loopback has 8) [paInvalidChannelCount -9998]`,
    )
    expect(open).not.toHaveBeenCalled()
  })

  it('a device that is not found lists the devices there are', () => {
    const { index } = loopback()
    open.mockClear()
    expect(() => new InputStream({ device: 'no such card' })).toThrow(
      new RegExp(`^No input device matching "no such card"\\. input devices: .*${index}: loopback \\(JACK Audio Connection Kit, 8 in, 8 out\\)`),
    )
    expect(() => new OutputStream({ device: 99 })).toThrow(/^No device with index 99\. output devices: .*: loopback/)
    expect(open).not.toHaveBeenCalled()
  })

  it('an ambiguous device name lists the devices it matches', () => {
    // every device name contains the empty string, so the message lists every
    // output device this machine has: the virtual device's system and
    // loopback, and whatever else is there (a sound card, ALSA plugins)
    const outputs = queryDevices().devices.filter((d) => d.maxOutputChannels > 0)
    let message = ''
    try {
      new OutputStream({ device: '' })
    } catch (error) {
      message = (error as Error).message
    }
    const match = /^Several output devices match "": (.*)\. Use an index or a longer name$/.exec(message)
    expect(match, message).not.toBeNull()
    const listed = (match?.[1] ?? '').split('; ')
    expect(listed).toHaveLength(outputs.length)
    outputs.forEach((device, k) => expect(listed[k]?.startsWith(`${device.index}: ${device.name} (`)).toBe(true))
    expect(listed.some((entry) => /^\d+: system \(JACK.*\)$/.test(entry))).toBe(true)
    expect(listed.some((entry) => /^\d+: loopback \(JACK.*\)$/.test(entry))).toBe(true)
    expect(open).not.toHaveBeenCalled()
  })

  it('a samplerate the device refuses says so, with the rate', () => {
    let caught: unknown
    try {
      new OutputStream({ device: DEVICE, samplerate: 44100 })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(PortAudioError)
    const error = caught as PortAudioError
    expect(error.code).toBe('paInvalidSampleRate')
    expect(error.paErrorCode).toBe(-9997)
    expect(error.message).toBe('Error opening OutputStream: Invalid sample rate 44100 (device loopback runs at 48000 Hz) [paInvalidSampleRate -9997]')
  })

  it('run options are checked by start() before the device starts', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16' })
    stream.frames = -2
    await expect(stream.start()).rejects.toThrow(new RangeError('Expected an integer >= -1 for frames, got -2 (number)'))
    stream.frames = 10
    stream.offset = -1
    await expect(stream.start()).rejects.toThrow(new RangeError('Expected an integer >= 0 for offset, got -1 (number)'))
    stream.offset = 0
    stream.pad = 0.5
    await expect(stream.start()).rejects.toThrow(new RangeError('Expected an integer for pad, got 0.5 (number)'))
    expect(stream.active).toBe(false)
    expect(stream.frameCount).toBe(0)
    await expect(stream.record(-5)).rejects.toThrow(new RangeError('Expected an integer >= 0 for frames, got -5 (number)'))
    stream.setSink(new RingBuffer(4, 1024))
    stream.pad = 0
    await expect(stream.start()).rejects.toThrow('Expected a sink ring with elementsize 2 (1 channels x 2 bytes), got 4')
    stream.setSink(undefined)
    stream.setSource(new Uint8Array(3))
    await expect(stream.start()).rejects.toThrow('Expected whole frames of 2 bytes in the source, got 3 bytes')
  })

  it('chunks() options', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 2, dtype: 'float32', blocksize: 0 })
    const first = (options: Parameters<typeof stream.chunks>[0]) => stream.chunks(options).next()
    await expect(first({ overlap: 128 })).rejects.toThrow('Expected a chunksize with overlap (blocksize is 0, so chunks have no fixed size)')
    await expect(first({ chunksize: 256, overlap: 256 })).rejects.toThrow('Expected overlap < chunksize, got overlap 256 and chunksize 256')
    await expect(first({ chunksize: -1 })).rejects.toThrow('Expected an integer >= 0 for chunksize, got -1 (number)')
    await expect(first({ chunksize: 256, out: new Float32Array(256) })).rejects.toThrow('Expected out to hold 256 frames (2048 bytes), got 1024 bytes')
    await expect(first({ out: new Float32Array(256) })).rejects.toThrow('Expected a chunksize with out (blocksize is 0)')
    expect(stream.frameCount).toBe(0)
    // module-level chunks() refuses a bad stream option before opening anything
    const iterator = chunks({ device: DEVICE, dtype: 'int64' as 'int16' })
    await expect(iterator.next()).rejects.toThrow('Expected one of float32, int32, int24, int16, int8, uint8 for dtype, got int64 (string)')
  })
})

describe('toString() and properties', () => {
  it('toString() is like the original repr', async () => {
    const { index } = loopback()
    await using output = new OutputStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 512 })
    expect(output.toString()).toBe(`OutputStream(device=${index}: loopback, samplerate=48000, channels=2, dtype='int16', blocksize=512, stopped)`)
    await using duplex = new DuplexStream({ device: DEVICE, channels: [3, 2], dtype: 'int24' })
    expect(String(duplex)).toBe(`DuplexStream(device=[${index}: loopback, ${index}: loopback], samplerate=48000, channels=[3, 2], dtype='int24', blocksize=0, stopped)`)
    duplex.setSink(new RingBuffer(9, 1 << 16))
    await duplex.start()
    expect(String(duplex)).toMatch(/, active\)$/)
    await duplex.stop()
    expect(String(duplex)).toMatch(/, stopped\)$/)
  })

  it('properties of an open, a running and a finished stream', async () => {
    const { index } = loopback()
    await using stream = new DuplexStream({ device: DEVICE, channels: [2, 3], dtype: 'int24', blocksize: 256 })
    expect(stream.samplerate).toBe(SAMPLERATE)
    expect(stream.blocksize).toBe(256)
    expect(stream.channels).toEqual([2, 3])
    expect(stream.device).toEqual([index, index])
    expect(stream.dtype).toBe('int24')
    expect(stream.samplesize).toBe(3)
    expect(stream.buffersize).toBe(65536)
    expect([stream.frames, stream.pad, stream.offset, stream.loop]).toEqual([-1, 0, 0, false])
    const latency = stream.latency as [number, number]
    expect(latency).toHaveLength(2)
    for (const seconds of latency) expect(seconds).toBeGreaterThanOrEqual(0)
    expect([stream.active, stream.stopped, stream.finished, stream.aborted, stream.closed]).toEqual([false, true, false, false, false])
    expect([stream.frameCount, stream.xruns, stream.status]).toEqual([0, 0, 0])

    stream.setSink(new RingBuffer(6, 1 << 16))
    await stream.start()
    await waitFor('the first callbacks', () => stream.time > 0 && stream.frameCount > 0)
    expect([stream.active, stream.stopped, stream.finished, stream.aborted]).toEqual([true, false, false, false])
    expect(stream.frameCount).toBeGreaterThan(0)
    expect(stream.time).toBeGreaterThan(0)
    expect(stream.cpuLoad).toBeGreaterThanOrEqual(0)
    expect(stream.cpuLoad).toBeLessThanOrEqual(1)
    expect(stream.stats.time.currentTime).toBeGreaterThan(0)
    await stream.stop()

    const signal = new Uint8Array(1000 * 9).fill(1)
    await stream.playrec(signal, { pad: 24 })
    expect([stream.active, stream.stopped, stream.finished, stream.aborted]).toEqual([false, true, true, false])
    expect(stream.frameCount).toBe(1024)
    expect([stream.frames, stream.pad]).toEqual([1000, 24])
    for (const counter of [stream.xruns, stream.status, stream.inputUnderflows, stream.inputOverflows, stream.outputUnderflows, stream.outputOverflows]) {
      expect(Number.isInteger(counter) && counter >= 0).toBe(true)
    }
    expect(stream.inputUnderflows + stream.inputOverflows + stream.outputUnderflows + stream.outputOverflows).toBeGreaterThanOrEqual(stream.xruns)
    if (stream.xruns > 0) console.log(`properties: ${stream.xruns} xruns reported by the dummy backend`)
  })

  it('single-direction streams report one channel count, device and latency', async () => {
    const { index } = loopback()
    await using input = new InputStream({ device: index, channels: 5, latency: 0.01 })
    expect(input.channels).toBe(5)
    expect(input.device).toBe(index)
    expect(input.dtype).toBe('float32')
    expect(input.samplesize).toBe(4)
    expect(typeof input.latency).toBe('number')
    expect(() => (input.txmapping = [1])).toThrow(new TypeError('InputStream has no output: txmapping does not apply'))
  })
})
