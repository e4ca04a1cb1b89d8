// One side of the two-thread RingBuffer stress test (src/ring-buffer.test.ts).
// Plain JS on purpose: a Worker cannot load the .ts sources, so this uses the
// BUILT package (dist/, built before tests run) and rebuilds the ring from the
// SharedArrayBuffer it is given with RingBuffer.from: the main thread created
// it with the source RingBuffer, so the two also have to agree on the layout.
//
// workerData: {
//   role: 'producer' | 'consumer',
//   ring: SharedArrayBuffer,      // the ring (header + data)
//   bell: SharedArrayBuffer,      // Int32Array(2): [0] data published, [1] space freed
//   elements: number,             // elements to move in total
//   seed: number,                 // chunk sizes and API choice (mulberry32)
//   deadlineMs: number,           // give up (and report) after this long
//   corruptAt?: number,           // producer only: flip the byte at this stream position
// }
// Posts one message when done: { role, elements, bytes, mismatches, firstMismatch, guardErrors, waits, timedOut }.
import { parentPort, workerData } from 'node:worker_threads'
import { RingBuffer } from '../dist/index.js'
import { prng } from '../dist/testing.js'

const DATA = 0
const SPACE = 1

/** The byte at position i of the stream: a hash, so a stale lap or a shifted frame shows. */
function byteAt(i) {
  return (Math.imul(i, 0x9e3779b1) >>> 24) ^ (i & 0xff)
}


const { role, elements: total, seed, deadlineMs } = workerData
const corruptAt = workerData.corruptAt ?? -1
const ring = RingBuffer.from(workerData.ring)
const bell = new Int32Array(workerData.bell)
const es = ring.elementsize
const random = prng(seed)
const deadline = Date.now() + deadlineMs

/** Mostly small chunks, sometimes up to twice the size (more than fits). */
function chunk() {
  const r = random()
  if (r < 0.4) return 1 + Math.floor(random() * 16)
  if (r < 0.8) return 1 + Math.floor(random() * 512)
  return 1 + Math.floor(random() * ring.size * 2)
}

/** Blocks a few ms on the doorbell unless it moved since `seen`. False once past the deadline. */
function sleep(slot, seen) {
  if (Date.now() > deadline) return false
  Atomics.wait(bell, slot, seen, 5)
  return true
}

function ringBell(slot) {
  Atomics.add(bell, slot, 1)
  Atomics.notify(bell, slot)
}

let done = 0 // elements
let pos = 0 // stream byte position
let waits = 0
let timedOut = false
let mismatches = 0
let firstMismatch = -1
let guardErrors = 0
// room for twice the size plus a partial trailing element
const scratch = new Uint8Array((ring.size * 2 + 1) * es)

if (role === 'producer') {
  const fill = (dst) => {
    const start = pos
    for (let k = 0; k < dst.length; k++) dst[k] = byteAt(pos++)
    if (corruptAt >= start && corruptAt < pos) dst[corruptAt - start] ^= 0xff
  }
  while (done < total) {
    const seen = Atomics.load(bell, SPACE)
    const free = ring.writeAvailable
    if (free === 0) {
      waits++
      if (!sleep(SPACE, seen)) {
        timedOut = true
        break
      }
      continue
    }
    const want = Math.min(total - done, chunk())
    const mode = random()
    let count
    if (mode < 0.4) {
      // zero-copy: fill the regions in place, then publish
      const [n, a, b] = ring.getWriteBuffers(want)
      fill(a)
      fill(b)
      ring.advanceWriteIndex(n)
      count = n
    } else if (mode < 0.8) {
      // copy in, with a partial trailing element that must be ignored
      const n = Math.min(want, free)
      const src = scratch.subarray(0, n * es + (es - 1))
      fill(src.subarray(0, n * es))
      src.fill(0xee, n * es)
      count = ring.write(src)
      if (count !== n) guardErrors++
    } else {
      // copy in with an explicit count from a longer buffer (only `n` may go in)
      const n = Math.min(want, free)
      const src = scratch.subarray(0, (n + 1) * es)
      fill(src.subarray(0, n * es))
      src.fill(0xdd, n * es)
      count = ring.write(src.buffer, n)
      if (count !== n) guardErrors++
    }
    done += count
    ringBell(DATA)
  }
} else {
  const check = (src) => {
    for (let k = 0; k < src.length; k++, pos++) {
      if (src[k] !== byteAt(pos)) {
        if (mismatches === 0) firstMismatch = pos
        mismatches++
      }
    }
  }
  while (done < total) {
    const seen = Atomics.load(bell, DATA)
    const available = ring.readAvailable
    if (available === 0) {
      waits++
      if (!sleep(DATA, seen)) {
        timedOut = true
        break
      }
      continue
    }
    const want = Math.min(total - done, chunk())
    const mode = random()
    let count
    if (mode < 0.4) {
      const [n, a, b] = ring.getReadBuffers(want)
      check(a)
      check(b)
      ring.advanceReadIndex(n)
      count = n
    } else if (mode < 0.7) {
      // a destination with a partial trailing element: that part stays untouched
      const n = Math.min(want, available)
      const dest = scratch.subarray(0, n * es + (es - 1))
      dest.fill(0xcc)
      count = ring.readInto(dest)
      if (count !== n) guardErrors++
      check(dest.subarray(0, count * es))
      for (let k = count * es; k < dest.length; k++) if (dest[k] !== 0xcc) guardErrors++
    } else {
      const out = ring.read(want)
      count = out.length / es
      if (count < Math.min(want, available) || count > want) guardErrors++
      check(out)
    }
    done += count
    ringBell(SPACE)
  }
}

parentPort.postMessage({ role, elements: done, bytes: pos, mismatches, firstMismatch, guardErrors, waits, timedOut })
