// Worker source for the benchmark: writes a float32 counting signal 1..N
// (N from the `frames` query parameter) into the ring as fast as it drains.
const frames = Number(new URL(import.meta.url).searchParams.get('frames'))

export default function countingSource(ring, context) {
  const block = new Float32Array(1024 * context.channels)
  let next = 1
  while (next <= frames && !context.stopped) {
    const room = context.waitWritable(1024)
    if (context.stopped) break
    const n = Math.min(room, 1024, frames - next + 1)
    for (let i = 0; i < n; i++) for (let c = 0; c < context.channels; c++) block[i * context.channels + c] = next + i
    ring.write(new Uint8Array(block.buffer, 0, n * ring.elementsize))
    if (next === 1) context.ready()
    next += n
  }
}
