// RingBuffer: construction, adoption of an existing ring (from), the byte
// layout shared with C, and a producer and a consumer in two Worker threads.
// Single-thread operations are in ring-buffer-one-thread.test.ts.
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { formatByHand, HEADER, setIndices, stream } from '../test/ring-helpers.js'
import { layout } from './layout.js'
import { RingBuffer, type RingWriter } from './ring-buffer.js'

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
      new TypeError('Expected a pastream ring, got a header with elementsize 0 and size 8'),
    )
    const oddSize = formatByHand(4, 8)
    new DataView(oddSize).setUint32(layout.PAS_RING_SIZE_OFFSET, 6, true)
    expect(() => RingBuffer.from(oddSize)).toThrow(
      new TypeError('Expected a pastream ring, got a header with elementsize 4 and size 6'),
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

  it('shares the writer state: unknown in a fresh ring, then what the producer says; anything else is refused', () => {
    const producer = new RingBuffer(4, 8)
    const consumer = RingBuffer.from(producer.buffer)
    expect(consumer.writer).toBe('unknown')
    producer.writer = 'open'
    expect(consumer.writer).toBe('open')
    expect(new DataView(producer.buffer).getUint32(layout.PAS_RING_WRITER_OFFSET, true)).toBe(1)
    producer.writer = 'ended'
    expect(consumer.writer).toBe('ended')
    expect(() => {
      producer.writer = 'closed' as RingWriter
    }).toThrow("Expected 'unknown', 'open' or 'ended' for writer, got closed")
    expect(consumer.writer).toBe('ended')
  })
})

describe('RingBuffer and the C layout', () => {
  it('writes magic, version, elementsize and size at the documented offsets', () => {
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
