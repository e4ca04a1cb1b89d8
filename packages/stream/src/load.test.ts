// Under load: the loopback stays bit-exact while four busy processes
// compete for the cores, and a main thread blocked for 2 s while chunks()
// records into a ring too small for that is told so (BufferFull with the
// frame position), never silently.
import { spawn, type ChildProcess } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { DEVICE, fixture, listen } from '../test/helpers.js'
import { BufferFull, DuplexStream, InputStream } from './index.js'

/** Blocks the main thread for ms, spinning (like a long synchronous job). */
function busyWait(ms: number): number {
  const end = performance.now() + ms
  let spins = 0
  while (performance.now() < end) spins++
  return spins
}

/** Starts n processes that spin until killed. */
function busyProcesses(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
}

describe('under load', () => {
  it('four busy processes on the two cores: a 5 s Worker duplex through the loopback stays bit-exact', async () => {
    const busy = busyProcesses(4)
    const report = listen<{ frames: number; counted: number; delay: number; error?: string }>()
    const frames = 5 * 48000
    const stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'int16', buffersize: 1 << 15 })
    try {
      stream.frames = frames
      stream.pad = 4096 // the loopback delay, so the sink sees every counted frame come back
      stream.setSource(fixture('counting-source.mjs', { frames }))
      stream.setSink(fixture('checking-sink.mjs', { frames, channel: report.name }))
      await stream.start()
      await stream.wait()
      const seen = await report.next(10000)
      expect(seen.error).toBeUndefined()
      expect(seen.counted).toBe(frames)
      console.log(`4 busy processes: ${frames} frames bit-exact, loopback delay ${seen.delay}, ${stream.xruns} xruns`)
    } finally {
      for (const child of busy) child.kill('SIGKILL')
      report.close()
      await stream.close()
    }
  })

  it('a 2 s blocked event loop while chunks() records into a small ring: BufferFull with the frame position', async () => {
    const stream = new InputStream({ device: DEVICE, channels: 2, dtype: 'int16', buffersize: 8192 })
    let chunksSeen = 0
    let caught: unknown
    try {
      for await (const chunk of stream.chunks({ chunksize: 1024 })) {
        expect(chunk.length).toBe(2048)
        if (chunksSeen++ === 0) expect(busyWait(2000)).toBeGreaterThan(0)
      }
    } catch (error) {
      caught = error
    } finally {
      await stream.close()
    }
    expect(caught).toBeInstanceOf(BufferFull)
    const position = /full after (\d+) frames/.exec((caught as Error).message)
    expect(position, (caught as Error).message).not.toBeNull()
    // the ring held 8192 frames; the first chunk's 1024 had been read
    expect(Number(position?.[1])).toBeGreaterThanOrEqual(8192)
    expect(Number(position?.[1])).toBeLessThan(8192 + 2 * 1024 + 1024)
    // what fit in the ring before it was full was handed out first
    expect(chunksSeen).toBeGreaterThan(1)
  })
})
