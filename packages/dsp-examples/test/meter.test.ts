// meter on the virtual loopback device: a -6 dBFS sine played through the
// loopback reads -6.00 dBFS peak and -9.01 dBFS RMS (a sine's RMS is 3.01 dB
// below its peak), per window and in the summary. Plus its command line.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { builtExample, DEVICE, expectHelp, expectUsageError, runExample } from './dsp-run.js'

interface Levels {
  peak: number
  rms: number
}

/** "-6.02" or "-inf" as a number. */
const db = (text: string) => (text === '-inf' ? -Infinity : Number(text))

/** meter's non-TTY output: windows (time and levels per channel) and the summary per channel. */
function parseMeter(stdout: string): { windows: Array<{ time: number; channels: Levels[] }>; summary: Array<Levels & { frames: number }> } {
  const windows: Array<{ time: number; channels: Levels[] }> = []
  const summary: Array<Levels & { frames: number }> = []
  for (const line of stdout.split('\n')) {
    if (line.startsWith('window ')) {
      const [, time = '', ...rest] = line.split(' ')
      const channels: Levels[] = []
      for (const match of rest.join(' ').matchAll(/ch(\d+) peak=(\S+) rms=(\S+)/g)) {
        channels.push({ peak: db(match[2] ?? ''), rms: db(match[3] ?? '') })
      }
      windows.push({ time: Number(time), channels })
    }
    const total = /^summary ch(\d+) peak=(\S+) rms=(\S+) frames=(\d+)$/.exec(line)
    if (total) summary.push({ peak: db(total[2] ?? ''), rms: db(total[3] ?? ''), frames: Number(total[4]) })
  }
  return { windows, summary }
}

describe('meter', () => {
  it('reads a -6 dBFS sine through the loopback as -6 dBFS peak and -9.01 dBFS RMS', async () => {
    const run = await runExample('meter', ['--device', DEVICE, '--tone', '1000', '--level=-6', '--duration', '2', '--interval', '100', '--channels', '2'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const { windows, summary } = parseMeter(run.stdout)
    // 2 s in windows of 100 ms (4800 frames: exactly 100 periods of 1 kHz)
    expect(windows.map((w) => w.time)).toEqual(Array.from({ length: 20 }, (_, i) => Number(((i + 1) * 0.1).toFixed(3))))
    // The first window starts with the loopback's delay (a period of
    // silence before the tone comes back), so its RMS reads low: it is left
    // out. Every later window holds nothing but the tone (played for a
    // second longer than the meter listens).
    const first = windows[0]?.channels[0]
    expect(first?.rms).toBeLessThan(-9.02)
    const steady = windows.slice(1)
    expect(steady).toHaveLength(19)
    for (const window of steady) {
      expect(window.channels).toHaveLength(2)
      for (const levels of window.channels) {
        expect(Math.abs(levels.peak - -6), `window ${window.time}: peak ${levels.peak}`).toBeLessThanOrEqual(0.1)
        expect(Math.abs(levels.rms - -9.01), `window ${window.time}: rms ${levels.rms}`).toBeLessThanOrEqual(0.1)
      }
    }
    // the summary covers the whole run, first window included: its peak is
    // the sine's; its RMS is a hair lower (256 silent frames in 96000 cost
    // 0.01 dB), still within 0.1 dB
    expect(summary).toHaveLength(2)
    for (const total of summary) {
      expect(total.frames).toBe(96000)
      expect(Math.abs(total.peak - -6)).toBeLessThanOrEqual(0.1)
      expect(Math.abs(total.rms - -9.01)).toBeLessThanOrEqual(0.1)
      expect(total.rms).toBeLessThanOrEqual(steady[0]?.channels[0]?.rms as number)
    }
    console.log(`meter: steady window ${JSON.stringify(steady[5]?.channels)}, summary ${JSON.stringify(summary)}`)
  })

  it('reads silence as -inf when nothing is played', async () => {
    const run = await runExample('meter', ['--device', DEVICE, '--duration', '0.3', '--interval', '50', '--channels', '1'])
    expect(run.code).toBe(0)
    const { windows, summary } = parseMeter(run.stdout)
    expect(windows).toHaveLength(6)
    expect(windows.every((w) => w.channels.length === 1 && w.channels[0]?.peak === -Infinity && w.channels[0]?.rms === -Infinity)).toBe(true)
    expect(summary).toEqual([{ peak: -Infinity, rms: -Infinity, frames: 14400 }])
  })

  it('Ctrl-C ends the run cleanly and still prints the summary', async () => {
    const child = spawn(process.execPath, [builtExample('meter'), '--device', DEVICE, '--tone', '1000', '--level=-6', '--duration', '60', '--channels', '1'], { env: process.env })
    let stdout = ''
    let interrupted = false
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (text: string) => {
      stdout += text
      // interrupt once a few windows came: the stream is running
      if (!interrupted && (stdout.match(/^window /gm) ?? []).length >= 3) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)))
    expect(interrupted).toBe(true)
    expect(code).toBe(0)
    const { windows, summary } = parseMeter(stdout)
    expect(windows.length).toBeGreaterThanOrEqual(3)
    expect(windows.length).toBeLessThan(100) // far from the 600 windows of 60 s
    expect(summary).toHaveLength(1)
    expect(summary[0]?.frames).toBe(windows.length * 4800)
    expect(Math.abs((summary[0]?.peak as number) - -6)).toBeLessThanOrEqual(0.1)
  })

  it('--help prints the usage and exits 0', async () => {
    await expectHelp('meter', '--interval')
  })

  it('a bad option or value exits 2 with the usage', async () => {
    await expectUsageError('meter', ['--bogus'], "Unknown option '--bogus'")
    await expectUsageError('meter', ['--interval', 'soon'], 'Expected milliseconds from 1 to 10000 for --interval, got "soon"')
    await expectUsageError('meter', ['loud'], 'Unexpected argument "loud"')
  })
})
