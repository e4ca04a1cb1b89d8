// File streams on the virtual loopback device (test/global-setup.ts): play
// a file and record another through SoundFileDuplexStream, bit-exact after
// the loopback delay, in several formats; the input and output streams;
// frames/pad/offset/loop; finalization on abort, close and signals.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { OutputStream, type DType } from '@pastream/stream'
import { bytesOf, findDelay, firstDifferenceWithin, noise, signalRecording, tempDir, waitFor, type Samples } from '../test/helpers.js'
import { SoundFileDuplexStream, SoundFileInputStream, SoundFileOutputStream } from './file-streams.js'
import { pickSubtype } from './record-format.js'
import { activeRecordings } from './recordings.js'
import { SoundFile } from './sound-file.js'

const DEVICE = 'loopback'
const SAMPLERATE = 48000
const BLOCKSIZE = 256
const temp = tempDir('file-streams')
afterAll(() => temp.remove())

async function writeFile(path: string, sig: Samples, dtype: DType, channels: number, format: string, subtype: string): Promise<void> {
  const file = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels, format, subtype })
  await file.write(sig, { dtype })
  await file.close()
}

async function readFile(path: string, dtype: DType): Promise<{ data: Samples; file: { frames: number; subtype: string; format: string } }> {
  const file = await SoundFile.open(path)
  const info = { frames: file.frames, subtype: file.subtype, format: file.format }
  const data = await file.read(-1, { dtype })
  await file.close()
  return { data, file: info }
}

const cases: Array<{ name: string; ext: string; subtype: string; dtype: DType; bits?: number }> = [
  { name: 'WAV 16-bit', ext: 'wav', subtype: 'PCM_16', dtype: 'int16' },
  { name: 'WAV 24-bit', ext: 'wav', subtype: 'PCM_24', dtype: 'int24' },
  { name: 'WAV float', ext: 'wav', subtype: 'FLOAT', dtype: 'float32' },
  { name: 'WAV 32-bit PCM (24 significant bits)', ext: 'wav', subtype: 'PCM_32', dtype: 'int32', bits: 24 },
  { name: 'FLAC 16-bit', ext: 'flac', subtype: 'PCM_16', dtype: 'int16' },
  { name: 'FLAC 24-bit', ext: 'flac', subtype: 'PCM_24', dtype: 'int24' },
  { name: 'AU 16-bit', ext: 'au', subtype: 'PCM_16', dtype: 'int16' },
  { name: 'AU float', ext: 'au', subtype: 'FLOAT', dtype: 'float32' },
]

describe('SoundFileDuplexStream: file -> loopback -> file, bit-exact', () => {
  for (const [k, c] of cases.entries()) {
    it(c.name, async () => {
      const channels = 2
      const frames = 12000
      const pad = 4096
      const sig = noise(c.dtype, frames, channels, 100 + k, c.bits)
      const play = temp.path(`play-${k}.${c.ext}`)
      const rec = temp.path(`rec-${k}.${c.ext}`)
      await writeFile(play, sig, c.dtype, channels, c.ext === 'au' ? 'AU' : c.ext.toUpperCase(), c.subtype)
      {
        // the recorded subtype comes from the dtype (AU and WAV: FLOAT for float32)
        await using stream = new SoundFileDuplexStream(play, rec, { device: DEVICE, dtype: c.dtype, blocksize: BLOCKSIZE, channels: 2 })
        stream.pad = pad
        await stream.start()
        await stream.wait()
        expect(stream.recordFile?.closed).toBe(true)
      }
      const { data, file } = await readFile(rec, c.dtype)
      expect(file.subtype).toBe(c.subtype)
      expect(file.frames).toBe(frames + pad)
      const fb = channels * (c.dtype === 'int24' ? 3 : sig.BYTES_PER_ELEMENT)
      const got = bytesOf(data)
      const want = bytesOf(sig)
      const delay = findDelay(got, want, fb)
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(delay).toBeLessThanOrEqual(pad)
      expect(firstDifferenceWithin(got.subarray(delay * fb), want, want.length)).toBe(-1)
    })
  }

  it('loops the playback file x5', async () => {
    const frames = 3000
    const sig = noise('int16', frames, 1, 7) as Int16Array
    const play = temp.path('loop-play.wav')
    const rec = temp.path('loop-rec.wav')
    await writeFile(play, sig, 'int16', 1, 'WAV', 'PCM_16')
    {
      await using stream = new SoundFileDuplexStream(play, rec, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE, channels: 1, loop: true })
      stream.frames = 5 * frames
      stream.pad = 4096
      await stream.start()
      await stream.wait()
      expect(stream.loop).toBe(true)
    }
    const { data } = await readFile(rec, 'int16')
    expect(data.length).toBe(5 * frames + 4096)
    const looped = new Int16Array(5 * frames)
    for (let i = 0; i < 5; i++) looped.set(sig, i * frames)
    const got = bytesOf(data)
    const delay = findDelay(got, bytesOf(sig), 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(firstDifferenceWithin(got.subarray(delay * 2), bytesOf(looped), looped.byteLength)).toBe(-1)
    // then silence
    expect((data as Int16Array).subarray(delay + 5 * frames).every((v) => v === 0)).toBe(true)
  })

  it('counts frames, pad and offset like buffers (and plays twice)', async () => {
    const frames = 5000
    const sig = noise('int16', frames, 1, 9)
    const play = temp.path('counts-play.wav')
    await writeFile(play, sig, 'int16', 1, 'WAV', 'PCM_16')
    const rec = temp.path('counts-rec.wav')
    {
      await using stream = new SoundFileDuplexStream(play, rec, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE, channels: 1 })
      stream.frames = 4000
      stream.pad = 1000
      stream.offset = 300
      await stream.start()
      await stream.wait()
      expect(stream.stats.txFrames).toBe(4000)
    }
    expect((await readFile(rec, 'int16')).file.frames).toBe(4000 + 1000 - 300)
    // the output stream: frames default to the file's, pad adds silence, runs repeat
    await using out = new SoundFileOutputStream(play, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE })
    expect(out.samplerate).toBe(SAMPLERATE)
    expect(out.channels).toBe(1)
    for (let run = 0; run < 2; run++) {
      out.pad = 500
      await out.start()
      await out.wait()
      expect(out.stats.txFrames).toBe(frames)
      expect(out.frames).toBe(-1)
    }
  })
})

describe('SoundFileDuplexStream with one side only', () => {
  it('plays a file with the input discarded, and records with a source set', async () => {
    const sig = noise('int16', 4000, 2, 5)
    const play = temp.path('one-side.wav')
    await writeFile(play, sig, 'int16', 2, 'WAV', 'PCM_16')
    {
      await using stream = new SoundFileDuplexStream(play, null, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE })
      expect(stream.channels).toEqual([2, 2])
      await stream.start()
      await stream.wait()
      expect(stream.stats.txFrames).toBe(4000)
    }
    const rec = temp.path('one-side-rec.au')
    {
      await using stream = new SoundFileDuplexStream(null, rec, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE, channels: 2 })
      stream.setSource(sig)
      stream.pad = 4096
      await stream.start()
      await stream.wait()
    }
    const { data, file } = await readFile(rec, 'int16')
    expect(file).toMatchObject({ frames: 4000 + 4096, format: 'AU', subtype: 'PCM_16' })
    const delay = findDelay(bytesOf(data), bytesOf(sig), 4)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(firstDifferenceWithin(bytesOf(data).subarray(delay * 4), bytesOf(sig), sig.byteLength)).toBe(-1)
  })

  it('plays a RAW file opened by the caller (a SoundFile), bit-exact, and closes it', async () => {
    const sig = noise('int16', 3000, 1, 9)
    const raw = temp.path('caller.raw')
    writeFileSync(raw, bytesOf(sig))
    const file = SoundFile.openSync(raw, { format: 'RAW', samplerate: SAMPLERATE, channels: 1, subtype: 'PCM_16' })
    const rec = temp.path('caller-rec.wav')
    {
      await using stream = new SoundFileDuplexStream(file, rec, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE })
      expect(stream.channels).toEqual([1, 1])
      stream.pad = 4096
      await stream.start()
      await stream.wait()
    }
    expect(file.closed).toBe(true)
    const { data } = await readFile(rec, 'int16')
    const delay = findDelay(bytesOf(data), bytesOf(sig), 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(firstDifferenceWithin(bytesOf(data).subarray(delay * 2), bytesOf(sig), sig.byteLength)).toBe(-1)
    expect(() => new SoundFileOutputStream(file, { device: DEVICE })).toThrow("Expected an open SoundFile to play, got '" + raw + "' closed")
    const writing = SoundFile.openSync(temp.path('w.wav'), { mode: 'w', samplerate: SAMPLERATE, channels: 1 })
    expect(() => new SoundFileOutputStream(writing, { device: DEVICE })).toThrow(/opened for reading to play, got .*w\.wav' opened with mode 'w'/)
    writing.closeSync()
  })

  it('plays a mono file on output 2 of 2 (channels + txmapping), the input recording both', async () => {
    const sig = noise('int16', 3000, 1, 11)
    const play = temp.path('mono-on-2.wav')
    await writeFile(play, sig, 'int16', 1, 'WAV', 'PCM_16')
    const rec = temp.path('mono-on-2-rec.wav')
    {
      await using stream = new SoundFileDuplexStream(play, rec, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE, channels: [2, 2] })
      stream.txmapping = { 1: 2 }
      stream.pad = 4096
      await stream.start()
      await stream.wait()
    }
    const { data } = await readFile(rec, 'int16')
    const left = data.filter((_, i) => i % 2 === 0)
    const right = data.filter((_, i) => i % 2 === 1)
    expect(left.every((v) => v === 0)).toBe(true)
    const delay = findDelay(bytesOf(right), bytesOf(sig), 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(firstDifferenceWithin(bytesOf(right).subarray(delay * 2), bytesOf(sig), sig.byteLength)).toBe(-1)
    {
      await using output = new SoundFileOutputStream(play, { device: DEVICE, dtype: 'int16', channels: 2 })
      expect(output.channels).toBe(2)
      output.txmapping = { 1: 2 }
      await output.start()
      await output.wait()
      expect(output.stats.txFrames).toBe(3000)
    }
  })

  it('maps given as options size the files: txmapping opens the outputs it reaches, rxmapping sets the recorded channels', async () => {
    const sig = noise('int16', 3000, 2, 13)
    const play = temp.path('maps-play.wav')
    await writeFile(play, sig, 'int16', 2, 'WAV', 'PCM_16')
    const rec = temp.path('maps-rec.wav')
    {
      // record device input 2 only, into a mono file
      await using stream = new SoundFileDuplexStream(play, rec, { device: DEVICE, dtype: 'int16', blocksize: BLOCKSIZE, rxmapping: { 2: 1 } })
      expect(stream.channels).toEqual([2, 2])
      expect(stream.recordFile?.channels).toBe(1)
      stream.pad = 4096
      await stream.start()
      await stream.wait()
    }
    const { data, file } = await readFile(rec, 'int16')
    // one sample per frame: a mono recording
    expect(data.length).toBe(file.frames)
    const second = sig.filter((_, i) => i % 2 === 1)
    const delay = findDelay(bytesOf(data), bytesOf(second), 2)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(firstDifferenceWithin(bytesOf(data).subarray(delay * 2), bytesOf(second), second.byteLength)).toBe(-1)

    const mono = temp.path('maps-mono.wav')
    await writeFile(mono, second, 'int16', 1, 'WAV', 'PCM_16')
    {
      await using output = new SoundFileOutputStream(mono, { device: DEVICE, dtype: 'int16', txmapping: { 1: 2 } })
      expect(output.channels).toBe(2)
      expect(output.txmapping).toEqual([0, 1])
      await output.start()
      await output.wait()
      expect(output.stats.txFrames).toBe(3000)
    }
    {
      const recorder = new SoundFileInputStream(temp.path('maps-in.wav'), { device: DEVICE, dtype: 'int16', rxmapping: [2] })
      expect(recorder.file.channels).toBe(1)
      await recorder.close()
    }
    expect(() => new SoundFileOutputStream(mono, { device: DEVICE, txmapping: { 1: 9 } })).toThrow(/Invalid number of output channels 9 \(device \d+: loopback has 8\) \[paInvalidChannelCount -9998\]/)
  })

  it('a file that cannot be created throws SoundFileError and leaves no recording', () => {
    expect(() => new SoundFileInputStream(temp.path('missing-dir/x.wav'), { device: DEVICE })).toThrow(/Error opening .*missing-dir/)
    expect(() => new SoundFileOutputStream(temp.path('missing.wav'), { device: DEVICE })).toThrow(/Error opening .*missing\.wav/)
    expect(activeRecordings()).toBe(0)
  })
})

describe('SoundFileInputStream', () => {
  it('runs the README example: record 1000 frames, play them back', async () => {
    const path = temp.path('recording.wav')
    {
      // as written in the README (float32, all the device's channels)
      await using stream = new SoundFileInputStream(path, { device: DEVICE })
      stream.frames = 1000
      await stream.start()
      await stream.wait()
      expect(stream.file.closed).toBe(true)
    }
    {
      await using stream = new SoundFileOutputStream(path, { device: DEVICE })
      expect(stream.file.frames).toBe(1000)
      await stream.start()
      await stream.wait()
      expect(stream.stats.txFrames).toBe(1000)
    }
    const { file } = await readFile(path, 'float32')
    expect(file).toMatchObject({ frames: 1000, subtype: 'FLOAT' })
  })

  it('records what an OutputStream plays on the loopback, bit-exact (24-bit WAV)', async () => {
    const path = temp.path('input-24.wav')
    const frames = 12000
    const sig = noise('int24', frames, 2, 31)
    await using player = new OutputStream({ device: DEVICE, channels: 2, dtype: 'int24', blocksize: BLOCKSIZE })
    player.setSource(sig)
    player.pad = 8192
    {
      await using stream = new SoundFileInputStream(path, { device: DEVICE, channels: 2, dtype: 'int24', blocksize: BLOCKSIZE })
      stream.frames = frames + 16384
      await stream.start()
      await player.start()
      await player.wait()
      await stream.wait()
    }
    const { data, file } = await readFile(path, 'int24')
    expect(file).toMatchObject({ frames: frames + 16384, subtype: 'PCM_24' })
    const want = bytesOf(sig)
    const delay = findDelay(bytesOf(data), want, 6)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(firstDifferenceWithin(bytesOf(data).subarray(delay * 6), want, want.length)).toBe(-1)
  })

  it('records frames + pad - offset frames; float32 -> FLOAT', async () => {
    const path = temp.path('counts.wav')
    {
      await using stream = new SoundFileInputStream(path, { device: DEVICE, channels: 1, blocksize: BLOCKSIZE })
      stream.frames = 3000
      stream.pad = 700
      stream.offset = 200
      await stream.start()
      await stream.wait()
    }
    expect((await readFile(path, 'float32')).file).toMatchObject({ frames: 3500, subtype: 'FLOAT' })
  })

  it('picks subtypes from the dtype and refuses what does not fit', () => {
    expect(pickSubtype('WAV', 'float32')).toBe('FLOAT')
    expect(pickSubtype('FLAC', 'int24')).toBe('PCM_24')
    expect(pickSubtype('WAV', 'int32')).toBe('PCM_32')
    expect(pickSubtype('WAV', 'int8')).toBe('PCM_U8')
    expect(pickSubtype('AU', 'int8')).toBe('PCM_S8')
    expect(pickSubtype('WAV', 'uint8')).toBe('PCM_U8')
    expect(() => pickSubtype('FLAC', 'float32')).toThrow(/No subtype of FLAC fits dtype float32 .*pass subtype/)
    expect(() => new SoundFileInputStream(temp.path('x.flac'), { device: DEVICE, dtype: 'float32' })).toThrow(/No subtype of FLAC/)
    expect(() => new SoundFileInputStream(temp.path('x.unknown'), { device: DEVICE })).toThrow(/pass format/)
  })

  it('abort mid-recording leaves a valid file; close is idempotent; signal handlers only while recording', async () => {
    const path = temp.path('aborted.wav')
    const before = process.listenerCount('SIGINT')
    const stream = new SoundFileInputStream(path, { device: DEVICE, channels: 2, dtype: 'int16', blocksize: BLOCKSIZE })
    expect(process.listenerCount('SIGINT')).toBe(before)
    await stream.start()
    expect(process.listenerCount('SIGINT')).toBe(before + 1)
    expect(process.listenerCount('SIGTERM')).toBeGreaterThan(0)
    expect(activeRecordings()).toBe(1)
    await waitFor('a tenth of a second recorded', () => stream.frameCount >= SAMPLERATE / 10)
    await stream.abort()
    expect(process.listenerCount('SIGINT')).toBe(before)
    expect(activeRecordings()).toBe(0)
    const kept = stream.pump?.frames ?? 0
    expect(kept).toBeGreaterThan(SAMPLERATE / 20)
    await stream.close()
    await stream.close()
    const { file } = await readFile(path, 'int16')
    expect(file.frames).toBe(kept)
    expect(execFileSync('sox', ['--i', '-s', path], { encoding: 'utf8' }).trim()).toBe(String(kept))
    await expect(stream.start()).rejects.toThrow()
  })

  it('close() without a start leaves an empty valid file', async () => {
    const path = temp.path('empty.wav')
    const stream = new SoundFileInputStream(path, { device: DEVICE, channels: 1, dtype: 'int16' })
    await stream.close()
    expect((await readFile(path, 'int16')).file.frames).toBe(0)
  })
})

// Children run the built packages: `pnpm build` first.
const here = dirname(fileURLToPath(import.meta.url))
const soundfileDist = pathToFileURL(join(here, '..', 'dist', 'index.js')).href

const childScript = `
import { SoundFileInputStream } from ${JSON.stringify(soundfileDist)}
const [path] = process.argv.slice(2)
const stream = new SoundFileInputStream(path, { device: 'loopback', channels: 2, dtype: 'int16', blocksize: ${BLOCKSIZE} })
stream.frames = 10 * 48000
await stream.start()
setInterval(() => process.stdout.write(stream.pump.frames + '\\n'), 5)
`

describe('a recording ended by a signal', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: the file opens in libsndfile and sox with the frames captured`, async () => {
      const script = temp.path('signalled.mjs')
      const path = temp.path(`${signal}.wav`)
      writeFileSync(script, childScript)
      const { ended, last, stderr } = await signalRecording(script, [path], SAMPLERATE / 4, signal)
      expect(ended, stderr).toBe(signal)
      const { file } = await readFile(path, 'int16')
      expect(file.frames).toBeGreaterThanOrEqual(last)
      // the frames between the last report and the signal: well under 0.1 s
      expect(file.frames).toBeLessThan(last + SAMPLERATE / 10)
      expect(execFileSync('sox', ['--i', '-s', path], { encoding: 'utf8' }).trim()).toBe(String(file.frames))
    })
  }
})
