import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { layout } from './layout.js'
import { RingBuffer } from './ring-buffer.js'
import { prng } from './testing.js'

const HEADER = layout.PAS_RING_HEADER_BYTES
const WRITE = layout.PAS_RING_WRITE_INDEX_OFFSET / 4
const READ = layout.PAS_RING_READ_INDEX_OFFSET / 4


/** An integer in [lo, hi]. */
function int(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1))
}

/** The byte at stream position i (same hash as test/ring-worker.mjs). */
function byteAt(i: number): number {
  return (Math.imul(i, 0x9e3779b1) >>> 24) ^ (i & 0xff)
}

/** Bytes [from, from + length) of the stream. */
function stream(from: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let k = 0; k < length; k++) out[k] = byteAt(from + k)
  return out
}

/** Expects `got` to be stream bytes [from, from + got.length); cheap when it is (for hot loops). */
function expectStream(got: Uint8Array, from: number, message?: string): void {
  for (let k = 0; k < got.length; k++) {
    if (got[k] !== byteAt(from + k)) {
      expect(got, message).toEqual(stream(from, got.length))
      return
    }
  }
}

/** Sets both indices directly in the header (as if the ring had run a long time). */
function setIndices(ring: RingBuffer, index: number): void {
  const u32 = new Uint32Array(ring.buffer, 0, HEADER / 4)
  u32[WRITE] = index >>> 0
  u32[READ] = index >>> 0
}

/** Formats a block by hand, as the C side (pas_ring_init) lays it out. */
function formatByHand(elementsize: number, capacity: number, extra = 0): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(HEADER + elementsize * capacity + extra)
  const view = new DataView(buffer)
  view.setUint32(layout.PAS_RING_MAGIC_OFFSET, layout.PAS_RING_MAGIC, true)
  view.setUint32(layout.PAS_RING_VERSION_OFFSET, layout.PAS_RING_VERSION, true)
  view.setUint32(layout.PAS_RING_ELEMENTSIZE_OFFSET, elementsize, true)
  view.setUint32(layout.PAS_RING_CAPACITY_OFFSET, capacity, true)
  return buffer
}

describe('RingBuffer constructor', () => {
  const sizeError = (got: string) => `Expected a power of two between 1 and 2^31 for size, got ${got}`
  const elementsizeError = (got: string) => `Expected a positive integer for elementsize, got ${got}`

  it('rejects a size that is not a power of two in [1, 2^31]', () => {
    expect(() => new RingBuffer(4, 1000)).toThrow(new RangeError(sizeError('1000 (number)')))
    expect(() => new RingBuffer(4, 0)).toThrow(new RangeError(sizeError('0 (number)')))
    expect(() => new RingBuffer(4, -8)).toThrow(new RangeError(sizeError('-8 (number)')))
    expect(() => new RingBuffer(4, 2.5)).toThrow(new RangeError(sizeError('2.5 (number)')))
    expect(() => new RingBuffer(4, NaN)).toThrow(new RangeError(sizeError('NaN (number)')))
    expect(() => new RingBuffer(4, 2 ** 32)).toThrow(new RangeError(sizeError('4294967296 (number)')))
    expect(() => new RingBuffer(4, '8' as unknown as number)).toThrow(new RangeError(sizeError('8 (string)')))
    expect(() => new RingBuffer(4, 1000)).toThrow(RangeError)
  })

  it('rejects an elementsize that is not a positive integer', () => {
    expect(() => new RingBuffer(0, 8)).toThrow(new RangeError(elementsizeError('0 (number)')))
    expect(() => new RingBuffer(1.5, 8)).toThrow(new RangeError(elementsizeError('1.5 (number)')))
    expect(() => new RingBuffer(-4, 8)).toThrow(new RangeError(elementsizeError('-4 (number)')))
    expect(() => new RingBuffer(undefined as unknown as number, 8)).toThrow(
      new RangeError(elementsizeError('undefined (undefined)')),
    )
    expect(() => new RingBuffer(1.5, 8)).toThrow(RangeError)
  })

  it('accepts the smallest shapes', () => {
    const ring = new RingBuffer(1, 1)
    expect(ring.size).toBe(1)
    expect(ring.elementsize).toBe(1)
    expect(ring.buffer.byteLength).toBe(HEADER + 1)
    expect(ring.write(new Uint8Array([7, 8]))).toBe(1)
    expect(ring.writeAvailable).toBe(0)
    expect([...ring.read()]).toEqual([7])
  })
})

describe('RingBuffer.from', () => {
  it('rejects a plain SharedArrayBuffer without a header', () => {
    expect(() => RingBuffer.from(new SharedArrayBuffer(1024))).toThrow(
      new TypeError('Expected a pastream ring, got a SharedArrayBuffer without its header (bad magic or version)'),
    )
  })

  it('rejects a wrong version', () => {
    const buffer = formatByHand(4, 8)
    new DataView(buffer).setUint32(layout.PAS_RING_VERSION_OFFSET, 2, true)
    expect(() => RingBuffer.from(buffer)).toThrow(
      new TypeError('Expected a pastream ring, got a SharedArrayBuffer without its header (bad magic or version)'),
    )
  })

  it('rejects a buffer smaller than the header', () => {
    expect(() => RingBuffer.from(new SharedArrayBuffer(100))).toThrow(
      new TypeError('Expected a pastream ring, got a SharedArrayBuffer of 100 bytes (smaller than its header)'),
    )
    expect(() => RingBuffer.from(new SharedArrayBuffer(0))).toThrow(
      new TypeError('Expected a pastream ring, got a SharedArrayBuffer of 0 bytes (smaller than its header)'),
    )
  })

  it('rejects a header whose data does not fit', () => {
    const full = new RingBuffer(12, 64).buffer
    const cut = new SharedArrayBuffer(HEADER + 12 * 64 - 1)
    new Uint8Array(cut).set(new Uint8Array(full, 0, cut.byteLength))
    expect(() => RingBuffer.from(cut)).toThrow(new TypeError(`Expected ${HEADER + 12 * 64} bytes for this ring, got ${HEADER + 12 * 64 - 1}`))
  })

  it('rejects what is not a SharedArrayBuffer', () => {
    const bad = (value: unknown) => () => RingBuffer.from(value as SharedArrayBuffer)
    expect(bad(new ArrayBuffer(1024))).toThrow(new TypeError('Expected a SharedArrayBuffer for buffer, got [object ArrayBuffer]'))
    expect(bad(new Uint8Array(new SharedArrayBuffer(1024)))).toThrow(
      new TypeError('Expected a SharedArrayBuffer for buffer, got [object Uint8Array]'),
    )
    expect(bad(null)).toThrow(new TypeError('Expected a SharedArrayBuffer for buffer, got [object Null]'))
    expect(bad(undefined)).toThrow(new TypeError('Expected a SharedArrayBuffer for buffer, got [object Undefined]'))
  })

  it('rejects a header with an impossible shape', () => {
    expect(() => RingBuffer.from(formatByHand(0, 8))).toThrow(
      new TypeError('Expected a pastream ring, got a header with elementsize 0 and capacity 8'),
    )
    const capacity = formatByHand(4, 8)
    new DataView(capacity).setUint32(layout.PAS_RING_CAPACITY_OFFSET, 6, true)
    expect(() => RingBuffer.from(capacity)).toThrow(
      new TypeError('Expected a pastream ring, got a header with elementsize 4 and capacity 6'),
    )
  })

  it('shares the memory and the indices with the original ring', () => {
    const producer = new RingBuffer(3, 16)
    setIndices(producer, 0xfffffff0)
    const consumer = RingBuffer.from(producer.buffer)
    expect(consumer.buffer).toBe(producer.buffer)
    expect(consumer.elementsize).toBe(3)
    expect(consumer.size).toBe(16)
    expect(producer.write(stream(0, 30))).toBe(10)
    expect(consumer.readAvailable).toBe(10)
    expect(consumer.read(4)).toEqual(stream(0, 12))
    expect(producer.writeAvailable).toBe(10)
    expect(producer.readIndex).toBe(0xfffffff4)
    expect(consumer.writeIndex).toBe(0xfffffffa)
  })
})

describe('RingBuffer and the C layout', () => {
  it('writes magic, version, elementsize and capacity at the documented offsets', () => {
    const ring = new RingBuffer(12, 256)
    const view = new DataView(ring.buffer)
    expect(ring.buffer.byteLength).toBe(192 + 12 * 256)
    expect(view.getUint32(128, true)).toBe(0x52534150)
    expect(new TextDecoder().decode(new Uint8Array(ring.buffer, 128, 4))).toBe('PASR')
    expect(view.getUint32(132, true)).toBe(1)
    expect(view.getUint32(136, true)).toBe(12)
    expect(view.getUint32(140, true)).toBe(256)
    // indices start at 0 and everything else in the header is zero
    const header = new Uint8Array(ring.buffer, 0, 192)
    for (let i = 0; i < 192; i++) if (i < 128 || i >= 144) expect(header[i], `header byte ${i}`).toBe(0)
    expect(ring.view).toBeInstanceOf(Uint8Array)
    expect(ring.view.buffer).toBe(ring.buffer)
    expect(ring.view.byteLength).toBe(ring.buffer.byteLength)
  })

  it('keeps write_index at byte 0 and read_index at byte 64 (uint32 little endian)', () => {
    const ring = new RingBuffer(2, 8)
    const view = new DataView(ring.buffer)
    ring.write(new Uint8Array(10))
    expect(view.getUint32(0, true)).toBe(5)
    expect(view.getUint32(64, true)).toBe(0)
    ring.read(2)
    expect(view.getUint32(64, true)).toBe(2)
    view.setUint32(0, 0x12345678, true)
    view.setUint32(64, 0x12345670, true)
    expect(ring.writeIndex).toBe(0x12345678)
    expect(ring.readIndex).toBe(0x12345670)
    expect(ring.readAvailable).toBe(8)
  })

  it('reads what a C-side producer put in a block it formatted', () => {
    const buffer = formatByHand(4, 8)
    const ring = RingBuffer.from(buffer)
    expect(ring.elementsize).toBe(4)
    expect(ring.size).toBe(8)
    // "C" writes 3 frames at positions 6, 7, 0 and publishes write_index 0xFFFFFFFE + 3
    const view = new DataView(buffer)
    view.setUint32(0, 0xfffffffe, true)
    view.setUint32(64, 0xfffffffe, true)
    new Uint8Array(buffer, HEADER + 6 * 4, 8).set(stream(0, 8))
    new Uint8Array(buffer, HEADER, 4).set(stream(8, 4))
    view.setUint32(0, 1, true)
    expect(ring.readAvailable).toBe(3)
    expect(ring.read()).toEqual(stream(0, 12))
    expect(view.getUint32(64, true)).toBe(1)
  })
})

describe('RingBuffer on one thread', () => {
  it('moves a byte sequence intact through random write/read sizes (seeded)', () => {
    for (const [seed, start] of [
      [1, 0],
      [2, 0xffffff00],
      [3, 0xfffffff5],
      [4, 0x7ffffffb],
    ] as const) {
      const random = prng(seed)
      const es = 3
      const ring = new RingBuffer(es, 64)
      setIndices(ring, start)
      let written = 0 // elements
      let read = 0
      for (let step = 0; step < 5000; step++) {
        const held = written - read
        const state = [ring.readAvailable, ring.writeAvailable, ring.writeIndex, ring.readIndex]
        const model = [held, 64 - held, (start + written) >>> 0, (start + read) >>> 0]
        if (state.some((v, i) => v !== model[i])) expect(state, `seed ${seed} step ${step}`).toEqual(model)
        if (random() < 0.5) {
          const n = int(random, 0, 72)
          const partial = int(random, 0, es - 1)
          const data = new Uint8Array(n * es + partial)
          data.set(stream(written * es, n * es))
          data.fill(0xff, n * es)
          let count: number
          const mode = random()
          if (mode < 0.4) count = ring.write(data)
          else if (mode < 0.7) count = ring.write(data, int(random, 0, n))
          else {
            const [c, a, b] = ring.getWriteBuffers(n)
            a.set(data.subarray(0, a.byteLength))
            b.set(data.subarray(a.byteLength, a.byteLength + b.byteLength))
            expect(ring.advanceWriteIndex(c)).toBe((start + written + c) >>> 0)
            count = c
          }
          expect(count).toBeLessThanOrEqual(Math.min(n, 64 - held))
          if (mode < 0.4 || mode >= 0.7) expect(count).toBe(Math.min(n, 64 - held))
          written += count
        } else {
          const m = int(random, 0, 72)
          const expected = Math.min(m, held)
          const mode = random()
          let got: Uint8Array
          if (mode < 0.3) got = ring.read(m)
          else if (mode < 0.6) {
            const dest = new Uint8Array(m * es + int(random, 0, es - 1)).fill(0xab)
            const count = ring.readInto(dest)
            expect(count).toBe(expected)
            expect(dest.subarray(count * es).every((v) => v === 0xab)).toBe(true)
            got = dest.subarray(0, count * es)
          } else {
            const [count, a, b] = ring.getReadBuffers(m)
            expect(count).toBe(expected)
            got = new Uint8Array(a.byteLength + b.byteLength)
            got.set(a)
            got.set(b, a.byteLength)
            ring.advanceReadIndex(count)
          }
          expect(got.byteLength).toBe(expected * es)
          expectStream(got, read * es)
          read += expected
        }
      }
      expect(written, `seed ${seed}`).toBeGreaterThan(64 * 40)
      // the counters went past 2^32 where they started close to it
      if (start > 0xffff0000) expect(ring.writeIndex).toBeLessThan(start)
    }
  })

  it('wraps: two regions when the data crosses the end, an empty second one otherwise', () => {
    const ring = new RingBuffer(4, 8)
    // empty, at 0: one region
    let [count, a, b] = ring.getWriteBuffers()
    expect([count, a.byteLength, b.byteLength]).toEqual([8, 32, 0])
    expect(a.buffer).toBe(ring.buffer)
    expect(a.byteOffset).toBe(HEADER)

    expect(ring.write(stream(0, 24))).toBe(6)
    ;[count, a, b] = ring.getReadBuffers()
    expect([count, a.byteLength, b.byteLength]).toEqual([6, 24, 0])
    expect(ring.read(6)).toEqual(stream(0, 24))

    // empty at position 6: writing all 8 wraps after 2
    ;[count, a, b] = ring.getWriteBuffers()
    expect([count, a.byteLength, b.byteLength]).toEqual([8, 8, 24])
    expect(a.byteOffset).toBe(HEADER + 24)
    expect(b.byteOffset).toBe(HEADER)
    expect(b.buffer).toBe(ring.buffer)
    ;[count, a, b] = ring.getWriteBuffers(2)
    expect([count, a.byteLength, b.byteLength]).toEqual([2, 8, 0])

    expect(ring.write(stream(24, 20))).toBe(5)
    ;[count, a, b] = ring.getReadBuffers()
    expect([count, a.byteLength, b.byteLength]).toEqual([5, 8, 12])
    expect(a).toEqual(stream(24, 8))
    expect(b).toEqual(stream(32, 12))
    expect(a.byteOffset).toBe(HEADER + 24)
    expect(b.byteOffset).toBe(HEADER)
    ;[count, a, b] = ring.getReadBuffers(2)
    expect([count, a.byteLength, b.byteLength]).toEqual([2, 8, 0])
    ;[count, a, b] = ring.getReadBuffers(3)
    expect([count, a.byteLength, b.byteLength]).toEqual([3, 8, 4])
    // asking for more than there is is clamped; a count that is not a count throws
    ;[count, a, b] = ring.getReadBuffers(100)
    expect(count).toBe(5)
    expect(() => ring.getReadBuffers(-3)).toThrow(
      new RangeError('Expected an integer in [0, 9007199254740991] for size, got -3 (number)'),
    )
    expect(() => ring.getWriteBuffers(Number.NaN)).toThrow(/for size, got NaN \(number\)/)
    expect(() => ring.write(new Uint8Array(8), 1.5)).toThrow(/for size, got 1.5 \(number\)/)
    expect(() => ring.read(Number.NaN)).toThrow(/for size, got NaN/)
    expect(() => ring.advanceReadIndex(6)).toThrow(new RangeError('Expected an integer in [0, 5] for size, got 6 (number)'))
    expect(() => ring.advanceWriteIndex(4)).toThrow(new RangeError('Expected an integer in [0, 3] for size, got 4 (number)'))
    expect(ring.readAvailable).toBe(5) // nothing moved
    ;[count, a, b] = ring.getWriteBuffers(100)
    expect([count, a.byteLength, b.byteLength]).toEqual([3, 12, 0])
    expect(b.byteOffset).toBe(HEADER)

    expect(ring.read()).toEqual(stream(24, 20))
    expect(ring.readIndex).toBe(11)
  })

  it('handles the full and empty edges', () => {
    const ring = new RingBuffer(2, 16)
    expect(ring.readAvailable).toBe(0)
    expect(ring.writeAvailable).toBe(16)
    expect(ring.read().byteLength).toBe(0)
    expect(ring.readInto(new Uint8Array(8))).toBe(0)
    expect(ring.getReadBuffers()[0]).toBe(0)
    expect(ring.flush()).toBe(0)
    expect(ring.readIndex).toBe(0)

    expect(ring.write(stream(0, 40))).toBe(16)
    expect(ring.writeAvailable).toBe(0)
    expect(ring.readAvailable).toBe(16)
    expect(ring.write(new Uint8Array([1, 2]))).toBe(0)
    const [count, a, b] = ring.getWriteBuffers()
    expect([count, a.byteLength, b.byteLength]).toEqual([0, 0, 0])
    expect(ring.writeIndex).toBe(16)

    expect(ring.read(15)).toEqual(stream(0, 30))
    expect(ring.writeAvailable).toBe(15)
    expect(ring.write(stream(32, 40))).toBe(15)
    expect(ring.writeAvailable).toBe(0)
    expect(ring.read()).toEqual(stream(30, 32))
    expect(ring.readAvailable).toBe(0)
    expect(ring.writeAvailable).toBe(16)
    expect(ring.read().byteLength).toBe(0)
  })

  it('keeps going when the indices pass 2^32', () => {
    const ring = new RingBuffer(4, 32)
    setIndices(ring, 0xffffff00)
    let w = 0
    let r = 0
    // 0x100 elements to the wrap, then as many again
    while (w < 0x200) {
      w += ring.write(stream(w * 4, 20 * 4))
      expect(ring.readAvailable).toBe(w - r)
      const got = ring.read(13)
      expect(got).toEqual(stream(r * 4, got.byteLength))
      r += got.byteLength / 4
      expect(ring.writeIndex).toBe((0xffffff00 + w) >>> 0)
      expect(ring.readIndex).toBe((0xffffff00 + r) >>> 0)
    }
    expect(ring.writeIndex).toBeLessThan(0x1000)
    expect(ring.read()).toEqual(stream(r * 4, (w - r) * 4))

    // exactly at the last index before 0: full, then drain across the wrap
    setIndices(ring, 0xffffffff)
    expect(ring.write(stream(0, 200))).toBe(32)
    expect(ring.writeIndex).toBe(31)
    expect(ring.readAvailable).toBe(32)
    expect(ring.writeAvailable).toBe(0)
    expect(ring.read()).toEqual(stream(0, 128))
    expect(ring.readIndex).toBe(31)
  })

  it('readInto a destination too small for one element copies nothing', () => {
    const ring = new RingBuffer(8, 4)
    ring.write(stream(0, 32))
    const tiny = new Uint8Array(5).fill(9)
    expect(ring.readInto(tiny)).toBe(0)
    expect([...tiny]).toEqual([9, 9, 9, 9, 9])
    expect(ring.readIndex).toBe(0)
    expect(ring.readInto(new Float32Array(1))).toBe(0)

    // 12 bytes hold one 8-byte element: the last 4 stay untouched
    const f32 = new Float32Array([1, 2, 3])
    expect(ring.readInto(f32)).toBe(1)
    expect(new Uint8Array(f32.buffer, 0, 8)).toEqual(stream(0, 8))
    expect(f32[2]).toBe(3)
    expect(ring.readIndex).toBe(1)

    // a view with an offset: only its own bytes are written
    const backing = new Uint8Array(40).fill(1)
    expect(ring.readInto(new DataView(backing.buffer, 4, 17))).toBe(2)
    expect(backing.subarray(4, 20)).toEqual(stream(8, 16))
    expect(backing.subarray(0, 4).every((v) => v === 1)).toBe(true)
    expect(backing.subarray(20).every((v) => v === 1)).toBe(true)
    // an ArrayBuffer works too
    const ab = new ArrayBuffer(16)
    expect(ring.readInto(ab)).toBe(1)
    expect(new Uint8Array(ab, 0, 8)).toEqual(stream(24, 8))
    expect(ring.readAvailable).toBe(0)
  })

  it('ignores a partial trailing element on write, and honours size', () => {
    const ring = new RingBuffer(4, 16)
    expect(ring.write(new Uint8Array(3))).toBe(0)
    expect(ring.writeIndex).toBe(0)
    expect(ring.write(stream(0, 10))).toBe(2)
    expect(ring.writeIndex).toBe(2)
    // the two stray bytes went nowhere: the next frame is still zero
    expect(new Uint8Array(ring.buffer, HEADER + 8, 4)).toEqual(new Uint8Array(4))
    expect(ring.write(stream(8, 16), 1)).toBe(1)
    expect(ring.write(stream(12, 16), 0)).toBe(0)
    expect(new Uint8Array(ring.buffer, HEADER + 12, 4)).toEqual(new Uint8Array(4))
    // typed arrays with an offset, ArrayBuffers and SharedArrayBuffers
    const backing = new Uint8Array(64)
    backing.set(stream(12, 12), 6)
    expect(ring.write(new Uint16Array(backing.buffer, 6, 6))).toBe(3)
    expect(ring.write(stream(24, 8).buffer)).toBe(2)
    const sab = new SharedArrayBuffer(9)
    new Uint8Array(sab).set(stream(32, 9))
    expect(ring.write(sab)).toBe(2)
    expect(ring.write(new Float32Array([1.5, -2]))).toBe(2)
    expect(ring.readAvailable).toBe(12)
    expect(ring.read(10)).toEqual(stream(0, 40))
    expect(new Float32Array(ring.read().buffer)).toEqual(new Float32Array([1.5, -2]))
  })

  it('flush returns how many it dropped and empties the ring', () => {
    const ring = new RingBuffer(6, 8)
    setIndices(ring, 0xfffffffd)
    expect(ring.write(stream(0, 6 * 5))).toBe(5)
    expect(ring.flush()).toBe(5)
    expect(ring.readAvailable).toBe(0)
    expect(ring.writeAvailable).toBe(8)
    expect(ring.readIndex).toBe(ring.writeIndex)
    expect(ring.readIndex).toBe(2)
    expect(ring.flush()).toBe(0)
    expect(ring.write(stream(100, 6 * 8))).toBe(8)
    expect(ring.read()).toEqual(stream(100, 48))
  })

  it('never touches memory outside the regions it hands out (guard bytes)', () => {
    const es = 5
    const size = 32
    const guard = 64
    const buffer = formatByHand(es, size, guard)
    const all = new Uint8Array(buffer)
    all.fill(0xa5, HEADER) // data and the guard past the end
    const headerBefore = all.slice(0, HEADER)
    const ring = RingBuffer.from(buffer)
    expect(ring.size).toBe(size)
    const data = new Uint8Array(buffer, HEADER, es * size)
    const random = prng(99)
    let written = 0
    let read = 0
    const headerIntact = () => {
      for (let i = 0; i < HEADER; i++) {
        // only the two index words may change
        if (i < 4 || (i >= 64 && i < 68)) continue
        if (all[i] !== headerBefore[i]) return false
      }
      return true
    }
    for (let step = 0; step < 3000; step++) {
      const before = data.slice()
      if (random() < 0.5) {
        const n = int(random, 0, size + 4)
        const w0 = ring.writeIndex
        const count = ring.write(stream(written * es, n * es + int(random, 0, es - 1)))
        // exactly the frames [w0, w0 + count) changed, each to its stream bytes
        const touched = new Set<number>()
        for (let k = 0; k < count; k++) touched.add((w0 + k) & (size - 1))
        for (let i = 0; i < data.length; i++) {
          const f = Math.floor(i / es)
          if (!touched.has(f) && data[i] !== before[i]) expect.fail(`step ${step}: byte ${i % es} of untouched frame ${f} changed`)
        }
        for (let k = 0; k < count; k++) {
          const f = (w0 + k) & (size - 1)
          expectStream(data.subarray(f * es, (f + 1) * es), (written + k) * es, `frame ${f}`)
        }
        written += count
      } else {
        const got = ring.read(int(random, 0, size + 4))
        expectStream(got, read * es)
        read += got.byteLength / es
        // reading never writes the data
        for (let i = 0; i < data.length; i++) if (data[i] !== before[i]) expect.fail(`step ${step}: read changed data byte ${i}`)
      }
      expect(all.subarray(HEADER + es * size).every((v) => v === 0xa5)).toBe(true)
      expect(headerIntact()).toBe(true)
    }
    expect(written).toBeGreaterThan(size * 20)
  })
})

interface WorkerReport {
  role: 'producer' | 'consumer'
  elements: number
  bytes: number
  mismatches: number
  firstMismatch: number
  guardErrors: number
  waits: number
  timedOut: boolean
}

/** Runs one producer and one consumer Worker over `ring`; resolves with both reports. */
async function stress(
  ring: RingBuffer,
  elements: number,
  options: { corruptAt?: number; deadlineMs?: number } = {},
): Promise<{ producer: WorkerReport; consumer: WorkerReport }> {
  const bell = new SharedArrayBuffer(8)
  const url = new URL('../test/ring-worker.mjs', import.meta.url)
  const run = (role: 'producer' | 'consumer', seed: number) =>
    new Promise<WorkerReport>((resolve, reject) => {
      const worker = new Worker(url, {
        workerData: {
          role,
          ring: ring.buffer,
          bell,
          elements,
          seed,
          deadlineMs: options.deadlineMs ?? 15000,
          ...(options.corruptAt === undefined ? {} : { corruptAt: options.corruptAt }),
        },
      })
      let report: WorkerReport | undefined
      worker.on('message', (message: WorkerReport) => {
        report = message
      })
      worker.on('error', reject)
      worker.on('exit', (code) => {
        if (code === 0 && report !== undefined) resolve(report)
        else reject(new Error(`${role} worker exited with code ${code} ${report ? '' : 'without a report'}`))
      })
    })
  const [producer, consumer] = await Promise.all([run('producer', 0x1234), run('consumer', 0x5678)])
  return { producer, consumer }
}

describe('RingBuffer across two threads', () => {
  it('moves 100 MB from a producer Worker to a consumer Worker byte-exact', async () => {
    const es = 12
    const ring = new RingBuffer(es, 4096)
    const start = 0xffff0000 // the indices pass 2^32 during the run
    setIndices(ring, start)
    const elements = Math.ceil((100 * 1024 * 1024) / es)
    const t0 = performance.now()
    const { producer, consumer } = await stress(ring, elements)
    const seconds = (performance.now() - t0) / 1000
    console.log(
      `ring stress: ${(consumer.bytes / 2 ** 20).toFixed(1)} MiB in ${seconds.toFixed(2)} s, ` +
        `waits producer ${producer.waits} consumer ${consumer.waits}`,
    )
    expect(producer.timedOut).toBe(false)
    expect(consumer.timedOut).toBe(false)
    expect(producer.guardErrors).toBe(0)
    expect(consumer.guardErrors).toBe(0)
    expect(producer.elements).toBe(elements)
    expect(consumer.elements).toBe(elements)
    expect(consumer.mismatches).toBe(0)
    expect(consumer.firstMismatch).toBe(-1)
    expect(consumer.bytes).toBe(elements * es)
    expect(consumer.bytes).toBeGreaterThanOrEqual(100 * 1024 * 1024)
    expect(ring.readAvailable).toBe(0)
    expect(ring.writeIndex).toBe((start + elements) >>> 0)
    expect(ring.readIndex).toBe((start + elements) >>> 0)
    expect(ring.writeIndex).toBeLessThan(start)
  }, 30000)

  it('the consumer check is not vacuous: one flipped byte is one mismatch', async () => {
    const es = 12
    const ring = new RingBuffer(es, 4096)
    const elements = 100_000
    const corruptAt = 777_777
    const { producer, consumer } = await stress(ring, elements, { corruptAt })
    expect(producer.elements).toBe(elements)
    expect(consumer.elements).toBe(elements)
    expect(consumer.mismatches).toBe(1)
    expect(consumer.firstMismatch).toBe(corruptAt)
  })
})
