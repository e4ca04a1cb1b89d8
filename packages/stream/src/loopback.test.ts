// chunks(), loop and the frames/pad/offset semantics on the virtual loopback
// device, checked bit-exactly on pseudo-random signals after the loopback
// delay is found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RingBuffer } from '@pastream/core-native'
import { DEVICE, PERIOD, concatBytes, expectLoopback, findDelay, firstDifference, isSilent, noise, reportXruns, sleep, waitFor } from '../test/helpers.js'
import { DuplexStream, InputStream, OutputStream, chunks } from './index.js'
import { retryWhenXruns } from './testing.js'

describe('chunks() loopback', () => {
  it('yields the played signal back as typed arrays, bit-exact, frames + pad in all', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 12000, 2, 101)
    const parts: Int16Array[] = []
    for await (const chunk of stream.chunks({ chunksize: 384, playback: signal, pad: 2048 })) {
      expect(chunk).toBeInstanceOf(Int16Array)
      parts.push(chunk.slice())
    }
    const sizes = parts.map((p) => p.length / 2)
    expect(sizes.slice(0, -1).every((n) => n === 384)).toBe(true)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12000 + 2048)
    expect(sizes.at(-1)).toBe(14048 % 384) // 224: the last chunk is short
    expect(stream.frameCount).toBe(14048)
    expectLoopback(concatBytes(parts), signal, 4)
    reportXruns('chunks int16', stream)
  })

  for (const dtype of ['float32', 'int32', 'int24', 'int8'] as const) {
    it(`moves ${dtype} bit-exactly through chunks()`, async () => {
      await using stream = new DuplexStream({ device: DEVICE, channels: 3, dtype, blocksize: 256 })
      const signal = noise(dtype, 5000, 3, 7)
      const parts: ArrayBufferView[] = []
      for await (const chunk of stream.chunks({ chunksize: 500, playback: signal, pad: 1024 })) parts.push(chunk.slice())
      const samplesize = dtype === 'int24' ? 3 : dtype === 'int8' ? 1 : 4
      const recording = concatBytes(parts)
      expect(recording.byteLength).toBe(6024 * 3 * samplesize)
      expectLoopback(recording, signal, 3 * samplesize, dtype)
    })
  }

  it('readable() yields raw PCM bytes that match the signal bit-exactly', async () => {
    const signal = noise('float32', 9000, 2, 17)
    await retryWhenXruns('readable()', async (watch) => {
      await using stream = watch(new DuplexStream({ device: DEVICE, channels: 2, dtype: 'float32', blocksize: 256 }))
      stream.setSource(signal)
      const readable = stream.readable({ frames: 9000, pad: 1500 })
      const parts: Buffer[] = []
      for await (const chunk of readable) parts.push(chunk as Buffer)
      const recording = concatBytes(parts)
      expect(recording.byteLength).toBe(10500 * 8)
      expectLoopback(recording, signal, 8)
    })
  })

  it('overlap: the first chunk starts with overlap zeros, each chunk repeats the previous one\'s last overlap frames', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 6000, 1, 23)
    const chunksize = 512
    const overlap = 192
    const step = chunksize - overlap
    const got: Int16Array[] = []
    for await (const chunk of stream.chunks({ chunksize, overlap, playback: signal, pad: 1000 })) got.push(chunk.slice())
    const first = got[0] as Int16Array
    expect(first.length).toBe(chunksize)
    expect(isSilent(first.subarray(0, overlap))).toBe(true)
    for (let k = 1; k < got.length; k++) {
      const previous = got[k - 1] as Int16Array
      const chunk = got[k] as Int16Array
      if (k < got.length - 1) expect(chunk.length).toBe(chunksize)
      expect(firstDifference(chunk.subarray(0, overlap), previous.subarray(previous.length - overlap)), `chunk ${k}`).toBe(-1)
    }
    // the new frames of each chunk, in order, are the recording
    const fresh = got.map((c) => c.subarray(overlap))
    const total = fresh.reduce((n, c) => n + c.length, 0)
    expect(total).toBe(7000)
    expect(got.length).toBe(Math.ceil(7000 / step))
    expectLoopback(concatBytes(fresh), signal, 2)
  })

  it('variable-size chunks when blocksize is 0 and no chunksize is given', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 0 })
    const signal = noise('float32', 10000, 1, 29)
    const parts: Float32Array[] = []
    for await (const chunk of stream.chunks({ playback: signal, pad: 1000 })) parts.push(chunk.slice())
    const sizes = parts.map((p) => p.length)
    expect(sizes.every((n) => n > 0)).toBe(true)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(11000)
    expect(parts.length).toBeGreaterThan(1)
    expectLoopback(concatBytes(parts), signal, 4)
  })

  it('out: every chunk is a view of the caller\'s buffer', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 4000, 2, 31)
    const out = new Int16Array(300 * 2 + 10)
    const parts: Int16Array[] = []
    for await (const chunk of stream.chunks({ chunksize: 300, out, playback: signal, pad: 800 })) {
      expect(chunk.buffer).toBe(out.buffer)
      expect(chunk.byteOffset).toBe(out.byteOffset)
      parts.push(chunk.slice())
    }
    expect(parts.reduce((n, p) => n + p.length / 2, 0)).toBe(4800)
    expectLoopback(concatBytes(parts), signal, 4)
  })

  it('out with overlap slides the overlap within the caller\'s buffer', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 256 })
    const signal = noise('float32', 3000, 1, 37)
    const out = new Float32Array(400)
    const fresh: Float32Array[] = []
    let previous: Float32Array | undefined
    for await (const chunk of stream.chunks({ chunksize: 400, overlap: 100, out, playback: signal, pad: 900 })) {
      expect(chunk.buffer).toBe(out.buffer)
      if (previous) expect(firstDifference(chunk.subarray(0, 100), previous.subarray(previous.length - 100))).toBe(-1)
      else expect(isSilent(chunk.subarray(0, 100))).toBe(true)
      previous = chunk.slice()
      fresh.push(chunk.slice(100))
    }
    expect(fresh.reduce((n, c) => n + c.length, 0)).toBe(3900)
    expectLoopback(concatBytes(fresh), signal, 4)
  })

  it('zero-copy: contiguous chunks are views into the ring\'s SharedArrayBuffer', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 4096, 1, 41)
    const parts: Int16Array[] = []
    let shared = 0
    for await (const chunk of stream.chunks({ chunksize: 256, playback: signal, pad: 1024 })) {
      if (chunk.buffer instanceof SharedArrayBuffer) shared++
      parts.push(chunk.slice())
    }
    // 5120 frames in a ring of 8192: nothing wraps, every chunk is a view
    expect(parts.length).toBe(20)
    expect(shared).toBe(20)
    expectLoopback(concatBytes(parts), signal, 2)
  })

  it('module-level chunks() with playback opens a duplex stream and plays it', async () => {
    const signal = noise('int16', 3000, 1, 43)
    const parts: Int16Array[] = []
    for await (const chunk of chunks({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256, chunksize: 256, playback: signal, pad: 1000 })) {
      parts.push(chunk.slice())
    }
    expect(parts.reduce((n, c) => n + c.length, 0)).toBe(4000)
    expectLoopback(concatBytes(parts), signal, 2)
  })
})

describe('loop', () => {
  it('plays a buffer 5 times, bit-exact, when frames = 5 * its length', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 })
    const len = 1234
    const signal = noise('int16', len, 2, 47)
    const recording = await stream.playrec(signal, { frames: 5 * len, pad: 1024, loop: true })
    expect(recording.length / 2).toBe(5 * len + 1024)
    expect(stream.frameCount).toBe(5 * len + 1024)
    const delay = expectLoopback(recording, signal, 4)
    for (let k = 1; k < 5; k++) {
      const part = recording.subarray((delay + k * len) * 2, (delay + (k + 1) * len) * 2)
      expect(firstDifference(part, signal), `loop ${k + 1}`).toBe(-1)
    }
    // then silence: exactly 5 loops
    expect(isSilent(recording.subarray((delay + 5 * len) * 2))).toBe(true)
  })

  it('loops in chunks() with playback', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 256 })
    const len = 1000
    const signal = noise('float32', len, 1, 53)
    const parts: Float32Array[] = []
    for await (const chunk of stream.chunks({ chunksize: 256, playback: signal, loop: true, frames: 5 * len, pad: 1024 })) parts.push(chunk.slice())
    const recording = new Float32Array(concatBytes(parts).buffer)
    expect(recording.length).toBe(6024)
    const delay = expectLoopback(recording, signal, 4)
    for (let k = 1; k < 5; k++) {
      expect(firstDifference(recording.subarray(delay + k * len, delay + (k + 1) * len), signal), `loop ${k + 1}`).toBe(-1)
    }
  })
})

describe('frames, pad and offset', () => {
  it('offset drops the first input frames', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 4000, 1, 59)
    const full = await stream.playrec(signal, { pad: 2048 })
    const delay = expectLoopback(full, signal, 2)
    const offset = delay + 100 // start the recording inside the signal
    const cut = await stream.playrec(signal, { pad: 2048, offset })
    expect(cut.length).toBe(4000 + 2048 - offset)
    expect(stream.frameCount).toBe(6048)
    // the delay is the same from run to run: the recording starts at signal frame 100
    expect(firstDifference(cut.subarray(0, 3900), signal.subarray(100))).toBe(-1)
  })

  it('frames plays that many frames of a longer buffer', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 8000, 1, 61)
    const recording = await stream.playrec(signal, { frames: 3000, pad: 2000 })
    expect(recording.length).toBe(5000)
    expect(stream.frameCount).toBe(5000)
    const delay = expectLoopback(recording, signal.subarray(0, 3000), 2)
    expect(isSilent(recording.subarray(delay + 3000))).toBe(true)
  })

  it('pad plays zeros after the data and records them', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 256 })
    const signal = noise('float32', 2000, 1, 67)
    const recording = await stream.playrec(signal, { pad: 3000 })
    expect(recording.length).toBe(5000)
    const delay = expectLoopback(recording, signal, 4)
    expect(isSilent(recording.subarray(delay + 2000))).toBe(true)
  })

  it('autoframes: with frames -1 the stream completes pad frames after the source ran dry; data written later stays unplayed', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 3000, 1, 71)
    const late = noise('int16', 1000, 1, 73)
    const tx = new RingBuffer(2, 8192)
    tx.write(signal)
    const rx = new RingBuffer(2, 16384)
    stream.setSource(tx)
    stream.setSink(rx)
    stream.frames = -1
    stream.pad = 700
    await stream.start()
    await stream.wait()
    expect(stream.finished).toBe(true)
    expect(stream.frameCount).toBe(3700)
    expect(stream.stats.totalFrames).toBe(3700)
    expect(tx.readAvailable).toBe(0)
    const recording = rx.read()
    expect(recording.byteLength / 2).toBe(3700)
    expectLoopback(recording, signal, 2)
    // written after completion: nothing plays it
    expect(tx.write(late)).toBe(1000)
    await sleep(100)
    expect(tx.readAvailable).toBe(1000)
    expect(rx.readAvailable).toBe(0)
    expect(stream.frameCount).toBe(3700)
  })

  it('autoframes through play() of a streaming source with pad >= 0', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 6000, 1, 79)
    async function* source() {
      for (let at = 0; at < 6000; at += 1000) yield signal.subarray(at, at + 1000)
    }
    const rx = new RingBuffer(2, 16384)
    stream.setSink(rx)
    await stream.play(source(), { pad: 600 })
    expect(stream.frameCount).toBe(6600)
    const recording = rx.read()
    expect(recording.byteLength / 2).toBe(6600)
    expectLoopback(recording, signal, 2)
  })

  // every combination the engine distinguishes, on a 2000-frame buffer
  const table: Array<{ frames: number; pad: number; offset: number; total: number; played: number }> = [
    { frames: 2000, pad: 0, offset: 0, total: 2000, played: 2000 },
    { frames: 2000, pad: 500, offset: 0, total: 2500, played: 2000 },
    { frames: 2000, pad: 500, offset: 300, total: 2500, played: 2000 },
    { frames: 1500, pad: 0, offset: 300, total: 1500, played: 1500 },
    { frames: 1500, pad: 1000, offset: 1200, total: 2500, played: 1500 },
    { frames: -1, pad: 0, offset: 0, total: 2000, played: 2000 },
    { frames: -1, pad: 800, offset: 0, total: 2800, played: 2000 },
    { frames: -1, pad: 800, offset: 500, total: 2800, played: 2000 },
    { frames: 0, pad: 1000, offset: 0, total: 1000, played: 0 },
    { frames: 0, pad: 1000, offset: 400, total: 1000, played: 0 },
    { frames: 3000, pad: -1, offset: 0, total: 3000, played: 2000 },
    { frames: 3000, pad: -1, offset: 250, total: 3000, played: 2000 },
  ]
  describe('frames + pad + offset combinations (one stream, the loopback delay measured once)', () => {
    let stream: DuplexStream<'int16'>
    let delay = -1
    const signal = noise('int16', 2000, 1, 83)
    beforeAll(async () => {
      stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
      delay = findDelay(await stream.playrec(signal, { pad: 2000 }), signal, 2)
    })
    afterAll(() => stream.close())

    for (const row of table) {
      it(`frames ${row.frames}, pad ${row.pad}, offset ${row.offset}: runs ${row.total} frames, records ${row.total - row.offset}`, async () => {
        expect(delay).toBeGreaterThan(0)
        // What comes back: the played part of the signal after the delay,
        // silence elsewhere, minus the offset. The loopback delay is one or two
        // JACK periods: PortAudio reconnects its ports at every start, and JACK
        // may then order the loopback client before or after the stream's.
        const expectedFor = (d: number): Int16Array => {
          const expected = new Int16Array(row.total)
          expected.set(signal.subarray(0, Math.min(row.played, Math.max(0, row.total - d))), d)
          return expected.subarray(row.offset)
        }
        const delays = [...new Set([delay, PERIOD, 2 * PERIOD])]
        // A JACK cycle the dummy driver misses (2 cores, no realtime priority)
        // repeats a period in the loopback and shifts what follows: such a run
        // is repeated only when the stream itself reported xruns.
        await retryWhenXruns(`frames ${row.frames}, pad ${row.pad}, offset ${row.offset}`, async (watch) => {
          watch(stream)
          const tx = new RingBuffer(2, 2048)
          tx.write(signal)
          const rx = new RingBuffer(2, 8192)
          stream.setSource(tx)
          stream.setSink(rx)
          Object.assign(stream, { frames: row.frames, pad: row.pad, offset: row.offset })
          await stream.start()
          await stream.wait()
          expect(stream.finished).toBe(true)
          expect(stream.frameCount).toBe(row.total)
          expect(stream.stats.txFrames).toBe(row.played)
          expect(tx.readAvailable).toBe(2000 - row.played)
          const recording = rx.read()
          expect(recording.byteLength / 2).toBe(row.total - row.offset)
          const matched = delays.find((d) => firstDifference(recording, expectedFor(d)) === -1)
          const difference = matched === undefined ? firstDifference(recording, expectedFor(delay)) : -1
          expect(difference, `first difference (byte) with ${stream.xruns} device xruns; delay measured ${delay}, tried ${delays.join(', ')}`).toBe(-1)
        })
      })
    }
  })
})

describe('InputStream and OutputStream together', () => {
  it('an InputStream records what an OutputStream plays', async () => {
    const signal = noise('int16', 4800, 2, 89)
    // two streams: either one's xruns explain a shifted recording
    await retryWhenXruns('InputStream and OutputStream', async (watch) => {
      await using input = watch(new InputStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 }))
      await using output = watch(new OutputStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: 256 }))
      const recording = input.record(24000)
      await waitFor('the input records', () => input.frameCount > 0)
      await output.play(signal)
      expect(output.frameCount).toBe(4800)
      const take = await recording
      expect(take.length).toBe(48000)
      expectLoopback(take, signal, 4)
    })
  })
})
