/**
 * The device list of `pastream -l` and `pastream devices`: the table on
 * stdout, or the devices as data for --json. It loads @pastream/stream only
 * when called and nothing of oclif, so fast-start.ts answers `-l` with it
 * too.
 */

/** What `pastream -l` and `pastream devices` return with --json. */
export interface DeviceListing {
  devices: Array<{ index: number; name: string; hostApi: string; maxInputChannels: number; maxOutputChannels: number; defaultSamplerate: number }>
  defaultInput: number
  defaultOutput: number
}

/**
 * Prints the device table (unless `json`) and returns the listing.
 * @example
 * ```ts
 * const { devices } = await listDevices(true) // nothing printed
 * ```
 */
export async function listDevices(json: boolean): Promise<DeviceListing> {
  const { formatDeviceTable, queryDevices } = await import('@pastream/stream')
  const query = queryDevices()
  if (!json) process.stdout.write(`${formatDeviceTable(query)}\n`)
  return {
    devices: query.devices.map((d) => ({
      index: d.index,
      name: d.name,
      hostApi: d.hostApiName,
      maxInputChannels: d.maxInputChannels,
      maxOutputChannels: d.maxOutputChannels,
      defaultSamplerate: d.defaultSamplerate,
    })),
    defaultInput: query.defaultInput,
    defaultOutput: query.defaultOutput,
  }
}
