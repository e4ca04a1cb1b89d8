// Stream lifecycle on the virtual loopback device: replay on one stream,
// close while chunks() runs, close twice, await using, AbortSignal, dropped
// streams, and many streams opened, run and closed with stable resources.
import { describe, expect, it, vi } from 'vitest'
import { RingBuffer } from '@pastream/core-native'
import { DEVICE, activeResources, expectLoopback, noise, reportXruns, sleep } from '../test/helpers.js'
import { DuplexStream, InputStream, OutputStream, PastreamError, Stream, chunks } from './index.js'

describe('replay on one stream', () => {
  it('completes, is aborted, is stopped, completes again; counters reset at each start', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'float32', blocksize: 256 })
    const signal = noise('float32', 4000, 2, 1)
    expect(stream.stopped).toBe(true)
    expect(stream.active).toBe(false)

    // 1: complete
    const first = await stream.playrec(signal, { pad: 1024 })
    expect(stream.finished).toBe(true)
    expect(stream.aborted).toBe(false)
    expect(stream.stopped).toBe(true)
    expect(stream.active).toBe(false)
    expect(stream.frameCount).toBe(5024)
    expectLoopback(first, signal, 8, 'first run')
    reportXruns('first run', stream)

    // 2: abort an unbounded run
    const rx = new RingBuffer(8, 1 << 16)
    stream.setSink(rx)
    stream.setSource(undefined)
    Object.assign(stream, { frames: -1, pad: -1, offset: 0 })
    await stream.start()
    expect(stream.active).toBe(true)
    expect(stream.stopped).toBe(false)
    expect(stream.frameCount).toBeLessThan(5024) // reset at start
    await sleep(60)
    await stream.abort()
    expect(stream.aborted).toBe(true)
    expect(stream.finished).toBe(false)
    expect(stream.stopped).toBe(true)
    expect(stream.active).toBe(false)
    const aborted = stream.frameCount
    expect(aborted).toBeGreaterThan(0)
    expect(rx.readAvailable).toBe(aborted)

    // 3: stop an unbounded run
    rx.flush()
    await stream.start()
    expect(stream.aborted).toBe(false)
    await sleep(60)
    await stream.stop()
    expect(stream.stopped).toBe(true)
    expect(stream.aborted).toBe(false)
    expect(stream.finished).toBe(false)
    expect(stream.active).toBe(false)
    expect(stream.frameCount).toBeGreaterThan(0)
    expect(rx.readAvailable).toBe(stream.frameCount)

    // 4: complete again, bit-exact, with counters from this run only
    stream.setSink(undefined)
    const again = await stream.playrec(signal, { pad: 1024 })
    expect(stream.finished).toBe(true)
    expect(stream.aborted).toBe(false)
    expect(stream.frameCount).toBe(5024)
    expect(stream.stats.txFrames).toBe(4000)
    expect(stream.stats.rxFrames).toBe(5024)
    expectLoopback(again, signal, 8, 'fourth run')
  })

  it('start() on an active stream is refused; wait(timeout) returns false while it runs', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    stream.setSink(new RingBuffer(2, 1 << 16))
    await stream.start()
    await expect(stream.start()).rejects.toThrow(new PastreamError('InputStream is already active'))
    expect(await stream.wait(30)).toBe(false)
    await stream.stop()
    expect(await stream.wait(30)).toBe(true)
  })

  it('an output stream replays the same array after completing', async () => {
    await using stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 2400, 1, 3)
    for (let k = 0; k < 3; k++) {
      await stream.play(signal)
      expect(stream.finished).toBe(true)
      expect(stream.frameCount).toBe(2400)
    }
  })
})

describe('close', () => {
  it('close() while chunks() runs ends the iteration and closes the stream', async () => {
    const stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    let n = 0
    for await (const chunk of stream.chunks({ chunksize: 256 })) {
      expect(chunk.length).toBe(256)
      if (++n === 3) await stream.close()
    }
    expect(n).toBeGreaterThanOrEqual(3)
    expect(stream.closed).toBe(true)
    expect(stream.active).toBe(false)
    expect(stream.toString()).toMatch(/, closed\)$/)
    await expect(stream.start()).rejects.toThrow('DuplexStream is closed')
  })

  it('close() from elsewhere while chunks() sleeps ends the iteration', async () => {
    const stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    let closing: Promise<void> | undefined
    setTimeout(() => (closing = stream.close()), 80)
    let frames = 0
    for await (const chunk of stream.chunks({ chunksize: 1024 })) frames += chunk.length
    expect(stream.closed).toBe(true)
    // the iteration ends once the run is over; the device closes just after
    // (opening another stream meanwhile can crash PortAudio: see the report)
    await closing
    expect(frames).toBeGreaterThan(0)
    expect(frames).toBeLessThan(48000)
  })

  it('close() twice, or twice at once, is harmless; a closed stream refuses work with a clear error', async () => {
    const stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'float32' })
    await Promise.all([stream.close(), stream.close()])
    await stream.close()
    expect(stream.closed).toBe(true)
    expect(stream.stopped).toBe(true)
    expect(stream.active).toBe(false)
    expect(stream.cpuLoad).toBe(0)
    expect(() => stream.setSource(new Float32Array(10))).toThrow(new PastreamError('OutputStream is closed'))
    await expect(stream.play(new Float32Array(10))).rejects.toThrow('OutputStream is closed')
    await expect(stream.stop()).rejects.toThrow('OutputStream is closed')
    await expect(stream.abort()).rejects.toThrow('OutputStream is closed')
  })

  it('close() while a run is active aborts it', async () => {
    const stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 256 })
    const played = stream.play(new Float32Array(48000 * 10).fill(0.1))
    await sleep(50)
    await stream.close()
    await played // the run ended (aborted by close): no error to report
    expect(stream.closed).toBe(true)
    expect(stream.frameCount).toBeLessThan(48000)
  })

  it('close() while start() pre-buffers a slow source never starts the device', async () => {
    const stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 256 })
    async function* slow() {
      await sleep(200)
      yield new Float32Array(4800)
    }
    stream.setSource(slow())
    const started = stream.start()
    await sleep(20)
    await stream.close()
    await started
    expect(stream.frameCount).toBe(0)
    expect(stream.closed).toBe(true)
  })

  it('await using closes the stream at the end of the block', async () => {
    let kept: DuplexStream<'int16'> | undefined
    {
      await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
      kept = stream
      await stream.playrec(noise('int16', 1000, 1, 5), { pad: 600 })
      expect(stream.closed).toBe(false)
    }
    expect(kept?.closed).toBe(true)
  })

  it('await using closes the stream when the block throws', async () => {
    let kept: InputStream | undefined
    await expect(
      (async () => {
        await using stream = new InputStream({ device: DEVICE, channels: 1 })
        kept = stream
        stream.setSink(new RingBuffer(4, 1 << 16))
        await stream.start()
        throw new Error('boom')
      })(),
    ).rejects.toThrow('boom')
    expect(kept?.closed).toBe(true)
    expect(kept?.active).toBe(false)
  })
})

describe('AbortSignal', () => {
  it('cancels module-level chunks() and closes its stream', async () => {
    const close = vi.spyOn(Stream.prototype, 'close')
    try {
      const controller = new AbortController()
      let n = 0
      const iterate = async () => {
        for await (const chunk of chunks({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256, chunksize: 256, signal: controller.signal })) {
          expect(chunk.length).toBe(256)
          if (++n === 4) controller.abort()
        }
      }
      await expect(iterate()).rejects.toMatchObject({ name: 'AbortError' })
      expect(n).toBe(4)
      expect(close).toHaveBeenCalledTimes(1)
      const stream = close.mock.contexts[0] as InputStream
      expect(stream).toBeInstanceOf(InputStream)
      expect(stream.closed).toBe(true)
    } finally {
      close.mockRestore()
    }
  })

  it('an abort while chunks() sleeps cancels at once, and the stream can run again', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const controller = new AbortController()
    const reason = new Error('enough')
    setTimeout(() => controller.abort(reason), 60)
    const t0 = performance.now()
    let frames = 0
    await expect(
      (async () => {
        // a chunk of 10 s: the iteration is asleep when the signal fires
        for await (const chunk of stream.chunks({ chunksize: 480000, signal: controller.signal })) frames += chunk.length
      })(),
    ).rejects.toBe(reason)
    expect(performance.now() - t0).toBeLessThan(1000)
    expect(frames).toBe(0)
    expect(stream.active).toBe(false)
    expect(stream.aborted).toBe(true)
    expect(stream.closed).toBe(false)
    const take = await stream.record(480)
    expect(take.length).toBe(480)
  })

  it('an already aborted signal is refused before the device starts', async () => {
    await using stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16' })
    const controller = new AbortController()
    controller.abort()
    const iterator = stream.chunks({ chunksize: 256, signal: controller.signal })
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' })
    expect(stream.frameCount).toBe(0)
  })
})

describe('resources', () => {
  it('200 streams opened, run and closed: stable memory, no leaked handles or timers', async () => {
    const signal = noise('int16', 480, 1, 7)
    const cycle = async (k: number) => {
      const kind = k % 3
      if (kind === 0) {
        const stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
        const take = await stream.playrec(signal, { pad: 64 })
        expect(take.length).toBe(544)
        await stream.close()
      } else if (kind === 1) {
        const stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
        await stream.play(signal)
        await stream.close()
      } else {
        const stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
        let n = 0
        for await (const chunk of stream.chunks({ chunksize: 256, frames: 512 })) n += chunk.length
        expect(n).toBe(512)
        await stream.close()
      }
    }
    for (let k = 0; k < 6; k++) await cycle(k) // warm up: JIT, addon, JACK client paths
    await sleep(50)
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length
    const resources = activeResources()
    const rss = process.memoryUsage().rss
    const t0 = performance.now()
    for (let k = 0; k < 200; k++) await cycle(k)
    const seconds = (performance.now() - t0) / 1000
    await sleep(50)
    const grown = (process.memoryUsage().rss - rss) / 2 ** 20
    console.log(`200 streams in ${seconds.toFixed(1)} s; rss grew ${grown.toFixed(1)} MiB`)
    expect(grown).toBeLessThan(50)
    expect((process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length).toBe(handles)
    expect(activeResources()).toEqual(resources)
  }, 60000)

  it('a dropped open stream (never closed) does not crash the process', async () => {
    const open = () => {
      const stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'float32' })
      expect(stream.closed).toBe(false)
    }
    const openAndRun = async () => {
      const stream = new InputStream({ device: DEVICE, channels: 1, dtype: 'float32', blocksize: 256 })
      expect((await stream.record(256)).length).toBe(256)
    }
    open()
    await openAndRun()
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    await sleep(50)
    // the process still works: another stream runs normally
    await using stream = new DuplexStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    const signal = noise('int16', 1000, 1, 9)
    expectLoopback(await stream.playrec(signal, { pad: 1000 }), signal, 2)
  })
})
