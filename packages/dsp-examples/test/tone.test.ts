// tone writes files whose signal is what was asked: read back with
// SoundFile, a sine's frequency (FFT) and levels, a sweep's frequency at its
// start, middle and end, white noise's RMS and flat spectrum, pink noise's
// -3 dB/octave slope, and --seed's determinism. Plus playback to the
// loopback device and the command line.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SoundFile } from '@pastream/soundfile'
import { levels, toDbfs } from '../src/dsp.js'
import { Spectrum } from '../src/spectrum.js'
import { DEVICE, expectHelp, expectUsageError, runExample } from './dsp-run.js'

const dir = mkdtempSync(join(tmpdir(), 'dsp-examples-tone-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs tone to a file and reads it back. */
async function toneFile(name: string, args: string[]): Promise<{ samples: Float32Array; samplerate: number; channels: number; subtype: string; stdout: string }> {
  const path = join(dir, name)
  const run = await runExample('tone', [...args, '--output', path])
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  await using file = await SoundFile.open(path)
  const samples = (await file.read()) as Float32Array
  return { samples, samplerate: file.samplerate, channels: file.channels, subtype: file.subtype, stdout: run.stdout }
}

/** Dominant frequency of `size` frames of channel 0 starting at `at`. */
function dominant(samples: Float32Array, channels: number, samplerate: number, at: number, size: number): number {
  const spectrum = new Spectrum(size, samplerate)
  spectrum.analyse(samples.subarray(at * channels, (at + size) * channels), channels, 0)
  const peak = spectrum.peak()
  expect(peak).toBeDefined()
  return (peak as { frequency: number }).frequency
}

/** Average power spectrum (Welch: Hann windows, 50% overlap) of a mono signal. */
function powerSpectrum(samples: Float32Array, size: number, samplerate: number): Float64Array {
  const spectrum = new Spectrum(size, samplerate)
  const power = new Float64Array(size / 2 + 1)
  let count = 0
  for (let at = 0; at + size <= samples.length; at += size / 2) {
    const m = spectrum.analyse(samples.subarray(at, at + size))
    for (let k = 0; k < power.length; k++) power[k] = (power[k] as number) + (m[k] as number) ** 2
    count++
  }
  return power.map((p) => p / count)
}

/** Least-squares slope of the power spectrum in dB per octave between lo and hi Hz. */
function slopePerOctave(power: Float64Array, binWidth: number, lo: number, hi: number): number {
  const xs: number[] = []
  const ys: number[] = []
  for (let k = 1; k < power.length; k++) {
    const f = k * binWidth
    if (f < lo || f > hi) continue
    xs.push(Math.log2(f))
    ys.push(10 * Math.log10(power[k] as number))
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let sxy = 0
  let sxx = 0
  xs.forEach((x, i) => {
    sxy += (x - mx) * ((ys[i] as number) - my)
    sxx += (x - mx) ** 2
  })
  return sxy / sxx
}

describe('tone to a file', () => {
  it('a 1 kHz sine at -6 dBFS: frequency, peak -6.00 and RMS -9.01 dBFS in a 16-bit WAV', async () => {
    const { samples, samplerate, channels, subtype, stdout } = await toneFile('sine.wav', ['--freq', '1000', '--level=-6', '--duration', '1'])
    expect(stdout).toContain('sine 1000 Hz, peak -6.00 dBFS, 1.000 s (48000 frames) at 48000 Hz')
    expect([samplerate, channels, subtype, samples.length]).toEqual([48000, 1, 'PCM_16', 48000])
    const frequency = dominant(samples, 1, samplerate, 12000, 4096)
    expect(Math.abs(frequency - 1000)).toBeLessThan(1) // an eighth of the 11.7 Hz bin
    const { peak, rms } = levels(samples, 1, 0)
    // a 1 kHz sine at 48 kHz hits its crest exactly: 0.501 * 32768 = 16423 counts
    expect(toDbfs(peak)).toBeCloseTo(-6, 2)
    expect(toDbfs(rms)).toBeCloseTo(-9.01, 2)
    console.log(`tone sine: ${frequency.toFixed(3)} Hz, peak ${toDbfs(peak).toFixed(3)} dBFS, rms ${toDbfs(rms).toFixed(3)} dBFS`)
  })

  it('a 440 Hz sine at -20 dBFS, 44.1 kHz, 2 channels, float: the same in both channels', async () => {
    const { samples, samplerate, channels, subtype } = await toneFile('a440.wav', ['-f', '440', '--level=-20', '-d', '0.5', '-r', '44.1k', '-c', '2', '--subtype', 'FLOAT'])
    expect([samplerate, channels, subtype, samples.length]).toEqual([44100, 2, 'FLOAT', 44100])
    expect(Math.abs(dominant(samples, 2, samplerate, 0, 8192) - 440)).toBeLessThan(1)
    for (const c of [0, 1]) {
      const { peak, rms } = levels(samples, 2, c)
      expect(toDbfs(peak)).toBeCloseTo(-20, 3)
      expect(toDbfs(rms)).toBeCloseTo(-23.01, 2)
    }
    for (let i = 0; i < samples.length; i += 2) if (samples[i] !== samples[i + 1]) throw new Error(`channels differ at frame ${i / 2}`)
  })

  it('a log sweep 100 -> 10000 Hz over 5 s is 100 Hz at the start, 1 kHz in the middle, 10 kHz at the end', async () => {
    const seconds = 5
    const { samples, samplerate } = await toneFile('sweep.wav', ['--type', 'sweep', '--start', '100', '--end', '10000', '-d', String(seconds), '--subtype', 'FLOAT'])
    const size = 2048
    // f(t) = 100 * 100^(t / 5): measured at the window's centre, within 3% (the
    // frequency moves by up to 2% across a 43 ms window near the top)
    for (const centre of [size / 2, (seconds * samplerate) / 2, seconds * samplerate - size / 2]) {
      const expected = 100 * 100 ** (centre / samplerate / seconds)
      const measured = dominant(samples, 1, samplerate, centre - size / 2, size)
      expect(Math.abs(measured / expected - 1), `at ${centre / samplerate} s: ${measured} Hz, expected ${expected} Hz`).toBeLessThan(0.03)
    }
    expect(toDbfs(levels(samples, 1, 0).peak)).toBeCloseTo(-12, 3) // the default level
  })

  it('white noise: peak at the level, RMS 4.77 dB below it (uniform), a flat spectrum, the same for the same seed', async () => {
    const a = await toneFile('white-a.wav', ['--type', 'white', '--level=-6', '-d', '4', '--seed', '42', '--subtype', 'FLOAT'])
    const { peak, rms } = levels(a.samples, 1, 0)
    expect(toDbfs(peak)).toBeCloseTo(-6, 3)
    expect(Math.abs(toDbfs(rms) - (-6 - 4.771))).toBeLessThan(0.05)
    const slope = slopePerOctave(powerSpectrum(a.samples, 4096, 48000), 48000 / 4096, 100, 10000)
    expect(Math.abs(slope)).toBeLessThan(0.3)
    const b = await toneFile('white-b.wav', ['--type', 'white', '--level=-6', '-d', '4', '--seed', '42', '--subtype', 'FLOAT'])
    expect(readFileSync(join(dir, 'white-b.wav')).equals(readFileSync(join(dir, 'white-a.wav')))).toBe(true)
    const c = await toneFile('white-c.wav', ['--type', 'white', '--level=-6', '-d', '4', '--seed', '43', '--subtype', 'FLOAT'])
    expect(c.samples).not.toEqual(a.samples)
    console.log(`tone white: rms ${toDbfs(rms).toFixed(3)} dBFS, slope ${slope.toFixed(3)} dB/octave; b equals a: ${b.samples.length} frames`)
  })

  it('pink noise falls by about 3 dB per octave', async () => {
    const { samples } = await toneFile('pink.wav', ['--type', 'pink', '--level=-6', '-d', '10', '--subtype', 'FLOAT'])
    expect(toDbfs(levels(samples, 1, 0).peak)).toBeCloseTo(-6, 3)
    const slope = slopePerOctave(powerSpectrum(samples, 4096, 48000), 48000 / 4096, 100, 10000)
    console.log(`tone pink: slope ${slope.toFixed(3)} dB/octave`)
    expect(Math.abs(slope - -3.01)).toBeLessThan(0.3)
  })
})

describe('tone to the device', () => {
  it('plays a sine to the loopback device and exits 0', async () => {
    const run = await runExample('tone', ['--device', DEVICE, '--duration', '0.2', '--channels', '2'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^tone: sine 1000 Hz, peak -12.00 dBFS, 0.200 s \(9600 frames\) at 48000 Hz, 2 channel\(s\) -> device \d+\n$/)
  })
})

describe('tone command line', () => {
  it('--help prints the usage and exits 0', async () => {
    await expectHelp('tone', '--seed')
  })

  it('a bad option or value exits 2 with the usage', async () => {
    await expectUsageError('tone', ['--frequency', '3'], "Unknown option '--frequency'")
    await expectUsageError('tone', ['--type', 'square'], 'Expected one of sine, sweep, white, pink for --type, got "square"')
    await expectUsageError('tone', ['--level=3'], 'Expected a level in dBFS <= 0 for --level, got "3"')
    await expectUsageError('tone', ['--duration', 'forever'], '--duration')
  })
})
