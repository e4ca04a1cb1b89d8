// The Worker module of worker-fx: the stream's sink. The stream runs this
// file's default export in a Worker thread with the input ring (what the
// device records); it filters each frame and writes it to the output ring,
// which the stream plays. Nothing here waits on the main thread, so the
// effect keeps running while the main thread is blocked.
//
// Parameters come in the module URL's query (type, freq, q, check, seed,
// level, prefill); the output ring and the counters come as worker_threads
// environment data under the key in the query's `shared` (see
// worker-fx-shared.ts).
//
// --loopback-check (check=1): the device's output comes back as its input.
// Output channel 2 plays seeded white noise; input channel 2 (that noise,
// back from the loopback) is filtered into output channel 1; and every
// returning frame, both channels, is compared bit for bit with what was
// played. A lost, repeated or late frame anywhere in the chain (input ring,
// this Worker, output ring, device) shows up as a mismatch.
import { getEnvironmentData } from 'node:worker_threads'
import { RingBuffer, type WorkerContext } from '@pastream/stream'
import { Biquad, biquadCoefficients, fromDbfs, seededRandom, type FilterType } from './dsp.js'
import { Stat, statCount, workerFxKey, type WorkerFxShared } from './worker-fx-shared.js'

/** Frames handled per wake-up at most (the ring may hold more after a stall). */
const BLOCK = 1024
/** Frames of played history kept for the check: more than any round trip. */
const HISTORY = 1 << 18

export default function filter(input: RingBuffer, context: WorkerContext): void {
  const params = new URL(import.meta.url).searchParams
  const type = (params.get('type') ?? 'lowpass') as FilterType
  const check = params.get('check') === '1'
  const channels = context.channels
  const key = params.get('shared') ?? ''
  const shared = key.startsWith(workerFxKey) ? (getEnvironmentData(key) as WorkerFxShared | undefined) : undefined
  if (shared === undefined) throw new Error(`worker-fx-filter: no environment data under ${JSON.stringify(key)} (run it through worker-fx)`)
  const output = RingBuffer.from(shared.output)
  const stats = new Float64Array(shared.stats)
  if (stats.length < statCount) throw new Error('worker-fx-filter: the counters are too small')
  if (check && channels !== 2) throw new Error(`worker-fx-filter: the loopback check needs 2 channels, got ${channels}`)
  if (input.elementsize !== channels * 4 || output.elementsize !== channels * 4) {
    throw new Error(`worker-fx-filter: expected float32 rings of ${channels} channels`)
  }

  // one filter per channel it filters (each keeps its own state)
  const coefficients = biquadCoefficients(type, Number(params.get('freq') ?? 1000), Number(params.get('q') ?? Math.SQRT1_2), context.samplerate)
  const filters = Array.from({ length: check ? 1 : channels }, () => new Biquad(coefficients))

  // the check's state: the noise, what was played, where the input is
  const random = seededRandom(Number(params.get('seed') ?? 1))
  const amplitude = fromDbfs(Number(params.get('level') ?? -12))
  const played = new Float32Array(HISTORY * 2)
  const prefill = Number(params.get('prefill') ?? 0)
  let outIndex = prefill // the main thread put `prefill` frames of silence in the output ring first (zeros, as `played` starts)
  let inIndex = 0
  let compared = 0
  let mismatched = 0
  stats[Stat.delay] = -1
  stats[Stat.firstMismatch] = -1
  stats[Stat.minMargin] = Infinity

  const inBlock = new Float32Array(BLOCK * channels)
  const inBytes = new Uint8Array(inBlock.buffer)
  const outBlock = new Float32Array(BLOCK * channels)
  for (;;) {
    // sleeps (Atomics.wait) until a period's worth has arrived; after the
    // stream stopped it returns what is left, and 0 once drained
    const available = context.waitReadable()
    if (available === 0 && context.stopped) return
    if (context.cancelled) return
    stats[Stat.maxBacklog] = Math.max(stats[Stat.maxBacklog] as number, available)
    const n = input.readInto(inBytes.subarray(0, Math.min(available, BLOCK) * input.elementsize))
    let inSquares = 0
    let outSquares = 0
    for (let i = 0; i < n; i++) {
      if (check) {
        const heard1 = inBlock[2 * i] as number
        const heard2 = inBlock[2 * i + 1] as number
        let delay = stats[Stat.delay] as number
        // the first noise sample was played at output frame `prefill`: where it
        // is heard gives the round trip (a noise sample is 0 with odds 2^-32)
        if (delay < 0 && heard2 !== 0) stats[Stat.delay] = delay = inIndex - prefill
        if (delay >= 0) {
          const at = ((inIndex - delay) & (HISTORY - 1)) * 2
          if (heard1 !== played[at] || heard2 !== played[at + 1]) {
            if ((stats[Stat.firstMismatch] as number) < 0) stats[Stat.firstMismatch] = inIndex
            mismatched++
          }
          compared++
        }
        // the effect: input 2 filtered into output 1; new noise on output 2
        const y = (filters[0] as Biquad).process(heard2)
        const noise = (2 * random() - 1) * amplitude
        outBlock[2 * i] = y
        outBlock[2 * i + 1] = noise
        const slot = (outIndex & (HISTORY - 1)) * 2
        played[slot] = y // as float32: exactly what the device gets
        played[slot + 1] = noise
        inSquares += heard2 * heard2
        outSquares += y * y
      } else {
        for (let c = 0; c < channels; c++) {
          const x = inBlock[i * channels + c] as number
          const y = (filters[c] as Biquad).process(x)
          outBlock[i * channels + c] = y
          inSquares += x * x
          outSquares += y * y
        }
      }
      inIndex++
      outIndex++
    }
    if (inIndex > n) stats[Stat.minMargin] = Math.min(stats[Stat.minMargin] as number, output.readAvailable)
    // one output frame per input frame: the output ring never fills unless the
    // device stopped taking frames, and then dropping them would hide it
    const wrote = output.write(new Uint8Array(outBlock.buffer, 0, n * output.elementsize))
    if (wrote < n) throw new Error(`worker-fx-filter: the output ring is full (wrote ${wrote} of ${n} frames)`)
    stats[Stat.frames] = inIndex
    stats[Stat.compared] = compared
    stats[Stat.mismatched] = mismatched
    stats[Stat.inputSquares] = (stats[Stat.inputSquares] as number) + inSquares
    stats[Stat.outputSquares] = (stats[Stat.outputSquares] as number) + outSquares
  }
}
