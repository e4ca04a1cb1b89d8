// The scope example, run as a subprocess on the virtual loopback device with
// a tone playing, viewed in headless Chromium (Debian's, driven by
// playwright-core): the page must draw the waveform and the spectrum. The
// screenshot is kept in test-artifacts/scope.png.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../scripts/chromium.mjs'
import { builtExample, DEVICE, expectHelp, expectUsageError, packageDir, writeSine } from './dsp-run.js'
import { countPixels, hexColour, near, pixel, readPixels } from './plot-pixels.js'

/** The scope page's layout ((globalThis as unknown as PageGlobals).scope.layout; see src/scope-page.ts). */
interface Panel {
  x: number
  y: number
  width: number
  height: number
}
interface ScopeState {
  messages: number
  ended: boolean
  last: { sequence: number; frames: number; peakHz: number; rmsDb: number } | null
  layout: { wave: Panel; spectrum: Panel; colours: { background: string; wave: string; spectrum: string } }
}
/** The page's globals (this package's tsconfig has no DOM types, so no `window`). */
interface PageGlobals {
  scope: ScopeState
}

/** A running scope: the child, its URL, and how it ended. */
interface RunningScope {
  child: ChildProcessWithoutNullStreams
  url: string
  stderr: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const children: ChildProcessWithoutNullStreams[] = []

/** Starts `node dist/scope.js --port 0 ...args` and waits for the URL it prints. */
function startScope(args: string[]): Promise<RunningScope> {
  const child = spawn(process.execPath, [builtExample('scope'), '--port', '0', ...args], { cwd: packageDir, env: process.env })
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scope printed no URL in 10 s; stderr: ${stderr}`)), 10000)
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text
      const match = /^scope: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve({ child, url: match[1], stderr: () => stderr, exit })
      }
    })
    void exit.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`scope exited (${code}) before printing its URL; stderr: ${stderr}`))
    })
  })
}

let browser: Browser | undefined
let directory: string
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'scope-test-'))
})
afterEach(() => {
  // a failed test must not leave a scope holding the device
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})
afterAll(async () => {
  await browser?.close()
  await rm(directory, { recursive: true, force: true })
})

describe('scope', () => {
  it('draws the waveform and the spectrum of a tone in the browser, and stops on Ctrl-C', async () => {
    const scope = await startScope(['--device', DEVICE, '--tone', '1000'])
    browser = await launchChromium()
    const page = await browser.newPage({ viewport: { width: 1000, height: 680 } })
    await page.goto(scope.url)
    // about a second of audio drawn
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).scope.messages >= 1, undefined, { timeout: 10000 })
    const first = await page.evaluate(() => (globalThis as unknown as PageGlobals).scope.last?.frames ?? 0)
    await page.waitForFunction((start) => ((globalThis as unknown as PageGlobals).scope.last?.frames ?? 0) >= start + 48000, first, { timeout: 10000 })
    const state = await page.evaluate(() => (globalThis as unknown as PageGlobals).scope)
    const canvas = await page.locator('#scope').boundingBox()
    if (!canvas) throw new Error('the page has no #scope canvas')
    await mkdir(join(packageDir, 'test-artifacts'), { recursive: true })
    const screenshotPath = join(packageDir, 'test-artifacts', 'scope.png')
    await page.screenshot({ path: screenshotPath })
    const image = await readPixels(screenshotPath)

    // the panels on the screenshot: the canvas's place on the page plus the layout
    const on = (panel: Panel): Panel => ({ ...panel, x: canvas.x + panel.x, y: canvas.y + panel.y })
    const wave = on(state.layout.wave)
    const spectrum = on(state.layout.spectrum)
    const waveColour = hexColour(state.layout.colours.wave)
    const spectrumColour = hexColour(state.layout.colours.spectrum)
    const background = hexColour(state.layout.colours.background)
    const wavePixels = countPixels(image, wave, (rgb) => near(rgb, waveColour, 60))
    const spectrumPixels = countPixels(image, spectrum, (rgb) => near(rgb, spectrumColour, 60))
    const notBackground = countPixels(image, wave, (rgb) => !near(rgb, background, 12))
    // the spectrum's peak: trace pixels above -30 dBFS (the panel's top quarter),
    // and where they are on the log frequency axis (20 Hz to 24 kHz)
    const top = { ...spectrum, height: spectrum.height / 4 }
    let peakPixels = 0
    let peakX = 0
    for (let y = Math.ceil(top.y); y < top.y + top.height; y++) {
      for (let x = Math.ceil(top.x); x < top.x + top.width; x++) {
        if (near(pixel(image, x, y), spectrumColour, 60)) {
          peakPixels++
          peakX += x
        }
      }
    }
    const peakAtHz = 20 * (24000 / 20) ** ((peakX / Math.max(peakPixels, 1) - spectrum.x) / spectrum.width)
    console.log(
      `scope: ${state.messages} chunks drawn, peak ${state.last?.peakHz.toFixed(1)} Hz, level ${state.last?.rmsDb.toFixed(2)} dBFS; ` +
        `wave trace ${wavePixels} px, spectrum trace ${spectrumPixels} px, non-background in wave panel ${notBackground} of ${wave.width * wave.height} px; ` +
        `spectrum above -30 dBFS ${peakPixels} px centred at ${peakAtHz.toFixed(0)} Hz; ` +
        `screenshot ${screenshotPath}`,
    )
    // the server's spectrum peaks at the tone (bins are 48000 / 2048 = 23.4 Hz apart)
    expect(Math.abs((state.last?.peakHz ?? 0) - 1000)).toBeLessThanOrEqual(48000 / 2048)
    // a 0.5 sine: RMS 0.354 = -9.03 dBFS
    expect(state.last?.rmsDb ?? 0).toBeCloseTo(-9.03, 1)
    // 2048 frames of 1000 Hz is 43 cycles across 872 px: the trace crosses
    // each column several times (a flat line of silence would be 1-2 px per column)
    expect(wavePixels).toBeGreaterThan(wave.width * 5)
    // the spectrum: at least one line across the panel
    expect(spectrumPixels).toBeGreaterThan(spectrum.width)
    // and its peak drawn at 1 kHz: the tone's -6 dBFS line near the top (the
    // Hann main lobe is about 4 bins, 94 Hz, wide: within a few %)
    expect(peakPixels).toBeGreaterThan(20)
    expect(peakAtHz).toBeGreaterThan(950)
    expect(peakAtHz).toBeLessThan(1050)
    expect(notBackground).toBeGreaterThan(wavePixels)

    // Ctrl-C: a clean stop, the page told the stream ended
    scope.child.kill('SIGINT')
    const { code } = await scope.exit
    expect(code).toBe(0)
    expect(scope.stderr()).toMatch(/scope: SIGINT, stopping\nscope: stopped after \d+ chunks/)
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).scope.ended, undefined, { timeout: 5000 })
    await page.close()
  })

  it('plays a file with --playback --loop and stops by itself after --duration', async () => {
    const tone = join(directory, 'tone-440.wav')
    // a short file (0.25 s), so the 1.5 s run must loop it
    await writeSine(tone, 440, 0.25, { amplitude: 0.25 })
    const scope = await startScope(['--device', DEVICE, '--playback', tone, '--loop', '--duration', '1.5'])
    browser ??= await launchChromium()
    const page = await browser.newPage()
    await page.goto(scope.url)
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).scope.ended, undefined, { timeout: 10000 })
    const state = await page.evaluate(() => (globalThis as unknown as PageGlobals).scope)
    const { code } = await scope.exit
    expect(code).toBe(0)
    // 1.5 s in chunks of 2048 frames: 35 chunks and a short last one
    expect(scope.stderr()).toMatch(/scope: stopped after 3[56] chunks \(1\.5 s\)/)
    expect(Math.abs((state.last?.peakHz ?? 0) - 440)).toBeLessThanOrEqual(48000 / 2048)
    // still the tone at the end: the file was looped, not played once
    expect(state.last?.rmsDb ?? -Infinity).toBeGreaterThan(-16)
    await page.close()
  })

  it('--help prints the usage and exits 0', async () => {
    await expectHelp('scope', '--chunksize')
  })

  it('a bad option or value exits 2 with the usage', async () => {
    await expectUsageError('scope', ['--bogus'], "Unknown option '--bogus'")
    await expectUsageError('scope', ['--port', 'http'], 'Expected a port from 0 to 65535 for --port, got "http"')
    await expectUsageError('scope', ['--loop'], '--loop needs --playback')
  })
})
