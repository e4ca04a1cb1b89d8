// plot: record a few seconds (or read a sound file) and draw it as a PNG:
// the waveform on top, the spectrogram (STFT, Hann window, dBFS colours)
// below, with labelled axes and a colour bar.
//
// What it shows of the pastream API:
// - InputStream.record(frames): a whole recording as one Float32Array;
// - DuplexStream.playrec(source, { frames, loop }): play and record at once,
//   sample-synchronously, e.g. a test tone into the virtual loopback device
//   (whose input would otherwise be silence);
// - SoundFile.open() / read(): a whole file as interleaved float32 frames.
//
//   pnpm --filter @pastream/dsp-examples run plot -- --tone 1000 --duration 2 --output tone.png
import { writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas'
import { SoundFile } from '@pastream/soundfile'
import { DuplexStream, InputStream, isPowerOfTwo } from '@pastream/stream'
import { durationOption, exampleArgs, exampleDevice, numberOption, usageError } from './common.js'
import { magma, niceTicks } from './plot-scales.js'
import { defaultFloorDb, stft } from './spectrum.js'

const usage = `Usage: plot [options]

Records from the device (or reads a file) and writes a PNG: the waveform on
top, its spectrogram below (STFT with a Hann window, colours in dBFS).

Options:
  -d, --duration TIME   how long to record: seconds or [h:]m:s (default 3;
                        with --playback: the file's length)
  -i, --input FILE      plot this sound file instead of recording
  -p, --playback FILE   play this file while recording (duplex)
  -t, --tone HZ         play a sine of HZ while recording (duplex)
  -o, --output FILE     the PNG to write (default plot.png)
      --width PX        image width (default 900)
      --height PX       image height (default 600)
      --nfft N          FFT size, a power of two (default 1024)
      --floor DB        the quietest dBFS drawn (default ${defaultFloorDb})
      --json            print the plot's geometry as JSON on stdout
  -D, --device DEV      device index or name (default: the default device)
      --virtual         use pastream's virtual loopback device
  -h, --help            show this help

The first channel is plotted. On the virtual device, record with --tone or
--playback: its input hears what is played.`

const { values } = exampleArgs(usage, {
  duration: { type: 'string', short: 'd' },
  input: { type: 'string', short: 'i' },
  playback: { type: 'string', short: 'p' },
  tone: { type: 'string', short: 't' },
  output: { type: 'string', short: 'o', default: 'plot.png' },
  width: { type: 'string', default: '900' },
  height: { type: 'string', default: '600' },
  nfft: { type: 'string', default: '1024' },
  floor: { type: 'string', default: String(defaultFloorDb) },
  json: { type: 'boolean' },
})

const width = numberOption(usage, 'width', values.width, (v) => Number.isInteger(v) && v >= 320 && v <= 8000, 'an integer from 320 to 8000')
const height = numberOption(usage, 'height', values.height, (v) => Number.isInteger(v) && v >= 240 && v <= 8000, 'an integer from 240 to 8000')
const nfft = numberOption(usage, 'nfft', values.nfft, (v) => Number.isInteger(v) && v >= 16 && v <= 65536 && isPowerOfTwo(v), 'a power of two from 16 to 65536')
const floorDb = numberOption(usage, 'floor', values.floor, (v) => v < 0, 'a negative number of dBFS')
const toneHz = values.tone === undefined ? undefined : numberOption(usage, 'tone', values.tone, (v) => v > 0, 'a positive frequency in Hz')
if ([values.input, values.playback, values.tone].filter((v) => v !== undefined).length > 1) {
  usageError(usage, 'Use only one of --input, --playback and --tone')
}

/** One channel of audio to plot, and where it came from. */
interface Take {
  samples: Float32Array
  samplerate: number
  title: string
}

/** Reads a whole sound file; returns its interleaved frames and its shape. */
async function readFile(path: string): Promise<{ frames: Float32Array; samplerate: number; channels: number }> {
  await using file = await SoundFile.open(path)
  // read() without a count reads the rest of the file, as float32 by default
  const frames = await file.read()
  return { frames, samplerate: file.samplerate, channels: file.channels }
}

/** The first channel of interleaved frames. */
function firstChannel(frames: Float32Array, channels: number): Float32Array {
  if (channels === 1) return frames
  const out = new Float32Array(Math.floor(frames.length / channels))
  for (let k = 0; k < out.length; k++) out[k] = frames[k * channels] ?? 0
  return out
}

/** --duration in frames at `samplerate`, or `fallback` without it. */
function durationFrames(samplerate: number, fallback: number): number {
  return values.duration === undefined ? fallback : durationOption(usage, 'duration', values.duration, samplerate)
}

async function take(): Promise<Take> {
  if (values.input !== undefined) {
    const file = await readFile(values.input)
    const all = firstChannel(file.frames, file.channels)
    const frames = Math.min(all.length, durationFrames(file.samplerate, all.length))
    return { samples: all.subarray(0, frames), samplerate: file.samplerate, title: basename(values.input) }
  }
  const device = await exampleDevice(values)
  try {
    if (values.playback !== undefined) {
      const file = await readFile(values.playback)
      // record one channel, play all of the file's; the stream runs at the file's rate
      await using stream = new DuplexStream({ ...device.streamDevice, channels: [1, file.channels], samplerate: file.samplerate })
      const frames = durationFrames(file.samplerate, Math.floor(file.frames.length / file.channels))
      // loop: a --duration longer than the file keeps playing it from the start
      const samples = await stream.playrec(file.frames, { frames, loop: true })
      return { samples, samplerate: stream.samplerate, title: `${basename(values.playback)} played and recorded` }
    }
    if (toneHz !== undefined) {
      await using stream = new DuplexStream({ ...device.streamDevice, channels: 1 })
      const samplerate = stream.samplerate
      // one second of the tone at a whole number of Hz holds whole cycles, so
      // looping it is seamless however long the recording is
      const hz = Math.round(toneHz)
      const tone = new Float32Array(samplerate)
      for (let k = 0; k < tone.length; k++) tone[k] = 0.5 * Math.sin((2 * Math.PI * hz * k) / samplerate)
      const samples = await stream.playrec(tone, { frames: durationFrames(samplerate, 3 * samplerate), loop: true })
      return { samples, samplerate, title: `${hz} Hz tone played and recorded` }
    }
    await using stream = new InputStream({ ...device.streamDevice, channels: 1 })
    const samples = await stream.record(durationFrames(stream.samplerate, 3 * stream.samplerate))
    return { samples, samplerate: stream.samplerate, title: 'recording' }
  } finally {
    await device.stop()
  }
}

/** Where everything is drawn, in pixels; printed with --json. */
interface Geometry {
  width: number
  height: number
  samplerate: number
  seconds: number
  waveform: { x: number; y: number; width: number; height: number }
  /** frequency falls linearly from maxHz at the top row to 0 Hz at the bottom */
  spectrogram: { x: number; y: number; width: number; height: number; minHz: number; maxHz: number; nfft: number; hop: number }
  colorbar: { x: number; y: number; width: number; height: number; minDb: number; maxDb: number }
}

function layout(seconds: number, samplerate: number, hop: number): Geometry {
  // room for labels left and below, the colour bar and its labels right
  const left = 72
  const right = 96
  const top = 34
  const bottom = 48
  const gap = 34
  const plotWidth = width - left - right
  const plotHeight = height - top - bottom - gap
  const waveHeight = Math.round(plotHeight * 0.3)
  const spectrogramTop = top + waveHeight + gap
  const spectrogramHeight = height - bottom - spectrogramTop
  return {
    width,
    height,
    samplerate,
    seconds,
    waveform: { x: left, y: top, width: plotWidth, height: waveHeight },
    spectrogram: { x: left, y: spectrogramTop, width: plotWidth, height: spectrogramHeight, minHz: 0, maxHz: samplerate / 2, nfft, hop },
    colorbar: { x: width - right + 16, y: spectrogramTop, width: 16, height: spectrogramHeight, minDb: floorDb, maxDb: 0 },
  }
}

const colours = { background: '#ffffff', axis: '#333333', grid: '#dddddd', trace: '#1f5fa8', text: '#222222' }

function drawText(context: SKRSContext2D, text: string, x: number, y: number, align: 'left' | 'right' | 'center', baseline: 'top' | 'middle' | 'bottom'): void {
  context.textAlign = align
  context.textBaseline = baseline
  context.fillText(text, x, y)
}

function format(value: number): string {
  return Number(value.toPrecision(6)).toString()
}

function draw({ samples, samplerate, title }: Take): { png: Buffer; geometry: Geometry } {
  const seconds = samples.length / samplerate
  const spectrogram = stft(samples, samplerate, { size: nfft, floorDb })
  const geometry = layout(seconds, samplerate, spectrogram.hop)
  const { waveform: wave, spectrogram: spec, colorbar: bar } = geometry
  const canvas = createCanvas(width, height)
  const context = canvas.getContext('2d')
  context.fillStyle = colours.background
  context.fillRect(0, 0, width, height)
  context.font = '12px DejaVu Sans, sans-serif'
  context.fillStyle = colours.text
  context.font = 'bold 14px DejaVu Sans, sans-serif'
  drawText(context, `${title}: ${seconds.toFixed(2)} s at ${samplerate} Hz`, wave.x, 10, 'left', 'top')
  context.font = '12px DejaVu Sans, sans-serif'

  // waveform: for each pixel column the lowest and highest sample in it,
  // so no peak falls between columns however long the take
  const centre = wave.y + wave.height / 2
  context.strokeStyle = colours.grid
  context.lineWidth = 1
  for (const amplitude of [-1, -0.5, 0, 0.5, 1]) {
    const y = Math.round(centre - (amplitude * wave.height) / 2) + 0.5
    context.beginPath()
    context.moveTo(wave.x, y)
    context.lineTo(wave.x + wave.width, y)
    context.stroke()
    context.fillStyle = colours.text
    drawText(context, format(amplitude), wave.x - 6, y, 'right', 'middle')
  }
  context.strokeStyle = colours.trace
  context.beginPath()
  for (let x = 0; x < wave.width; x++) {
    const from = Math.floor((x * samples.length) / wave.width)
    const to = Math.max(from + 1, Math.floor(((x + 1) * samples.length) / wave.width))
    let low = Infinity
    let high = -Infinity
    for (let k = from; k < to && k < samples.length; k++) {
      const value = samples[k] ?? 0
      if (value < low) low = value
      if (value > high) high = value
    }
    if (low > high) continue
    const clamp = (v: number) => Math.min(Math.max(v, -1), 1)
    context.moveTo(wave.x + x + 0.5, centre - (clamp(high) * wave.height) / 2 - 0.5)
    context.lineTo(wave.x + x + 0.5, centre - (clamp(low) * wave.height) / 2 + 0.5)
  }
  context.stroke()
  context.save()
  context.translate(18, centre)
  context.rotate(-Math.PI / 2)
  drawText(context, 'amplitude (FS)', 0, 0, 'center', 'middle')
  context.restore()

  // spectrogram: each pixel is the loudest bin of its row's frequency band
  // in the STFT frame nearest its column's time
  const image = context.createImageData(spec.width, spec.height)
  const hzPerRow = spec.maxHz / spec.height
  const binHz = samplerate / nfft
  for (let x = 0; x < spec.width; x++) {
    const time = ((x + 0.5) / spec.width) * samples.length // in samples
    const index = Math.round((time - nfft / 2) / spectrogram.hop)
    const frame = spectrogram.frames[Math.min(Math.max(index, 0), spectrogram.frames.length - 1)]
    if (!frame) continue
    for (let row = 0; row < spec.height; row++) {
      // row 0 is the top: the highest frequencies
      const highHz = spec.maxHz - row * hzPerRow
      const lowHz = highHz - hzPerRow
      const first = Math.max(0, Math.ceil(lowHz / binHz))
      const last = Math.min(spectrogram.bins - 1, Math.max(first, Math.floor(highHz / binHz)))
      let db = -Infinity
      for (let k = first; k <= last; k++) db = Math.max(db, frame[k] ?? -Infinity)
      const [r, g, b] = magma((db - floorDb) / -floorDb)
      const offset = 4 * (row * spec.width + x)
      image.data[offset] = r
      image.data[offset + 1] = g
      image.data[offset + 2] = b
      image.data[offset + 3] = 255
    }
  }
  context.putImageData(image, spec.x, spec.y)

  // frequency axis in Hz (kHz labels when the range is wide)
  context.fillStyle = colours.text
  context.strokeStyle = colours.axis
  const kilo = spec.maxHz >= 4000
  for (const hz of niceTicks(0, spec.maxHz, 6)) {
    const y = Math.round(spec.y + spec.height - (hz / spec.maxHz) * spec.height) + 0.5
    context.beginPath()
    context.moveTo(spec.x - 5, y)
    context.lineTo(spec.x, y)
    context.stroke()
    drawText(context, format(kilo ? hz / 1000 : hz), spec.x - 8, y, 'right', 'middle')
  }
  context.save()
  context.translate(18, spec.y + spec.height / 2)
  context.rotate(-Math.PI / 2)
  drawText(context, kilo ? 'frequency (kHz)' : 'frequency (Hz)', 0, 0, 'center', 'middle')
  context.restore()

  // the time axis, shared by both plots
  for (const t of niceTicks(0, seconds, 8)) {
    const x = Math.round(wave.x + (t / seconds) * wave.width) + 0.5
    context.beginPath()
    context.moveTo(x, wave.y + wave.height)
    context.lineTo(x, wave.y + wave.height + 4)
    context.moveTo(x, spec.y + spec.height)
    context.lineTo(x, spec.y + spec.height + 5)
    context.stroke()
    drawText(context, format(t), x, spec.y + spec.height + 8, 'center', 'top')
  }
  drawText(context, 'time (s)', spec.x + spec.width / 2, height - 6, 'center', 'bottom')
  context.strokeRect(wave.x - 0.5, wave.y - 0.5, wave.width + 1, wave.height + 1)
  context.strokeRect(spec.x - 0.5, spec.y - 0.5, spec.width + 1, spec.height + 1)

  // the colour bar: what each colour means in dBFS
  for (let row = 0; row < bar.height; row++) {
    const [r, g, b] = magma(1 - row / (bar.height - 1))
    context.fillStyle = `rgb(${r},${g},${b})`
    context.fillRect(bar.x, bar.y + row, bar.width, 1)
  }
  context.strokeRect(bar.x - 0.5, bar.y - 0.5, bar.width + 1, bar.height + 1)
  context.fillStyle = colours.text
  for (const db of niceTicks(floorDb, 0, 6)) {
    const y = Math.round(bar.y + (db / floorDb) * bar.height) + 0.5
    context.beginPath()
    context.moveTo(bar.x + bar.width, y)
    context.lineTo(bar.x + bar.width + 4, y)
    context.stroke()
    drawText(context, format(db), bar.x + bar.width + 6, y, 'left', 'middle')
  }
  drawText(context, 'dBFS', bar.x + bar.width / 2, bar.y - 6, 'center', 'bottom')

  return { png: canvas.toBuffer('image/png'), geometry }
}

const result = draw(await take())
await writeFile(values.output, result.png)
if (values.json === true) {
  process.stdout.write(`${JSON.stringify({ output: values.output, ...result.geometry })}\n`)
} else {
  process.stdout.write(`plot: wrote ${values.output} (${width}x${height}, ${result.geometry.seconds.toFixed(2)} s)\n`)
}
