#!/usr/bin/env node
// `npm start`: the main job, through the `pastream` command. Lists the
// devices, writes a 2-second test signal (signal.wav), then runs
// `pastream signal.wav recording.wav`: on the default devices when the
// machine has a sound card, otherwise on the virtual loopback device (a
// private JACK dummy server), and reports whether the recording holds the
// signal (bit-exact on the virtual device).
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SoundFile } from '@pastream/soundfile'
import { queryDevices } from '@pastream/stream'
import { jackEnv, prng, startVirtualDevice } from '@pastream/stream/testing'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pastreamBin = join(root, 'packages', 'cli', 'bin', 'run.js')
const outDir = join(root, 'main-job-output')
const samplerate = 48000
const seconds = 2
const channels = 2
const pad = 4096

function pastream(args, env) {
  console.log(`$ pastream ${args.join(' ')}`)
  const result = spawnSync(process.execPath, [pastreamBin, ...args], { env, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`pastream ${args.join(' ')} exited with ${result.status ?? result.signal}`)
}

async function main() {
  // Never let PortAudio's JACK backend autostart a server of its own.
  process.env.JACK_NO_START_SERVER = '1'
  let env = { ...process.env }
  pastream(['-l'], env)

  let virtual
  const { defaultInput, defaultOutput } = queryDevices()
  const deviceArgs = []
  if (defaultInput < 0 || defaultOutput < 0 || process.env.PASTREAM_VIRTUAL === '1') {
    console.log('\nNo sound card with input and output: starting the virtual loopback device.')
    virtual = await startVirtualDevice({ name: 'pastream-main', channels })
    env = { ...env, ...jackEnv(virtual.serverName) }
    deviceArgs.push('-D', 'loopback')
    pastream(['-l'], env)
  }
  try {
    // A seeded pseudo-random int16 signal: any lost, repeated or altered sample shows.
    mkdirSync(outDir, { recursive: true })
    const signalPath = join(outDir, 'signal.wav')
    const recordingPath = join(outDir, 'recording.wav')
    const random = prng(12345)
    const signal = new Int16Array(samplerate * seconds * channels)
    for (let i = 0; i < signal.length; i++) signal[i] = Math.floor(random() * 65535) - 32767 || 1
    const file = SoundFile.openSync(signalPath, { mode: 'w', samplerate, channels, subtype: 'PCM_16' })
    file.writeSync(signal, { dtype: 'int16' })
    file.closeSync()
    console.log(`\nwrote ${signalPath}: ${seconds} s, ${channels} channels, ${samplerate} Hz, 16-bit\n`)

    pastream([signalPath, recordingPath, ...deviceArgs, '-p', `${pad}s`], env)

    // Find where the signal came back, then compare every sample.
    const recorded = SoundFile.openSync(recordingPath)
    const recording = recorded.readSync(undefined, { dtype: 'int16' })
    recorded.closeSync()
    let delay = -1
    search: for (let f = 0; f + 8 <= recording.length / channels; f++) {
      for (let i = 0; i < 8 * channels; i++) if (recording[f * channels + i] !== signal[i]) continue search
      delay = f
      break
    }
    let mismatches = -1
    if (delay >= 0) {
      mismatches = 0
      for (let i = 0; i < signal.length; i++) if (recording[delay * channels + i] !== signal[i]) mismatches++
    }
    console.log(`\n${recordingPath}: ${recording.length / channels} frames`)
    if (delay < 0) {
      console.log('  loopback delay:  signal not found in the recording')
      console.log(`  match:           ${virtual ? 'no' : 'n/a (acoustic path)'}`)
    } else {
      console.log(`  loopback delay:  ${delay} frames (${((delay / samplerate) * 1000).toFixed(2)} ms)`)
      console.log(`  match:           ${mismatches === 0 ? 'yes, bit-exact' : `no (${mismatches} samples differ)`}`)
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
