// A device lost through PortAudio's ALSA host API, the path desktop Linux
// users take: ALSA's jack PCM plugin (unpacked by scripts/setup.mjs into
// .tools/alsa-plugins) reaches the private virtual device's ports as the
// ALSA device `jack`, through a private ALSA config (ALSA_CONFIG_PATH), in a
// child process per case (fixtures/device-loss.mjs, the scenario script of
// device-loss.test.ts with the device name given). The server is killed
// while the stream records, plays or does both: the ALSA host API does not
// end the stream, its callbacks stop, and the watchdog calls the device
// lost; nothing hangs (PortAudio's Pa_StopStream on that stream would wait
// forever; the lost path makes no stop call). Then a server of the same
// name comes back: a new stream in the same process works, since the plugin
// opens a new JACK client for each PCM it opens.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { killableServer } from './helpers.js'

const script = fileURLToPath(new URL('./fixtures/device-loss.mjs', import.meta.url))
const plugins = fileURLToPath(new URL('../../../.tools/alsa-plugins', import.meta.url))

/** The unpacked plugin and its PCM definition; fails with what to run when missing. */
function jackPlugin(): { library: string; pcm: string } {
  const lib = join(plugins, 'usr', 'lib')
  const library = existsSync(lib)
    ? readdirSync(lib)
        .map((dir) => join(lib, dir, 'alsa-lib', 'libasound_module_pcm_jack.so'))
        .find((path) => existsSync(path))
    : undefined
  const pcm = join(plugins, 'usr', 'share', 'alsa', 'alsa.conf.d', '50-jack.conf')
  if (!library || !existsSync(pcm)) throw new Error(`ALSA's jack PCM plugin is not unpacked in ${plugins}: run node scripts/setup.mjs`)
  return { library, pcm }
}

let configDir = ''
let alsaConfigPath = ''

beforeAll(() => {
  const { library, pcm } = jackPlugin()
  configDir = mkdtempSync(join(tmpdir(), 'pastream-alsa-jack-'))
  const config = join(configDir, 'jack.conf')
  writeFileSync(config, `pcm_type.jack { lib "${library}" }\n${readFileSync(pcm, 'utf8')}`)
  alsaConfigPath = `/usr/share/alsa/alsa.conf:${config}`
})

afterAll(() => {
  if (configDir) rmSync(configDir, { recursive: true, force: true })
})

interface Report {
  lostMs?: number
  received?: number
  stopError?: string
  closed?: boolean
  reopened?: { frames?: number; name?: string; message?: string }
  error?: { name: string; message: string; code: string; device: string; frames: number; reason: string; recordedFrames?: number }
}

/** Runs one scenario through ALSA; a child that hangs fails the test at its timeout. */
function scenario(...args: string[]): Promise<Report> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ALSA_CONFIG_PATH: alsaConfigPath }
    execFile(process.execPath, [script, ...args], { timeout: 60000, env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`))
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Report)
    })
  })
}

describe('a device lost under a stream of the ALSA host API (jack PCM)', () => {
  for (const kind of ['input', 'output', 'duplex'] as const) {
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      test(`${kind}, server ${signal}ed: DeviceLost (stalled), no hang; a new stream works once the server is back`, async () => {
        const report = await scenario(killableServer(), 'lose', kind, signal, 'jack', 'restart')
        // the ALSA host API does not end the stream: its callbacks stop
        expect(report.error).toMatchObject({ name: 'DeviceLost', code: 'ERR_PASTREAM_DEVICE_LOST', device: 'jack', reason: 'stalled' })
        expect(report.error?.frames).toBeGreaterThanOrEqual(4800)
        if (kind !== 'output') {
          expect(report.error?.recordedFrames).toBe(report.received)
          expect(report.received).toBeGreaterThanOrEqual(4800)
        }
        console.log(`ALSA ${kind} ${signal}: lost ${report.lostMs} ms after the server died; new stream after restart: ${JSON.stringify(report.reopened)}`)
        expect(report.lostMs).toBeLessThan(1500)
        expect(report.stopError).toBe('DeviceLost')
        expect(report.closed).toBe(true)
        // the plugin opens a new JACK client per PCM: the restarted server is reached
        expect(report.reopened?.frames).toBeGreaterThanOrEqual(4800)
      })
    }
  }
})
