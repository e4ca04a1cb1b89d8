// What every example shares: its command line (node:util parseArgs, with
// --help), and which device to use. On a machine without a sound card (or
// with --virtual) the examples start pastream's virtual loopback device, a
// private JACK server whose `loopback` device hears what is played to it.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { queryDevices } from '@pastream/stream'
import { jackEnv, startVirtualDevice } from '@pastream/stream/testing'

type Options = NonNullable<ParseArgsConfig['options']>

/** The options every example takes. */
export const commonOptions = {
  help: { type: 'boolean', short: 'h' },
  device: { type: 'string', short: 'D' },
  virtual: { type: 'boolean' },
} as const satisfies Options

/** What {@link exampleArgs} returns: typed `values` and the `positionals`. */
export type ExampleArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof commonOptions & O; allowPositionals: true; strict: true }>
>

/**
 * Parses `process.argv` for an example. Prints `usage` and exits 0 on
 * --help; prints the parse error and the usage and exits 2 on bad input.
 */
export function exampleArgs<O extends Options>(usage: string, options: O, argv = process.argv.slice(2)): ExampleArgs<O> {
  const all = { ...commonOptions, ...options }
  const config = { args: argv, options: all, allowPositionals: true, strict: true } as const
  let parsed: ExampleArgs<O>
  try {
    parsed = parseArgs(config)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`)
    process.exit(2)
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  return parsed
}

/** The device an example opens, and how to let it go. */
export interface ExampleDevice {
  /** A device index or name for the stream options, or undefined for the default. */
  device: number | string | undefined
  /** True when the virtual loopback device was started. */
  virtual: boolean
  /** Stops the virtual device, if one was started. */
  stop(): Promise<void>
}

/**
 * Picks the device: `--device` when given; the virtual loopback device with
 * `--virtual` or when the machine has no default input and output.
 */
export async function exampleDevice(values: { device?: string | undefined; virtual?: boolean | undefined }): Promise<ExampleDevice> {
  const given = values.device === undefined ? undefined : /^\d+$/.test(values.device) ? Number(values.device) : values.device
  if (values.virtual !== true) {
    const { defaultInput, defaultOutput } = queryDevices()
    if (given !== undefined || (defaultInput >= 0 && defaultOutput >= 0)) {
      return { device: given, virtual: false, stop: async () => {} }
    }
    process.stderr.write('No sound card with input and output: using the virtual loopback device.\n')
  }
  const virtualDevice = await startVirtualDevice({ name: 'pastream-example', channels: 2 })
  Object.assign(process.env, jackEnv(virtualDevice.serverName))
  return { device: 'loopback', virtual: true, stop: () => virtualDevice.stop() }
}
