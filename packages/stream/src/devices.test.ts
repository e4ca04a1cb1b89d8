// Device lookup against the real device list of the virtual loopback device
// (the JACK server of test/global-setup.ts), plus table formatting.
import { describe, expect, it } from 'vitest'
import { plugVirtualDevice } from '@pastream/core-native/testing'
import { PastreamError } from './errors.js'
import { findDevice, formatDeviceTable, queryDevices, queryHostApis, refreshDevices, type DeviceInfo } from './devices.js'
import { InputStream } from './input-stream.js'

const fake = (index: number, name: string): DeviceInfo => ({
  index,
  name,
  hostApi: 0,
  hostApiName: 'ALSA',
  hostApiType: 8,
  maxInputChannels: 2,
  maxOutputChannels: 2,
  defaultLowInputLatency: 0,
  defaultLowOutputLatency: 0,
  defaultHighInputLatency: 0,
  defaultHighOutputLatency: 0,
  defaultSamplerate: 48000,
})

describe('queryDevices', () => {
  it('lists the virtual loopback device under JACK', () => {
    const { devices } = queryDevices()
    const loopback = devices.find((d) => d.name === 'loopback')
    expect(loopback?.hostApiName).toMatch(/JACK/)
    expect(queryHostApis().hostApis.some((api) => /JACK/.test(api.name))).toBe(true)
  })
})

describe('refreshDevices', () => {
  const listed = (name: string, devices: DeviceInfo[]) => devices.some((d) => d.name === name)

  it('a device plugged in after the list was read shows up after refreshDevices(), and streams open on it', async () => {
    expect(listed('loopback', queryDevices().devices)).toBe(true) // PortAudio is up and keeps this list
    const card = plugVirtualDevice('plugged-in')
    try {
      expect(listed('plugged-in', queryDevices().devices)).toBe(false)
      expect(listed('plugged-in', refreshDevices().devices)).toBe(true)
      const stream = new InputStream({ device: 'plugged-in', channels: 2, dtype: 'int16' })
      try {
        const recording = await stream.record(1024)
        expect(recording.length).toBe(2048)
      } finally {
        await stream.close()
      }
    } finally {
      card.unplug()
    }
    expect(listed('plugged-in', refreshDevices().devices)).toBe(false)
  })

  it('is refused while a stream is open, saying to close it first', async () => {
    const stream = new InputStream({ device: 'loopback', channels: 1 })
    try {
      let error: unknown
      try {
        refreshDevices()
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(PastreamError)
      expect((error as PastreamError).code).toBe('ERR_PASTREAM_BUSY')
      expect((error as Error).message).toMatch(/close every stream before refreshing the devices/)
    } finally {
      await stream.close()
    }
    expect(listed('loopback', refreshDevices().devices)).toBe(true) // and works once it is closed
  })
})

describe('findDevice', () => {
  const { devices } = queryDevices()
  const loopback = devices.find((d) => d.name === 'loopback') as DeviceInfo

  it('finds by index, by exact name and by a case-insensitive part', () => {
    expect(findDevice(loopback.index, 'output', devices).name).toBe('loopback')
    expect(findDevice('LOOPBACK', 'input', devices).index).toBe(loopback.index)
    expect(findDevice('loopb', 'output', devices).index).toBe(loopback.index)
  })

  it('lists the available devices when nothing matches', () => {
    expect(() => findDevice('no such card', 'output', devices)).toThrow(
      /^No output device matching "no such card"\. output devices: .*loopback \(JACK Audio Connection Kit, \d+ in, \d+ out\)/,
    )
    expect(() => findDevice(999, 'input', devices)).toThrow(/^No device with index 999\. input devices: /)
  })

  it('lists the matching devices when a name is ambiguous', () => {
    const list = [fake(0, 'USB Audio 1'), fake(1, 'USB Audio 2'), fake(2, 'usb audio')]
    expect(() => findDevice('usb', 'output', list)).toThrow(
      'Several output devices match "usb": 0: USB Audio 1 (ALSA, 2 in, 2 out); 1: USB Audio 2 (ALSA, 2 in, 2 out); 2: usb audio (ALSA, 2 in, 2 out). Use an index or a longer name',
    )
    expect(findDevice('USB AUDIO', 'output', list).index).toBe(2) // an exact name wins
  })
})

describe('formatDeviceTable', () => {

  it('marks default input, output and both', () => {
    const devices = [fake(0, 'a'), fake(1, 'b'), fake(10, 'c')]
    expect(formatDeviceTable({ devices, defaultInput: 0, defaultOutput: 1 })).toBe(
      ['>  0 a, ALSA (2 in, 2 out)', '<  1 b, ALSA (2 in, 2 out)', '  10 c, ALSA (2 in, 2 out)'].join('\n'),
    )
    expect(formatDeviceTable({ devices: [fake(0, 'a')], defaultInput: 0, defaultOutput: 0 })).toBe('* 0 a, ALSA (2 in, 2 out)')
    expect(formatDeviceTable({ devices: [], defaultInput: -1, defaultOutput: -1 })).toBe('(no devices)')
  })
})
