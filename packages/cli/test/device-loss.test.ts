// The device goes away under `pastream` (its JACK server SIGKILLed or
// SIGTERMed mid-recording, mid-duplex): the command exits 3 within 5 s with
// one line saying what happened and how many frames the recording kept, and
// the file is finalized with exactly those frames (sox and our reader).
// Each case has a private virtual device; the suite's own stays untouched.
import { execFileSync } from 'node:child_process'
import { startVirtualDevice, type VirtualDevice } from '@pastream/core-native/testing'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { noise, readSound, start, tempDir, waitForRecording, writeSound } from './helpers.js'

const tmp = tempDir('pastream-device-loss-')
const tone = tmp.path('tone.wav')
let device: VirtualDevice | undefined
// a fixed name: jackd2 frees a SIGKILLed server's slot (8 in all) only when
// a server of the same name starts again

beforeAll(() => writeSound(tone, noise(48000 * 30, 2, 7), 2))
afterEach(async () => {
  await device?.stop()
  device = undefined
})
afterAll(() => tmp.remove())

const lostLine = /^pastream: device 'system' lost after (\d+) frames \(it stopped calling back\); (\d+) frames kept in (.+)\n$/

describe('pastream when the device is lost', () => {
  for (const [label, input] of [['recording', 'null'], ['duplex', tone]] as const) {
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      test(`${label}, server ${signal}ed: exit 3 within 5 s, one line, the file keeps every frame`, async () => {
        device = await startVirtualDevice({ name: `${process.env.PASTREAM_TEST_SERVER ?? 'pastream-test-cli'}-loss`, channels: 2, setEnv: false })
        const out = tmp.path(`${label}-${signal}.wav`)
        const run = start([input, out, '-D', 'system', '-r', '48000', '-c', '2', '-f', 'int16'], { env: device.env })
        await waitForRecording(run, out, 48000)
        const killed = performance.now()
        await device.kill(signal)
        const result = await run.result
        const seconds = (performance.now() - killed) / 1000
        console.log(`${label} ${signal}: exit ${result.code} ${seconds.toFixed(2)} s after the server died`)
        expect(result.code).toBe(3)
        expect(seconds).toBeLessThan(5)
        const match = lostLine.exec(result.stderr)
        expect(match, result.stderr).not.toBeNull()
        const kept = Number(match?.[2])
        expect(match?.[3]).toBe(out)
        expect(kept).toBeGreaterThan(0)
        // finalized: our reader and sox agree on the frames the line reported
        expect(readSound(out).frames).toBe(kept)
        const soxi = execFileSync('soxi', ['-s', out], { encoding: 'utf8' })
        expect(Number(soxi.trim())).toBe(kept)
      })
    }
  }
})
