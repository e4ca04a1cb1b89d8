#!/usr/bin/env node
// Nightly: 10 000 open/start/stop/close cycles (the stream package's
// test/fixtures/cycles.mjs, which CI runs for 55 s only: each cycle
// initialises PortAudio anew, about 90 ms, so this takes about 15 minutes).
// Starts its own virtual device, prints the figures (a progress line every
// 1 000 cycles), and exits 1 when a run's wait() was lost, or file
// descriptors or threads grew, or RSS grew by 5 MB or more after the first
// 200 cycles. Needs a build (node scripts/setup.mjs).
//   node scripts/nightly/cycles.mjs [cycles]
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const { startVirtualDevice } = await import(join(root, 'packages/core-native/dist/testing.js'))
const cycles = Number(process.argv[2] ?? 10000)
const device = await startVirtualDevice({ name: 'pastream-nightly-cycles', channels: 2, setEnv: false })

let last = ''
const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--expose-gc', join(root, 'packages/stream/test/fixtures/cycles.mjs'), String(cycles)], {
    env: { ...process.env, ...device.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  child.stdout.on('data', (chunk) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      console.log(line)
      last = line
    }
  })
  child.once('exit', (exitCode) => resolve(exitCode))
})
await device.stop()

const failures = []
if (code !== 0) failures.push(`the cycles exited with ${code}`)
else {
  const report = JSON.parse(last)
  const rssGrowthMb = (report.end.rss - report.base.rss) / 2 ** 20
  console.log(`${report.cycles} cycles, ${report.msPerCycle} ms each (${report.cyclesPerSecond}/s); fds ${report.base.fds} -> ${report.end.fds}, threads ${report.base.threads} -> ${report.end.threads}, RSS +${rssGrowthMb.toFixed(1)} MB`)
  if (report.cycles !== cycles) failures.push(`${report.cycles} of ${cycles} cycles ran`)
  if (report.end.fds > report.base.fds) failures.push(`file descriptors grew from ${report.base.fds} to ${report.end.fds}`)
  if (report.end.threads > report.base.threads) failures.push(`threads grew from ${report.base.threads} to ${report.end.threads}`)
  if (rssGrowthMb >= 5) failures.push(`RSS grew by ${rssGrowthMb.toFixed(1)} MB (limit 5 MB)`)
}
if (failures.length > 0) {
  console.error(`nightly cycles: ${failures.join('; ')}`)
  process.exit(1)
}
console.log('nightly cycles: 1 passed, 0 failed')
