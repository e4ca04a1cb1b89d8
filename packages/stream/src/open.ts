// Opening a stream's device: picking the input/output devices (by index,
// name part or the default), their channels and latency, and the one
// PortAudio open, with an invalid samplerate reported in the user's terms.
import { NativeStream, withPortAudio, type NativeDevice } from '@pastream/core-native'
import { findDevice, noDefaultDeviceError, queryDevices, type DeviceInfo, type DeviceKind } from './devices.js'
import { PortAudioError } from './errors.js'
import { checkLatency, type CheckedArguments, type DeviceSpec, type DuplexStreamOptions, type Latency } from './options.js'

/** One direction of an open stream: its device, channels and latency in seconds. */
export interface Direction {
  device: DeviceInfo
  channels: number
  latency: number
}

/** What opening gives the stream. */
export interface OpenedDevice {
  input: Direction | undefined
  output: Direction | undefined
  samplerate: number
  nativeStream: NativeStream
}

function resolveLatency(latency: Latency, device: NativeDevice, kind: DeviceKind): number {
  if (latency === 'low') return kind === 'input' ? device.defaultLowInputLatency : device.defaultLowOutputLatency
  if (latency === 'high') return kind === 'input' ? device.defaultHighInputLatency : device.defaultHighOutputLatency
  return checkLatency(latency) as number
}

function pickDevice(spec: DeviceSpec | null | undefined, kind: DeviceKind, list: DeviceInfo[], fallback: number): DeviceInfo {
  if (spec === null || spec === undefined) {
    if (fallback < 0) throw noDefaultDeviceError(kind, list)
    return findDevice(fallback, kind, list)
  }
  return findDevice(spec, kind, list)
}

/**
 * Picks the devices and opens the PortAudio stream, with one PortAudio
 * initialisation for the device query and the open.
 * @throws RangeError when no device matches; PortAudioError when the
 *   device has fewer channels (`paInvalidChannelCount`) or PortAudio
 *   refuses (an invalid samplerate names the device's own rate).
 */
export function openDevice(kind: 'input' | 'output' | 'duplex', args: CheckedArguments, options: DuplexStreamOptions): OpenedDevice {
  const what = kind === 'duplex' ? 'DuplexStream' : kind === 'input' ? 'InputStream' : 'OutputStream'
  return withPortAudio(() => {
    const query = queryDevices()
    const direction = (which: DeviceKind, wanted: CheckedArguments['input']): Direction => {
      const device = pickDevice(wanted.device, which, query.devices, which === 'input' ? query.defaultInput : query.defaultOutput)
      const max = which === 'input' ? device.maxInputChannels : device.maxOutputChannels
      const ch = wanted.channels ?? max
      if (ch > max) {
        // what PortAudio would answer, with the device's numbers: like a refused samplerate, a device error
        throw new PortAudioError(
          `Error opening ${what}`,
          { code: 'paInvalidChannelCount', paErrorCode: -9998 },
          `Invalid number of ${which} channels ${ch} (device ${device.index}: ${device.name} has ${max})`,
        )
      }
      return { device, channels: ch, latency: resolveLatency(wanted.latency ?? 'high', device, which) }
    }
    const input = kind !== 'output' ? direction('input', args.input) : undefined
    const output = kind !== 'input' ? direction('output', args.output) : undefined
    const main = (output ?? input) as Direction
    const samplerate = options.samplerate ?? main.device.defaultSamplerate
    try {
      const nativeStream = NativeStream.open(
        {
          ...(input ? { input: { device: input.device.index, channels: input.channels, latency: input.latency } } : {}),
          ...(output ? { output: { device: output.device.index, channels: output.channels, latency: output.latency } } : {}),
          dtype: args.dtype,
          samplerate,
          blocksize: args.blocksize,
          ...(options.dither !== undefined ? { dither: options.dither } : {}),
          ...(options.clip !== undefined ? { clip: options.clip } : {}),
        },
        query.devices,
      )
      return { input, output, samplerate, nativeStream }
    } catch (error) {
      const wrapped = PortAudioError.from(error)
      if (wrapped instanceof PortAudioError && wrapped.code === 'paInvalidSampleRate') {
        throw new PortAudioError(
          `Error opening ${what}`,
          { code: wrapped.code, paErrorCode: wrapped.paErrorCode },
          `Invalid sample rate ${samplerate} (device ${main.device.name} runs at ${main.device.defaultSamplerate} Hz)`,
          { cause: error },
        )
      }
      throw wrapped
    }
  })
}
