// The native file pumps on the virtual loopback device (test/global-setup.ts):
// record to and play from WAV files through rings, bit-exact, with the main
// thread blocked, and a recording killed with SIGKILL.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { DuplexStream } from '@pastream/stream'
import { SoundFile, SoundFileError, playFromFile, recordToFile } from '../src/index.js'
import { findDelay, firstDifferenceWithin, prng, signalRecording, tempDir } from './helpers.js'

const DEVICE = 'loopback'
const SAMPLERATE = 48000
const BLOCKSIZE = 256

/** Interleaved pseudo-random int16 samples, never zero (so silence never matches). */
function signal(frames: number, channels: number, seed: number): Int16Array {
  const random = prng(seed)
  const a = new Int16Array(frames * channels)
  for (let i = 0; i < a.length; i++) {
    let v = 0
    while (v === 0) v = Math.floor(random() * 65536) - 32768
    a[i] = v
  }
  return a
}

const temp = tempDir('pumps')
afterAll(() => temp.remove())

async function recordThroughPump(name: string, frames: number, pad: number, block?: number): Promise<{ file: Int16Array; sig: Int16Array; written: number }> {
  const channels = 2
  const sig = signal(frames, channels, 4242)
  const path = temp.path(name)
  await using stream = new DuplexStream({ device: DEVICE, channels, dtype: 'int16', blocksize: BLOCKSIZE })
  const file = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels, format: 'WAV', subtype: 'PCM_16' })
  stream.setSource(sig)
  const pump = recordToFile(stream, file)
  stream.frames = frames
  stream.pad = pad
  await stream.start()
  if (block !== undefined) {
    const until = Date.now() + block
    while (Date.now() < until) {
      // busy-wait: the event loop is blocked, the pump thread is not
    }
  }
  await stream.wait()
  const written = await pump.stop()
  await file.close()
  const reader = await SoundFile.open(path)
  const data = await reader.read(-1, { dtype: 'int16' })
  await reader.close()
  return { file: data, sig, written }
}

describe('recordToFile', () => {
  it('records 1 s of int16 through the loopback into a WAV, bit-exact after the delay', async () => {
    const frames = SAMPLERATE
    const pad = 4096
    const { file, sig, written } = await recordThroughPump('record.wav', frames, pad)
    expect(written).toBe(frames + pad)
    expect(file.length).toBe((frames + pad) * 2)
    const delay = findDelay(file, sig, 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(delay).toBeLessThanOrEqual(pad)
    expect(firstDifferenceWithin(file.subarray(delay * 2), sig)).toBe(-1)
  })

  it('loses no frame while the main thread is blocked for 500 ms (default ring)', async () => {
    const frames = 2 * SAMPLERATE
    const pad = 4096
    const { file, sig, written } = await recordThroughPump('blocked.wav', frames, pad, 500)
    expect(written).toBe(frames + pad)
    expect(file.length).toBe((frames + pad) * 2)
    const delay = findDelay(file, sig, 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(firstDifferenceWithin(file.subarray(delay * 2), sig)).toBe(-1)
  })

  it.each([
    ['OGG', 'VORBIS', 'ogg'],
    ['OGG', 'OPUS', 'opus'],
    ['MP3', 'MPEG_LAYER_III', 'mp3'],
    ['FLAC', 'PCM_16', 'flac'],
  ])('records a streamed container (%s %s) that reads back with its length', async (format, subtype, extension) => {
    const frames = 9600
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'float32', blocksize: BLOCKSIZE })
    const path = temp.path(`streamed.${extension}`)
    const file = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels: 2, format, subtype })
    stream.setSource(Float32Array.from({ length: frames * 2 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * Math.floor(i / 2)) / SAMPLERATE)))
    const pump = recordToFile(stream, file)
    stream.frames = frames
    await stream.start()
    await stream.wait()
    expect(await pump.stop()).toBe(frames)
    await file.close()
    const reader = await SoundFile.open(path)
    expect({ format: reader.format, subtype: reader.subtype, channels: reader.channels }).toEqual({ format, subtype, channels: 2 })
    // lossy codecs may report a few frames of encoder padding more; never "unknown"
    expect(reader.frames).toBeGreaterThanOrEqual(frames)
    expect(reader.frames).toBeLessThan(frames + 2048)
    const data = await reader.read(-1, { dtype: 'float32' })
    await reader.close()
    let peak = 0
    for (const v of data) peak = Math.max(peak, Math.abs(v))
    expect(peak).toBeGreaterThan(0.3)
  })

  it('refuses a file opened for reading', async () => {
    await using stream = new DuplexStream({ device: DEVICE, channels: 2, dtype: 'int16', blocksize: BLOCKSIZE })
    const file = await SoundFile.open(temp.path('mismatch.wav'), { mode: 'w', samplerate: SAMPLERATE, channels: 2, format: 'WAV', subtype: 'PCM_16' })
    const reader = await SoundFile.open(temp.path('record.wav'))
    expect(() => recordToFile(stream, reader)).toThrow(/opened for reading/)
    await reader.close()
    await file.close()
  })
})

describe('playFromFile', () => {
  it('plays a WAV through the play pump, recorded bit-exact with an array sink', async () => {
    const channels = 2
    const frames = SAMPLERATE
    const pad = 4096
    const sig = signal(frames, channels, 777)
    const path = temp.path('play.wav')
    const writer = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels, format: 'WAV', subtype: 'PCM_16' })
    await writer.write(sig)
    await writer.close()
    const file = await SoundFile.open(path)
    await using stream = new DuplexStream({ device: DEVICE, channels, dtype: 'int16', blocksize: BLOCKSIZE })
    // a small ring: the thread has to keep refilling it while the stream plays
    const pump = playFromFile(stream, file, { buffersize: 4096 })
    const recording = new Int16Array((frames + pad) * channels)
    stream.setSink(recording)
    stream.frames = frames
    stream.pad = pad
    await stream.start()
    await stream.wait()
    expect(await pump.stop()).toBe(frames)
    await file.close()
    const delay = findDelay(recording, sig, channels)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(delay).toBeLessThanOrEqual(pad)
    expect(firstDifferenceWithin(recording.subarray(delay * channels), sig)).toBe(-1)
    // then the pad: silence
    expect(recording.subarray((delay + frames) * channels).every((v) => v === 0)).toBe(true)
  })

  it('loops the file until stopped', async () => {
    const channels = 1
    const frames = 3000
    const sig = signal(frames, channels, 99)
    const path = temp.path('loop.wav')
    const writer = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels, format: 'WAV', subtype: 'PCM_16' })
    await writer.write(sig)
    await writer.close()
    const file = await SoundFile.open(path)
    await using stream = new DuplexStream({ device: DEVICE, channels, dtype: 'int16', blocksize: BLOCKSIZE })
    const pump = playFromFile(stream, file, { loop: true, buffersize: 2048 })
    const total = frames * 5 + 4096
    const recording = new Int16Array(total)
    stream.setSink(recording)
    stream.frames = total
    await stream.start()
    await stream.wait()
    await pump.stop()
    await file.close()
    const delay = findDelay(recording, sig, channels)
    expect(delay).toBeGreaterThanOrEqual(0)
    const looped = new Int16Array(frames * 5)
    for (let k = 0; k < 5; k++) looped.set(sig, k * frames)
    expect(firstDifferenceWithin(recording.subarray(delay), looped, Math.min(looped.length, total - delay))).toBe(-1)
  })
})

describe('disk full', () => {
  // a 1 MB tmpfs: needs root (mount). Outside CI a non-root run skips it; in CI a failed mount fails the test
  const dir = temp.path('tiny')
  let mounted = false
  try {
    mkdirSync(dir)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' })
    mounted = true
  } catch {
    mounted = false
  }
  afterAll(() => {
    if (mounted) execFileSync('umount', [dir])
  })

  it.runIf(mounted || process.env.CI === 'true')('stops the recording with a message naming the file and the frames kept; the file holds them', async () => {
    if (!mounted) throw new Error(`cannot mount a 1 MB tmpfs on ${dir} (needs root)`)
    const path = join(dir, 'full.wav')
    const channels = 8
    await using stream = new DuplexStream({ device: DEVICE, channels, dtype: 'float32', blocksize: BLOCKSIZE })
    const file = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels, format: 'WAV', subtype: 'FLOAT' })
    const pump = recordToFile(stream, file)
    stream.frames = 3 * SAMPLERATE
    await stream.start()
    // the pump stops at the full disk; the stream then aborts (ring full) or ends
    await stream.wait().catch(() => undefined)
    await stream.stop().catch(() => undefined)
    const error = await pump.stop().then(() => undefined, (e: unknown) => e as Error)
    expect(error).toBeInstanceOf(SoundFileError)
    const match = /^Error recording to '(.+)': .*; kept (\d+) frames \((\d+\.\d+) s\)$/.exec(error?.message ?? '')
    expect(match, error?.message).not.toBeNull()
    expect(match?.[1]).toBe(path)
    const kept = Number(match?.[2])
    expect(kept).toBeGreaterThan(0)
    expect(kept).toBeLessThan(3 * SAMPLERATE)
    expect(Number(match?.[3])).toBeCloseTo(kept / SAMPLERATE, 3)
    await file.close().catch(() => undefined)
    const reader = await SoundFile.open(path)
    expect(reader.frames).toBe(kept)
    await reader.close()
  })
})

// Children run the built packages: `pnpm build` first (turbo's test task does).
const here = dirname(fileURLToPath(import.meta.url))
const soundfileDist = pathToFileURL(join(here, '..', 'dist', 'index.js')).href
const streamDist = pathToFileURL(join(here, '..', '..', 'stream', 'dist', 'index.js')).href

const killedScript = `
import { SoundFile, recordToFile } from ${JSON.stringify(soundfileDist)}
import { DuplexStream } from ${JSON.stringify(streamDist)}
const [path, seed] = process.argv.slice(2)
const frames = 10 * 48000
let state = Number(seed)
const sig = new Int16Array(frames * 2)
for (let i = 0; i < sig.length; i++) {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0
  sig[i] = ((state >>> 8) & 0x7fff) + 1
}
const stream = new DuplexStream({ device: 'loopback', channels: 2, dtype: 'int16', blocksize: ${BLOCKSIZE} })
const file = await SoundFile.open(path, { mode: 'w', samplerate: 48000, channels: 2, format: 'WAV', subtype: 'PCM_16' })
stream.setSource(sig)
const pump = recordToFile(stream, file)
stream.frames = frames
await stream.start()
setInterval(() => process.stdout.write(pump.frames + '\\n'), 5)
`

describe('a recording killed with SIGKILL', () => {
  it('leaves a WAV that opens with all but the last block', async () => {
    const script = temp.path('killed.mjs')
    const path = temp.path('killed.wav')
    writeFileSync(script, killedScript)
    const { ended, last } = await signalRecording(script, [path, '7'], SAMPLERATE / 2, 'SIGKILL')
    expect(ended).toBe('SIGKILL')
    // the pump had written `last` frames (header included) before it reported them
    const reader = await SoundFile.open(path)
    const data = await reader.read(-1, { dtype: 'int16' })
    await reader.close()
    const frames = data.length / 2
    expect(frames).toBeGreaterThanOrEqual(last)
    // between the last report and the kill: a few ms of audio at most (well under 0.1 s)
    expect(frames).toBeLessThan(last + SAMPLERATE / 10)
    // every frame in the file is real data: silence then the signal, bit-exact
    let state = 7
    const sig = new Int16Array(10 * SAMPLERATE * 2)
    for (let i = 0; i < sig.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      sig[i] = ((state >>> 8) & 0x7fff) + 1
    }
    const delay = findDelay(data, sig, 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(firstDifferenceWithin(data.subarray(delay * 2), sig, data.length - delay * 2)).toBe(-1)
  })
})
