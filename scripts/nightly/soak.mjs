#!/usr/bin/env node
// Nightly: a long duplex soak on the virtual loopback device. A Worker plays
// the counting signal (frame i holds (i % 32767) + 1) and another Worker
// checks every frame that comes back, bit-exact, for SOAK_SECONDS (default
// 3600). The process's RSS is sampled every SOAK_SAMPLE_SECONDS (default
// 60): after the first sample it must stay within SOAK_RSS_MB (default 5)
// of it. Prints one line per sample and a last line `soak: pass|FAIL ...`;
// exits non-zero on a failure. Needs the build (`pnpm build`) and jackd.
//   SOAK_SECONDS=60 node scripts/nightly/soak.mjs
import { BroadcastChannel } from 'node:worker_threads'
import { readFileSync } from 'node:fs'
import { startVirtualDevice } from '@pastream/core-native/testing'
import { DuplexStream } from '@pastream/stream'

const seconds = Number(process.env.SOAK_SECONDS ?? 3600)
const sampleSeconds = Number(process.env.SOAK_SAMPLE_SECONDS ?? 60)
const rssLimitMb = Number(process.env.SOAK_RSS_MB ?? 5)
const samplerate = 48000
const frames = Math.round(seconds * samplerate)
const fixtures = new URL('../../packages/stream/test/fixtures/', import.meta.url)

const rssMb = () => {
  const status = readFileSync('/proc/self/status', 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

const device = await startVirtualDevice({ name: `pastream-soak-${process.pid}`, channels: 2, samplerate })
const stream = new DuplexStream({ device: device.device.index, channels: 2, dtype: 'int16', samplerate, buffersize: 1 << 16 })
const channelName = `pastream-soak-${process.pid}`
const channel = new BroadcastChannel(channelName)
const checked = new Promise((resolve) => (channel.onmessage = (event) => resolve(event.data)))
stream.frames = frames
stream.pad = 4096 // the loopback delay: the last counted frames come back too
stream.setSource(new URL(`counting-source.mjs?frames=${frames}`, fixtures))
stream.setSink(new URL(`checking-sink.mjs?frames=${frames}&channel=${channelName}`, fixtures))

const started = performance.now()
const samples = []
const timer = setInterval(() => {
  const rss = rssMb()
  samples.push(rss)
  const elapsed = ((performance.now() - started) / 1000).toFixed(0)
  console.log(`soak: ${elapsed} s, ${stream.frameCount} frames, ${stream.xruns} xruns, RSS ${rss.toFixed(1)} MB`)
}, sampleSeconds * 1000)

let failure
try {
  await stream.start()
  await stream.wait()
} catch (error) {
  failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
} finally {
  clearInterval(timer)
}
const report = await Promise.race([checked, new Promise((resolve) => setTimeout(() => resolve(undefined), 10000))])
channel.close()
await stream.close()
await device.stop()

const base = samples[0] ?? rssMb()
const peak = Math.max(base, ...samples)
const growth = peak - base
if (!failure && !report) failure = 'the checking sink sent no report'
if (!failure && report.error) failure = report.error
if (!failure && report.counted !== frames) failure = `counted ${report.counted} of ${frames} frames`
if (!failure && growth > rssLimitMb) failure = `RSS grew ${growth.toFixed(1)} MB after the first sample (limit ${rssLimitMb} MB)`
const summary = `${frames} frames (${seconds} s) ${report ? `counted ${report.counted}, delay ${report.delay}` : ''}, RSS first ${base.toFixed(1)} MB, peak ${peak.toFixed(1)} MB`
console.log(`soak: ${failure ? `FAIL ${failure};` : 'pass'} ${summary}`)
process.exitCode = failure ? 1 : 0
