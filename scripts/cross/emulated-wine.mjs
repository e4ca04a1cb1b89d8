// win32's part of scripts/cross/emulated.test.mjs: PortAudio's Windows host
// APIs at work under wine. There is no sound card: scripts/cross/runtime.mjs
// points wine's ALSA driver at ALSA's null device (ALSA_CONFIG_PATH), which
// wine offers as one output and one input endpoint, `default`, through MME,
// DirectSound and WASAPI. WDM-KS initialises but finds no device (wine has
// no kernel streaming). The null device discards what is played and
// records silence, so these tests check that streams open, run to their end
// and count every frame, not what is heard.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { SoundFile } from '@pastream/soundfile'
import { InputStream, OutputStream, PortAudioError } from '@pastream/stream'

const channels = 2
const endpointApis = ['MME', 'Windows DirectSound', 'Windows WASAPI']

// a ramp, int16, `frames` frames of `channels`
function ramp(frames) {
  const signal = new Int16Array(frames * channels)
  for (let index = 0; index < signal.length; index++) signal[index] = (index % 2000) - 1000
  return signal
}

/**
 * The tests, in the caller's describe: `hostApis` and `devices` are
 * @pastream/core-native's, `temp()` a folder for files.
 * @param {{ hostApis: () => { hostApis: { name: string, deviceCount: number }[] }, devices: () => { devices: { index: number, name: string, hostApiName: string, maxInputChannels: number, maxOutputChannels: number, defaultSamplerate: number }[] }, temp: () => string }} context
 */
export function wineAudioTests({ hostApis, devices, temp }) {
  const endpoint = (api, direction) => {
    const name = direction === 'output' ? 'Out: default' : 'In: default'
    const found = devices().devices.find((device) => device.hostApiName === api && device.name === name)
    assert.ok(found, `${api}: no device '${name}' in ${devices().devices.map((device) => `${device.hostApiName}/${device.name}`).join(', ')}`)
    return found
  }

  describe('Windows host APIs under wine (ALSA\'s null device behind it)', () => {
    it('PortAudio initialises MME, DirectSound, WASAPI and WDM-KS; WDM-KS has no device under wine', () => {
      const apis = hostApis().hostApis
      assert.deepEqual(apis.map((api) => api.name), ['MME', 'Windows DirectSound', 'Windows WASAPI', 'Windows WDM-KS'])
      assert.equal(apis[3].deviceCount, 0)
    })

    it('MME, DirectSound and WASAPI list wine\'s default endpoint for output and input', () => {
      for (const api of endpointApis) {
        assert.equal(endpoint(api, 'output').maxOutputChannels, channels, api)
        assert.equal(endpoint(api, 'input').maxInputChannels, channels, api)
      }
    })

    for (const api of endpointApis) {
      it(`${api}: play() of an int16 signal runs to its end with every frame handed over`, async () => {
        const device = endpoint(api, 'output')
        const frames = 12000
        // WASAPI's shared mode takes the endpoint's own rate only
        const stream = new OutputStream({ device: device.index, channels, dtype: 'int16', samplerate: device.defaultSamplerate })
        try {
          await stream.play(ramp(frames))
          assert.ok(stream.finished, `${api}: the run did not complete (state ${stream.stats.state})`)
          assert.equal(stream.stats.txFrames, frames)
        } finally {
          await stream.close()
        }
      })
    }

    it('MME: record() gives the frames asked for (silence from the null device)', async () => {
      const device = endpoint('MME', 'input')
      const frames = 9600
      const stream = new InputStream({ device: device.index, channels, dtype: 'int16', samplerate: device.defaultSamplerate })
      try {
        const recording = await stream.record(frames)
        assert.equal(recording.length, frames * channels)
        assert.equal(stream.stats.rxFrames, frames)
      } finally {
        await stream.close()
      }
    })

    it('WASAPI: a WAV file plays through the native file pump to its end', async () => {
      const device = endpoint('Windows WASAPI', 'output')
      const frames = 12000
      const path = join(temp(), 'wasapi.wav')
      const written = await SoundFile.open(path, { mode: 'w', samplerate: device.defaultSamplerate, channels, format: 'WAV', subtype: 'PCM_16' })
      await written.write(ramp(frames))
      await written.close()
      const source = await SoundFile.open(path)
      const stream = new OutputStream({ device: device.index, channels, dtype: 'int16', samplerate: device.defaultSamplerate })
      try {
        stream.setSource(source)
        await stream.start()
        await stream.wait()
        assert.ok(stream.finished, `the run did not complete (state ${stream.stats.state})`)
        assert.equal(stream.stats.txFrames, frames)
      } finally {
        await stream.close()
        await source.close()
      }
    })

    it('a stream the device cannot open fails with a PortAudioError, not a crash', async () => {
      const device = endpoint('MME', 'output')
      await assert.rejects(async () => {
        const stream = new OutputStream({ device: device.index, channels: 64, dtype: 'int16', samplerate: device.defaultSamplerate })
        try {
          await stream.play(new Int16Array(64 * 100))
        } finally {
          await stream.close()
        }
      }, (error) => {
        assert.ok(error instanceof PortAudioError, `${error}`)
        assert.equal(error.code, 'paInvalidChannelCount')
        return true
      })
    })
  })
}
