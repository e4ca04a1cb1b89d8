#!/usr/bin/env node
// The headline claim, measured (pnpm bench; not a test): on the virtual
// loopback device, while the main thread busy-waits 500 ms of every second,
// a recording with a Worker sink loses no frame, playback from a Worker or a
// typed array has no gap, and a too-small ring is reported as BufferFull.
// Also: chunk delivery delay, CPU time per second of audio (against a
// reference measured in the same run), and time to the first chunk.
import { readFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { BufferFull, DuplexStream, InputStream, RingBuffer } from '../dist/index.js'
import { startVirtualDevice } from '../dist/testing.js'

const samplerate = 48000
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const N = samplerate * seconds
const tmp = mkdtempSync(join(tmpdir(), 'pastream-bench-'))
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function busy(ms) {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // the main thread is blocked, as by a long synchronous job
  }
}

/** Blocks the main thread 500 ms of every second until `done` settles. */
async function blockHalfOfEverySecond(done) {
  let finished = false
  let blocked = 0
  done.then(() => (finished = true), () => (finished = true))
  while (!finished) {
    busy(500)
    blocked += 500
    await sleep(500)
  }
  return blocked
}

function counting(frames) {
  const a = new Float32Array(frames)
  for (let i = 0; i < frames; i++) a[i] = i + 1
  return a
}

/** Checks a recorded counting signal: gaps of silence inside it, lost and repeated frames. */
function checkCounting(recording, frames) {
  let first = recording.findIndex((v) => v !== 0)
  if (first < 0) return { found: false }
  let lost = 0
  let repeated = 0
  let silentGaps = 0
  let expected = recording[first]
  let i = first
  for (; i < recording.length && expected <= frames; i++) {
    const v = recording[i]
    if (v === 0) {
      silentGaps++
      continue
    }
    if (v > expected) lost += v - expected
    else if (v < expected) repeated += expected - v
    expected = v + 1
  }
  return { found: true, delay: first, startsAt: recording[first], last: expected - 1, lost, repeated, silentGaps }
}

function cpuSecondsFromProc() {
  // utime + stime of all threads, in clock ticks (USER_HZ = 100 on Linux)
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

const results = []
function report(line) {
  console.log(line)
  results.push(line)
}

async function recordWithWorkerSink() {
  const out = join(tmp, 'sink.json')
  const stream = new DuplexStream({ device: 'loopback', channels: 1, dtype: 'float32', blocksize: 256 })
  try {
    stream.setSink(new URL(`./counting-sink.mjs?out=${encodeURIComponent(out)}`, import.meta.url))
    stream.setSource(counting(N))
    stream.frames = N
    stream.pad = 2048
    await stream.start()
    const done = stream.wait()
    const blocked = await blockHalfOfEverySecond(done)
    await done
    const result = JSON.parse(readFileSync(out, 'utf8'))
    report(
      `record ${seconds} s, Worker sink, ring ${stream.buffersize} frames, main thread blocked ${blocked} ms: ` +
        `${result.lost} lost, ${result.repeated} repeated (last value ${result.lastValue} of ${N}), xruns ${stream.xruns}` +
        ` -> ${result.lost === 0 && result.repeated === 0 && result.lastValue === N ? 'OK' : 'FAIL'}`,
    )
  } finally {
    await stream.close()
  }
}

async function smallRingIsReported() {
  const stream = new DuplexStream({ device: 'loopback', channels: 1, dtype: 'float32', blocksize: 256, buffersize: 4096 })
  let kept = 0
  try {
    stream.setSink((chunk) => void (kept += chunk.byteLength / 4))
    stream.setSource(counting(N))
    stream.frames = N
    await stream.start()
    const done = stream.wait()
    const blocker = blockHalfOfEverySecond(done)
    let error
    try {
      await done
    } catch (e) {
      error = e
    }
    await blocker
    report(
      `main-thread sink, ring 4096 frames (85 ms), main thread blocked: ` +
        `${error instanceof BufferFull ? `BufferFull after ${kept} frames ("${error.message.slice(0, 60)}...")` : `no BufferFull (${error})`}` +
        ` -> ${error instanceof BufferFull ? 'OK (reported, not silent)' : 'FAIL'}`,
    )
  } finally {
    await stream.close()
  }
}

async function playbackWhileBlocked(kind) {
  const stream = new DuplexStream({ device: 'loopback', channels: 1, dtype: 'float32', blocksize: 256 })
  try {
    const source =
      kind === 'Worker source' ? new URL(`./counting-source.mjs?frames=${N}`, import.meta.url) : counting(N)
    const recordingPromise = stream.playrec(source, { frames: N, pad: 4096 })
    const blocked = await blockHalfOfEverySecond(recordingPromise)
    const recording = await recordingPromise
    const check = checkCounting(recording, N)
    const ok = check.found && check.lost === 0 && check.repeated === 0 && check.silentGaps === 0 && check.last === N
    report(
      `play ${seconds} s from a ${kind}, main thread blocked ${blocked} ms: ${check.silentGaps} frames of silence inside the signal, ` +
        `${check.lost} lost, ${check.repeated} repeated, xruns ${stream.xruns} -> ${ok ? 'OK' : 'FAIL'}`,
    )
  } finally {
    await stream.close()
  }
}

async function chunkDelay() {
  const stream = new DuplexStream({ device: 'loopback', channels: 2, dtype: 'float32', blocksize: 256 })
  const delays = []
  let received = 0
  try {
    for await (const chunk of stream.chunks({ chunksize: 256, frames: samplerate * 5, pad: -1 })) {
      received += chunk.length / 2
      const stats = stream.stats
      const now = stream.time
      // the callback that completed this chunk ran (rxFrames - received) frames before the latest one
      const completedAt = stats.time.currentTime - (stats.rxFrames - received) / samplerate
      delays.push((now - completedAt) * 1000)
    }
  } finally {
    await stream.close()
  }
  delays.sort((a, b) => a - b)
  const period = (256 / samplerate) * 1000
  const median = quantile(delays, 0.5)
  const p99 = quantile(delays, 0.99)
  report(
    `chunk delivery delay (chunksize 256, ${delays.length} chunks): median ${median.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${delays[delays.length - 1].toFixed(2)} ms ` +
      `(goal: one period + 2 ms = ${(period + 2).toFixed(2)} ms) -> ${p99 <= period + 2 ? 'OK' : 'over goal'}`,
  )
}

async function cpuPerSecond() {
  const frames = samplerate * seconds
  // reference: the same stream with a ring big enough that no JS runs at all
  const reference = new InputStream({ device: 'loopback', channels: 2, dtype: 'float32', blocksize: 256 })
  let refMs
  try {
    reference.setSink(new RingBuffer(8, 1 << 20))
    reference.frames = frames
    const c0 = cpuSecondsFromProc()
    const u0 = process.cpuUsage()
    await reference.start()
    await reference.wait()
    const u = process.cpuUsage(u0)
    refMs = { proc: ((cpuSecondsFromProc() - c0) * 1000) / seconds, rusage: (u.user + u.system) / 1000 / seconds }
  } finally {
    await reference.close()
  }
  for (const chunksize of [256, 4096]) {
    const stream = new InputStream({ device: 'loopback', channels: 2, dtype: 'float32', blocksize: 256 })
    let sum = 0
    let ms
    try {
      const c0 = cpuSecondsFromProc()
      const u0 = process.cpuUsage()
      for await (const chunk of stream.chunks({ chunksize, frames })) sum += chunk[0] ?? 0
      const u = process.cpuUsage(u0)
      ms = { proc: ((cpuSecondsFromProc() - c0) * 1000) / seconds, rusage: (u.user + u.system) / 1000 / seconds }
    } finally {
      await stream.close()
    }
    report(
      `CPU per second of audio, 2 ch 48 kHz through chunks({ chunksize: ${chunksize} }), all threads: ${ms.rusage.toFixed(2)} ms (/proc: ${ms.proc.toFixed(1)} ms); ` +
        `reference, the same stream with no JS consumer: ${refMs.rusage.toFixed(2)} ms (/proc: ${refMs.proc.toFixed(1)} ms); ratio ${(ms.rusage / refMs.rusage).toFixed(2)}x ` +
        `(goal <= 8 ms) -> ${ms.rusage <= 8 ? 'OK' : 'over goal'}${Number.isNaN(sum) ? ' (NaN seen)' : ''}`,
    )
  }
}

/** What one event-loop wake per period costs here with no work at all: the floor for chunksize 256. */
async function bareTimerWakes() {
  const periodMs = (256 / samplerate) * 1000
  const u0 = process.cpuUsage()
  const t0 = performance.now()
  let wakes = 0
  while (performance.now() - t0 < 3000) {
    await sleep(Math.floor(periodMs))
    wakes++
  }
  const u = process.cpuUsage(u0)
  const msPerSecond = (u.user + u.system) / 1000 / ((performance.now() - t0) / 1000)
  report(
    `reference: a bare Node timer waking ${Math.round(wakes / 3)} times/s (once per period) with no stream and no work costs ${msPerSecond.toFixed(2)} ms/s ` +
      `(${((u.user + u.system) / wakes).toFixed(0)} us per wake) on this machine`,
  )
}

async function timeToFirstChunk() {
  const times = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    const stream = new DuplexStream({ device: 'loopback', channels: 2, dtype: 'float32', blocksize: 256 })
    try {
      for await (const _ of stream.chunks({ chunksize: 256, pad: -1 })) {
        times.push(performance.now() - t0)
        break
      }
    } finally {
      await stream.close()
    }
  }
  times.sort((a, b) => a - b)
  report(
    `new DuplexStream() to first captured chunk: median ${quantile(times, 0.5).toFixed(1)} ms over 5 (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}) ` +
      `(goal < 50 ms) -> ${quantile(times, 0.5) < 50 ? 'OK' : 'over goal'}`,
  )
}

const device = await startVirtualDevice({ name: 'pastream-bench', channels: 2, period: 256 })
try {
  console.log(`stream benchmarks on the virtual loopback device (${samplerate} Hz, JACK period ${device.period}), ${seconds} s runs`)
  await recordWithWorkerSink()
  await smallRingIsReported()
  await playbackWhileBlocked('Worker source')
  await playbackWhileBlocked('typed array')
  await chunkDelay()
  await cpuPerSecond()
  await bareTimerWakes()
  await timeToFirstChunk()
} finally {
  await device.stop()
}
