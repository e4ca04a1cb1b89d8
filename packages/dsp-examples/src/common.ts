// What every example shares: its command line (node:util parseArgs, with
// --help, and checked values: a bad one exits 2 with the usage, like a bad
// option), which device to use, and a clean stop on Ctrl-C. On a machine
// without a sound card (or with --virtual) the examples start pastream's
// virtual loopback device, a private JACK server whose `loopback` device
// hears what is played to it.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { parseDuration, parseSamplerate, queryDevices } from '@pastream/stream'
import { jackEnv, startVirtualDevice } from '@pastream/stream/testing'

type Options = NonNullable<ParseArgsConfig['options']>

/** The options every example takes. */
export const commonOptions = {
  help: { type: 'boolean', short: 'h' },
  device: { type: 'string', short: 'D' },
  virtual: { type: 'boolean' },
} as const satisfies Options

/** What {@link exampleArgs} returns: the typed `values` (the examples take no positional arguments). */
export type ExampleArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof commonOptions & O; allowPositionals: true; strict: true }>
>

/** Prints `message` and the usage to stderr and exits 2, as a bad option does. */
export function usageError(usage: string, message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`)
  process.exit(2)
}

/**
 * Parses `process.argv` for an example. Prints `usage` and exits 0 on
 * --help; prints the error and the usage and exits 2 on a bad option or any
 * positional argument (the examples take options only). A leading `--` is
 * dropped: `pnpm run <name> -- --help` (pnpm 10) passes it through, and
 * parseArgs would take every option after it as a positional.
 */
export function exampleArgs<O extends Options>(usage: string, options: O, argv = process.argv.slice(2)): ExampleArgs<O> {
  const all = { ...commonOptions, ...options }
  const args = argv[0] === '--' ? argv.slice(1) : argv
  const config = { args, options: all, allowPositionals: true, strict: true } as const
  let parsed: ExampleArgs<O>
  try {
    parsed = parseArgs(config)
  } catch (error) {
    usageError(usage, (error as Error).message)
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const [stray] = parsed.positionals
  if (stray !== undefined) usageError(usage, `Unexpected argument ${JSON.stringify(stray)}`)
  return parsed
}

/**
 * Parses the number given to `--name`; exits 2 with the usage when it is not
 * a number or `valid` refuses it (`expected` says what would be accepted).
 */
export function numberOption(usage: string, name: string, text: string, valid: (value: number) => boolean, expected: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || !valid(value)) {
    usageError(usage, `Expected ${expected} for --${name}, got ${JSON.stringify(text)}`)
  }
  return value
}

/** One of `choices` for `--name`; exits 2 with the usage on anything else. */
export function choiceOption<T extends string>(usage: string, name: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) usageError(usage, `Expected one of ${choices.join(', ')} for --${name}, got ${JSON.stringify(text)}`)
  return text as T
}

/** A sample rate as users type it (`48000`, `44.1k`); exits 2 on a bad one. */
export function samplerateOption(usage: string, text: string): number {
  try {
    return parseSamplerate(text)
  } catch (error) {
    usageError(usage, (error as Error).message)
  }
}

/** A duration as users type it (`2.5` seconds, `1:30`, `4800s` samples) in frames; exits 2 on a bad one. */
export function durationOption(usage: string, name: string, text: string, samplerate: number): number {
  try {
    const frames = parseDuration(text, samplerate, `--${name}`)
    if (frames > 0) return frames
  } catch (error) {
    usageError(usage, (error as Error).message)
  }
  usageError(usage, `Expected a positive duration for --${name}, got ${JSON.stringify(text)}`)
}

/** The device an example opens, and how to let it go. */
export interface ExampleDevice {
  /** A device index or name, or undefined for the default device: for titles and queries. */
  device: number | string | undefined
  /**
   * The same for stream options, to spread into them: `{ device }`, or `{}`
   * for the default device (the options are exact: no `device: undefined`).
   * @example new InputStream({ ...device.streamDevice, channels: 1 })
   */
  streamDevice: { device?: number | string }
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
      return { device: given, streamDevice: given === undefined ? {} : { device: given }, virtual: false, stop: async () => {} }
    }
    process.stderr.write('No sound card with input and output: using the virtual loopback device.\n')
  }
  const virtualDevice = await startVirtualDevice({ name: 'pastream-example', channels: 2 })
  Object.assign(process.env, jackEnv(virtualDevice.serverName))
  return { device: 'loopback', streamDevice: { device: 'loopback' }, virtual: true, stop: () => virtualDevice.stop() }
}

/**
 * Lets a live loop end cleanly (closing its stream and any virtual device
 * in its `finally`): `requested` turns true on the first Ctrl-C (SIGINT; a
 * second one kills as usual) or when stdout is closed (e.g. `| head`).
 */
export function stopRequest(): { readonly requested: boolean } {
  const state = { requested: false }
  process.once('SIGINT', () => (state.requested = true))
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    state.requested = true
  })
  return state
}
