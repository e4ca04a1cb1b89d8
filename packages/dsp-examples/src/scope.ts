// scope: a live oscilloscope and spectrum analyser in the browser. Records
// chunks from the device, and sends each one, with its magnitude spectrum,
// to a page that draws them (src/scope-page.ts). With --playback (or
// --tone) it plays while recording: the original pastream's plot_rec /
// plot_stft examples, live.
//
// What it shows of the pastream API:
// - chunks({ chunksize, overlap, playback, loop, frames, signal }): the
//   module-level iterator opens the stream (duplex when there is playback),
//   yields fixed-size chunks and closes the stream when the loop ends;
// - SoundFileDuplexStream(file, null, { loop }).chunks(): the same, playing
//   a file straight from disk on a native thread;
// - `frames` ends a run by itself (--duration); an AbortSignal (Ctrl-C)
//   stops the device from outside the loop, and the iterator then throws
//   the signal's reason.
//
// Why server-sent events: the data only flows one way (server to page), an
// EventSource reconnects by itself and needs nothing but node:http. A
// WebSocket (the `ws` package) would buy two-way messages the scope does not
// need.
//
// Why the FFT runs here and not in the page: the same typed Spectrum class
// (spectrum.ts, fft.js) serves the PNG plot and the scope, and the page
// stays a short drawing script with no bundling. It costs bytes (a spectrum
// per chunk), which on 127.0.0.1 is nothing.
//
//   pnpm --filter @pastream/dsp-examples run scope -- --tone 440
//   pnpm --filter @pastream/dsp-examples run scope -- --playback music.wav --loop --port 8080
import { createServer, type ServerResponse } from 'node:http'
import { basename } from 'node:path'
import { SoundFileDuplexStream } from '@pastream/soundfile'
import { chunks, defaultDevice, findDevice, isPowerOfTwo, parseDuration, queryDevices } from '@pastream/stream'
import { exampleArgs, exampleDevice, usageError, type ExampleDevice } from './common.js'
import { Spectrum } from './spectrum.js'
import { scopeLayout, scopePage, type ScopeMessage } from './scope-page.js'

const usage = `Usage: scope [options]

Serves a live scope page: the waveform and magnitude spectrum of the
device's first input channel, redrawn for every chunk.

Options:
      --port N          HTTP port on 127.0.0.1 (default 8000; 0 = any free port)
  -p, --playback FILE   play this file while recording (duplex)
      --loop            with --playback: replay the file when it ends
  -t, --tone HZ         play a sine of HZ while recording (duplex)
  -d, --duration TIME   stop after this long: seconds or [h:]m:s (default: until
                        Ctrl-C, or the end of --playback without --loop)
      --chunksize N     frames per chunk and FFT size, a power of two (default 2048)
      --overlap N       frames each chunk repeats from the one before (default 0)
  -D, --device DEV      device index or name (default: the default device)
      --virtual         use pastream's virtual loopback device
  -h, --help            show this help

Prints "scope: http://127.0.0.1:PORT/" once the page can be opened.`

const { values } = exampleArgs(usage, {
  port: { type: 'string', default: '8000' },
  playback: { type: 'string', short: 'p' },
  loop: { type: 'boolean' },
  tone: { type: 'string', short: 't' },
  duration: { type: 'string', short: 'd' },
  chunksize: { type: 'string', default: '2048' },
  overlap: { type: 'string', default: '0' },
})

/** A whole number (digits only) for `--name`; exits 2 with the usage otherwise. */
function integerOption(name: string, text: string, check: (value: number) => boolean, expected: string): number {
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || !check(value)) usageError(usage, `Expected ${expected} for --${name}, got ${JSON.stringify(text)}`)
  return value
}

const port = integerOption('port', values.port, (v) => v <= 65535, 'a port from 0 to 65535')
const chunksize = integerOption('chunksize', values.chunksize, (v) => v >= 64 && v <= 65536 && isPowerOfTwo(v), 'a power of two from 64 to 65536')
const overlap = integerOption('overlap', values.overlap, (v) => v < chunksize, `a frame count below the chunksize (${chunksize})`)
const toneHz = values.tone === undefined ? undefined : Number(values.tone)
if (toneHz !== undefined && !(toneHz > 0 && toneHz < 1e6)) usageError(usage, `Expected a positive frequency in Hz for --tone, got ${JSON.stringify(values.tone)}`)
if (values.tone !== undefined && values.playback !== undefined) usageError(usage, 'Use only one of --playback and --tone')
if (values.loop === true && values.playback === undefined) usageError(usage, '--loop needs --playback')
if (values.duration !== undefined) {
  // checked now, before a device opens; converted to frames once the rate is known
  try {
    parseDuration(values.duration, 48000, '--duration')
  } catch (error) {
    usageError(usage, (error as Error).message)
  }
}

/**
 * What to play while recording: a file, played from disk by a
 * SoundFileDuplexStream (a native thread reads it, so a long file is never
 * loaded whole), or a tone made here, played from memory by chunks().
 */
type Playback =
  | { kind: 'file'; stream: SoundFileDuplexStream; samplerate: number; title: string }
  | { kind: 'tone'; source: Float32Array; samplerate: number; title: string }

/** The rate a stream on this input device opens at when none is asked for. */
function deviceSamplerate(deviceSpec: number | string | undefined): number {
  const { devices } = queryDevices()
  return findDevice(deviceSpec ?? defaultDevice().input, 'input', devices).defaultSamplerate
}

async function playback(device: ExampleDevice): Promise<Playback | undefined> {
  if (values.playback !== undefined) {
    // records 1 channel, plays all of the file's, at the file's sample rate;
    // loop replays the file from its start when it ends
    const stream = new SoundFileDuplexStream(values.playback, null, { ...device.streamDevice, channels: 1, loop: values.loop === true })
    return { kind: 'file', stream, samplerate: stream.samplerate, title: basename(values.playback) }
  }
  if (toneHz !== undefined) {
    // the tone is made before the stream opens, at the device's own rate
    const samplerate = deviceSamplerate(device.device)
    // one second at a whole number of Hz holds whole cycles: it loops seamlessly
    const hz = Math.round(toneHz)
    const tone = new Float32Array(samplerate)
    for (let k = 0; k < tone.length; k++) tone[k] = 0.5 * Math.sin((2 * Math.PI * hz * k) / samplerate)
    return { kind: 'tone', source: tone, samplerate, title: `${hz} Hz tone` }
  }
  return undefined
}

const device = await exampleDevice(values)
let played: Playback | undefined
try {
  played = await playback(device)
} catch (error) {
  process.stderr.write(`scope: ${(error as Error).message}\n`)
  await device.stop()
  process.exit(1)
}

// --- the page and its event stream -----------------------------------------

/** Open event streams; `busy` ones skip chunks until their socket drains. */
const clients = new Map<ServerResponse, { busy: boolean }>()
const page = scopePage(`${played?.title ?? 'input'} on ${String(device.device ?? 'the default device')}`)

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname
  if (path === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    response.end(page)
  } else if (path === '/events') {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
    // a slow page must not make the server queue chunks without end: it
    // misses chunks instead, as a scope may
    const client = { busy: false }
    clients.set(response, client)
    response.on('drain', () => (client.busy = false))
    response.on('close', () => clients.delete(response))
    response.write(': connected\n\n')
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' })
    response.end('not found\n')
  }
})

function send(event: string, data: string): void {
  for (const [response, client] of clients) {
    if (client.busy) continue
    client.busy = !response.write(`event: ${event}\ndata: ${data}\n\n`)
  }
}

await new Promise<void>((resolve, reject) => {
  server.once('error', reject)
  server.listen(port, '127.0.0.1', resolve)
})
const address = server.address()
const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}/`
process.stdout.write(`scope: ${url}\n`)

// --- the audio ----------------------------------------------------------------

// Ctrl-C (and SIGTERM) abort the iteration; a second Ctrl-C leaves at once
const controller = new AbortController()
const onSignal = (signal: NodeJS.Signals) => {
  if (controller.signal.aborted) process.exit(130)
  process.stderr.write(`scope: ${signal}, stopping\n`)
  controller.abort()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

const rate = played?.samplerate ?? deviceSamplerate(device.device)
const spectrum = new Spectrum(chunksize, rate)
const levels = new Float32Array(spectrum.bins)
let sequence = 0
let frames = 0
let status = 0
try {
  // how much to record: all of it (until Ctrl-C, or the end of a file
  // played without --loop) unless --duration says
  const runFrames = values.duration === undefined ? {} : { frames: parseDuration(values.duration, rate, '--duration') }
  const stream =
    played?.kind === 'file'
      ? // the stream's own chunks(): it plays the file it was opened with.
        // chunks() sets every run option it is not given back to its default
        // (loop false), so loop is repeated here
        played.stream.chunks({ chunksize, overlap, ...runFrames, loop: values.loop === true, signal: controller.signal })
      : // the module-level chunks() opens the stream (a DuplexStream when
        // there is playback, an InputStream otherwise) and closes it at the end
        chunks({
          ...device.streamDevice,
          channels: 1,
          ...(played ? { samplerate: played.samplerate, playback: played.source, loop: true } : {}),
          chunksize,
          overlap,
          ...runFrames,
          signal: controller.signal,
        })
  for await (const chunk of stream) {
    // a chunk is a view into the ring, valid until the next step: use it
    // now. It holds `overlap` frames of the chunk before, then new ones (the
    // last chunk may be shorter)
    frames += chunk.length - overlap
    sequence += 1
    // only compute what someone is looking at
    if (clients.size === 0) continue
    spectrum.magnitudeDb(chunk, { out: levels, floorDb: scopeLayout.floorDb })
    let peak = 0
    for (let k = 1; k < levels.length; k++) if ((levels[k] ?? -Infinity) > (levels[peak] ?? -Infinity)) peak = k
    let power = 0
    for (const sample of chunk) power += sample * sample
    const message: ScopeMessage = {
      sequence,
      samplerate: rate,
      frames,
      // rounded: 4 decimals are below what a screen can show, and halve the JSON
      wave: Array.from(chunk, (v) => Math.round(v * 1e4) / 1e4),
      spectrum: Array.from(levels, (v) => Math.round(v * 10) / 10),
      peakHz: spectrum.binHz(peak),
      rmsDb: 10 * Math.log10(Math.max(power / Math.max(chunk.length, 1), 1e-12)),
    }
    send('chunk', JSON.stringify(message))
  }
} catch (error) {
  // the iterator throws the abort reason when we stopped it ourselves
  if (!controller.signal.aborted) {
    process.stderr.write(`scope: ${(error as Error).message}\n`)
    status = 1
  }
} finally {
  send('end', '{}')
  for (const response of clients.keys()) response.end()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (played?.kind === 'file') await played.stream.close()
  await device.stop()
}
process.stderr.write(`scope: stopped after ${sequence} chunks (${(frames / rate).toFixed(1)} s)\n`)
process.exit(status)
