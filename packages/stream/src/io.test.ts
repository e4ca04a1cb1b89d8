// Sources, sinks and the Node stream adapters on the virtual loopback device:
// what reaches the device is checked bit-exactly after the loopback delay.
import { once } from 'node:events'
import { Readable, Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { RingBuffer } from '@pastream/core-native'
import { DEVICE, concatBytes, expectLoopback, findDelay, firstDifference, isSilent, noise, reportXruns, sleep, waitFor } from '../test/helpers.js'
import { BufferEmpty, BufferFull, DuplexStream, InputStream, OutputStream } from './index.js'
import { asBytes } from './typed.js'

/** A duplex int16 stream on the loopback whose recording goes into a big ring. */
function duplex(channels = 1, options: { buffersize?: number } = {}) {
  const stream = new DuplexStream({ device: DEVICE, channels, dtype: 'int16', blocksize: 256, ...options })
  const rx = new RingBuffer(channels * 2, 1 << 18)
  stream.setSink(rx)
  return { stream, rx }
}

describe('sources', () => {
  it('an AsyncIterable (async generator) plays bit-exactly, in uneven chunks', async () => {
    const { stream, rx } = duplex(2)
    await using _ = stream
    const signal = noise('int16', 20000, 2, 3)
    // the first chunk covers the device's first callbacks: a run of unknown
    // length (pad >= 0) ends at its first underflow, so a first chunk of one
    // frame raced the generator's next sleep(1) against the first callback
    async function* source() {
      let at = 0
      for (const n of [4096, 1, 999, 37, 5000, 9867]) {
        await sleep(1)
        yield signal.subarray(at * 2, (at + n) * 2)
        at += n
      }
    }
    await stream.play(source(), { pad: 1024 })
    expect(stream.frameCount).toBe(21024)
    expect(rx.readAvailable).toBe(21024)
    expectLoopback(rx.read(), signal, 4)
    reportXruns('async iterable', stream)
  })

  it('a frame split across chunks (odd byte counts) is carried over', async () => {
    const { stream, rx } = duplex(2)
    await using _ = stream
    const signal = noise('int16', 3000, 2, 5)
    const bytes = asBytes(signal)
    async function* source() {
      for (let at = 0; at < bytes.byteLength; at += 777) yield bytes.subarray(at, Math.min(at + 777, bytes.byteLength))
    }
    await stream.play(source(), { pad: 1000 })
    expect(stream.frameCount).toBe(4000)
    expectLoopback(rx.read(), signal, 4)
  })

  it('a web ReadableStream plays bit-exactly', async () => {
    const { stream, rx } = duplex(1)
    await using _ = stream
    const signal = noise('int16', 12000, 1, 7)
    let at = 0
    const web = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= 12000) return controller.close()
        controller.enqueue(asBytes(signal.subarray(at, at + 1500)))
        at += 1500
      },
    })
    await stream.play(web, { pad: 800 })
    expect(stream.frameCount).toBe(12800)
    expectLoopback(rx.read(), signal, 2)
  })

  it('a Node Readable plays bit-exactly', async () => {
    const { stream, rx } = duplex(1)
    await using _ = stream
    const signal = noise('int16', 8000, 1, 9)
    const parts = [0, 2000, 4000, 6000].map((at) => Buffer.from(asBytes(signal.subarray(at, at + 2000))))
    await stream.play(Readable.from(parts), { pad: 1000 })
    expect(stream.frameCount).toBe(9000)
    expectLoopback(rx.read(), signal, 2)
  })

  it('an async function source is called until it returns null', async () => {
    const { stream, rx } = duplex(1)
    await using _ = stream
    const signal = noise('int16', 10000, 1, 11)
    let at = 0
    const asked: number[] = []
    await stream.play(
      async (frames: number) => {
        asked.push(frames)
        await sleep(1)
        if (at >= 10000) return null
        const n = Math.min(frames, 10000 - at, 3000)
        const chunk = signal.subarray(at, at + n)
        at += n
        return chunk
      },
      { pad: 700 },
    )
    expect(asked.every((n) => Number.isInteger(n) && n > 0)).toBe(true)
    expect(stream.frameCount).toBe(10700)
    expectLoopback(rx.read(), signal, 2)
  })

  it('a streaming source with the default pad (-1) plays everything through a stall, then stops by itself', async () => {
    await using input = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    await using output = new OutputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 6000, 1, 13)
    async function* source() {
      yield signal.subarray(0, 3000)
      await sleep(120) // a stall: silence plays meanwhile, no BufferEmpty
      yield signal.subarray(3000)
    }
    const recording = input.record(24000)
    await waitFor('the input records', () => input.frameCount > 0)
    await output.play(source())
    expect(output.pad).toBe(-1)
    expect(output.stats.txFrames).toBe(6000)
    expect(output.aborted).toBe(false)
    expect(output.active).toBe(false)
    // it stopped soon after the source ended, not at some later point
    expect(output.frameCount).toBeLessThan(6000 + 0.12 * 48000 + 0.1 * 48000)
    const take = await recording
    const delay = expectLoopback(take, signal.subarray(0, 3000), 2, 'first part')
    const rest = signal.subarray(3000)
    const found = findDelay(take.subarray(delay + 3000), rest, 2)
    expect(found).toBeGreaterThan(0.04 * 48000) // the stall outlasted the first part by ~58 ms of silence
    expect(isSilent(take.subarray(delay + 3000, delay + 3000 + found))).toBe(true)
    expect(firstDifference(take.subarray(delay + 3000 + found, delay + 6000 + found), rest)).toBe(-1)
    expect(isSilent(take.subarray(delay + 6000 + found))).toBe(true)
  })

  it('an error thrown by an async function source aborts the run and is raised by play()', async () => {
    const { stream } = duplex(1)
    await using _ = stream
    let calls = 0
    const failure = new Error('source broke')
    const played = stream.play(async (frames: number) => {
      calls++
      if (calls === 3) throw failure
      return new Int16Array(Math.min(frames, 512)).fill(100)
    })
    await expect(played).rejects.toBe(failure)
    expect(stream.aborted).toBe(true)
    expect(stream.active).toBe(false)
  })

  it('frames beyond the data raises BufferEmpty from play()', async () => {
    await using stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 1000, 1, 15)
    const played = stream.play(signal, { frames: 5000 })
    await expect(played).rejects.toBeInstanceOf(BufferEmpty)
    await expect(played).rejects.toThrow('OutputStream: the source ran dry after 1000 of 5000 frames')
    expect(stream.aborted).toBe(true)
    expect(stream.finished).toBe(false)
    expect(stream.frameCount).toBe(1000)
  })

  it('with pad >= 0 and no frame count, a source that stalls longer than its ring raises BufferEmpty; one that ends completes', async () => {
    await using stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256, buffersize: 1024 })
    const chunk = noise('int16', 1024, 1, 21)
    async function* stalling() {
      yield chunk
      // a stall far longer than the ring (1024 frames, 21 ms): it ends only
      // once the engine has, so the ring can only have run dry before it
      await waitFor('the engine ends the run', () => stream.stats.reason !== 'none')
      yield chunk
    }
    const error = await stream.play(stalling(), { pad: 0 }).then(() => undefined, (failure: unknown) => failure)
    expect(error).toBeInstanceOf(BufferEmpty)
    expect(String(error)).toMatch(/OutputStream: the source ran dry after 1024 frames, before it ended/)
    expect(stream.stats.reason).toBe('bufferEmpty')
    expect(stream.stats.txFrames).toBe(1024)
    // the same stream, a source that ends: its end is the run's end, then the pad
    async function* ending() {
      yield chunk
      yield chunk
    }
    await stream.play(ending(), { pad: 100 })
    expect(stream.finished).toBe(true)
    expect(stream.frameCount).toBe(2048 + 100)
  })

  it('frames beyond the data in a ring source raises BufferEmpty from wait()', async () => {
    await using stream = new OutputStream({ device: DEVICE, channels: 2, dtype: 'float32', blocksize: 256 })
    const tx = new RingBuffer(8, 4096)
    tx.write(noise('float32', 3000, 2, 17))
    stream.setSource(tx)
    stream.frames = 4000
    stream.pad = 100
    await stream.start()
    await expect(stream.wait()).rejects.toThrow(BufferEmpty)
    expect(stream.stats.reason).toBe('bufferEmpty')
    expect(stream.frameCount).toBe(3000)
    // the error was reported once; the stream can run again
    tx.write(noise('float32', 100, 2, 19))
    stream.frames = 100
    stream.pad = 0
    await stream.start()
    await stream.wait()
    expect(stream.finished).toBe(true)
    expect(stream.frameCount).toBe(100)
  })
})

describe('sinks', () => {
  it('an async function sink gets every frame, in order', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 9000, 2, 21)
    const parts: Uint8Array[] = []
    stream.setSink(async (chunk: Uint8Array) => {
      await sleep(2)
      parts.push(chunk.slice())
    })
    stream.setSource(signal)
    stream.pad = 1500
    await stream.start()
    await stream.wait()
    const recording = concatBytes(parts)
    expect(recording.byteLength / 4).toBe(10500)
    expectLoopback(recording, signal, 4)
  })

  it('an error thrown by a sink aborts the run and is raised by wait()', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const failure = new Error('sink broke')
    let calls = 0
    stream.setSink(() => {
      if (++calls === 2) throw failure
    })
    await stream.start()
    await expect(stream.wait()).rejects.toBe(failure)
    expect(stream.aborted).toBe(true)
  })

  it('a too-small rx ring nobody reads raises BufferFull and keeps what fit', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 2, dtype: 'float32', blocksize: 256 })
    const rx = new RingBuffer(8, 1024)
    stream.setSink(rx)
    await stream.start()
    await expect(stream.wait()).rejects.toThrow(BufferFull)
    expect(stream.stats.reason).toBe('bufferFull')
    expect(stream.aborted).toBe(true)
    expect(rx.readAvailable).toBe(1024)
    expect(stream.frameCount).toBe(1024)
  })

  it('with no sink the input is discarded: no BufferFull however long it runs', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256, buffersize: 1024 })
    await stream.start()
    await sleep(150) // 7200 frames through a ring of 1024
    expect(stream.active).toBe(true)
    await stream.stop()
    expect(stream.aborted).toBe(false)
    expect(stream.frameCount).toBeGreaterThan(4096)
  })

  it('record() into an out array that is too small is refused', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16' })
    await expect(stream.record(1000, { out: new Int16Array(500) })).rejects.toThrow('Expected out to hold 1000 frames (2000 bytes), got 1000 bytes')
  })

  it('record() with only out records out.length frames (after offset)', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const out = new Int16Array(2000)
    const take = await stream.record(undefined, { out, offset: 300 })
    expect(take).toBe(out)
    expect(stream.frameCount).toBe(2300)
  })

  it('record() without frames records until stop()', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const take = stream.record()
    await sleep(150)
    await stream.stop()
    const recording = await take
    expect(recording.length).toBe(stream.frameCount)
    expect(recording.length).toBeGreaterThan(2400)
  })
})

describe('Node stream adapters', () => {
  it('readable(): a consumer that stops reading ends in BufferFull, emitted on the readable', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256, buffersize: 4096 })
    const readable = stream.readable()
    let got = 0
    readable.on('data', (chunk: Buffer) => {
      got += chunk.byteLength
      if (got >= 4 * 4096) readable.pause() // then never read again
    })
    const [error] = (await once(readable, 'error')) as [Error]
    expect(error).toBeInstanceOf(BufferFull)
    expect(error.message).toMatch(/^InputStream: the recording ring was full after \d+ frames; the stream aborted rather than drop input/)
    expect(stream.stats.reason).toBe('bufferFull')
    // nothing was lost before the error: what was delivered plus what was in the ring is all that was recorded
    expect(stream.active).toBe(false)
    expect(got / 4).toBeLessThanOrEqual(stream.frameCount)
  })

  it('readable(): a slow but steady consumer gets every frame', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256, buffersize: 8192 })
    const signal = noise('int16', 24000, 1, 23)
    stream.setSource(signal)
    const parts: Buffer[] = []
    for await (const chunk of stream.readable({ pad: 1000 })) {
      parts.push(chunk as Buffer)
      await sleep(5)
    }
    const recording = concatBytes(parts)
    expect(recording.byteLength / 2).toBe(25000)
    expectLoopback(recording, signal, 2)
  })

  it('readable(): destroying it stops the stream', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const readable = stream.readable()
    for await (const _chunk of readable) break
    await waitFor('the stream stops after the readable is destroyed', () => stream.stopped)
    expect(stream.active).toBe(false)
    expect(stream.stopped).toBe(true)
  })

  it('writable(): plays what is written, bit-exactly, and stops after end()', async () => {
    await using input = new InputStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 })
    await using output = new OutputStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 16000, 2, 25)
    const recording = input.record(36000)
    await sleep(20)
    const writable = output.writable()
    for (let at = 0; at < 16000; at += 1000) {
      if (!writable.write(Buffer.from(asBytes(signal.subarray(at * 2, (at + 1000) * 2))))) await once(writable, 'drain')
    }
    writable.end()
    await output.wait()
    expect(output.stats.txFrames).toBe(16000)
    expect(output.active).toBe(false)
    const take = await recording
    const delay = expectLoopback(take, signal, 4)
    expect(isSilent(take.subarray((delay + 16000) * 2))).toBe(true)
  })

  it('writable(): wait() called before the first write waits for the whole run', async () => {
    await using stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 9600, 1, 27)
    const writable = stream.writable()
    const waited = stream.wait()
    await sleep(50)
    writable.end(Buffer.from(asBytes(signal)))
    await waited
    expect(stream.frameCount).toBeGreaterThanOrEqual(9600)
    expect(stream.active).toBe(false)
  })

  it('an OutputStream writable() into an InputStream readable()', async () => {
    await using input = new InputStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 256 })
    await using output = new OutputStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 256 })
    const signal = noise('float32', 9600, 1, 29)
    const parts: Buffer[] = []
    const readable = input.readable({ frames: 24000 })
    const collected = (async () => {
      for await (const chunk of readable) parts.push(chunk as Buffer)
    })()
    await waitFor('the input records', () => input.frameCount > 0)
    const writable = output.writable()
    writable.end(Buffer.from(asBytes(signal)))
    await output.wait()
    await collected
    const recording = concatBytes(parts)
    expect(recording.byteLength / 4).toBe(24000)
    expectLoopback(recording, signal, 4)
  })

  it('a Writable sink that applies backpressure still gets every frame', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 12000, 1, 31)
    const parts: Buffer[] = []
    const sink = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        parts.push(Buffer.from(chunk))
        setTimeout(callback, 3)
      },
    })
    stream.setSink(sink)
    stream.setSource(signal)
    stream.pad = 1000
    await stream.start()
    await stream.wait()
    const recording = concatBytes(parts)
    expect(recording.byteLength / 2).toBe(13000)
    expectLoopback(recording, signal, 2)
  })
})

describe('method calls do not inherit an earlier call\'s options, source or sink', () => {
  it('record() after playrec() with pad and offset records exactly its frames', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 2000, 1, 33)
    const first = await stream.playrec(signal, { pad: 1500, offset: 200, loop: false })
    expect(first.length).toBe(3300)
    const second = await stream.record(1000)
    expect(second.length).toBe(1000)
    expect(stream.frameCount).toBe(1000)
    expect(stream.offset).toBe(0)
    expect(stream.pad).toBe(0)
  })

  it('play() on a duplex stream does not overwrite the previous recording', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 3000, 1, 35)
    const recording = await stream.playrec(signal, { pad: 1000 })
    const copy = recording.slice()
    await stream.play(noise('int16', 3000, 1, 36), { pad: 1000 })
    expect(firstDifference(recording, copy)).toBe(-1)
    expectLoopback(recording, signal, 2)
  })

  it('a looped playrec() does not make the next one loop', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 500, 1, 37)
    await stream.playrec(signal, { frames: 2000, loop: true })
    const next = await stream.playrec(signal, { pad: 2000 })
    expect(next.length).toBe(2500)
    const delay = expectLoopback(next, signal, 2)
    expect(next.subarray(delay + 500).every((x) => x === 0)).toBe(true)
  })

  it('play() of a long streaming source on a duplex stream with no sink does not fill the unread recording ring', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256, buffersize: 2048 })
    const signal = noise('int16', 24000, 1, 39)
    async function* source() {
      for (let at = 0; at < 24000; at += 2000) yield signal.subarray(at, at + 2000)
    }
    await stream.play(source(), { pad: 256 })
    expect(stream.frameCount).toBe(24256)
  })
})
