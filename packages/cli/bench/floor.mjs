#!/usr/bin/env node
// `pnpm bench` for the CPU floor: pastream's engine and `pastream null
// out.wav` against a bare C JACK client (bench/jack-record.c, built here
// against the system libjack) that moves the same frames, on one virtual
// device's JACK server, in one run. Every figure is whole-process CPU
// (getrusage: every thread) per second of audio, the slope between a
// SHORT (10 s) and a LONG (30 s) run of the same command, medians of REPS
// interleaved rounds; what a run costs once (starting the process, and in
// Node the memory reducer's garbage collections about 8 s after the start,
// which a 2 s run would not see) is printed apart, as the SHORT run's CPU
// beyond its seconds at that slope:
//
//   C client, ring unread            the floor of an engine
//   InputStream, ring unread         blocksize 0 (the host decides) and 256
//   C client, to a 16-bit WAV        the floor of a recorder
//   pastream null out.wav            2 ch int16 WAV, blocksize 0
//
// Goals (issue 12): the engine within 1.5x the C client, `pastream null
// out.wav` within 1.2x the C client writing a WAV. Then the peak RSS of
// `pastream null out.wav -d 60` (BENCH_RSS_SECONDS) beside the short and
// long runs' (no growth per second), and a stream's own RSS beyond its
// rings (bench/stream-rss.mjs).
//
//   node bench/floor.mjs      env: BENCH_SECONDS (LONG, default 30), BENCH_REPS (3)
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SoundFile } from '@pastream/soundfile'
import { jackEnv, startVirtualDevice } from '@pastream/stream/testing'

const here = fileURLToPath(new URL('.', import.meta.url))
const runJs = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SHORT = 10
const LONG = Number(process.env.BENCH_SECONDS ?? 30)
const REPS = Number(process.env.BENCH_REPS ?? 3)
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 60)
if (!(LONG > SHORT + 2)) throw new RangeError(`BENCH_SECONDS: more than ${SHORT + 2}, got ${LONG}`)
if (!(Number.isInteger(REPS) && REPS >= 1)) throw new RangeError(`BENCH_REPS: a whole number from 1, got ${REPS}`)

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2
}

function run(command, args, env) {
  const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}`)
  return result.stdout
}

/** Builds the C client against the system libjack; its path. */
function buildClient() {
  mkdirSync(join(here, 'bin'), { recursive: true })
  const out = join(here, 'bin', 'jack-record')
  const result = spawnSync('cc', ['-O2', '-std=c11', '-Wall', '-o', out, join(here, 'jack-record.c'), '-ljack'], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`building bench/jack-record.c failed (JACK's headers: apt-get install libjack-jackd2-dev): ${result.stderr}`)
  return out
}

const device = await startVirtualDevice({ name: `${process.env.PASTREAM_TEST_SERVER ?? 'pastream-bench'}-floor`, channels: 2, period: 256 })
const env = { ...process.env, ...jackEnv(device.serverName) }
const work = mkdtempSync(join(tmpdir(), 'pastream-floor-'))
const client = buildClient()

/** One run of each kind: {cpuMs, maxRssKb} for `seconds` of audio. */
const kinds = {
  'C client, ring unread': (seconds) => JSON.parse(run(client, [String(seconds), 'system', 'none'], env)),
  'InputStream, ring unread, blocksize 0': (seconds) =>
    JSON.parse(run(process.execPath, [join(here, 'engine-only.mjs'), String(seconds), 'system', '0'], env)),
  'InputStream, ring unread, blocksize 256': (seconds) =>
    JSON.parse(run(process.execPath, [join(here, 'engine-only.mjs'), String(seconds), 'system', '256'], env)),
  'C client, to a 16-bit WAV': (seconds) => JSON.parse(run(client, [String(seconds), 'system', join(work, 'c.wav')], env)),
  'pastream null out.wav': (seconds) => {
    const usage = join(work, 'usage.json')
    const out = join(work, 'out.wav')
    const withUsage = { ...env, PASTREAM_BENCH_USAGE: usage, NODE_OPTIONS: `--require ${join(here, 'usage-at-exit.cjs')}` }
    run(process.execPath, [runJs, 'null', out, '-D', 'system', '-c', '2', '-e', 'pcm_16', '-d', String(seconds), '-q'], withUsage)
    const file = SoundFile.openSync(out)
    const { frames } = file
    file.closeSync()
    if (frames !== seconds * device.samplerate) throw new Error(`pastream null out.wav -d ${seconds} wrote ${frames} frames, expected ${seconds * device.samplerate}`)
    return JSON.parse(readFileSync(usage, 'utf8'))
  },
}

try {
  console.log(`CPU floor on a virtual device (JACK dummy backend, ${device.samplerate} Hz, period ${device.period}), 2 ch int16:`)
  console.log(`  ms of CPU per s of audio = (CPU of a ${LONG} s run - CPU of a ${SHORT} s run) / ${LONG - SHORT}, whole process, medians of ${REPS}`)
  const slopes = Object.fromEntries(Object.keys(kinds).map((name) => [name, []]))
  const once = Object.fromEntries(Object.keys(kinds).map((name) => [name, []]))
  const peaks = Object.fromEntries(Object.keys(kinds).map((name) => [name, []]))
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, run] of Object.entries(kinds)) {
      const short = run(SHORT)
      const long = run(LONG)
      const slope = (long.cpuMs - short.cpuMs) / (LONG - SHORT)
      slopes[name].push(slope)
      once[name].push(short.cpuMs - slope * SHORT)
      peaks[name].push(long.maxRssKb / 1024)
    }
  }
  const perSecond = Object.fromEntries(Object.entries(slopes).map(([name, values]) => [name, median(values)]))
  const line = (name) =>
    `${perSecond[name].toFixed(2)} ms/s (runs: ${slopes[name].map((v) => v.toFixed(2)).join(', ')}; once per run ${median(once[name]).toFixed(0)} ms; peak RSS ${median(peaks[name]).toFixed(1)} MB)`
  for (const name of Object.keys(kinds)) console.log(`  ${name}: ${line(name)}`)
  const verdict = (ratio, goal) => `${ratio.toFixed(2)}x (goal ${goal}x) -> ${ratio <= goal ? 'OK' : 'over goal'}`
  const cEngine = perSecond['C client, ring unread']
  const cWav = perSecond['C client, to a 16-bit WAV']
  console.log(`  engine, blocksize 0, against the C client: ${verdict(perSecond['InputStream, ring unread, blocksize 0'] / cEngine, 1.5)}`)
  console.log(`  engine, blocksize 256, against the C client: ${verdict(perSecond['InputStream, ring unread, blocksize 256'] / cEngine, 1.5)}`)
  console.log(`  pastream null out.wav against the C client writing a WAV: ${verdict(perSecond['pastream null out.wav'] / cWav, 1.2)}`)
  if (RSS_SECONDS > 0) {
    const long = kinds['pastream null out.wav'](RSS_SECONDS)
    console.log(
      `  peak RSS of pastream null out.wav -d ${RSS_SECONDS}: ${(long.maxRssKb / 1024).toFixed(1)} MB ` +
        `(-d ${LONG}: ${median(peaks['pastream null out.wav']).toFixed(1)} MB; the C client writing a WAV: ${median(peaks['C client, to a 16-bit WAV']).toFixed(1)} MB)`,
    )
  }
  console.log(run(process.execPath, [join(here, 'stream-rss.mjs'), 'system'], env).trimEnd())
} finally {
  rmSync(work, { recursive: true, force: true })
  await device.stop()
}
