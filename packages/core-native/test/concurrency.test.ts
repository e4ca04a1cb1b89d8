// Control calls on one real stream at once: stop racing close, close twice,
// abort during start, start racing close, two stops. PortAudio deadlocks or
// asserts when two threads work on one stream; the glue runs one stream's
// operations one at a time, in the order they were called (op_mutex,
// pa_mutex and the tickets of stream.cc), so each race ends the same way.
// Then 1 000 streams dropped without close() in a child process: each is
// collected and closed, and no JACK port is left behind.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { devices, NativeStream, RingBuffer } from '../src/index.js'
import { loopbackDevice } from './helpers.js'

function open(): NativeStream {
  const device = loopbackDevice()
  const direction = { device: device.index, channels: 2, latency: 0 }
  return NativeStream.open({ input: direction, output: direction, dtype: 'float32', samplerate: 48000, blocksize: 256 }, devices().devices)
}

/** 'ok', or the rejection's code (or message). */
function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (error: unknown) => {
      const { code, message } = error as { code?: string; message?: string }
      return code ?? message ?? String(error)
    },
  )
}

const rounds = 10

describe('two control calls at once on a running stream', () => {
  test('stop() racing close(): both resolve, the stream is closed', async () => {
    for (let round = 0; round < rounds; round++) {
      const stream = open()
      await stream.start({ rx: new RingBuffer(8, 1 << 14) })
      expect(await Promise.all([outcome(stream.stop()), outcome(stream.close())])).toEqual(['ok', 'ok'])
      expect(stream.closed).toBe(true)
      expect(() => stream.info()).toThrow('stream is closed')
    }
  })

  test('abort() racing close(), and two stop()s at once: all resolve', async () => {
    for (let round = 0; round < rounds; round++) {
      const stream = open()
      await stream.start({ rx: new RingBuffer(8, 1 << 14) })
      expect(await Promise.all([outcome(stream.stop()), outcome(stream.stop())])).toEqual(['ok', 'ok'])
      expect(stream.info().stopped).toBe(true)
      await stream.start({ rx: new RingBuffer(8, 1 << 14) })
      expect(await Promise.all([outcome(stream.abort()), outcome(stream.close())])).toEqual(['ok', 'ok'])
    }
  })

  test('close() twice at once: one close, both resolve', async () => {
    for (let round = 0; round < rounds; round++) {
      const stream = open()
      await stream.start({ rx: new RingBuffer(8, 1 << 14) })
      expect(await Promise.all([outcome(stream.close()), outcome(stream.close())])).toEqual(['ok', 'ok'])
      expect(await outcome(stream.close())).toBe('ok')
    }
  })

  test('abort() during start(): the abort comes after the start, the stream ends stopped, its run finished', async () => {
    for (let round = 0; round < rounds; round++) {
      const stream = open()
      try {
        const finished = stream.onceFinished()
        const started = outcome(stream.start({ rx: new RingBuffer(8, 1 << 14) }))
        expect(await Promise.all([started, outcome(stream.abort())])).toEqual(['ok', 'ok'])
        expect(stream.info().active).toBe(false)
        await finished
      } finally {
        await stream.close()
      }
    }
  })

  test('stop() during start(): the stop comes after the start', async () => {
    for (let round = 0; round < rounds; round++) {
      const stream = open()
      try {
        const started = outcome(stream.start({ rx: new RingBuffer(8, 1 << 14) }))
        expect(await Promise.all([started, outcome(stream.stop())])).toEqual(['ok', 'ok'])
        expect(stream.info().stopped).toBe(true)
      } finally {
        await stream.close()
      }
    }
  })

  test('start() racing close(): the start runs first, then the close; a later start says closed', async () => {
    for (let round = 0; round < rounds; round++) {
      const stream = open()
      expect(await Promise.all([outcome(stream.start({ rx: new RingBuffer(8, 1 << 14) })), outcome(stream.close())])).toEqual(['ok', 'ok'])
      expect(await outcome(stream.start({ rx: new RingBuffer(8, 1 << 14) }))).toBe('ERR_PASTREAM_CLOSED')
    }
  })
})

describe('streams dropped without close()', () => {
  test('1 000 of them are collected and closed: no JACK port, descriptor or thread is left', { timeout: 300000 }, async () => {
    const script = fileURLToPath(new URL('./fixtures/dropped-streams.mjs', import.meta.url))
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--expose-gc', script, '1000'], { timeout: 290000 }, (error, out, stderr) => {
        if (error) reject(new Error(`${error.message}(exit code ${String(error.code)}, signal ${String(error.signal)})\nstdout: ${out}\nstderr: ${stderr}`))
        else resolve(out)
      })
    })
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      count: number
      ms: number
      openPorts: number
      before: { ports: string[]; fds: number; threads: number }
      after: { ports: string[]; fds: number; threads: number }
    }
    console.log(
      `${report.count} dropped streams in ${report.ms} ms; ports ${report.before.ports.length} -> ${report.openPorts} (50 open) -> ${report.after.ports.length}; fds ${report.before.fds} -> ${report.after.fds}; threads ${report.before.threads} -> ${report.after.threads}`,
    )
    // while open, each stream had its 4 ports: the count is real
    expect(report.openPorts).toBeGreaterThanOrEqual(report.before.ports.length + 4 * 50)
    // only the server's own ports and the loopback's remain
    expect(report.after.ports).toEqual(report.before.ports)
    expect(report.after.ports.every((port) => port.startsWith('system:') || port.startsWith('loopback:'))).toBe(true)
    expect(report.after.fds).toBeLessThanOrEqual(report.before.fds + 2)
    // the watchdog's one thread
    expect(report.after.threads).toBeLessThanOrEqual(report.before.threads + 1)
  })
})
