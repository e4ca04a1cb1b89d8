/**
 * `pastream devices`: the device table of `pastream -l`, or with --json the
 * devices as data; --formats adds the file types and encodings libsndfile
 * can write.
 */
import { Flags } from '@oclif/core'
import { PastreamCommand } from '../base-command.js'
import { listDevices, type DeviceListing } from '../device-listing.js'

/** `pastream devices --json` with --formats. */
export interface DevicesResult extends DeviceListing {
  formats?: Record<string, { description: string; encodings: string[] }>
}

export default class Devices extends PastreamCommand {
  static override summary = 'List the audio devices (as pastream -l does).'
  static override description = `'>' marks the default input device, '<' the default output device, '*' a device that is both.`
  static override examples = ['<%= config.bin %> devices', '<%= config.bin %> devices --json', '<%= config.bin %> devices --formats']
  static override enableJsonFlag = true
  static override flags = {
    formats: Flags.boolean({ description: 'Also list the file types and encodings (libsndfile).' }),
  }

  async run(): Promise<DevicesResult> {
    const { flags } = await this.parse(Devices)
    const result: DevicesResult = await listDevices(this.jsonEnabled())
    if (flags.formats) {
      const { availableFormats, availableSubtypes } = await import('@pastream/soundfile')
      const formats: NonNullable<DevicesResult['formats']> = {}
      for (const [name, description] of Object.entries(availableFormats())) {
        formats[name] = { description, encodings: Object.keys(availableSubtypes(name)) }
      }
      result.formats = formats
      if (!this.jsonEnabled()) {
        const lines = Object.entries(formats).map(([name, f]) => `  ${name.toLowerCase().padEnd(8)} ${f.description}: ${f.encodings.join(', ').toLowerCase()}`)
        process.stdout.write(`\nFile types and encodings:\n${lines.join('\n')}\n`)
      }
    }
    return result
  }

}
