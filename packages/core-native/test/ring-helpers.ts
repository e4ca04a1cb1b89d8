// Helpers of the RingBuffer tests: a deterministic byte stream to write and
// check, and direct access to a ring's header (as the C side would see it).
import { expect } from 'vitest'
import { layout } from '../src/layout.js'
import type { RingBuffer } from '../src/ring-buffer.js'

export const HEADER = layout.PAS_RING_HEADER_BYTES
const WRITE = layout.PAS_RING_WRITE_INDEX_OFFSET / 4
const READ = layout.PAS_RING_READ_INDEX_OFFSET / 4

/** An integer in [lo, hi]. */
export function int(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1))
}

/** The byte at stream position i (same hash as test/ring-worker.mjs). */
export function byteAt(i: number): number {
  return (Math.imul(i, 0x9e3779b1) >>> 24) ^ (i & 0xff)
}

/** Bytes [from, from + length) of the stream. */
export function stream(from: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let k = 0; k < length; k++) out[k] = byteAt(from + k)
  return out
}

/** Expects `got` to be stream bytes [from, from + got.length); cheap when it is (for hot loops). */
export function expectStream(got: Uint8Array, from: number, message?: string): void {
  for (let k = 0; k < got.length; k++) {
    if (got[k] !== byteAt(from + k)) {
      expect(got, message).toEqual(stream(from, got.length))
      return
    }
  }
}

/** Sets both indices directly in the header (as if the ring had run a long time). */
export function setIndices(ring: RingBuffer, index: number): void {
  const u32 = new Uint32Array(ring.buffer, 0, HEADER / 4)
  u32[WRITE] = index >>> 0
  u32[READ] = index >>> 0
}

/** Formats a block by hand, as the C side (pas_ring_init) lays it out. */
export function formatByHand(elementsize: number, size: number, extra = 0): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(HEADER + elementsize * size + extra)
  const view = new DataView(buffer)
  view.setUint32(layout.PAS_RING_MAGIC_OFFSET, layout.PAS_RING_MAGIC, true)
  view.setUint32(layout.PAS_RING_VERSION_OFFSET, layout.PAS_RING_VERSION, true)
  view.setUint32(layout.PAS_RING_ELEMENTSIZE_OFFSET, elementsize, true)
  view.setUint32(layout.PAS_RING_SIZE_OFFSET, size, true)
  return buffer
}
