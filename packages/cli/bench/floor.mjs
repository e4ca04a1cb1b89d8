#!/usr/bin/env node
// `pnpm bench` for the CPU floor: pastream's engine and `pastream null
// out.wav` against a bare C JACK client (bench/jack-record.c, built here
// against the system libjack) that moves the same frames, on one virtual
// device's JACK server, in one run. Each command records RUN seconds; its
// CPU per second of audio is every thread's scheduler time
// (/proc/PID/task/*/schedstat, in ns: exact, where getrusage's split into
// ticks is not for threads that run 200 times a second for a few µs) over
// a steady window, from FROM to TO seconds after it started: past Node's
// start and the memory reducer's garbage collections about 8 s in, which
// a run pays once. Medians of REPS interleaved rounds:
//
//   C client, ring unread            the floor of an engine
//   InputStream, ring unread         blocksize 0 (the host decides) and 256
//   C client, to a 16-bit WAV        the floor of a recorder
//   pastream null out.wav            2 ch int16 WAV, blocksize 0
//
// with the busiest thread (the JACK process thread) apart. Goals (issue
// 12): the engine within 1.5x the C client, `pastream null out.wav` within
// 1.2x the C client writing a WAV. Then the peak RSS of `pastream null
// out.wav -d 60` (BENCH_RSS_SECONDS) beside the C client's, and a stream's
// own RSS beyond its rings (bench/stream-rss.mjs).
//
//   node bench/floor.mjs      env: BENCH_REPS (3), BENCH_RSS_SECONDS (60; 0: skip)
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { SoundFile } from '@pastream/soundfile'
import { jackEnv, startVirtualDevice } from '@pastream/stream/testing'

const here = fileURLToPath(new URL('.', import.meta.url))
const runJs = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RUN = 24
const FROM = 11
const TO = 21
const REPS = Number(process.env.BENCH_REPS ?? 3)
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 60)
if (!(Number.isInteger(REPS) && REPS >= 1)) throw new RangeError(`BENCH_REPS: a whole number from 1, got ${REPS}`)

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2
}

/** Builds the C client against the system libjack; its path. */
function buildClient() {
  mkdirSync(join(here, 'bin'), { recursive: true })
  const out = join(here, 'bin', 'jack-record')
  const result = spawnSync('cc', ['-O2', '-std=c11', '-Wall', '-o', out, join(here, 'jack-record.c'), '-ljack'], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`building bench/jack-record.c failed (JACK's headers: apt-get install libjack-jackd2-dev): ${result.stderr}`)
  return out
}

/** Scheduler time of each thread of `pid`, in ms. */
function threadTimes(pid) {
  const times = new Map()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      times.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6)
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return times
}

/**
 * Runs `command args` and measures its threads between FROM and TO
 * seconds after the start: { perSecond, busiest } in ms of CPU per second,
 * and what the command printed on stdout.
 */
async function measure(command, args, env) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)))
  const started = performance.now()
  await sleep(FROM * 1000)
  const first = threadTimes(child.pid)
  const t0 = performance.now()
  await sleep((TO - FROM) * 1000)
  const second = threadTimes(child.pid)
  const seconds = (performance.now() - t0) / 1000
  const code = await exited
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr}`)
  if ((performance.now() - started) / 1000 < TO) throw new Error(`${command} ended before the window closed`)
  const deltas = [...second].map(([tid, ms]) => ms - (first.get(tid) ?? 0))
  return { perSecond: deltas.reduce((sum, ms) => sum + ms, 0) / seconds, busiest: Math.max(...deltas) / seconds, stdout }
}

const device = await startVirtualDevice({ name: `${process.env.PASTREAM_TEST_SERVER ?? 'pastream-bench'}-floor`, channels: 2, period: 256 })
const env = { ...process.env, ...jackEnv(device.serverName) }
const work = mkdtempSync(join(tmpdir(), 'pastream-floor-'))
const client = buildClient()

/** `pastream null out.wav -d seconds`; checks the file holds every frame. */
async function cliRecording(seconds, extraEnv = {}) {
  const out = join(work, 'out.wav')
  const result = await measure(process.execPath, [runJs, 'null', out, '-D', 'system', '-c', '2', '-e', 'pcm_16', '-d', String(seconds), '-q'], { ...env, ...extraEnv })
  const file = SoundFile.openSync(out)
  const { frames } = file
  file.closeSync()
  if (frames !== seconds * device.samplerate) throw new Error(`pastream null out.wav -d ${seconds} wrote ${frames} frames, expected ${seconds * device.samplerate}`)
  return result
}

const kinds = {
  'C client, ring unread': () => measure(client, [String(RUN), 'system', 'none'], env),
  'InputStream, ring unread, blocksize 0': () => measure(process.execPath, [join(here, 'engine-only.mjs'), String(RUN), 'system', '0'], env),
  'InputStream, ring unread, blocksize 256': () => measure(process.execPath, [join(here, 'engine-only.mjs'), String(RUN), 'system', '256'], env),
  'C client, to a 16-bit WAV': () => measure(client, [String(RUN), 'system', join(work, 'c.wav')], env),
  'pastream null out.wav': () => cliRecording(RUN),
}

try {
  console.log(`CPU floor on a virtual device (JACK dummy backend, ${device.samplerate} Hz, period ${device.period}), 2 ch int16, ${RUN} s runs:`)
  console.log(`  ms of CPU per s of audio, every thread's scheduler time from ${FROM} to ${TO} s after the start, medians of ${REPS} (the JACK thread's share in brackets)`)
  const runs = Object.fromEntries(Object.keys(kinds).map((name) => [name, []]))
  for (let rep = 0; rep < REPS; rep++) for (const [name, once] of Object.entries(kinds)) runs[name].push(await once())
  const perSecond = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, median(list.map((r) => r.perSecond))]))
  for (const [name, list] of Object.entries(runs)) {
    const busiest = median(list.map((r) => r.busiest))
    console.log(`  ${name}: ${perSecond[name].toFixed(2)} ms/s [${busiest.toFixed(2)}] (runs: ${list.map((r) => r.perSecond.toFixed(2)).join(', ')})`)
  }
  const verdict = (ratio, goal) => `${ratio.toFixed(2)}x (goal ${goal}x) -> ${ratio <= goal ? 'OK' : 'over goal'}`
  const cEngine = perSecond['C client, ring unread']
  const cWav = perSecond['C client, to a 16-bit WAV']
  console.log(`  engine, blocksize 0, against the C client: ${verdict(perSecond['InputStream, ring unread, blocksize 0'] / cEngine, 1.5)}`)
  console.log(`  engine, blocksize 256, against the C client: ${verdict(perSecond['InputStream, ring unread, blocksize 256'] / cEngine, 1.5)}`)
  console.log(`  pastream null out.wav against the C client writing a WAV: ${verdict(perSecond['pastream null out.wav'] / cWav, 1.2)}`)
  if (RSS_SECONDS > 0) {
    const usage = join(work, 'usage.json')
    await cliRecording(RSS_SECONDS, { PASTREAM_BENCH_USAGE: usage, NODE_OPTIONS: `--require ${join(here, 'usage-at-exit.cjs')}` })
    const peak = JSON.parse(readFileSync(usage, 'utf8')).maxRssKb / 1024
    await cliRecording(RUN, { PASTREAM_BENCH_USAGE: usage, NODE_OPTIONS: `--require ${join(here, 'usage-at-exit.cjs')}` })
    const shorter = JSON.parse(readFileSync(usage, 'utf8')).maxRssKb / 1024
    const c = JSON.parse((await measure(client, [String(RUN), 'system', join(work, 'c.wav')], env)).stdout).maxRssKb / 1024
    console.log(`  peak RSS of pastream null out.wav -d ${RSS_SECONDS}: ${peak.toFixed(1)} MB (-d ${RUN}: ${shorter.toFixed(1)} MB; the C client writing a WAV: ${c.toFixed(1)} MB)`)
  }
  console.log(spawnSync(process.execPath, [join(here, 'stream-rss.mjs'), 'system'], { env, encoding: 'utf8' }).stdout.trimEnd())
} finally {
  rmSync(work, { recursive: true, force: true })
  await device.stop()
}
