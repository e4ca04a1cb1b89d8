// The cross-built addons at work on their own platform: run by the target's
// Node under its emulator (scripts/cross/linux-arm64.sh: qemu-user;
// scripts/cross/win32-x64.sh: wine), plain node:test in one process: vitest
// cannot run there, see ARCHITECTURE.md. What every target runs: the addons
// load from the platform package, libsndfile writes and reads files. Then
// what the target has for audio:
//  - linux: the virtual loopback device, a jackd of the target's
//    architecture under qemu (the `jackd` first on PATH), since JACK's
//    shared memory is laid out differently on x86-64 (packed) and arm64 (not
//    packed), so no x86-64 server can serve an arm64 client
//  - win32: PortAudio's Windows host APIs and wine's devices, ALSA's null
//    device behind them (emulated-wine.mjs); the virtual loopback device
//    behind wine's ALSA driver is emulated-wine-loopback.test.mjs's, in a
//    run of its own (scripts/cross/wine-loopback.mjs)
// Needs PASTREAM_ADDON=prebuild: the addons come from the platform package.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { devices, hostApis, locateAddon, portaudioVersion } from '@pastream/core-native'
import { indexSignal, startVirtualDevice } from '@pastream/core-native/testing'
import { SoundFile, libsndfileVersion } from '@pastream/soundfile'
import { DuplexStream } from '@pastream/stream'
import { wineAudioTests } from './emulated-wine.mjs'
import { expectLoopback } from './loopback-check.mjs'

const target = process.env.PASTREAM_CROSS_TARGET
const arch = process.env.PASTREAM_CROSS_ARCH
const packageName = process.env.PASTREAM_CROSS_PACKAGE
const samplerate = 48000
const period = 1024 // emulated server and client: a longer cycle than the host tests' 256 frames
const channels = 2

if (!target || !arch || !packageName) {
  throw new Error('PASTREAM_CROSS_TARGET, PASTREAM_CROSS_ARCH and PASTREAM_CROSS_PACKAGE are unset: run scripts/cross/<target>.sh')
}
if (process.env.PASTREAM_ADDON !== 'prebuild') throw new Error('PASTREAM_ADDON must be prebuild: the addons under test are the platform package\'s')
const platform = target.split('-')[0]

// where the played signal starts in a recording; then every frame must match
const expectExact = (recording, signal, what) => expectLoopback(recording, signal, { what, channels })

// a 440 Hz sine, int16, the same in every channel: something a lossy codec keeps
function sine(frames) {
  const signal = new Int16Array(frames * channels)
  for (let frame = 0; frame < frames; frame++) {
    const value = Math.round(12000 * Math.sin((2 * Math.PI * 440 * frame) / samplerate))
    for (let channel = 0; channel < channels; channel++) signal[frame * channels + channel] = value
  }
  return signal
}

describe(`${target}: the addons under emulation`, () => {
  let temp

  before(() => {
    temp = mkdtempSync(join(tmpdir(), 'pastream-cross-'))
  })

  after(() => {
    if (temp) rmSync(temp, { recursive: true, force: true })
  })

  it(`runs as ${target} and loads both addons from ${packageName} through addonLoader`, () => {
    assert.equal(`${process.platform}-${process.arch}`, target)
    assert.equal(process.arch, arch)
    const core = locateAddon('pastream_core', import.meta.resolve('@pastream/core-native'))
    const sndfile = locateAddon('pastream_sndfile', import.meta.resolve('@pastream/soundfile'))
    for (const found of [core, sndfile]) {
      assert.equal(found.source, 'platform-package')
      assert.equal(found.packageName, packageName)
    }
    assert.match(portaudioVersion().text, /^PortAudio V19\.6\.0/)
    assert.equal(libsndfileVersion(), 'libsndfile-1.2.0')
  })

  for (const [format, subtype] of [['WAV', 'PCM_24'], ['FLAC', 'PCM_16']]) {
    it(`soundfile writes and reads back ${format} ${subtype} bit-exactly`, async () => {
      const signal = indexSignal(30000, channels)
      const path = join(temp, `signal.${format.toLowerCase()}`)
      const out = await SoundFile.open(path, { mode: 'w', samplerate, channels, format, subtype })
      await out.write(signal)
      await out.close()
      const file = await SoundFile.open(path)
      const back = await file.read(-1, { dtype: 'int16' })
      await file.close()
      assert.equal(file.format, format)
      assert.deepEqual(back, signal)
    })
  }

  it('soundfile writes and reads back OGG Vorbis (lossy: the same length, close to the signal)', async () => {
    const frames = 24000
    const signal = sine(frames)
    const path = join(temp, 'signal.ogg')
    const out = await SoundFile.open(path, { mode: 'w', samplerate, channels, format: 'OGG', subtype: 'VORBIS' })
    await out.write(signal)
    await out.close()
    const file = await SoundFile.open(path)
    const back = await file.read(-1, { dtype: 'int16' })
    await file.close()
    assert.equal(file.format, 'OGG')
    assert.equal(file.subtype, 'VORBIS')
    assert.equal(back.length, signal.length)
    let error = 0
    let energy = 0
    for (let index = 0; index < signal.length; index++) {
      error += (back[index] - signal[index]) ** 2
      energy += signal[index] ** 2
    }
    // Vorbis at its default quality keeps a pure tone within 1% of its energy
    assert.ok(error < energy / 100, `OGG Vorbis: error energy ${error} against the signal's ${energy}`)
  })

  if (platform === 'win32') wineAudioTests({ hostApis, devices, temp: () => temp })

  if (platform === 'linux') {
    describe('the virtual loopback device (JACK)', () => {
      let virtual

      before(async () => {
        virtual = await startVirtualDevice({ name: process.env.PASTREAM_TEST_SERVER ?? `pastream-cross-${arch}`, channels, samplerate, period, realtime: false, timeoutMs: 60000 })
      })

      after(async () => {
        await virtual?.stop()
      })

      it('hostApis() and devices() answer: ALSA (libasound dlopened) and JACK with the loopback device', () => {
        const names = hostApis().hostApis.map((api) => api.name)
        assert.ok(names.includes('ALSA'), `host APIs: ${names.join(', ')}`)
        assert.ok(names.includes('JACK Audio Connection Kit'), `host APIs: ${names.join(', ')}`)
        const loopback = devices().devices.find((device) => device.name === 'loopback')
        assert.ok(loopback, `no loopback device in ${devices().devices.map((device) => device.name).join(', ')}`)
        assert.equal(loopback.maxInputChannels, channels)
        assert.equal(loopback.maxOutputChannels, channels)
      })

      it('playrec() on the loopback device gives back an int16 signal bit-exactly', async () => {
        const signal = indexSignal(24000, channels)
        const duplex = new DuplexStream({ device: virtual.device.index, channels, dtype: 'int16', samplerate, blocksize: period })
        try {
          const recording = await duplex.playrec(signal, { pad: 8 * period })
          expectExact(recording, signal, 'playrec int16')
        } finally {
          await duplex.close()
        }
      })

      it('a WAV file played into the loopback is recorded into a FLAC file bit-exactly (native file pumps)', async () => {
        const frames = 24000
        const signal = indexSignal(frames, channels)
        const source = join(temp, 'play.wav')
        const written = await SoundFile.open(source, { mode: 'w', samplerate, channels, format: 'WAV', subtype: 'PCM_16' })
        await written.write(signal)
        await written.close()
        const target = join(temp, 'recording.flac')
        const input = await SoundFile.open(source)
        const output = await SoundFile.open(target, { mode: 'w', samplerate, channels, format: 'FLAC', subtype: 'PCM_16' })
        const duplex = new DuplexStream({ device: virtual.device.index, channels, dtype: 'int16', samplerate, blocksize: period })
        try {
          duplex.setSource(input)
          duplex.setSink(output)
          duplex.frames = frames
          duplex.pad = 8 * period
          await duplex.start()
          await duplex.wait()
        } finally {
          await duplex.close()
          await input.close()
          await output.close()
        }
        const recorded = await SoundFile.open(target)
        const recording = await recorded.read(-1, { dtype: 'int16' })
        await recorded.close()
        expectExact(recording, signal, 'WAV to FLAC')
      })
    })
  }
})
