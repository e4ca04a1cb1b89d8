// Run planning: for one start(), which rings the engine gets and which
// pump services each (the source's and the sink's), from what the stream
// knows and the run fields; plus the pump that empties an rx ring nobody reads.
import { Writable } from 'node:stream'
import { RingBuffer, assumedBlocksize, nextPowerOfTwo, type DType } from '@pastream/core-native'
import { isRingEndpoint, ringEndpoint, type RingEndpointContext, type Sink, type Source } from './endpoint.js'
import { ArraySinkPump, ArraySourcePump, CallbackSinkPump, StreamingSourcePump, type Pump, type PumpContext } from './pumps.js'
import { WorkerPump } from './worker-pump.js'
import { asBytes } from './typed.js'
import { sleepFillLevel } from './wake.js'

/** What planning needs to know of the stream and its run fields. */
export interface RunFacts {
  readonly samplerate: number
  readonly blocksize: number
  readonly dtype: DType
  readonly samplesize: number
  /** ring size in frames for rings the stream allocates */
  readonly buffersize: number
  /** buffersize was given (it then wins over a ring sized to hold a finite recording) */
  readonly buffersizeGiven: boolean
  readonly hasInput: boolean
  readonly hasOutput: boolean
  /** channels per frame of the data the source provides (after txmapping) */
  readonly txChannels: number
  /** channels per recorded frame (after rxmapping) */
  readonly rxChannels: number
  readonly frames: number
  readonly pad: number
  readonly offset: number
  readonly loop: boolean
}

/** A planned run: the engine's rings and settings, and the pumps that service the rings. */
export interface RunPlan {
  tx: RingBuffer | null
  rx: RingBuffer | null
  pumps: Pump[]
  /** the source's pump, when the source is not written whole before start */
  sourcePump: Pump | undefined
  /** the frames and pad the engine runs (a finite array source or no source change them) */
  frames: number
  pad: number
  /** the engine replays the tx ring itself */
  engineLoop: boolean
}

/** Arrays up to this many frames go into one ring whole (2^24: about 6 min at 48 kHz). */
const ONE_RING_MAX_FRAMES = 1 << 24

/** Frames of a typed array / buffer for a frame of `framebytes`. */
function framesIn(data: ArrayBufferView | ArrayBuffer, framebytes: number): number {
  return Math.floor(asBytes(data).byteLength / framebytes)
}

/** A pump context for a ring. */
function pumpContext(facts: RunFacts, ring: RingBuffer, role: 'source' | 'sink', channels: number): PumpContext {
  return {
    ring,
    samplerate: facts.samplerate,
    quantum: assumedBlocksize(facts.blocksize),
    info: { samplerate: facts.samplerate, channels, dtype: facts.dtype, blocksize: facts.blocksize, role },
  }
}

/** What a RingEndpoint source or sink is told about the run. */
function endpointContext(facts: RunFacts, channels: number): RingEndpointContext {
  return { samplerate: facts.samplerate, loop: facts.loop, channels, dtype: facts.dtype, blocksize: facts.blocksize }
}

/**
 * Plans one run: the tx side (ring + pump, or none), then the rx side.
 * The pumps already run when this returns (a Worker starts loading).
 * @throws RangeError/TypeError for a source or sink that does not fit the stream.
 */
export function planRun(facts: RunFacts, source: Source | undefined, sink: Sink | undefined, options: { prebuffer: boolean; readsRx: boolean }): RunPlan {
  const pumps: Pump[] = []
  let tx: RingBuffer | null = null
  let engineLoop = false
  let frames = facts.frames
  let sourcePump: Pump | undefined
  if (facts.hasOutput) {
    const plan = planSource(facts, source, options.prebuffer)
    tx = plan.ring
    engineLoop = plan.engineLoop
    sourcePump = plan.pump
    if (plan.pump) pumps.push(plan.pump)
    // a finite array source sets the frame count unless told otherwise or looping
    if (frames < 0 && plan.frames !== undefined && !facts.loop) frames = plan.frames
  }
  let pad = facts.pad
  if (facts.hasOutput && tx === null) {
    // nothing to play: the output plays silence for frames + pad (or until
    // stopped) rather than end at once (frames -1) or fail (BufferEmpty)
    if (frames >= 0) frames += Math.max(0, pad)
    pad = -1
  }
  let rx: RingBuffer | null = null
  if (facts.hasInput) {
    const total = frames >= 0 ? frames + Math.max(0, pad) - facts.offset : -1
    try {
      const plan = planSink(facts, sink, total, options.readsRx)
      rx = plan.ring
      if (plan.pump) pumps.push(plan.pump)
    } catch (error) {
      // the source's pump already runs: stop it
      for (const pump of pumps) pump.cancel()
      throw error
    }
  }
  return { tx, rx, pumps, sourcePump, frames, pad, engineLoop }
}

/** Builds the tx side of a run: ring + pump (or none) + engine loop flag. */
function planSource(facts: RunFacts, source: Source | undefined, prebuffer: boolean): { ring: RingBuffer | null; pump?: Pump; engineLoop: boolean; frames?: number } {
  const framebytes = facts.txChannels * facts.samplesize
  if (source === undefined) return { ring: null, engineLoop: false }
  if (source instanceof RingBuffer) {
    if (source.elementsize !== framebytes) {
      throw new RangeError(`Expected a source ring with elementsize ${framebytes} (${facts.txChannels} channels x ${facts.samplesize} bytes), got ${source.elementsize}`)
    }
    return { ring: source, engineLoop: facts.loop }
  }
  if (isRingEndpoint(source)) {
    // the endpoint loops itself: the engine must not replay the ring
    const ring = new RingBuffer(framebytes, facts.buffersize)
    const pump = source[ringEndpoint]('source', ring, endpointContext(facts, facts.txChannels))
    const frames = pump.frames
    return { ring, pump, engineLoop: false, ...(typeof frames === 'number' && frames >= 0 ? { frames } : {}) }
  }
  if (ArrayBuffer.isView(source)) {
    const bytes = asBytes(source)
    const frames = framesIn(source, framebytes)
    if (frames * framebytes !== bytes.byteLength) {
      throw new RangeError(`Expected whole frames of ${framebytes} bytes in the source, got ${bytes.byteLength} bytes`)
    }
    if (frames <= ONE_RING_MAX_FRAMES) {
      // the whole array in one ring, written before start: nothing on the
      // main thread has to run while it plays, and the engine loops it itself
      const ring = new RingBuffer(framebytes, nextPowerOfTwo(Math.max(1, frames)))
      ring.write(bytes)
      return { ring, engineLoop: facts.loop, frames }
    }
    const ring = new RingBuffer(framebytes, facts.buffersize)
    const pump = new ArraySourcePump(pumpContext(facts, ring, 'source', facts.txChannels), bytes, facts.loop)
    return { ring, pump, engineLoop: false, frames }
  }
  const ring = new RingBuffer(framebytes, facts.buffersize)
  if (source instanceof URL) {
    return { ring, pump: new WorkerPump(pumpContext(facts, ring, 'source', facts.txChannels), source, { prebuffer }), engineLoop: false }
  }
  return { ring, pump: new StreamingSourcePump(pumpContext(facts, ring, 'source', facts.txChannels), source), engineLoop: false }
}

/** Builds the rx side of a run. */
function planSink(facts: RunFacts, sink: Sink | undefined, frames: number, readsRx: boolean): { ring: RingBuffer; pump?: Pump } {
  const framebytes = facts.rxChannels * facts.samplesize
  if (sink instanceof RingBuffer) {
    if (sink.elementsize !== framebytes) {
      throw new RangeError(`Expected a sink ring with elementsize ${framebytes} (${facts.rxChannels} channels x ${facts.samplesize} bytes), got ${sink.elementsize}`)
    }
    return { ring: sink }
  }
  // An endpoint (a sound file: a native pump drains the ring on a thread of
  // its own, never waiting for the main thread) gets the buffersize, so a
  // long recording's memory does not grow with it. A finite recording
  // into main-thread code gets a ring that holds all of it (up to a cap),
  // so a blocked main thread cannot overflow it; the pump copies as it can
  // (an explicit buffersize always wins).
  if (isRingEndpoint(sink)) {
    const ring = new RingBuffer(framebytes, facts.buffersize)
    return { ring, pump: sink[ringEndpoint]('sink', ring, endpointContext(facts, facts.rxChannels)) }
  }
  const size = frames > 0 && !facts.buffersizeGiven ? nextPowerOfTwo(Math.min(frames, ONE_RING_MAX_FRAMES)) : facts.buffersize
  const ring = new RingBuffer(framebytes, Math.max(size, 256))
  if (sink === undefined) return readsRx ? { ring } : { ring, pump: new DiscardPump(ring, facts.samplerate) }
  const ctx = pumpContext(facts, ring, 'sink', facts.rxChannels)
  if (sink instanceof URL) return { ring, pump: new WorkerPump(ctx, sink, { prebuffer: false }) }
  if (ArrayBuffer.isView(sink)) return { ring, pump: new ArraySinkPump(ctx, asBytes(sink)) }
  if (sink instanceof Writable || typeof sink === 'function') return { ring, pump: new CallbackSinkPump(ctx, sink) }
  throw new TypeError(`Expected a typed array, RingBuffer, Worker module URL, function, Writable or RingEndpoint (e.g. a SoundFile) for the sink, got ${Object.prototype.toString.call(sink)}`)
}

/** Keeps an rx ring nobody reads empty (a stream whose recording goes nowhere). */
class DiscardPump implements Pump {
  readonly ready = Promise.resolve()
  readonly done: Promise<void>
  #stopped = false
  readonly #cancelled = new AbortController()

  constructor(ring: RingBuffer, samplerate: number) {
    this.done = (async () => {
      while (!this.#stopped) {
        ring.flush()
        await sleepFillLevel(ring, samplerate, this.#cancelled.signal)
      }
      ring.flush()
    })()
  }

  engineStopped(): void {
    this.#stopped = true
    this.#cancelled.abort()
  }

  cancel(): void {
    this.engineStopped()
  }
}
