// stft on the virtual loopback device: a tone played while the STFT listens
// comes back, and each chunk's dominant frequency is that tone, within one
// bin (samplerate / chunksize). Plus its command line.
import { describe, expect, it } from 'vitest'
import { DEVICE, expectHelp, expectUsageError, runExample } from './dsp-run.js'

interface ChunkLine {
  time: number
  frequency: number | undefined
}

/** The chunk lines of stft's output ("<time> s <Hz> Hz <level> dBFS" or "<time> s silence"). */
function parseChunks(stdout: string): ChunkLine[] {
  const lines: ChunkLine[] = []
  for (const line of stdout.split('\n')) {
    const tone = /^\s*([\d.]+) s\s+([\d.]+) Hz\s+(-?[\d.]+|-inf) dBFS$/.exec(line)
    const silence = /^\s*([\d.]+) s\s+silence$/.exec(line)
    if (tone) lines.push({ time: Number(tone[1]), frequency: Number(tone[2]) })
    else if (silence) lines.push({ time: Number(silence[1]), frequency: undefined })
  }
  return lines
}

/** Xruns the run reported in its last line. */
function xrunsOf(stdout: string): number {
  const match = /^stft: \d+ chunks, (\d+) xruns$/m.exec(stdout)
  if (!match) throw new Error(`stft printed no xrun count:\n${stdout}`)
  return Number(match[1])
}

/**
 * Runs stft on a tone. When a steady chunk is off by more than `tolerance`
 * and the device itself reported xruns in that run (JACK's dummy driver on
 * a loaded 2-core CI machine can miss a cycle, and the glitch smears that
 * chunk's spectrum), the run is repeated, at most twice; a wrong frequency
 * without an xrun is never retried.
 */
async function runSteady(tone: number, chunksize: number, seconds: number, tolerance: number): Promise<Awaited<ReturnType<typeof runExample>>> {
  for (let attempt = 1; ; attempt++) {
    const run = await runExample('stft', ['--device', DEVICE, '--tone', String(tone), '--chunksize', String(chunksize), '--duration', String(seconds)])
    const steady = parseChunks(run.stdout).slice(2, -2)
    const worst = Math.max(...steady.map((c) => (c.frequency === undefined ? Infinity : Math.abs(c.frequency - tone))))
    if (run.code !== 0 || worst <= tolerance || attempt === 3 || xrunsOf(run.stdout) === 0) return run
    console.warn(`stft: a chunk was ${worst.toFixed(1)} Hz off with ${xrunsOf(run.stdout)} device xruns; retrying`)
  }
}

describe('stft', () => {
  for (const { tone, chunksize } of [
    { tone: 1000, chunksize: 1024 },
    { tone: 3000, chunksize: 2048 },
  ]) {
    it(`reports a ${tone} Hz tone played through the loopback within one bin (chunksize ${chunksize})`, async () => {
      const seconds = 1
      const bin = 48000 / chunksize
      const run = await runSteady(tone, chunksize, seconds, bin / 4)
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`stft: chunksize ${chunksize}`)
      expect(run.stdout).toContain(`bin ${bin.toFixed(3)} Hz`)
      const chunks = parseChunks(run.stdout)
      // one chunk per hop (chunksize / 2) of the recording, the last maybe partial
      const hop = chunksize / 2
      expect(chunks.length).toBeGreaterThanOrEqual(Math.floor((seconds * 48000) / hop))
      expect(chunks.length).toBeLessThanOrEqual(Math.ceil((seconds * 48000) / hop))
      // The first chunk is half zeros (overlap) and the loopback returns the
      // tone a period late, and the last may be partial: the two chunks at
      // each end see the tone's edges, whose spread can move the peak. Every
      // chunk in between hears nothing but the tone.
      const steady = chunks.slice(2, -2)
      expect(steady.length).toBeGreaterThan(30)
      for (const chunk of steady) {
        expect(chunk.frequency, `chunk at ${chunk.time} s`).toBeDefined()
        expect(Math.abs((chunk.frequency as number) - tone), `chunk at ${chunk.time} s: ${chunk.frequency} Hz`).toBeLessThanOrEqual(bin)
      }
      // parabolic interpolation does much better than a bin: report it
      const worst = Math.max(...steady.map((c) => Math.abs((c.frequency as number) - tone)))
      console.log(`stft ${tone} Hz, chunksize ${chunksize}: ${steady.length} steady chunks, worst error ${worst.toFixed(2)} Hz (bin ${bin} Hz)`)
      expect(worst).toBeLessThan(bin / 4)
      expect(xrunsOf(run.stdout)).toBeGreaterThanOrEqual(0)
    })
  }

  it('hears silence as silence when nothing is played', async () => {
    const run = await runExample('stft', ['--device', DEVICE, '--duration', '0.2'])
    expect(run.code).toBe(0)
    const chunks = parseChunks(run.stdout)
    expect(chunks.length).toBeGreaterThan(10)
    expect(chunks.every((c) => c.frequency === undefined)).toBe(true)
    expect(run.stdout).toContain('listening')
  })

  it('--help prints the usage and exits 0', async () => {
    await expectHelp('stft', '--chunksize')
  })

  it('a bad option or value exits 2 with the usage', async () => {
    await expectUsageError('stft', ['--nope'], "Unknown option '--nope'")
    await expectUsageError('stft', ['--chunksize', '1000'], 'Expected a power of two from 16 to 65536 for --chunksize, got "1000"')
    await expectUsageError('stft', ['--tone', '440', '--playback', 'x.wav'], 'Expected --tone or --playback, not both')
    await expectUsageError('stft', ['1024'], 'Unexpected argument "1024"')
  })
})
