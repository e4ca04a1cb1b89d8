// Worker sink for the benchmark: checks a float32 counting signal (1, 2, 3,
// ... after the loopback delay's zeros) and writes what it found to the JSON
// file named in the module URL's `out` query parameter.
import { writeFileSync } from 'node:fs'

const out = new URL(import.meta.url).searchParams.get('out')

export default function countingSink(ring, context) {
  let expected = 0 // 0 until the signal arrives
  let frames = 0
  let lost = 0
  let repeated = 0
  let trailingZeros = 0
  const view = new Float32Array(4096 * context.channels)
  for (;;) {
    const available = context.waitReadable(context.blocksize || 256)
    if (available === 0 && context.stopped) break
    const n = ring.readInto(new Uint8Array(view.buffer, 0, Math.min(available, 4096) * ring.elementsize))
    for (let i = 0; i < n; i++) {
      const v = view[i * context.channels]
      frames++
      if (v === 0) {
        if (expected > 0) trailingZeros++
        continue
      }
      if (expected === 0) expected = v // first sample of the signal
      if (trailingZeros > 0) {
        lost += trailingZeros // silence inside the signal
        trailingZeros = 0
      }
      if (v > expected) lost += v - expected
      else if (v < expected) repeated += expected - v
      expected = v + 1
    }
  }
  writeFileSync(out, JSON.stringify({ frames, lastValue: expected - 1, lost, repeated }))
}
