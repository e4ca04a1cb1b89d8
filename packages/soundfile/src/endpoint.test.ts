// A SoundFile as the source or sink of any stream (stream's RingEndpoint
// protocol): play, playrec, chunks({ playback }), setSource and setSink on
// the virtual loopback device (test/global-setup.ts), bit-exact after the
// loopback delay; errors from the run surface from wait().
import { afterAll, describe, expect, it } from 'vitest'
import { BufferEmpty, DuplexStream, InputStream, isRingEndpoint, OutputStream } from '@pastream/stream'
import { retryWhenXruns } from '@pastream/stream/testing'
import { bytesOf, findDelay, firstDifferenceWithin, noise, tempDir } from '../test/helpers.js'
import { fromFile, SoundFileOutputStream, toFile } from './file-streams.js'
import { SoundFile } from './sound-file.js'
import { SoundFileError } from './errors.js'

const DEVICE = 'loopback'
const SAMPLERATE = 48000
const BLOCKSIZE = 256
const CHANNELS = 2
const PAD = 4096
const temp = tempDir('endpoint')
afterAll(() => temp.remove())

/** Checks that `want` is in `got` bit-exact after the loopback delay (at most PAD frames). */
function expectAfterDelay(got: Uint8Array, want: Uint8Array, fb: number): number {
  const delay = findDelay(got, want, fb)
  expect(delay).toBeGreaterThanOrEqual(0)
  expect(delay).toBeLessThanOrEqual(PAD)
  expect(got.byteLength - delay * fb).toBeGreaterThanOrEqual(want.byteLength)
  expect(firstDifferenceWithin(got.subarray(delay * fb), want)).toBe(-1)
  return delay
}

async function writeWav(name: string, sig: Int16Array): Promise<string> {
  const path = temp.path(name)
  const file = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels: CHANNELS, format: 'WAV', subtype: 'PCM_16' })
  await file.write(sig)
  await file.close()
  return path
}

const options = { device: DEVICE, dtype: 'int16' as const, blocksize: BLOCKSIZE, channels: CHANNELS, samplerate: SAMPLERATE }
const FB = CHANNELS * 2

describe('SoundFile as a stream endpoint', () => {
  it('implements the protocol', async () => {
    const path = await writeWav('proto.wav', noise('int16', 10, CHANNELS, 1) as Int16Array)
    await using file = await SoundFile.open(path)
    expect(isRingEndpoint(file)).toBe(true)
  })

  it('duplex.playrec(soundFile) records the file', async () => {
    const frames = 12000
    const sig = noise('int16', frames, CHANNELS, 11) as Int16Array
    await using file = await SoundFile.open(await writeWav('playrec.wav', sig))
    await retryWhenXruns('playrec(soundFile)', async (watch) => {
      await using duplex = watch(new DuplexStream(options))
      const rec = await duplex.playrec(file, { pad: PAD })
      expect(rec.length).toBe((frames + PAD) * CHANNELS)
      expect(duplex.stats.txFrames).toBe(frames)
      expectAfterDelay(bytesOf(rec), bytesOf(sig), FB)
      // again: every run plays from the start
      const again = await duplex.playrec(file, { pad: PAD })
      expectAfterDelay(bytesOf(again), bytesOf(sig), FB)
    })
  })

  it('output.play(soundFile) plays exactly the file', async () => {
    const frames = 7000
    const sig = noise('int16', frames, CHANNELS, 12) as Int16Array
    await using file = await SoundFile.open(await writeWav('play.wav', sig))
    await using output = new OutputStream(options)
    await output.play(file)
    expect(output.frameCount).toBe(frames)
    await output.play(file, { pad: 100 })
    expect(output.frameCount).toBe(frames + 100)
    expect(file.closed).toBe(false)
  })

  it('duplex.setSink(soundFile) records into a file that reads back bit-exact', async () => {
    const frames = 12000
    const sig = noise('int16', frames, CHANNELS, 13) as Int16Array
    const path = temp.path('sink.wav')
    await retryWhenXruns('setSink(soundFile)', async (watch) => {
      {
        await using duplex = watch(new DuplexStream(options))
        await using out = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels: CHANNELS, format: 'WAV', subtype: 'PCM_16' })
        duplex.setSink(out)
        await duplex.play(sig, { pad: PAD })
      }
      await using back = await SoundFile.open(path)
      expect(back.frames).toBe(frames + PAD)
      const data = await back.read(-1, { dtype: 'int16' })
      expectAfterDelay(bytesOf(data), bytesOf(sig), FB)
    })
  })

  it('toFile(input, path) records a run; fromFile(path) plays it', async () => {
    const frames = 6000
    const sig = noise('int16', frames, CHANNELS, 14) as Int16Array
    const path = temp.path('tofile.wav')
    // two streams: either one's xruns explain a shifted recording
    await retryWhenXruns('toFile(input)', async (watch) => {
      {
        await using output = watch(new OutputStream(options))
        await using input = watch(new InputStream(options))
        const file = toFile(input, path)
        expect(file.subtype).toBe('PCM_16')
        input.frames = frames + PAD
        await input.start()
        await output.play(sig)
        await input.wait()
        await file.close()
      }
      await using back = await SoundFile.open(path)
      expect(back.frames).toBe(frames + PAD)
      expectAfterDelay(bytesOf(await back.read(-1, { dtype: 'int16' })), bytesOf(sig), FB)
    })
    await using stream = fromFile<'int16'>(path, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE })
    expect(stream).toBeInstanceOf(SoundFileOutputStream)
    await stream.start()
    await stream.wait()
    expect(stream.frameCount).toBe(frames + PAD)
  })

  it('chunks({ playback: soundFile, loop: true, frames: 5 * len }) yields the file 5 times', async () => {
    const frames = 3000
    const sig = noise('int16', frames, CHANNELS, 15) as Int16Array
    await using file = await SoundFile.open(await writeWav('loop.wav', sig))
    const looped = new Int16Array(5 * frames * CHANNELS)
    for (let i = 0; i < 5; i++) looped.set(sig, i * frames * CHANNELS)
    await retryWhenXruns('chunks({ playback: soundFile, loop })', async (watch) => {
      await using duplex = watch(new DuplexStream(options))
      const parts: Uint8Array[] = []
      for await (const chunk of duplex.chunks({ playback: file, loop: true, frames: 5 * frames, pad: PAD })) parts.push(bytesOf(chunk).slice())
      const got = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
      let at = 0
      for (const p of parts) {
        got.set(p, at)
        at += p.byteLength
      }
      expect(got.byteLength).toBe((5 * frames + PAD) * FB)
      const delay = expectAfterDelay(got, bytesOf(looped), FB)
      // then silence
      expect(got.subarray((delay + 5 * frames) * FB).every((v) => v === 0)).toBe(true)
    })
  })

  it('asking for more frames than the file has (no loop) fails with BufferEmpty from wait()', async () => {
    const frames = 2000
    const sig = noise('int16', frames, CHANNELS, 16) as Int16Array
    await using file = await SoundFile.open(await writeWav('short.wav', sig))
    await using duplex = new DuplexStream(options)
    duplex.setSource(file)
    duplex.frames = frames + 5000
    await duplex.start()
    const error = await duplex.wait().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(BufferEmpty)
    expect(duplex.stats.txFrames).toBe(frames)
  })

  it('a recording that cannot be written (/dev/full) fails with a SoundFileError from wait()', async () => {
    await using file = await SoundFile.open('/dev/full', { mode: 'w', format: 'RAW', subtype: 'PCM_16', samplerate: SAMPLERATE, channels: CHANNELS })
    await using duplex = new DuplexStream(options)
    duplex.setSink(file)
    duplex.frames = SAMPLERATE
    await duplex.start()
    const error = await duplex.wait().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(SoundFileError)
    expect(String((error as Error).message)).toMatch(/dev\/full/)
  })

  it('a mismatched file is refused before the run starts', async () => {
    const path = temp.path('mono.wav')
    {
      await using mono = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels: 1, format: 'WAV', subtype: 'PCM_16' })
      await mono.write(new Int16Array(100))
    }
    await using file = await SoundFile.open(path)
    await using output = new OutputStream(options)
    await expect(output.play(file)).rejects.toThrow(/2 channel\(s\) but .* has 1/)
    expect(output.active).toBe(false)
  })
})
