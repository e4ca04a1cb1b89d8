// The plot example, run as a subprocess on the virtual loopback device: it
// writes a PNG of the requested size, with a waveform, and a spectrogram
// whose brightest row is the frequency of the tone played into the device.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE, expectHelp, expectUsageError, runExample, writeSine, type ExampleRun } from './dsp-run.js'
import { countPixels, hexColour, near, pixel, readPixels, type Pixels } from './plot-pixels.js'

/** The geometry plot prints with --json (see Geometry in src/plot.ts). */
interface PlotGeometry {
  output: string
  width: number
  height: number
  samplerate: number
  seconds: number
  waveform: { x: number; y: number; width: number; height: number }
  spectrogram: { x: number; y: number; width: number; height: number; minHz: number; maxHz: number }
  colorbar: { x: number; y: number; width: number; height: number }
}

let directory: string
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'plot-test-'))
})
afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

/**
 * The frequency of the spectrogram's brightest row: the row whose pixels are
 * brightest on average (magma gets brighter as the level rises), mapped to Hz
 * with the geometry plot printed (maxHz at the top, minHz at the bottom).
 */
function brightestRowHz(image: Pixels, geometry: PlotGeometry): { row: number; hz: number; hzPerRow: number } {
  const area = geometry.spectrogram
  let best = -1
  let bestRow = 0
  for (let row = 0; row < area.height; row++) {
    let sum = 0
    for (let x = 0; x < area.width; x++) {
      const [r, g, b] = pixel(image, area.x + x, area.y + row)
      sum += 0.2126 * r + 0.7152 * g + 0.0722 * b
    }
    if (sum > best) {
      best = sum
      bestRow = row
    }
  }
  const hzPerRow = (area.maxHz - area.minHz) / area.height
  return { row: bestRow, hz: area.maxHz - (bestRow + 0.5) * hzPerRow, hzPerRow }
}

/** Checks a plot: its size, a drawn waveform, colours in the spectrogram, and the tone's row. */
async function checkPlot(result: ExampleRun, size: [number, number], toneHz: number) {
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  const geometry = JSON.parse(result.stdout) as PlotGeometry
  const image = await readPixels(geometry.output)
  expect([image.width, image.height]).toEqual(size)
  expect([geometry.width, geometry.height]).toEqual(size)
  // the waveform: the trace colour fills the band the 0.5-amplitude tone spans
  const trace = hexColour('#1f5fa8')
  const tracePixels = countPixels(image, geometry.waveform, (rgb) => near(rgb, trace, 40))
  const waveArea = geometry.waveform.width * geometry.waveform.height
  // the spectrogram is not blank: the floor is dark, the tone bright
  const spectrogramArea = geometry.spectrogram.width * geometry.spectrogram.height
  const dark = countPixels(image, geometry.spectrogram, ([r, g, b]) => r + g + b < 60)
  const bright = countPixels(image, geometry.spectrogram, ([r, g, b]) => r + g + b > 500)
  const peak = brightestRowHz(image, geometry)
  console.log(
    `plot ${size.join('x')}: trace ${tracePixels}/${waveArea} px, spectrogram dark ${dark} bright ${bright} of ${spectrogramArea} px, ` +
      `brightest row ${peak.row} = ${peak.hz.toFixed(1)} Hz (tone ${toneHz} Hz, ${peak.hzPerRow.toFixed(1)} Hz per row)`,
  )
  // a 0.5 sine covers half the panel's height across (nearly) its whole width
  expect(tracePixels).toBeGreaterThan(waveArea * 0.4)
  expect(dark).toBeGreaterThan(spectrogramArea * 0.5)
  expect(bright).toBeGreaterThan(geometry.spectrogram.width * 0.8)
  expect(Math.abs(peak.hz - toneHz)).toBeLessThanOrEqual(peak.hzPerRow)
  return geometry
}

describe('plot', () => {
  it('records a tone file played into the loopback device and finds it in the spectrogram', async () => {
    const tone = join(directory, 'tone-3000.wav')
    await writeSine(tone, 3000, 1.5, { channels: 2 })
    const output = join(directory, 'playback.png')
    const result = await runExample('plot', ['--device', DEVICE, '--playback', tone, '--output', output, '--width', '640', '--height', '480', '--json'])
    const geometry = await checkPlot(result, [640, 480], 3000)
    expect(geometry.samplerate).toBe(48000)
    expect(geometry.seconds).toBeCloseTo(1.5, 6)
  })

  it('plays --tone while recording, for the requested duration', async () => {
    const output = join(directory, 'tone.png')
    const result = await runExample('plot', ['--device', DEVICE, '--tone', '7500', '--duration', '0.75', '--output', output, '--width', '800', '--height', '700', '--json'])
    const geometry = await checkPlot(result, [800, 700], 7500)
    expect(geometry.seconds).toBeCloseTo(0.75, 6)
  })

  it('plots a file given with --input without opening a device', async () => {
    const tone = join(directory, 'tone-12000.wav')
    await writeSine(tone, 12000, 1)
    const output = join(directory, 'input.png')
    // a device that does not exist: --input must not need one
    const result = await runExample('plot', ['--device', 'no-such-device', '--input', tone, '--output', output, '--json'])
    await checkPlot(result, [900, 600], 12000)
  })

  it('draws the colour bar from loud (top) to quiet (bottom)', async () => {
    const tone = join(directory, 'tone-1000.wav')
    await writeSine(tone, 1000, 0.5)
    const output = join(directory, 'bar.png')
    const result = await runExample('plot', ['--input', tone, '--output', output, '--json'])
    expect(result.code).toBe(0)
    const geometry = JSON.parse(result.stdout) as PlotGeometry
    const image = await readPixels(output)
    const bar = geometry.colorbar
    const luminance = ([r, g, b]: [number, number, number]) => 0.2126 * r + 0.7152 * g + 0.0722 * b
    const top = luminance(pixel(image, bar.x + bar.width / 2, bar.y + 1))
    const bottom = luminance(pixel(image, bar.x + bar.width / 2, bar.y + bar.height - 2))
    expect(top).toBeGreaterThan(200)
    expect(bottom).toBeLessThan(20)
  })

  it('--help prints the usage and exits 0', async () => {
    await expectHelp('plot', '--tone HZ')
  })

  it('exits 2 on a bad option or a bad value', async () => {
    await expectUsageError('plot', ['--bogus'], "Unknown option '--bogus'")
    await expectUsageError('plot', ['--width', 'wide'], 'Expected an integer from 320 to 8000 for --width, got "wide"')
    await expectUsageError('plot', ['take.wav'], 'Unexpected argument "take.wav"')
    await expectUsageError('plot', ['--tone', '440', '--input', 'x.wav'], 'Use only one of --input, --playback and --tone')
  })
})
