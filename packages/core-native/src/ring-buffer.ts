// RingBuffer: the single-producer/single-consumer ring in a
// SharedArrayBuffer, laid out as layout.h says, used from JS (any thread)
// while C (the callback, the file pumps) uses the same memory through
// ring.h. Indices are 32-bit and wrap; Atomics give acquire/release.
import { layout } from './layout.js'
import { isPowerOfTwo } from './sizes.js'

const WRITE = layout.PAS_RING_WRITE_INDEX_OFFSET / 4
const READ = layout.PAS_RING_READ_INDEX_OFFSET / 4
const WRITER = layout.PAS_RING_WRITER_OFFSET / 4
/** enum pas_ring_writer, in layout.h's order */
const WRITER_STATES = ['unknown', 'open', 'ended'] as const

/**
 * What a ring's producer says about the data still to come: `'open'` (more
 * will come), `'ended'` (everything was written), `'unknown'` (a fresh
 * ring; the producer says nothing). A stream with no frame count and
 * `pad >= 0` ends when its source ring runs dry once the writer has
 * `'ended'` (or says nothing); running dry while it is `'open'` is an
 * underflow: the run fails with BufferEmpty instead of ending early.
 */
export type RingWriter = (typeof WRITER_STATES)[number]

/** Anything whose bytes can go into or come out of a ring. */
export type BufferLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer

/**
 * The bytes of any typed array or buffer as a Uint8Array view (no copy).
 * @example
 * ```ts
 * asBytes(new Int16Array([1, 2])).byteLength // 4
 * ```
 */
export function asBytes(data: BufferLike): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return new Uint8Array(data)
}

/** A count argument: an integer in [0, max]. */
function checkCount(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`Expected an integer in [0, ${max}] for ${name}, got ${String(value)} (${typeof value})`)
  }
  return value
}


/**
 * A lock-free single-producer / single-consumer ring buffer in a
 * SharedArrayBuffer, with the byte layout the C callback engine uses
 * (DESIGN.md section 3). One element is one frame: `elementsize` bytes.
 *
 * Exactly one producer (write side) and one consumer (read side). Either may
 * live in a Worker: post `ring.buffer` and rebuild it there with
 * {@link RingBuffer.from}; no copy and no addon call are involved.
 *
 * Available counts may be stale in the safe direction: the producer may see
 * less free space, the consumer fewer elements, than there are.
 *
 * @example
 * ```ts
 * const ring = new RingBuffer(8, 1024)        // stereo float32 frames
 * ring.write(new Float32Array([0.1, -0.1]))   // 1 frame
 * const out = new Float32Array(2)
 * ring.readInto(out)                          // 1
 * ```
 */
export class RingBuffer {
  /** The shared memory: header, then `size * elementsize` bytes of data. */
  readonly buffer: SharedArrayBuffer
  /** Bytes per element (frame). */
  readonly elementsize: number
  /** Size in elements (frames), a power of two. */
  readonly size: number
  readonly #indices: Uint32Array
  readonly #data: Uint8Array
  readonly #mask: number

  /**
   * Allocates a ring of `size` elements of `elementsize` bytes.
   * @throws RangeError when size is not a power of two in [1, 2^31] or
   *   elementsize is not a positive integer.
   */
  constructor(elementsize: number, size: number)
  /** @internal Wraps formatted memory (see {@link RingBuffer.from}). */
  constructor(elementsize: number, size: number, buffer: SharedArrayBuffer)
  constructor(elementsize: number, size: number, buffer?: SharedArrayBuffer) {
    if (!Number.isInteger(elementsize) || elementsize < 1 || elementsize > 0xffffffff) {
      throw new RangeError(`Expected a positive integer for elementsize, got ${String(elementsize)} (${typeof elementsize})`)
    }
    if (!isPowerOfTwo(size) || size > layout.PAS_RING_MAX_SIZE) {
      throw new RangeError(`Expected a power of two between 1 and 2^31 for size, got ${String(size)} (${typeof size})`)
    }
    const bytes = layout.PAS_RING_HEADER_BYTES + elementsize * size
    if (buffer === undefined) {
      buffer = new SharedArrayBuffer(bytes)
      const header = new DataView(buffer)
      header.setUint32(layout.PAS_RING_MAGIC_OFFSET, layout.PAS_RING_MAGIC, true)
      header.setUint32(layout.PAS_RING_VERSION_OFFSET, layout.PAS_RING_VERSION, true)
      header.setUint32(layout.PAS_RING_ELEMENTSIZE_OFFSET, elementsize, true)
      header.setUint32(layout.PAS_RING_SIZE_OFFSET, size, true)
    }
    this.buffer = buffer
    this.elementsize = elementsize
    this.size = size
    this.#mask = size - 1
    this.#indices = new Uint32Array(buffer, 0, layout.PAS_RING_HEADER_BYTES / 4)
    this.#data = new Uint8Array(buffer, layout.PAS_RING_HEADER_BYTES, elementsize * size)
  }

  /**
   * Wraps a ring another thread (or the addon's user) created, e.g. the
   * `buffer` received by a Worker.
   * @throws TypeError when the memory does not hold a pastream ring.
   */
  static from(buffer: SharedArrayBuffer): RingBuffer {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError(`Expected a SharedArrayBuffer for buffer, got ${Object.prototype.toString.call(buffer)}`)
    }
    if (buffer.byteLength < layout.PAS_RING_HEADER_BYTES) {
      throw new TypeError(`Expected a pastream ring, got a SharedArrayBuffer of ${buffer.byteLength} bytes (smaller than its header)`)
    }
    const header = new DataView(buffer)
    if (
      header.getUint32(layout.PAS_RING_MAGIC_OFFSET, true) !== layout.PAS_RING_MAGIC ||
      header.getUint32(layout.PAS_RING_VERSION_OFFSET, true) !== layout.PAS_RING_VERSION
    ) {
      throw new TypeError('Expected a pastream ring, got a SharedArrayBuffer without its header (bad magic or version)')
    }
    const elementsize = header.getUint32(layout.PAS_RING_ELEMENTSIZE_OFFSET, true)
    const size = header.getUint32(layout.PAS_RING_SIZE_OFFSET, true)
    if (elementsize < 1 || !isPowerOfTwo(size) || size > layout.PAS_RING_MAX_SIZE) {
      throw new TypeError(`Expected a pastream ring, got a header with elementsize ${elementsize} and size ${size}`)
    }
    if (buffer.byteLength < layout.PAS_RING_HEADER_BYTES + elementsize * size) {
      throw new TypeError(`Expected ${layout.PAS_RING_HEADER_BYTES + elementsize * size} bytes for this ring, got ${buffer.byteLength}`)
    }
    return new RingBuffer(elementsize, size, buffer)
  }

  /** A Uint8Array over the whole shared block: what the addon takes. */
  get view(): Uint8Array {
    return new Uint8Array(this.buffer)
  }

  /** The producer's counter (wrapping 32-bit). */
  get writeIndex(): number {
    return Atomics.load(this.#indices, WRITE)
  }

  /** The consumer's counter (wrapping 32-bit). */
  get readIndex(): number {
    return Atomics.load(this.#indices, READ)
  }

  /** Elements the consumer can read now (may be stale: never more than there are). */
  get readAvailable(): number {
    return (Atomics.load(this.#indices, WRITE) - Atomics.load(this.#indices, READ)) >>> 0
  }

  /** Elements the producer can write now (may be stale: never more than there is room for). */
  get writeAvailable(): number {
    return this.size - ((Atomics.load(this.#indices, WRITE) - Atomics.load(this.#indices, READ)) >>> 0)
  }

  #regions(index: number, count: number): [number, Uint8Array, Uint8Array] {
    const es = this.elementsize
    const pos = index & this.#mask
    const first = Math.min(count, this.size - pos)
    const a = this.#data.subarray(pos * es, (pos + first) * es)
    const b = this.#data.subarray(0, (count - first) * es)
    return [count, a, b]
  }

  /**
   * Up to `size` readable elements as two zero-copy byte views (the second is
   * empty unless the data wraps). Call {@link advanceReadIndex} when done.
   */
  getReadBuffers(size: number = this.readAvailable): [number, Uint8Array, Uint8Array] {
    const count = Math.min(checkCount('size', size, Number.MAX_SAFE_INTEGER), this.readAvailable)
    return this.#regions(Atomics.load(this.#indices, READ), count)
  }

  /** Up to `size` writable elements as two zero-copy byte views. Call {@link advanceWriteIndex} after filling them. */
  getWriteBuffers(size: number = this.writeAvailable): [number, Uint8Array, Uint8Array] {
    const count = Math.min(checkCount('size', size, Number.MAX_SAFE_INTEGER), this.writeAvailable)
    return this.#regions(Atomics.load(this.#indices, WRITE), count)
  }

  /**
   * Consumer: marks `size` elements read. Returns the new read index.
   * @throws RangeError when size is not an integer in [0, readAvailable].
   */
  advanceReadIndex(size: number): number {
    checkCount('size', size, this.readAvailable)
    const next = (Atomics.load(this.#indices, READ) + size) >>> 0
    Atomics.store(this.#indices, READ, next) // seq-cst store: our reads are done first
    return next
  }

  /**
   * Producer: publishes `size` written elements. Returns the new write index.
   * @throws RangeError when size is not an integer in [0, writeAvailable].
   */
  advanceWriteIndex(size: number): number {
    checkCount('size', size, this.writeAvailable)
    const next = (Atomics.load(this.#indices, WRITE) + size) >>> 0
    Atomics.store(this.#indices, WRITE, next) // seq-cst store: the samples are visible first
    return next
  }

  /**
   * Producer: says whether more data will come (see {@link RingWriter}).
   * Set `'open'` before the stream starts and `'ended'` after the last
   * write: the stream then tells a late source (BufferEmpty) from its end.
   * @example
   * ```ts
   * ring.writer = 'open'
   * // ... write as the data comes, from any thread ...
   * ring.writer = 'ended' // after the last write
   * ```
   */
  get writer(): RingWriter {
    return WRITER_STATES[Atomics.load(this.#indices, WRITER)] ?? 'unknown'
  }

  set writer(state: RingWriter) {
    const value = WRITER_STATES.indexOf(state)
    if (value < 0) throw new RangeError(`Expected 'unknown', 'open' or 'ended' for writer, got ${String(state)}`)
    Atomics.store(this.#indices, WRITER, value) // seq-cst store: the writes before it are visible first
  }

  /**
   * Producer: copies up to `size` elements (default: all of `data`) in.
   * Returns how many fitted. `data`'s byte length need not be a multiple of
   * elementsize; a partial trailing element is ignored.
   */
  write(data: BufferLike, size?: number): number {
    const bytes = asBytes(data)
    const es = this.elementsize
    const whole = Math.floor(bytes.byteLength / es)
    const want = size === undefined ? whole : Math.min(checkCount('size', size, Number.MAX_SAFE_INTEGER), whole)
    const [count, a, b] = this.getWriteBuffers(want)
    a.set(bytes.subarray(0, a.byteLength))
    if (b.byteLength) b.set(bytes.subarray(a.byteLength, a.byteLength + b.byteLength))
    this.advanceWriteIndex(count)
    return count
  }

  /** Consumer: copies up to `size` elements (default: all available) out into new bytes. */
  read(size?: number): Uint8Array {
    const [count, a, b] = this.getReadBuffers(size ?? this.readAvailable)
    const out = new Uint8Array(count * this.elementsize)
    out.set(a)
    out.set(b, a.byteLength)
    this.advanceReadIndex(count)
    return out
  }

  /** Consumer: copies as many elements as fit into `dest`. Returns how many. */
  readInto(dest: BufferLike): number {
    const bytes = asBytes(dest)
    const [count, a, b] = this.getReadBuffers(Math.floor(bytes.byteLength / this.elementsize))
    bytes.set(a)
    bytes.set(b, a.byteLength)
    this.advanceReadIndex(count)
    return count
  }

  /** Consumer: discards everything readable now. Returns how many elements. */
  flush(): number {
    const available = this.readAvailable
    this.advanceReadIndex(available)
    return available
  }
}
