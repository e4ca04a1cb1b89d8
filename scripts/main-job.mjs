#!/usr/bin/env node
// `npm start`: the main job until the CLI exists. Lists the devices, then
// plays and records 2 seconds in duplex: on the default devices when the
// machine has a sound card, otherwise on the virtual loopback device (a
// private JACK dummy server), and reports what it measured.
import { devices, NativeStream, RingBuffer } from '@pastream/core-native'
import { jackEnv, startVirtualDevice } from '@pastream/core-native/testing'

const samplerate = 48000
const seconds = 2
const channels = 2
const frames = samplerate * seconds

function table(list, defaultIn, defaultOut) {
  const lines = list.map((d) => {
    const mark = (d.index === defaultIn ? '>' : ' ') + (d.index === defaultOut ? '<' : ' ')
    return `${mark} ${String(d.index).padStart(2)} ${d.name}, ${d.hostApiName} (${d.maxInputChannels} in, ${d.maxOutputChannels} out) ${d.defaultSamplerate} Hz`
  })
  return lines.join('\n') || '  (no devices)'
}

async function main() {
  // Never let PortAudio's JACK backend autostart a server of its own.
  process.env.JACK_NO_START_SERVER = '1'
  let list = devices()
  console.log('Devices (> default input, < default output):')
  console.log(table(list.devices, list.defaultInputDevice, list.defaultOutputDevice))

  let virtual
  let input = list.defaultInputDevice
  let output = list.defaultOutputDevice
  if (input < 0 || output < 0 || process.env.PASTREAM_VIRTUAL === '1') {
    console.log('\nNo sound card with input and output: starting the virtual loopback device.')
    virtual = await startVirtualDevice({ name: 'pastream-main', channels: 2 })
    Object.assign(process.env, jackEnv(virtual.serverName))
    list = devices()
    input = output = virtual.device.index
    console.log(table(list.devices.filter((d) => d.hostApiType === virtual.device.hostApiType), -1, -1))
  }
  try {
    const dev = list.devices.find((d) => d.index === output)
    console.log(`\nDuplex ${seconds} s on "${dev.name}" (${dev.hostApiName}), ${samplerate} Hz, ${channels} ch int16...`)
    const stream = NativeStream.open(
      {
        input: { device: input, channels, latency: 0 },
        output: { device: output, channels, latency: 0 },
        dtype: 'int16',
        samplerate,
        blocksize: 256,
      },
      list.devices,
    )
    // A seeded pseudo-random int16 signal: any lost, repeated or altered sample shows.
    const signal = new Int16Array(frames * channels)
    let seed = 12345
    for (let i = 0; i < signal.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      signal[i] = ((seed >>> 8) & 0xffff) - 32768 || 1
    }
    const pad = 4096
    const tx = new RingBuffer(channels * 2, 1 << 18)
    const rx = new RingBuffer(channels * 2, 1 << 18)
    tx.write(signal)
    const finished = stream.onceFinished()
    const started = performance.now()
    await stream.start({ frames, pad, tx, rx })
    const stats = await finished
    const elapsed = (performance.now() - started) / 1000
    const info = stream.info()
    await stream.close()
    const recording = new Int16Array(rx.read().buffer)

    // Find where the signal came back, then compare every sample.
    let delay = -1
    search: for (let f = 0; f + 4 <= recording.length / channels; f++) {
      for (let i = 0; i < 4 * channels; i++) if (recording[f * channels + i] !== signal[i]) continue search
      delay = f
      break
    }
    let mismatches = -1
    if (delay >= 0) {
      mismatches = 0
      for (let i = 0; i < signal.length; i++) if (recording[delay * channels + i] !== signal[i]) mismatches++
    }
    console.log(`  finished:        ${stats.reason} after ${elapsed.toFixed(2)} s (cpu load ${(info.cpuLoad * 100).toFixed(1)}%)`)
    console.log(`  frames moved:    ${stats.txFrames} played, ${stats.rxFrames} recorded (${stats.frameCount} processed incl. ${pad} pad)`)
    console.log(`  xruns:           ${stats.xruns}`)
    if (delay < 0) {
      console.log('  loopback delay:  signal not found in the recording')
      console.log(`  bit-exact:       ${virtual ? 'no' : 'n/a (acoustic path)'}`)
    } else {
      console.log(`  loopback delay:  ${delay} frames (${((delay / samplerate) * 1000).toFixed(2)} ms)`)
      console.log(`  bit-exact:       ${mismatches === 0 ? 'yes' : `no (${mismatches} samples differ)`}`)
    }
    if (virtual && mismatches !== 0) process.exitCode = 1
  } finally {
    await virtual?.stop()
  }
}

main().catch((error) => {
  console.error(`main job failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
