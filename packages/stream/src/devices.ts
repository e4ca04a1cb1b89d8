// Devices and host APIs as PortAudio lists them: queries, the default
// devices, finding a device by index or name part, the device table, and
// the no-default-device error.
import { devices as nativeDevices, hostApis, resetPortAudio, type NativeDevice, type NativeHostApi } from '@pastream/core-native'

/** A PortAudio device as PortAudio reports it now. */
export type DeviceInfo = NativeDevice
/** A PortAudio host API (ALSA, JACK, Core Audio, ...). */
export type HostApiInfo = NativeHostApi

/** Which way a device is used. */
export type DeviceKind = 'input' | 'output'

/**
 * The devices, with the default input and output indices (-1 when there is
 * none), as PortAudio listed them when it was initialised: at the first
 * query or stream of the process, or at the last {@link refreshDevices}.
 * PortAudio is kept initialised from then on, so a stream opens in a few ms;
 * a device plugged in (or a JACK server started) later shows up after
 * refreshDevices().
 * @example
 * ```ts
 * const { devices, defaultInput, defaultOutput } = queryDevices()
 * ```
 */
export function queryDevices(): { devices: DeviceInfo[]; defaultInput: number; defaultOutput: number } {
  const result = nativeDevices()
  return { devices: result.devices, defaultInput: result.defaultInputDevice, defaultOutput: result.defaultOutputDevice }
}

/**
 * Reads the devices again, as they are now, and returns them: PortAudio is
 * terminated and initialised afresh (30-50 ms with JACK). For a machine
 * where devices come and go: call it before opening a stream on a device
 * plugged in since the list was read. Streams opened after it use the new
 * list; device indices may change, names stay.
 * @throws PastreamError `ERR_PASTREAM_BUSY` while a stream is open (PortAudio
 *   cannot re-read its devices under a running stream: close them first);
 *   `ERR_PASTREAM_PORTAUDIO_KEPT` after a JACK server this process used went
 *   away (PortAudio cannot reconnect: start a new process)
 * @example
 * ```ts
 * const { devices } = refreshDevices()
 * ```
 */
export function refreshDevices(): { devices: DeviceInfo[]; defaultInput: number; defaultOutput: number } {
  resetPortAudio()
  return queryDevices()
}

/**
 * The host APIs PortAudio was built with and the default one's index.
 * @example
 * ```ts
 * queryHostApis().hostApis.map((api) => api.name) // ['ALSA', 'OSS', 'JACK Audio Connection Kit']
 * ```
 */
export function queryHostApis(): { hostApis: HostApiInfo[]; defaultHostApi: number } {
  return hostApis()
}

/**
 * The default input and output device indices (-1 when there is none), from
 * the device list (see {@link queryDevices}).
 * @example
 * ```ts
 * const { input, output } = defaultDevice()
 * ```
 */
export function defaultDevice(): { input: number; output: number } {
  const { defaultInput, defaultOutput } = queryDevices()
  return { input: defaultInput, output: defaultOutput }
}

function channelsFor(device: DeviceInfo, kind: DeviceKind): number {
  return kind === 'input' ? device.maxInputChannels : device.maxOutputChannels
}

function describe(device: DeviceInfo): string {
  return `${device.index}: ${device.name} (${device.hostApiName}, ${device.maxInputChannels} in, ${device.maxOutputChannels} out)`
}

/**
 * The error for a stream opened without a device where PortAudio has no
 * default one for `kind`: it lists the devices that could be passed.
 * @example
 * ```ts
 * throw noDefaultDeviceError('input', queryDevices().devices)
 * // RangeError: No default input device; pass device. input devices: 0: system; 3: loopback
 * ```
 */
export function noDefaultDeviceError(kind: DeviceKind, devices: readonly DeviceInfo[]): RangeError {
  return new RangeError(`No default ${kind} device; pass device. ${kind} devices: ${deviceNames(kind, devices)}`)
}

/**
 * The devices with channels in direction `kind`, as messages list them:
 * `index: name` joined by `; `, or `none`.
 * @example
 * ```ts
 * deviceNames('input', queryDevices().devices) // '0: system; 3: loopback'
 * ```
 */
export function deviceNames(kind: DeviceKind, devices: readonly DeviceInfo[]): string {
  return devices.filter((d) => channelsFor(d, kind) > 0).map((d) => `${d.index}: ${d.name}`).join('; ') || 'none'
}

/**
 * Resolves a device given as an index or as a case-insensitive part of its
 * name, for input or output. A name that matches one device exactly wins;
 * otherwise the part must match exactly one device with channels that way.
 * @example
 * ```ts
 * findDevice('loopback', 'output', queryDevices().devices).index
 * ```
 * @throws RangeError listing the available devices when none matches, or
 *   the matching ones when several do.
 */
export function findDevice(query: number | string, kind: DeviceKind, devices: readonly DeviceInfo[]): DeviceInfo {
  const usable = devices.filter((d) => channelsFor(d, kind) > 0)
  const available = usable.map(describe).join('; ') || 'none'
  if (typeof query === 'number') {
    const device = devices.find((d) => d.index === query)
    if (!Number.isInteger(query) || !device) {
      throw new RangeError(`No device with index ${String(query)}. ${kind} devices: ${available}`)
    }
    if (channelsFor(device, kind) === 0) {
      throw new RangeError(`Device ${describe(device)} has no ${kind} channels. ${kind} devices: ${available}`)
    }
    return device
  }
  const needle = query.trim().toLowerCase()
  const exact = usable.filter((d) => d.name.toLowerCase() === needle)
  if (exact.length === 1 && exact[0]) return exact[0]
  const matches = usable.filter((d) => d.name.toLowerCase().includes(needle))
  if (matches.length === 1 && matches[0]) return matches[0]
  if (matches.length === 0) {
    throw new RangeError(`No ${kind} device matching ${JSON.stringify(query)}. ${kind} devices: ${available}`)
  }
  throw new RangeError(
    `Several ${kind} devices match ${JSON.stringify(query)}: ${matches.map(describe).join('; ')}. Use an index or a longer name`,
  )
}

/**
 * The device table as `pastream -l` prints it: `>` marks the default input,
 * `<` the default output, `*` a device that is both.
 * @example
 * ```ts
 * console.log(formatDeviceTable(queryDevices()))
 * //   0 system, JACK Audio Connection Kit (2 in, 2 out)
 * ```
 */
export function formatDeviceTable(query: { devices: readonly DeviceInfo[]; defaultInput: number; defaultOutput: number }): string {
  if (query.devices.length === 0) return '(no devices)'
  const width = String(Math.max(...query.devices.map((d) => d.index))).length
  return query.devices
    .map((d) => {
      const isIn = d.index === query.defaultInput
      const isOut = d.index === query.defaultOutput
      const mark = isIn && isOut ? '*' : isIn ? '>' : isOut ? '<' : ' '
      return `${mark} ${String(d.index).padStart(width)} ${d.name}, ${d.hostApiName} (${d.maxInputChannels} in, ${d.maxOutputChannels} out)`
    })
    .join('\n')
}
