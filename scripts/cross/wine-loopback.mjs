// Runs node.exe under wine with the virtual loopback device behind wine's
// audio: starts it on this (Linux) side with core-native's
// startVirtualDevice, as the host tests do (an x86-64 jackd: wine's
// processes are x86-64 Linux processes, so ALSA's jack PCM in them loads
// the system's libjack and reaches this server), then runs
//   wine <args...>
// with JACK_DEFAULT_SERVER naming it and ALSA_CONFIG_PATH pointing wine's
// ALSA driver at it (runtime.mjs alsaLoopbackConfig), its output into
// <report> (node.exe under wine cannot write to a pipe), stops the device
// and exits with wine's status.
//
//   node scripts/cross/wine-loopback.mjs <report> <node.exe> <args...>
//
// Expects wine's environment (WINEPREFIX ...) set: scripts/cross/win32-x64.sh.
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { startVirtualDevice } from '@pastream/core-native/testing'
import { alsaLoopbackConfig } from './runtime.mjs'

const [report, ...args] = process.argv.slice(2)
if (!report || args.length === 0) {
  console.error('usage: node scripts/cross/wine-loopback.mjs <report> <node.exe> <args...>')
  process.exit(2)
}
const channels = 2
const config = alsaLoopbackConfig('win32-x64', { channels })
// a 1024-frame period as the other emulated tests: wine's ALSA driver is slow to keep up with shorter ones
const virtual = await startVirtualDevice({
  name: process.env.PASTREAM_TEST_SERVER ?? 'pastream-cross-win32', channels, samplerate: 48000, period: 1024, realtime: false, timeoutMs: 60000, setEnv: false,
})
let status = 1
try {
  const out = openSync(report, 'w')
  try {
    const child = spawn('wine', args, { env: { ...process.env, ...virtual.env, ALSA_CONFIG_PATH: config }, stdio: ['ignore', out, out] })
    status = await new Promise((resolve) => {
      child.once('error', (error) => {
        console.error(`wine could not start: ${error.message}`)
        resolve(1)
      })
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
    })
  } finally {
    closeSync(out)
  }
} finally {
  await virtual.stop()
}
process.exit(status)
