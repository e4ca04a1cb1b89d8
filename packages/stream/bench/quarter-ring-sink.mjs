// Worker sink for the benchmark: drains the ring whenever a quarter of it
// is readable (a sink that needs no low latency), discarding the frames.
export default function quarterRingSink(ring, context) {
  const quarter = ring.size / 4
  for (;;) {
    const available = context.waitReadable(quarter)
    if (available === 0 && context.stopped) break
    ring.advanceReadIndex(available)
    if (context.stopped && ring.readAvailable === 0) break
  }
}
