// A fresh app, as a user makes one: `pnpm pack` core-native, this
// machine's platform package, stream and soundfile; `npm init -y` and
// `npm install` the tarballs in a scratch folder (third-party dependencies
// from the npm registry); then, in that app, start the virtual loopback
// device from the installed core-native, play a signal and record it at
// once, check the recording holds it, write it to a WAV with soundfile and
// read it back. npm must print no install-script warning, nothing may be
// compiled, and the installed addons' shared libraries must all resolve
// (ldd: no "not found").
import { execFileSync } from 'node:child_process'
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, hostPlatformPackage, installFresh, pack, packageFolder, run } from '../../../test-support.js'

const host = hostPlatformPackage()
const serverBase = process.env.PASTREAM_TEST_SERVER ?? 'pastream-test-soundfile'

// The app: plain ESM as a user writes it. Prints one JSON line.
const appScript = `
import { startVirtualDevice, indexSignal } from '@pastream/core-native/testing'
import { locateAddon } from '@pastream/core-native'
import { DuplexStream } from '@pastream/stream'
import { SoundFile } from '@pastream/soundfile'

const channels = 2
const frames = 24000
const virtual = await startVirtualDevice({ name: process.env.APP_SERVER, channels, period: 256, samplerate: 48000 })
try {
  const signal = indexSignal(frames, channels)
  const duplex = new DuplexStream({ device: virtual.device.index, channels, dtype: 'int16', samplerate: 48000, blocksize: 256 })
  let heard
  try {
    heard = await duplex.playrec(signal, { pad: 4096, offset: 0 })
  } finally {
    await duplex.close()
  }
  // the loopback hands back what it was played, a few periods later
  let delay = 0
  while (delay < heard.length / channels && heard[delay * channels] === 0) delay++
  const recording = heard.subarray(delay * channels, (delay + frames) * channels)
  const same = recording.length === signal.length && recording.every((v, i) => v === signal[i])

  const path = 'take.wav'
  const out = await SoundFile.open(path, { mode: 'w', samplerate: 48000, channels })
  await out.write(recording)
  await out.close()
  const file = await SoundFile.open(path)
  const back = await file.read(-1, { dtype: 'int16' })
  await file.close()
  const readBack = back.length === signal.length && back.every((v, i) => v === signal[i])

  console.log(JSON.stringify({
    heardFrames: heard.length / channels,
    delay,
    same,
    readBack,
    wav: { format: file.format, subtype: file.subtype, frames: file.frames, samplerate: file.samplerate, channels: file.channels },
    core: locateAddon('pastream_core', import.meta.resolve('@pastream/core-native')),
    sndfile: locateAddon('pastream_sndfile', import.meta.resolve('@pastream/soundfile')),
  }))
} finally {
  await virtual.stop()
}
`

interface AppReport {
  heardFrames: number
  delay: number
  same: boolean
  readBack: boolean
  wav: { format: string; subtype: string; frames: number; samplerate: number; channels: number }
  core: { path: string; source: string; packageName: string }
  sndfile: { path: string; source: string; packageName: string }
}

describe('a fresh app from the packed tarballs', { timeout: 180_000 }, () => {
  let temp = ''
  let project = ''
  const started = Date.now()

  beforeAll(() => {
    temp = realpathSync(mkdtempSync(join(tmpdir(), 'pastream-fresh-app-')))
  })
  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true })
    console.log(`fresh app: ${((Date.now() - started) / 1000).toFixed(1)} s from pack to the WAV read back`)
  })

  it('installs with npm: no install script, nothing compiled', () => {
    const out = join(temp, 'pack')
    const tarballs = [
      pack(packageFolder('core-native'), out),
      pack(host.dir, out),
      pack(packageFolder('stream'), out),
      pack(packageFolder('soundfile'), out),
    ]
    const fresh = installFresh(temp, tarballs, '@pastream/soundfile', ['pastream_core.node', 'pastream_sndfile.node'])
    project = fresh.project
  })

  it('the installed addons find every shared library they need', () => {
    expect(project).not.toBe('')
    const dir = join(project, 'node_modules', ...host.packageName.split('/'))
    for (const addon of ['pastream_core.node', 'pastream_sndfile.node']) {
      const needs = execFileSync('ldd', [join(dir, addon)], { encoding: 'utf8' })
      console.log(`ldd ${addon}:\n${needs}`)
      expect(needs).toMatch(/=>/)
      expect(needs).not.toMatch(/not found/)
    }
  })

  it('records what it plays on the virtual device, and writes and reads it as a WAV', () => {
    expect(project).not.toBe('')
    writeFileSync(join(project, 'app.mjs'), appScript)
    const result = run(process.execPath, ['app.mjs'], project, cleanEnv({ APP_SERVER: `${serverBase}-app` }), 60_000)
    const lines = result.stdout.trim().split('\n')
    const report = JSON.parse(lines[lines.length - 1] ?? '{}') as AppReport
    const installedPlatform = join(project, 'node_modules', ...host.packageName.split('/'))
    expect(report.core).toEqual({ path: join(installedPlatform, 'pastream_core.node'), source: 'platform-package', packageName: host.packageName })
    expect(report.sndfile).toEqual({ path: join(installedPlatform, 'pastream_sndfile.node'), source: 'platform-package', packageName: host.packageName })
    expect(report.heardFrames).toBe(24000 + 4096)
    expect(report.delay).toBeGreaterThan(0)
    expect(report.delay).toBeLessThanOrEqual(4096)
    expect(report.same).toBe(true)
    expect(report.wav).toEqual({ format: 'WAV', subtype: 'PCM_16', frames: 24000, samplerate: 48000, channels: 2 })
    expect(report.readBack).toBe(true)
  })
})
