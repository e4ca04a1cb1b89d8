/**
 * `pastream loopback`: runs the virtual loopback device in the foreground
 * (a private JACK dummy server whose `loopback` device hears what is played
 * to it, bit-exact), so users can try pastream, or test their own code,
 * without a sound card. Ctrl-C stops it.
 */
import { Flags } from '@oclif/core'
import { PastreamCommand } from '../base-command.js'

export default class Loopback extends PastreamCommand {
  static override summary = 'Run the virtual loopback device (a private JACK server) until Ctrl-C.'
  static override description = `Prints the environment other processes need to use it (JACK_DEFAULT_SERVER...), then waits. Needs jackd (Debian: apt-get install jackd2).`
  static override examples = ['<%= config.bin %> loopback', '<%= config.bin %> loopback -c 8 -r 44100']
  static override flags = {
    name: Flags.string({ description: 'JACK server name', default: 'pastream-loopback' }),
    channels: Flags.integer({ char: 'c', description: 'channels each way', default: 2, min: 1, max: 64 }),
    rate: Flags.integer({ char: 'r', description: 'sample rate', default: 48000, min: 1000 }),
    period: Flags.integer({ char: 'b', description: 'frames per JACK period', default: 256, min: 16 }),
    duration: Flags.integer({ char: 'd', description: 'stop after this many seconds (default: until Ctrl-C)' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Loopback)
    const { startVirtualDevice, jackEnv } = await import('@pastream/stream/testing')
    const device = await startVirtualDevice({ name: flags.name, channels: flags.channels, samplerate: flags.rate, period: flags.period })
    const env = jackEnv(device.serverName)
    process.stdout.write(`virtual loopback device '${device.device.name}' (${flags.channels} in, ${flags.channels} out, ${flags.rate} Hz) on JACK server '${device.serverName}'\n`)
    process.stdout.write(`use it from another shell with:\n${Object.entries(env).map(([k, v]) => `  export ${k}=${v}`).join('\n')}\n  pastream -D loopback ...\n`)
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        process.off('SIGINT', done)
        process.off('SIGTERM', done)
        resolve()
      }
      process.on('SIGINT', done)
      process.on('SIGTERM', done)
      const timer = flags.duration === undefined ? undefined : setTimeout(done, flags.duration * 1000)
    })
    await device.stop()
    process.stdout.write('stopped\n')
  }

}
