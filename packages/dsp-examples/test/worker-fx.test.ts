// worker-fx on the virtual loopback device, with its loopback check: the
// Worker plays seeded noise on output 2, filters what comes back on input 2
// into output 1, and compares every returning frame (both channels) with
// what it played. A frame lost, repeated or delayed anywhere (input ring,
// Worker, output ring, device) is a mismatch; the output ring running dry
// is BufferEmpty. So "mismatched=0 and compared = every frame after the
// round trip" means no frame was lost, here with the main thread blocked
// 500 ms of every second.
import { describe, expect, it } from 'vitest'
import { biquadCoefficients, type FilterType } from '../src/dsp.js'
import { DEVICE, expectHelp, expectUsageError, runExample, type ExampleRun } from './dsp-run.js'

const counterNames = ['frames', 'played', 'gain', 'backlog', 'margin', 'xruns', 'blocked', 'delay', 'compared', 'mismatched', 'firstMismatch'] as const
type Counters = Record<(typeof counterNames)[number], number> & { verdict: 'OK' | 'FAIL' }

/** The counters line "worker-fx: frames=... -> OK" (with --loopback-check) as numbers and the verdict. */
function parseCounters(stdout: string): Counters {
  const line = stdout.split('\n').find((l) => l.startsWith('worker-fx: frames='))
  if (line === undefined) throw new Error(`no counters line in:\n${stdout}`)
  const found = new Map<string, number>()
  for (const match of line.matchAll(/(\w+)=(-?[\d.]+|-inf)/g)) found.set(match[1] as string, match[2] === '-inf' ? -Infinity : Number(match[2]))
  const counters = { verdict: line.endsWith('-> OK') ? 'OK' : 'FAIL' } as Counters
  for (const name of counterNames) {
    const value = found.get(name)
    if (value === undefined) throw new Error(`no ${name}= in: ${line}`)
    counters[name] = value
  }
  return counters
}

/** The filter's power gain for white noise, in dB: the mean of |H(e^jw)|^2 over 0..pi. */
function whiteNoiseGain(type: FilterType, freq: number, q: number): number {
  const { b0, b1, b2, a1, a2 } = biquadCoefficients(type, freq, q, 48000)
  const n = 1 << 16
  let sum = 0
  for (let k = 0; k < n; k++) {
    const w = (Math.PI * (k + 0.5)) / n
    // |B(e^jw)|^2 / |A(e^jw)|^2 with z^-1 = e^-jw
    const br = b0 + b1 * Math.cos(w) + b2 * Math.cos(2 * w)
    const bi = -(b1 * Math.sin(w) + b2 * Math.sin(2 * w))
    const ar = 1 + a1 * Math.cos(w) + a2 * Math.cos(2 * w)
    const ai = -(a1 * Math.sin(w) + a2 * Math.sin(2 * w))
    sum += (br * br + bi * bi) / (ar * ar + ai * ai)
  }
  return 10 * Math.log10(sum / n)
}

/**
 * Runs worker-fx; a failed check is retried once only when the device
 * itself reported xruns in that run (JACK's dummy driver on a loaded CI
 * machine; the stream package's own loopback tests do the same). A failure
 * without device xruns is never retried.
 */
async function runChecked(args: string[]): Promise<{ run: ExampleRun; counters: Counters }> {
  for (let attempt = 1; ; attempt++) {
    const run = await runExample('worker-fx', args, 60000)
    const counters = run.stdout.includes('worker-fx: frames=') ? parseCounters(run.stdout) : undefined
    const xruns = counters?.xruns ?? 0 // no counters: the run failed before the device ran
    if (run.code === 0 || attempt === 2 || xruns === 0) {
      if (counters === undefined) throw new Error(`worker-fx exited ${run.code} without counters:\n${run.stdout}\n${run.stderr}`)
      return { run, counters }
    }
    console.warn(`worker-fx failed with ${xruns} device xruns; retrying once:\n${run.stdout}`)
  }
}

describe('worker-fx', () => {
  it('filters a loopback for 5 s with the main thread blocked 500 ms of every second, losing no frame', async () => {
    const seconds = 5
    const prefill = 2048
    const { run, counters } = await runChecked(['--device', DEVICE, '--loopback-check', '--duration', String(seconds), '--block-main', '500', '--prefill', String(prefill)])
    console.log(`worker-fx blocked main: ${run.stdout.split('\n').at(-2)}`)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const frames = seconds * 48000
    expect(counters.frames).toBe(frames) // every recorded frame went through the filter...
    expect(counters.played).toBe(frames) // ...and the device played every promised frame (no BufferEmpty)
    // the noise came back after one JACK period (the virtual device's loopback delay)
    expect(counters.delay).toBe(256)
    // every frame from the noise's return to the end was compared, bit for bit: none differed
    expect(counters.compared).toBe(frames - prefill - 256)
    expect(counters.mismatched).toBe(0)
    expect(counters.firstMismatch).toBe(-1)
    // the main thread really was blocked: 500 ms in each of at least 5 seconds
    expect(counters.blocked).toBeGreaterThanOrEqual(2500)
    expect(counters.verdict).toBe('OK')
    // and it is a lowpass: white noise loses what the filter's response says
    expect(Math.abs(counters.gain - whiteNoiseGain('lowpass', 1000, 0.7071))).toBeLessThan(0.2)
    // progress lines printed from the (blocked) main thread: the Worker kept filtering meanwhile
    const progress = [...run.stdout.matchAll(/(\d+) frames filtered in the Worker/g)].map((m) => Number(m[1]))
    expect(progress.length).toBeGreaterThanOrEqual(5)
  })

  for (const { type, freq, q } of [
    { type: 'highpass' as const, freq: 1000, q: 0.7071 },
    { type: 'bandpass' as const, freq: 2000, q: 4 },
  ]) {
    it(`a ${type} at ${freq} Hz, q ${q}, has the gain its response predicts`, async () => {
      const { run, counters } = await runChecked(['--device', DEVICE, '--loopback-check', '-d', '2', '-t', type, '-f', String(freq), '-q', String(q)])
      expect(run.code).toBe(0)
      expect(counters.mismatched).toBe(0)
      const expected = whiteNoiseGain(type, freq, q)
      console.log(`worker-fx ${type}: gain ${counters.gain} dB, expected ${expected.toFixed(2)} dB`)
      expect(Math.abs(counters.gain - expected)).toBeLessThan(0.2)
    })
  }

  it('a Worker without a head start makes the output ring run dry: BufferEmpty, exit 1, not a silent gap', async () => {
    const run = await runExample('worker-fx', ['--device', DEVICE, '--loopback-check', '-d', '1', '--prefill', '0'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^worker-fx: BufferEmpty: DuplexStream: the source ran dry after \d+ of 48000 frames\n$/)
    expect(run.stdout).not.toContain('-> OK')
  })

  it('--help prints the usage and exits 0', async () => {
    await expectHelp('worker-fx', '--block-main')
  })

  it('a bad option or value exits 2 with the usage', async () => {
    await expectUsageError('worker-fx', ['--gain', '3'], "Unknown option '--gain'")
    await expectUsageError('worker-fx', ['--type', 'notch'], 'Expected one of lowpass, highpass, bandpass for --type, got "notch"')
    await expectUsageError('worker-fx', ['--loopback-check', '--channels', '1'], '--loopback-check needs 2 channels, got --channels 1')
  })
})
