// RingBuffer on one thread: reads, writes, regions, wrapping indices,
// seeded random sequences checked byte by byte.
import { describe, expect, it } from 'vitest'
import { expectStream, formatByHand, HEADER, int, setIndices, stream } from '../test/ring-helpers.js'
import { RingBuffer } from './ring-buffer.js'
import { prng } from './testing.js'

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
