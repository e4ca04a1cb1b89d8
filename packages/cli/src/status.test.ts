import { describe, expect, it } from 'vitest'
import { formatStatus, formatSummary } from './status.js'

describe('status line', () => {
  it('shows time, xruns and load; with a known length a bar, percent and ETA', () => {
    const line = formatStatus({ elapsed: 1.5, xruns: 2, cpuLoad: 0.0234, done: 72000, total: 144000, samplerate: 48000, columns: 100 })
    expect(line).toMatch(/^ {3}1\.500s \(2 xruns, {3}2\.34% load\) \[#+ +\] {2}50% ETA 0:02 *$/)
    expect(line.length).toBe(99)
    const bar = /\[(#*)( *)\]/.exec(line)
    expect(bar?.[1]?.length).toBe(bar?.[2]?.length)
  })
  it('has no bar when the length is unknown, and caps at 100%', () => {
    expect(formatStatus({ elapsed: 0, xruns: 0, cpuLoad: 0, done: 0, total: undefined, samplerate: 48000, columns: 40 })).toBe('   0.000s (0 xruns,   0.00% load)'.padEnd(39))
    expect(formatStatus({ elapsed: 3700, xruns: 0, cpuLoad: 0, done: 10, total: 5, samplerate: 1, columns: 120 })).toMatch(/100% ETA 0:00/)
    expect(formatStatus({ elapsed: 0, xruns: 0, cpuLoad: 0, done: 0, total: 48000 * 3700, samplerate: 48000, columns: 120 })).toMatch(/ 0% ETA 1:01:40/)
  })
  it('sums up like the original', () => {
    expect(formatSummary({ frames: 48000, seconds: 1, inputXruns: { underflows: 1, overflows: 2 }, outputXruns: { underflows: 3, overflows: 4 }, ended: 'SIGINT' })).toBe(
      'Summary (SIGINT):\n\tFrames processed: 48000 (1.000 s)\n\txruns (under/over): input 1/2\n\txruns (under/over): output 3/4\n',
    )
  })
})
