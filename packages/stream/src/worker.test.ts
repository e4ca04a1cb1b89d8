// Worker sources and sinks on the virtual loopback device: a counting signal
// made in a Worker comes back bit-exactly; a Worker sink checks what it
// receives (and reports it on a BroadcastChannel); errors thrown in Workers
// or by the owner's functions reach wait()/stop()/start(); a blocked main
// thread loses nothing; Workers end on abort() and close().
import { describe, expect, it } from 'vitest'
import { RingBuffer } from '@pastream/core-native'
import { DEVICE, expectLoopback, fixture, isSilent, listen, reportXruns, sleep, waitFor } from '../test/helpers.js'
import { BufferEmpty, BufferFull, DuplexStream, OutputStream } from './index.js'
import { retryWhenXruns, type XrunCounter } from './testing.js'

/** The counting signal of test/fixtures/counting.mjs: frame i holds (i % 32767) + 1 in every channel. */
function counting(frames: number, channels = 1): Int16Array {
  const a = new Int16Array(frames * channels)
  for (let i = 0; i < frames; i++) a.fill((i % 32767) + 1, i * channels, (i + 1) * channels)
  return a
}

/** Blocks the main thread for ms, spinning (like a long synchronous job). */
function busyWait(ms: number): void {
  const end = performance.now() + ms
  let spins = 0
  while (performance.now() < end) spins++
  expect(spins).toBeGreaterThan(0)
}


interface CheckReport {
  frames: number
  delay: number
  counted: number
  reads: number
  error?: string
}

function duplex(options: { channels?: number; buffersize?: number } = {}): DuplexStream<'int16'> {
  return new DuplexStream({ device: DEVICE, channels: options.channels ?? 1, dtype: 'int16', blocksize: 256, ...(options.buffersize ? { buffersize: options.buffersize } : {}) })
}

/** Checks that a heartbeat stopped: nothing more arrives once in-flight messages are in. */
async function expectSilence(beats: { messages: unknown[] }): Promise<void> {
  await sleep(50)
  const count = beats.messages.length
  await sleep(200)
  expect(beats.messages.length).toBe(count)
}

/** Rejection of a promise (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(Error)
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected a rejection, got a resolution')
}

describe('Worker sources', () => {
  it('a counting signal made in a Worker plays bit-exactly (start() + wait(), array sink)', async () => {
    await using stream = duplex()
    const frames = 24000
    const out = new Int16Array(frames + 1024)
    stream.setSource(fixture('counting-source.mjs', { frames }))
    stream.setSink(out)
    stream.frames = frames
    stream.pad = 1024
    await stream.start()
    expect(await stream.wait(5000)).toBe(true)
    expect(stream.frameCount).toBe(frames + 1024)
    expect(stream.finished).toBe(true)
    const delay = expectLoopback(out, counting(frames), 2, 'worker source')
    expect(delay).toBeLessThan(1024)
    expect(isSilent(out.subarray(delay + frames))).toBe(true)
    reportXruns('worker source', stream)
  })

  it('playrec() with a Worker source URL and 2 channels', async () => {
    await using stream = duplex({ channels: 2 })
    const recording = await stream.playrec(fixture('counting-source.mjs', { frames: 12000, block: 300 }), { frames: 12000, pad: 1024 })
    expect(recording.length).toBe(13024 * 2)
    expectLoopback(recording, counting(12000, 2), 4, 'playrec worker source')
  })

  it('OutputStream.play() of a Worker source that ends by itself', async () => {
    await using stream = new OutputStream({ device: DEVICE, channels: 1, dtype: 'int16', blocksize: 256 })
    stream.setSource(fixture('counting-source.mjs', { frames: 9000 }))
    stream.frames = 9000
    await stream.start()
    await stream.wait()
    expect(stream.frameCount).toBe(9000)
    await stream.play(fixture('counting-source.mjs', { frames: 4800 }), { frames: 4800, pad: 256 })
    expect(stream.frameCount).toBe(5056)
  })

  it('start() pre-buffers: it waits for the Worker\'s first write, so a slow start is no BufferEmpty', async () => {
    await using stream = duplex()
    const out = new Int16Array(6000 + 1024)
    // the source writes until stopped: start() must hear of its first write, not of its end
    stream.setSource(fixture('counting-source.mjs', { delay: 300 }))
    stream.setSink(out)
    stream.frames = 6000
    stream.pad = 1024
    const t0 = performance.now()
    await stream.start()
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250)
    await stream.wait()
    // the device started after the write: only the loopback delay precedes the signal
    expect(expectLoopback(out, counting(6000), 2, 'pre-buffered')).toBeLessThan(1024)

    // the same without pre-buffering: the device starts on an empty ring
    stream.setSink(new Int16Array(7024))
    await stream.start({ prebuffer: false })
    const error = await rejection(stream.wait())
    expect(error).toBeInstanceOf(BufferEmpty)
  })
})

describe('Worker sinks', () => {
  it('a Worker sink receives the played signal exactly (checked in the Worker, reported on a BroadcastChannel)', async () => {
    await using stream = duplex({ channels: 2 })
    const reports = listen<CheckReport>()
    try {
      const frames = 24000
      stream.setSource(counting(frames, 2))
      stream.setSink(fixture('checking-sink.mjs', { frames, channel: reports.name }))
      stream.pad = 2048
      await stream.start()
      await stream.wait()
      const report = await reports.next()
      expect(report.error).toBeUndefined()
      expect(report.counted).toBe(frames)
      expect(report.frames).toBe(frames + 2048)
      expect(report.delay).toBeGreaterThanOrEqual(0)
      expect(report.delay).toBeLessThan(2048)
    } finally {
      reports.close()
    }
  })

  it('a Worker sink that finds a mismatch fails the run with its own error', async () => {
    await using stream = duplex()
    const signal = counting(4000)
    signal[2000] = -5 // one wrong sample
    stream.setSource(signal)
    stream.setSink(fixture('checking-sink.mjs', { frames: 4000 }))
    stream.pad = 1024
    await stream.start()
    const error = await rejection(stream.wait())
    expect(error.name).toBe('CheckError')
    expect(error.message).toMatch(/expected 2001 \(count 2000\), got -5/)
  })
})

describe('deferred errors', () => {
  class OwnerError extends Error {
    override name = 'OwnerError'
  }

  it('an async function source that throws: play() and wait() reject with that very error', async () => {
    await using stream = duplex()
    const boom = new OwnerError('owner source failed')
    let calls = 0
    const source = async () => {
      await sleep(2)
      if (++calls > 3) throw boom
      return counting(256)
    }
    expect(await rejection(stream.play(source, { pad: -1 }))).toBe(boom)
    expect(stream.aborted).toBe(true)

    // the same run started by hand, ended with stop()
    calls = 0
    stream.setSource(source)
    stream.pad = -1
    await stream.start()
    await waitFor('the failing source aborts the run', () => stream.aborted)
    expect(await rejection(stream.stop())).toBe(boom)
  })

  it.each(['throw', 'reject', 'uncaught'])('a Worker source that fails (%s): wait() rejects with its error, the stream aborted', async (how) => {
    await using stream = duplex()
    stream.setSource(fixture('throwing-source.mjs', { after: 4, how }))
    stream.pad = -1
    await stream.start()
    const error = await rejection(stream.wait(5000).then(() => undefined))
    expect(error.name).toBe('SourceError')
    expect(error.message).toBe('source fixture failed after 4 writes')
    expect(error.code).toBe('E_FIXTURE_SOURCE')
    expect(error.writes).toBe(4)
    expect(String(error.stack)).toMatch(/throwing-source\.mjs/)
    expect(stream.aborted).toBe(true)
  })

  it('a Worker sink that throws: stop() rejects with its error, the stream aborted', async () => {
    await using stream = duplex()
    stream.setSink(fixture('throwing-sink.mjs', { after: 2048 }))
    stream.pad = -1 // no source: play silence until stopped
    await stream.start()
    await waitFor('the run aborted', () => stream.aborted)
    const error = await rejection(stream.stop())
    expect(error.name).toBe('SinkError')
    expect(error.message).toBe('sink fixture failed after 2048 frames')
    expect(error.code).toBe('E_FIXTURE_SINK')
    expect(String(error.stack)).toMatch(/throwing-sink\.mjs/)
    // a second stop() has nothing left to report
    await stream.stop()
  })

  it('first error wins: a sink error that caused BufferFull is reported first, the BufferFull as its cause', async () => {
    await using stream = duplex({ buffersize: 1024 })
    stream.setSink(fixture('throwing-sink.mjs', { after: 2048 }))
    stream.pad = -1
    await stream.start()
    // the main thread cannot hear of the sink's error before its ring overflows
    busyWait(300)
    const error = await rejection(stream.wait())
    expect(error.name).toBe('SinkError')
    expect(error.cause).toBeInstanceOf(BufferFull)
    expect(stream.stats.reason).toBe('bufferFull')
  })
})

describe('stalls', () => {
  /**
   * The device's own xruns explain a discontinuity: when JACK cannot run
   * realtime on 2 busy cores, a client that misses a cycle leaves its last
   * period in the loopback, which hears it twice (retryWhenXruns).
   */
  function blockedRunRetried(buffersize?: number): Promise<CheckReport> {
    return retryWhenXruns('blocked main thread', (watch) => blockedRun(watch, buffersize))
  }

  /** Plays 1 s of counting signal from a ring (no JS needed) into a checking Worker sink while the main thread is blocked. */
  async function blockedRun(watch: <S extends XrunCounter>(stream: S) => S, buffersize?: number): Promise<CheckReport> {
    await using stream = watch(duplex(buffersize ? { buffersize } : {}))
    const reports = listen<CheckReport>()
    try {
      const frames = 48000
      const tx = new RingBuffer(2, 65536)
      tx.write(counting(frames))
      stream.setSource(tx)
      stream.setSink(fixture('checking-sink.mjs', { frames, channel: reports.name }))
      stream.pad = 1024
      await stream.start()
      await sleep(100)
      busyWait(300)
      await stream.wait()
      expect(stream.frameCount).toBe(frames + 1024)
      reportXruns('blocked main thread', stream)
      return await reports.next()
    } finally {
      reports.close()
    }
  }

  it('main thread blocked 300 ms, default ring: the Worker sink gets every frame', async () => {
    const report = await blockedRunRetried()
    expect(report.error).toBeUndefined()
    expect(report.counted).toBe(48000)
    expect(report.frames).toBe(49024)
  })

  it('main thread blocked 300 ms, a ring of 170 ms: the Worker sink still gets every frame', async () => {
    // shorter than the block, with room for the Worker's own scheduling on a busy 2-core machine
    const report = await blockedRunRetried(8192)
    expect(report.error).toBeUndefined()
    expect(report.counted).toBe(48000)
    expect(report.frames).toBe(49024)
  })

  it('(control) the same 85 ms ring with a main-thread sink overflows: BufferFull', async () => {
    await using stream = duplex({ buffersize: 4096 })
    const tx = new RingBuffer(2, 65536)
    tx.write(counting(48000))
    stream.setSource(tx)
    stream.setSink(() => undefined)
    stream.pad = 1024
    await stream.start()
    await sleep(100)
    busyWait(300)
    expect(await rejection(stream.wait())).toBeInstanceOf(BufferFull)
  })

  it('a Worker sink slower than the audio ends in BufferFull, not in silent loss', async () => {
    await using stream = duplex({ buffersize: 1024 })
    stream.setSink(fixture('slow-sink.mjs', { block: 64, ms: 20 }))
    stream.pad = -1
    await stream.start()
    expect(await rejection(stream.wait())).toBeInstanceOf(BufferFull)
  })
})

describe('Worker module errors', () => {
  it('a missing module: start() (pre-buffering a source) rejects with a clear error; the stream stays usable', async () => {
    await using stream = duplex()
    const missing = fixture('no-such-module.mjs')
    stream.setSource(missing)
    stream.setSink(new Int16Array(1000))
    stream.frames = 1000
    const t0 = performance.now()
    const error = await rejection(stream.start())
    expect(performance.now() - t0).toBeLessThan(5000)
    expect(error.message).toContain(`Cannot load the Worker module ${missing.href} (the stream's source)`)
    expect(error.code).toBe('ERR_MODULE_NOT_FOUND')
    expect(stream.active).toBe(false)
    stream.setSource(fixture('counting-source.mjs', { frames: 1000 }))
    await stream.start()
    await stream.wait()
    expect(stream.frameCount).toBe(1000)
  })

  it('a module without a default export: start() rejects with a TypeError naming what it exports (wait() without pre-buffering)', async () => {
    await using stream = duplex()
    const module = fixture('no-default.mjs')
    const message = `Expected the Worker module ${module.href} (the stream's sink) to export a default function (ring, context), got no default export; it exports sink, version`
    stream.setSink(module)
    stream.pad = -1
    const error = await rejection(stream.start())
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe(message)
    expect(stream.active).toBe(false)
    // without pre-buffering the device starts at once; the error comes from wait()
    await stream.start({ prebuffer: false })
    const later = await rejection(stream.wait(5000).then(() => undefined))
    expect(later).toBeInstanceOf(TypeError)
    expect(later.message).toBe(message)
    expect(stream.aborted).toBe(true)
  })
})

describe('Worker lifetime', () => {
  it('abort() ends a Worker that ignores stopped and cancelled', async () => {
    await using stream = duplex({ buffersize: 1 << 16 })
    const beats = listen<number>()
    try {
      stream.setSink(fixture('slow-sink.mjs', { ignore: 1, ms: 5, beat: beats.name }))
      stream.pad = -1
      await stream.start()
      await beats.next()
      const t0 = performance.now()
      await stream.abort()
      expect(performance.now() - t0).toBeLessThan(2000)
      await expectSilence(beats)
    } finally {
      beats.close()
    }
  })

  it('abort() while start() waits for a Worker source\'s first write: start() returns, the Worker ends', async () => {
    await using stream = duplex()
    stream.setSource(fixture('counting-source.mjs', { delay: 60000 }))
    stream.pad = -1
    const t0 = performance.now()
    const starting = stream.start()
    await sleep(200)
    await stream.abort()
    await starting
    expect(performance.now() - t0).toBeLessThan(2000)
    expect(stream.active).toBe(false)
  })

  it('close() ends running Worker sources and sinks', async () => {
    const stream = duplex()
    const beats = listen<number>()
    try {
      stream.setSource(fixture('counting-source.mjs'))
      stream.setSink(fixture('slow-sink.mjs', { block: 4096, ms: 5, ignore: 1, beat: beats.name }))
      stream.pad = -1
      await stream.start()
      await beats.next()
      await stream.close()
      expect(stream.closed).toBe(true)
      await expectSilence(beats)
    } finally {
      beats.close()
      await stream.close()
    }
  })
})
