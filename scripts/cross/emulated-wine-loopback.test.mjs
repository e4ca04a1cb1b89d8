// The Windows host APIs under wine playing to and recording from the
// virtual loopback device: run by npm's node.exe under wine, started by
// scripts/cross/wine-loopback.mjs, which starts the (x86-64) JACK server and
// its `loopback` client on the Linux side and points wine's ALSA driver at
// them (ALSA's jack PCM as `default`: scripts/cross/runtime.mjs
// alsaLoopbackConfig). wine's `default` endpoints are then the loopback:
// what a stream plays there comes back on its input.
//
// MME and DirectSound give 16-bit samples back bit-exactly, at a delay of
// wine's and JACK's buffers. float32 is converted by PortAudio itself:
// these host APIs take 16-bit samples (PortAudio's host format), and its
// float to int16 conversion scales by 32767 (not 32768) and dithers, so a
// sample on the int16 grid comes back one step of 1/32768 off at most
// (measured: 1); the test allows 2.
// WASAPI is not tested here: under wine, behind the jack PCM, its shared
// mode drops blocks of frames (gaps in the recording) and runs hung, see
// ARCHITECTURE.md; emulated-wine.mjs counts its frames on the null device.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { devices } from '@pastream/core-native'
import { indexSignal } from '@pastream/core-native/testing'
import { DuplexStream } from '@pastream/stream'
import { expectLoopback } from './loopback-check.mjs'

const channels = 2
const samplerate = 48000
const frames = 24000
// a run is seconds long; a stream that never ends fails here, not at the runner's timeout
const runTimeoutMs = 60000

if (process.env.PASTREAM_ADDON !== 'prebuild') throw new Error('PASTREAM_ADDON must be prebuild: the addons under test are the platform package\'s')
if (!process.env.JACK_DEFAULT_SERVER) throw new Error('JACK_DEFAULT_SERVER is unset: run scripts/cross/wine-loopback.mjs')

function endpoint(api, direction) {
  const name = direction === 'output' ? 'Out: default' : 'In: default'
  const found = devices().devices.find((device) => device.hostApiName === api && device.name === name)
  assert.ok(found, `${api}: no device '${name}'`)
  return found
}

// every value on the int16 grid and far from silence at the start, so the
// signal's first frame is found despite dither: a ramp from 1000/32768 up,
// the second channel its negative
function floatSignal() {
  const signal = new Float32Array(frames * channels)
  for (let frame = 0; frame < frames; frame++) {
    const value = ((frame % 16000) + 1000) / 32768
    signal[frame * channels] = value
    signal[frame * channels + 1] = -value
  }
  return signal
}

async function playrec(api, dtype, signal) {
  const duplex = new DuplexStream({ device: [endpoint(api, 'input').index, endpoint(api, 'output').index], channels, dtype, samplerate })
  let timer
  try {
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${api} ${dtype}: playrec did not end within ${runTimeoutMs} ms (${JSON.stringify(duplex.stats)})`)), runTimeoutMs)
    })
    // a second of padding: the delay through wine's and JACK's buffers is under half a second
    return await Promise.race([duplex.playrec(signal, { pad: samplerate }), timeout])
  } finally {
    clearTimeout(timer)
    await duplex.close()
  }
}

describe('Windows host APIs under wine on the virtual loopback device (JACK through ALSA)', () => {
  for (const api of ['MME', 'Windows DirectSound']) {
    it(`${api}: playrec() at 48 kHz, 2 channels, int16 gives the signal back bit-exactly`, async () => {
      const signal = indexSignal(frames, channels)
      const recording = await playrec(api, 'int16', signal)
      const { delay } = expectLoopback(recording, signal, { what: `${api} int16`, channels })
      console.log(`${api} int16: bit-exact at a delay of ${delay} frames`)
    })

    it(`${api}: playrec() at 48 kHz, 2 channels, float32 gives the signal back within 2/32768`, async () => {
      const signal = floatSignal()
      const recording = await playrec(api, 'float32', signal)
      const { delay, maxError } = expectLoopback(recording, signal, { what: `${api} float32`, channels, tolerance: 2 / 32768, threshold: 500 / 32768 })
      console.log(`${api} float32: at a delay of ${delay} frames, largest difference ${maxError * 32768}/32768`)
    })
  }
})
