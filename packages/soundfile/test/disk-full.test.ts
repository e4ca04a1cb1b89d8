// A full disk, on a real tmpfs (mountTmpfs: needs root, never skipped), with
// the virtual loopback device playing a sample-index signal: a recording the
// disk cuts short ends with ERR_SOUNDFILE_DISK_FULL naming the file and the
// frames kept, and the file, finalized, holds exactly those frames as whole
// frames (our reader and sox agree, no gap in the index); an open with no
// room for the header leaves no file; plain writes keep whole frames.
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InputStream } from '@pastream/stream'
import { mountTmpfs, retryWhenXruns, type Tmpfs } from '@pastream/stream/testing'
import { SoundFile, SoundFileError, SoundFileInputStream, SoundFileOutputStream, recordToFile, toFile } from '../src/index.js'
import { firstDifference, indexRun, indexSignal, tempDir } from './helpers.js'

const DEVICE = 'loopback'
const SAMPLERATE = 48000
/** 5 channels of float32: 20-byte frames, so a full disk cuts one in the middle */
const CHANNELS = 5
const FRAME_BYTES = CHANNELS * 4
const PERIOD = 96000
const MiB = 1024 * 1024

const temp = tempDir('disk-full')
afterAll(() => temp.remove())
const indexPath = temp.path('index.wav')

beforeAll(() => {
  const file = SoundFile.openSync(indexPath, { mode: 'w', samplerate: SAMPLERATE, channels: CHANNELS, subtype: 'PCM_16' })
  file.writeSync(indexSignal(PERIOD, CHANNELS), { dtype: 'int16' })
  file.closeSync()
})

/** The bytes of an empty recording of this kind (a WAV, or `extension`'s type): its header. */
function headerBytes(extension = 'wav'): number {
  const path = temp.path(`empty-${Math.random()}.${extension}`)
  SoundFile.openSync(path, { mode: 'w', samplerate: SAMPLERATE, channels: CHANNELS, subtype: 'FLOAT' }).closeSync()
  return statSync(path).size
}

/** Plays the index signal on the loopback device, looped, until closed. */
async function playIndex(): Promise<SoundFileOutputStream> {
  const player = new SoundFileOutputStream(indexPath, { device: DEVICE, loop: true })
  await player.start()
  return player
}

/** The frames a disk-full message says were kept, after checking its form. */
function keptFrames(error: unknown, path: string): number {
  expect(error).toBeInstanceOf(SoundFileError)
  const failure = error as SoundFileError
  expect(failure.code).toBe('ERR_SOUNDFILE_DISK_FULL')
  expect(failure.systemCode).toBe('ENOSPC')
  expect(failure.path).toBe(path)
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  expect(failure.message).toMatch(new RegExp(`^Error recording to '${escaped}': disk full \\(No space left on device\\); kept \\d+ frames \\([\\d.]+ s\\)$`))
  return Number(/kept (\d+) frames/.exec(failure.message)?.[1])
}

/** sox's reading of a file, as int16. */
function soxSamples(path: string): Int16Array {
  const raw = execFileSync('sox', ['-D', '-V1', path, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-'], { maxBuffer: 64 * MiB })
  return new Int16Array(Uint8Array.from(raw).buffer)
}

/**
 * The file holds `kept` whole frames and nothing after them, opens with our
 * reader and with sox alike, and from the signal's first frame on they are
 * the index signal without a gap.
 */
async function expectKept(path: string, kept: number): Promise<void> {
  expect(kept).toBeGreaterThan(SAMPLERATE / 4)
  expect(statSync(path).size).toBe(headerBytes() + kept * FRAME_BYTES)
  const file = await SoundFile.open(path)
  expect(file.frames).toBe(kept)
  const data = await file.read(undefined, { dtype: 'int16' })
  await file.close()
  expect(data.length).toBe(kept * CHANNELS)
  expect(Number(execFileSync('sox', ['--i', '-V1', '-s', path]).toString())).toBe(kept)
  expect(firstDifference(soxSamples(path), data)).toBe(-1)
  const run = indexRun(data, CHANNELS, PERIOD)
  expect(run.frames).toBeGreaterThan(0)
  expect(run.start + run.frames).toBe(kept)
}

describe('the disk fills up mid-recording', () => {
  let disk: Tmpfs
  beforeAll(() => {
    disk = mountTmpfs({ sizeBytes: MiB })
  })
  afterAll(() => disk.unmount())

  it('SoundFileInputStream: wait() rejects with ERR_SOUNDFILE_DISK_FULL; the file is finalized with every whole frame written', async () => {
    await retryWhenXruns('SoundFileInputStream on a full disk', async (watch) => {
      const path = `${disk.path}/stream.wav`
      const player = watch(await playIndex())
      try {
        await using recorder = watch(new SoundFileInputStream(path, { device: DEVICE, channels: CHANNELS }))
        await recorder.start()
        const error = await recorder.wait().then(() => undefined, (failure: unknown) => failure)
        const kept = keptFrames(error, path)
        expect(recorder.file.closed).toBe(true)
        expect(recorder.pump?.frames).toBe(kept)
        expect(recorder.pump?.error).toBe((error as Error).message)
        await expectKept(path, kept)
      } finally {
        await player.close()
        disk.free()
        execFileSync('rm', ['-f', path])
      }
    })
  })

  it('toFile on an InputStream (a quarter of the disk left): wait() rejects; the file closes with what was kept', async () => {
    await retryWhenXruns('toFile on a full disk', async (watch) => {
      const path = `${disk.path}/to-file.wav`
      disk.fill(MiB / 4)
      const player = watch(await playIndex())
      try {
        await using input = watch(new InputStream({ device: DEVICE, channels: CHANNELS }))
        const file = toFile(input, path)
        await input.start()
        const kept = keptFrames(await input.wait().then(() => undefined, (failure: unknown) => failure), path)
        await file.close()
        expect(kept).toBeLessThan((MiB / 4) / FRAME_BYTES)
        await expectKept(path, kept)
      } finally {
        await player.close()
        disk.free()
        execFileSync('rm', ['-f', path])
      }
    })
  })

  it('recordToFile: the pump stops on its own, says why, and stop() throws the same error', async () => {
    await retryWhenXruns('recordToFile on a full disk', async (watch) => {
      const path = `${disk.path}/pump.wav`
      const player = watch(await playIndex())
      try {
        await using input = watch(new InputStream({ device: DEVICE, channels: CHANNELS }))
        const file = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels: CHANNELS, subtype: 'FLOAT' })
        const pump = recordToFile(input, file)
        await input.start()
        const waited = await input.wait().then(() => undefined, (failure: unknown) => failure)
        const kept = keptFrames(waited, path)
        expect(pump.running).toBe(false)
        expect(pump.frames).toBe(kept)
        const stopped = await pump.stop().then(() => undefined, (failure: unknown) => failure)
        expect(keptFrames(stopped, path)).toBe(kept)
        await file.close()
        await expectKept(path, kept)
      } finally {
        await player.close()
        disk.free()
        execFileSync('rm', ['-f', path])
      }
    })
  })
})

describe('the disk is full before the recording starts', () => {
  let disk: Tmpfs
  beforeAll(() => {
    disk = mountTmpfs({ sizeBytes: MiB })
    disk.fill()
  })
  afterAll(() => disk.unmount())

  const refusal = (path: string) => `Error opening '${path}': disk full (No space left on device)`

  it('SoundFileInputStream, toFile, SoundFile.open and openSync refuse with ERR_SOUNDFILE_DISK_FULL and leave no file', async () => {
    const path = `${disk.path}/refused.wav`
    const expectRefusal = (error: unknown, refused = path) => {
      expect(error).toBeInstanceOf(SoundFileError)
      expect((error as SoundFileError).code).toBe('ERR_SOUNDFILE_DISK_FULL')
      expect((error as SoundFileError).systemCode).toBe('ENOSPC')
      expect((error as SoundFileError).message).toBe(refusal(refused))
      expect(readdirSync(disk.path)).toEqual(['.fill'])
    }
    const caught = (run: () => unknown): unknown => {
      try {
        run()
      } catch (error) {
        return error
      }
      return undefined
    }
    expectRefusal(caught(() => new SoundFileInputStream(path, { device: DEVICE, channels: CHANNELS })))
    await using input = new InputStream({ device: DEVICE, channels: CHANNELS })
    expectRefusal(caught(() => toFile(input, path)))
    expectRefusal(await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels: 2 }).then(() => undefined, (error: unknown) => error))
    expectRefusal(caught(() => SoundFile.openSync(path, { mode: 'w', samplerate: SAMPLERATE, channels: 2 })))
    // a WAV goes through the addon's WAV writer (wav_writer.cc), an AU through libsndfile's own I/O
    const au = `${disk.path}/refused.au`
    expectRefusal(await SoundFile.open(au, { mode: 'w', samplerate: SAMPLERATE, channels: 2 }).then(() => undefined, (error: unknown) => error), au)
  })
})

describe('SoundFile.write on a full disk', () => {
  // a WAV goes through the addon's WAV writer (wav_writer.cc), an AU through libsndfile's own I/O
  it.each(['wav', 'au'])('writeSync and write throw ERR_SOUNDFILE_DISK_FULL; the file (.%s) keeps the whole frames written, nothing after', async (extension) => {
    using disk = mountTmpfs({ sizeBytes: MiB })
    for (const sync of [true, false]) {
      const path = `${disk.path}/write-${sync ? 'sync' : 'async'}.${extension}`
      disk.fill(MiB / 8)
      const block = indexSignal(1000, CHANNELS)
      const file = SoundFile.openSync(path, { mode: 'w', samplerate: SAMPLERATE, channels: CHANNELS, subtype: 'FLOAT' })
      let written = 0
      let error: unknown
      for (;;) {
        try {
          if (sync) file.writeSync(block, { dtype: 'int16' })
          else await file.write(block, { dtype: 'int16' })
          written += 1000
        } catch (failure) {
          error = failure
          break
        }
      }
      expect(error).toBeInstanceOf(SoundFileError)
      expect((error as SoundFileError).code).toBe('ERR_SOUNDFILE_DISK_FULL')
      expect((error as SoundFileError).systemCode).toBe('ENOSPC')
      expect((error as SoundFileError).message).toBe(`Error writing '${path}': disk full (No space left on device)`)
      const kept = file.frames
      file.closeSync()
      // the blocks before, and the whole frames of the one that failed
      expect(kept).toBeGreaterThanOrEqual(written)
      expect(kept).toBeLessThan(written + 1000)
      expect(statSync(path).size).toBe(headerBytes(extension) + kept * FRAME_BYTES)
      const reader = SoundFile.openSync(path)
      const data = reader.readSync(undefined, { dtype: 'int16' })
      reader.closeSync()
      expect(data.length).toBe(kept * CHANNELS)
      expect(indexRun(data, CHANNELS, 1000)).toEqual({ start: 0, frames: kept })
      expect(Number(execFileSync('sox', ['--i', '-V1', '-s', path]).toString())).toBe(kept)
      disk.free()
    }
  })
})
