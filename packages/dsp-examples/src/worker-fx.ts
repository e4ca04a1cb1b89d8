#!/usr/bin/env node
// worker-fx: live duplex processing in a Worker thread, a biquad filter
// (lowpass, highpass or bandpass, from the RBJ Audio EQ Cookbook) between
// the input and the output of a DuplexStream. The main thread only sets it
// up; the audio path is the C callback and one Worker:
//
//   device in -> input ring -> Worker (worker-fx-filter.ts: filter)
//             -> output ring -> device out
//
// The input ring's Worker is an ordinary Worker sink (setSink(URL)). The
// output ring is a RingBuffer we allocate and give the stream as its source
// (setSource(ring)): the C callback plays straight from it, and the Worker
// fills it. The Worker reaches that ring through worker_threads environment
// data, since a Worker sink is handed only its own ring.
//
// With --block-main the main thread busy-waits that many ms of every second:
// the effect does not care. With --loopback-check (the default on the
// virtual device) the Worker plays seeded noise on output 2, filters what
// comes back on input 2 into output 1, and compares every frame that comes
// back with what was played: the run fails if a single frame was lost.
import { randomUUID } from 'node:crypto'
import { setEnvironmentData } from 'node:worker_threads'
import { DuplexStream, RingBuffer } from '@pastream/stream'
import { choiceOption, durationOption, exampleArgs, exampleDevice, numberOption, samplerateOption, stopRequest, usageError } from './common.js'
import { filterTypes, formatDb, toDbfs } from './dsp.js'
import { Stat, statCount, workerFxKey, type WorkerFxShared } from './worker-fx-shared.js'

const usage = `Usage: worker-fx [options]

Filters the input into the output in a Worker thread (a biquad: lowpass,
highpass or bandpass), unaffected by a blocked main thread.

Options:
  -t, --type TYPE          lowpass, highpass or bandpass (default lowpass)
  -f, --freq HZ            cutoff (lowpass, highpass) or centre (bandpass) frequency (default 1000)
  -q, --q Q                quality: 0.7071 is Butterworth, higher is sharper (default 0.7071)
  -d, --duration TIME      seconds, [h:]m:s, or frames with an s suffix (default 10)
  -c, --channels N         channels, each filtered on its own (default 2)
  -r, --samplerate HZ      sample rate (default 48000)
      --prefill N          frames of silence queued in the output ring before the
                           start: the Worker's head start, and the latency it adds
                           (default 2048, 43 ms at 48 kHz)
      --block-main MS      busy-wait the main thread MS of every second (default 0)
      --loopback-check     the output comes back as input (a loopback cable, the
                           virtual device): play seeded noise on output 2, filter
                           input 2 into output 1, check every frame that comes back
                           (needs 2 channels; the default with the virtual
                           device, which then uses 2)
      --seed N             seed of the check's noise (default 1)
  -D, --device DEVICE      device index or name (default: the default device)
      --virtual            use pastream's virtual loopback device
  -h, --help               show this help

Every second the main thread prints how far the Worker got. At the end one
line of counters: frames (filtered by the Worker), played (by the device),
gain (output / input RMS, dB), backlog (most input frames waiting when the
Worker woke), margin (fewest output frames still queued when it wrote), xruns
(device), blocked (ms); with the check also delay (round trip, frames),
compared, mismatched and firstMismatch. Exits 1 if a frame was not filtered,
the check found a difference, or the stream failed (BufferEmpty: the Worker
fell behind).`

const { values } = exampleArgs(usage, {
  type: { type: 'string', short: 't', default: 'lowpass' },
  freq: { type: 'string', short: 'f', default: '1000' },
  q: { type: 'string', short: 'q', default: '0.7071' },
  duration: { type: 'string', short: 'd', default: '10' },
  channels: { type: 'string', short: 'c', default: '2' },
  samplerate: { type: 'string', short: 'r', default: '48000' },
  prefill: { type: 'string', default: '2048' },
  'block-main': { type: 'string', default: '0' },
  'loopback-check': { type: 'boolean' },
  seed: { type: 'string', default: '1' },
})

const type = choiceOption(usage, 'type', values.type, filterTypes)
const samplerate = samplerateOption(usage, values.samplerate)
const freq = numberOption(usage, 'freq', values.freq, (v) => v > 0 && v < samplerate / 2, `a frequency in Hz between 0 and ${samplerate / 2}`)
const q = numberOption(usage, 'q', values.q, (v) => v > 0 && v <= 100, 'a quality factor above 0, up to 100')
const channelsOption = numberOption(usage, 'channels', values.channels, (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'a whole number of channels from 1 to 64')
const prefill = numberOption(usage, 'prefill', values.prefill, (v) => Number.isInteger(v) && v >= 0 && v <= 32768, 'frames from 0 to 32768')
const blockMain = numberOption(usage, 'block-main', values['block-main'], (v) => v >= 0 && v <= 900, 'milliseconds from 0 to 900')
const seed = numberOption(usage, 'seed', values.seed, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'a whole number from 0 to 2^32 - 1')
const frames = durationOption(usage, 'duration', values.duration, samplerate)
if (values['loopback-check'] === true && channelsOption !== 2) usageError(usage, `--loopback-check needs 2 channels, got --channels ${channelsOption}`)

/** Blocks the main thread for `ms`, as a long synchronous job would. */
function busyWait(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // spinning: no timer, no I/O, no promise runs on this thread meanwhile
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const device = await exampleDevice(values)
try {
  const check = values['loopback-check'] ?? device.virtual
  const channels = check ? 2 : channelsOption

  // The output ring: float32 frames of `channels`, 2^16 frames (1.4 s) of
  // room. It starts with `prefill` frames of silence: the callback takes
  // output before the Worker has seen that callback's input, so the Worker
  // must always be ahead by a period plus its wake-up jitter.
  const output = new RingBuffer(channels * 4, 1 << 16)
  output.write(new Float32Array(prefill * channels))
  const stats = new Float64Array(new SharedArrayBuffer(statCount * 8))
  // Environment data is copied into every Worker created from now on; a
  // copied SharedArrayBuffer is the same memory, so the sink Worker the
  // stream starts sees this ring and these counters.
  const shared: WorkerFxShared = { output: output.buffer, stats: stats.buffer as SharedArrayBuffer }
  const key = `${workerFxKey}${randomUUID()}`
  setEnvironmentData(key, shared)

  // Parameters travel in the Worker module's URL query
  const module = new URL('./worker-fx-filter.js', import.meta.url)
  const params = { type, freq, q, prefill, seed, level: -12, check: check ? 1 : 0, shared: key }
  for (const [name, value] of Object.entries(params)) module.searchParams.set(name, String(value))

  await using stream = new DuplexStream({ ...device.streamDevice, samplerate, channels, dtype: 'float32' })
  stream.setSink(module) // the Worker drains the input ring...
  stream.setSource(output) // ...into the ring the callback plays
  // `frames` output frames are promised: if the output ring ever runs dry
  // (the Worker fell behind) the stream aborts with BufferEmpty instead of
  // playing a gap, and wait() throws it
  stream.frames = frames
  stream.pad = 0
  console.log(
    `worker-fx: ${type} ${freq} Hz q ${q}, ${channels} channel(s), ${samplerate} Hz, ${(frames / samplerate).toFixed(3)} s, ` +
      `prefill ${prefill} frames${check ? ', loopback check (noise on output 2, input 2 filtered into output 1)' : ''}` +
      `${blockMain > 0 ? `, main thread blocked ${blockMain} ms of every second` : ''}`,
  )
  // start() waits until the Worker runs, then starts the device
  await stream.start()
  // the Worker was created in start() and has its copy: the key can go
  setEnvironmentData(key, undefined)
  const done = stream.wait()
  let finished = false
  done.then(
    () => (finished = true),
    () => (finished = true),
  )
  let blocked = 0
  // Ctrl-C stops the stream: the Worker drains what is left, and the counters still print
  const stop = stopRequest()
  while (!finished) {
    if (stop.requested) {
      await stream.stop()
      break
    }
    if (blockMain > 0) {
      busyWait(blockMain)
      blocked += blockMain
    }
    // the Worker's counter moved on while this thread could not run
    console.log(`  ${(stream.frameCount / samplerate).toFixed(1).padStart(6)} s played, ${stats[Stat.frames]} frames filtered in the Worker`)
    await sleep(1000 - blockMain)
  }
  await done // throws BufferEmpty, BufferFull or the Worker's error, if any

  const filtered = stats[Stat.frames] as number
  const ratio = toDbfs(Math.sqrt((stats[Stat.outputSquares] as number) / Math.max(1e-30, stats[Stat.inputSquares] as number)))
  const fields = [
    `frames=${filtered}`,
    `played=${stream.frameCount}`,
    `gain=${formatDb(ratio)}dB`,
    `backlog=${stats[Stat.maxBacklog]}`,
    `margin=${stats[Stat.minMargin]}`,
    `xruns=${stream.xruns}`,
    `blocked=${blocked}ms`,
  ]
  // every frame the device recorded was filtered (all `frames`, unless stopped early)
  let ok = filtered > 0 && filtered === stream.frameCount
  if (check) {
    const compared = stats[Stat.compared] as number
    const mismatched = stats[Stat.mismatched] as number
    fields.push(`delay=${stats[Stat.delay]}`, `compared=${compared}`, `mismatched=${mismatched}`, `firstMismatch=${stats[Stat.firstMismatch]}`)
    // everything after the round trip must have been compared, and matched
    ok &&= mismatched === 0 && compared > 0 && compared === filtered - (stats[Stat.delay] as number) - prefill
  }
  console.log(`worker-fx: ${fields.join(' ')} -> ${ok ? 'OK' : 'FAIL'}`)
  if (!ok) process.exitCode = 1
} catch (error) {
  // BufferEmpty (the Worker fell behind), BufferFull, or the Worker's own error
  const { name, message } = error as Error
  console.error(`worker-fx: ${name}: ${message}`)
  process.exitCode = 1
} finally {
  await device.stop()
}
