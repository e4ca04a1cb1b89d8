// A device that goes away under a stream (its JACK server SIGKILLed or
// SIGTERMed while it plays, records or does both) or hangs before its first
// callback (SIGSTOPped): the stream ends in `deviceLost` with DeviceLost,
// every recorded frame reaches the sink, nothing blocks, and the process
// exits. Each case runs in a child process with a private virtual device.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { killableServer } from './helpers.js'

const script = fileURLToPath(new URL('./fixtures/device-loss.mjs', import.meta.url))

interface Report {
  lostMs?: number
  startMs?: number
  waited?: string
  received?: number
  stopError?: string
  closed?: boolean
  started?: boolean
  reopened?: unknown
  error?: { name: string; message: string; code: string; device: string; frames: number; reason: string; recordedFrames?: number }
}

/** Runs one scenario; a child that hangs fails the test at its timeout. */
function scenario(server: string, ...args: string[]): Promise<Report> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, server, ...args], { timeout: 60000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`))
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Report)
    })
  })
}

describe('a device lost while the stream runs', () => {
  for (const kind of ['input', 'output', 'duplex'] as const) {
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      test(`${kind}, server ${signal}ed: DeviceLost, frames kept, no hang`, async () => {
        const report = await scenario(killableServer(), 'lose', kind, signal)
        expect(report.error).toMatchObject({ name: 'DeviceLost', code: 'ERR_PASTREAM_DEVICE_LOST', device: 'system', reason: 'stalled' })
        expect(report.error?.message).toMatch(/device 'system' was lost after \d+ frames: its callbacks stopped/)
        expect(report.error?.frames).toBeGreaterThanOrEqual(4800)
        if (kind === 'output') {
          expect(report.error?.recordedFrames).toBeUndefined()
        } else {
          // every frame recorded before the loss reached the sink
          expect(report.error?.recordedFrames).toBe(report.received)
          expect(report.received).toBeGreaterThanOrEqual(4800)
        }
        // the watchdog's half-second stall limit plus one look; printed for RELIABILITY.md
        console.log(`${kind} ${signal}: lost ${report.lostMs} ms after the server died`)
        expect(report.lostMs).toBeLessThan(1500)
        expect(report.stopError).toBe('DeviceLost')
        expect(report.closed).toBe(true)
        // the same process cannot reach a restarted server through PortAudio 19.6's JACK host API: it says so at once
        expect(report.reopened).toMatchObject({ name: 'PortAudioError', message: expect.stringContaining('a device was lost earlier in this process') })
      })
    }
  }
})

test('a device that opens but never calls back: start() fails within 2 s, nothing hangs', async () => {
  const report = await scenario(killableServer(), 'pause')
  expect(report.started).toBeUndefined()
  expect(report.error).toMatchObject({ name: 'DeviceLost', reason: 'startTimeout', device: 'system', frames: 0, recordedFrames: 0 })
  expect(report.error?.message).toMatch(/it opened but never called back/)
  console.log(`paused device: start() failed after ${report.startMs} ms`)
  expect(report.startMs).toBeGreaterThanOrEqual(1900)
  expect(report.startMs).toBeLessThan(4000)
  expect(report.closed).toBe(true)
})
