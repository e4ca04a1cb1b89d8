// WAV headers (src/binding/wav_writer.cc): every WAV written here under
// 4 GiB opens without a complaint in sox and, for PCM, in Python's wave
// module, with the frames written, bit-exact; 1 and 2 channels get the plain
// fmt chunk, more keep WAVE_FORMAT_EXTENSIBLE; the header is plain while a
// file pump is still writing; a failed write names the system's error. The
// RF64 side (past 4 GiB) is scripts/nightly/rf64.mjs.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { openSync, readFileSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { DType } from '@pastream/stream'
import { bytesOf, findDelay, firstDifference, firstDifferenceWithin, noise, tempDir, waitFor, type Samples } from '../test/helpers.js'
import { SoundFileDuplexStream } from './file-streams.js'
import { SoundFile } from './sound-file.js'

const temp = tempDir('wav-header')
afterAll(() => temp.remove())

interface Chunk {
  id: string
  /** offset of the chunk's data */
  offset: number
  size: number
}

/** The chunks of a RIFF/WAVE file, in order, up to and including 'data'. */
function chunksOf(bytes: Buffer): Chunk[] {
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF')
  expect(bytes.subarray(8, 12).toString('latin1')).toBe('WAVE')
  const chunks: Chunk[] = []
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = bytes.subarray(offset, offset + 4).toString('latin1')
    const size = bytes.readUInt32LE(offset + 4)
    chunks.push({ id, offset: offset + 8, size })
    if (id === 'data') break
    offset += 8 + size + (size % 2)
  }
  return chunks
}

/** The fmt chunk's fields. */
function fmtOf(bytes: Buffer): { size: number; tag: number; channels: number; samplerate: number; blockalign: number; bits: number; cbSize?: number } {
  const fmt = chunksOf(bytes).find((chunk) => chunk.id === 'fmt ')
  if (fmt === undefined) throw new Error('no fmt chunk')
  const at = fmt.offset
  return {
    size: fmt.size,
    tag: bytes.readUInt16LE(at),
    channels: bytes.readUInt16LE(at + 2),
    samplerate: bytes.readUInt32LE(at + 4),
    blockalign: bytes.readUInt16LE(at + 12),
    bits: bytes.readUInt16LE(at + 14),
    ...(fmt.size >= 18 ? { cbSize: bytes.readUInt16LE(at + 16) } : {}),
  }
}

/** `soxi -s`: its exit status, its warnings (stderr) and the frames it counts. */
function soxi(path: string): { status: number | null; stderr: string; frames: number } {
  const result = spawnSync('soxi', ['-s', path], { encoding: 'utf8' })
  return { status: result.status, stderr: result.stderr, frames: Number(result.stdout.trim()) }
}

/** Python's wave module: nframes, nchannels, sampwidth and the SHA-256 of every frame's bytes (or its error). */
function pythonWave(path: string): string {
  const script = [
    'import hashlib, sys, wave',
    'w = wave.open(sys.argv[1])',
    'data = w.readframes(w.getnframes())',
    'print(w.getnframes(), w.getnchannels(), w.getsampwidth(), hashlib.sha256(data).hexdigest())',
  ].join('\n')
  const result = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : result.stderr.trim().split('\n').at(-1) ?? `exit ${result.status}`
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

const FRAMES = 1000
const SAMPLERATE = 48000

const encodings: Array<{ subtype: string; dtype: DType; width: number; tag: number }> = [
  { subtype: 'PCM_U8', dtype: 'uint8', width: 1, tag: 1 },
  { subtype: 'PCM_16', dtype: 'int16', width: 2, tag: 1 },
  { subtype: 'PCM_24', dtype: 'int24', width: 3, tag: 1 },
  { subtype: 'PCM_32', dtype: 'int32', width: 4, tag: 1 },
  { subtype: 'FLOAT', dtype: 'float32', width: 4, tag: 3 },
]
const cases = [1, 2].flatMap((channels) => encodings.map((encoding) => ({ ...encoding, channels })))

async function writeWav(path: string, data: Samples, dtype: DType, channels: number, subtype: string): Promise<void> {
  const file = await SoundFile.open(path, { mode: 'w', samplerate: SAMPLERATE, channels, subtype })
  expect(file.format).toBe('WAV')
  await file.write(data, { dtype })
  await file.close()
}

describe('a WAV written here opens in every common reader without a complaint', () => {
  it.each(cases)('$channels channel(s) $subtype: plain fmt chunk; sox, Python and libsndfile read it bit-exact', async ({ subtype, dtype, width, tag, channels }) => {
    const path = temp.path(`plain-${channels}-${subtype}.wav`)
    const data = noise(dtype, FRAMES, channels, 7 + channels)
    await writeWav(path, data, dtype, channels, subtype)

    const bytes = readFileSync(path)
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8)
    const chunks = chunksOf(bytes)
    // JUNK: room for RF64's ds64 (libsndfile's RF64 writer); the second JUNK
    // holds what the extensible fmt chunk (and, for PCM, fact) took
    expect(chunks.map((chunk) => chunk.id)).toEqual(tag === 1 ? ['JUNK', 'fmt ', 'JUNK', 'data'] : ['JUNK', 'fmt ', 'JUNK', 'fact', 'data'])
    expect(chunks[0]?.size).toBe(24)
    const fmt = fmtOf(bytes)
    // WAVE_FORMAT_PCM: 16 bytes (as libsndfile's WAV writer and Audacity);
    // WAVE_FORMAT_IEEE_FLOAT: 18 with cbSize 0 (as sox) and a fact chunk
    expect(fmt).toEqual(tag === 1
      ? { size: 16, tag: 1, channels, samplerate: SAMPLERATE, blockalign: channels * width, bits: 8 * width }
      : { size: 18, tag: 3, channels, samplerate: SAMPLERATE, blockalign: channels * width, bits: 8 * width, cbSize: 0 })
    const data_ = chunks.at(-1) as Chunk
    expect(data_.size).toBe(FRAMES * channels * width)
    if (tag !== 1) {
      const fact = chunks.find((chunk) => chunk.id === 'fact') as Chunk
      expect(bytes.readUInt32LE(fact.offset)).toBe(FRAMES)
    }

    expect(soxi(path)).toEqual({ status: 0, stderr: '', frames: FRAMES })
    // the samples on disk are the ones written (PCM_U8 is unsigned, as uint8)
    expect(sha256(bytes.subarray(data_.offset, data_.offset + data_.size))).toBe(sha256(bytesOf(data)))
    if (tag === 1) expect(pythonWave(path)).toBe(`${FRAMES} ${channels} ${width} ${sha256(bytesOf(data))}`)
    else expect(pythonWave(path)).toBe('wave.Error: unknown format: 3') // Python's wave reads PCM only

    const reader = await SoundFile.open(path)
    expect(reader).toMatchObject({ format: 'WAV', subtype, channels, samplerate: SAMPLERATE, frames: FRAMES })
    const read = await reader.read(-1, { dtype })
    await reader.close()
    expect(firstDifference(bytesOf(read), bytesOf(data))).toBe(-1)
  })

  it('more than 2 channels keep WAVE_FORMAT_EXTENSIBLE (its channel mask names the speakers)', async () => {
    for (const [subtype, dtype] of [['PCM_16', 'int16'], ['FLOAT', 'float32']] as const) {
      const path = temp.path(`four-${subtype}.wav`)
      const data = noise(dtype, FRAMES, 4, 11)
      await writeWav(path, data, dtype, 4, subtype)
      const bytes = readFileSync(path)
      expect(fmtOf(bytes)).toMatchObject({ size: 40, tag: 0xfffe, channels: 4, cbSize: 22 })
      // sox 14.4 reads both, and warns about a float one ("wave header
      // missing extended part of fmt chunk"): it looks for a second cbSize
      expect(soxi(path)).toMatchObject({ status: 0, frames: FRAMES })
      if (subtype === 'PCM_16') expect(soxi(path).stderr).toBe('')
      const reader = await SoundFile.open(path)
      expect(reader).toMatchObject({ format: 'WAVEX', subtype, channels: 4, frames: FRAMES })
      expect(firstDifference(bytesOf(await reader.read(-1, { dtype })), bytesOf(data))).toBe(-1)
      await reader.close()
    }
  })

  it('a WAV written to a file descriptor gets the same header, after what the descriptor already holds', async () => {
    const path = temp.path('fd.wav')
    const prefix = Buffer.from('0123456789')
    // write-only, and past what it already wrote: the file starts there, and
    // its header is never read back
    const fd = openSync(path, 'w')
    writeSync(fd, prefix)
    const data = noise('int16', FRAMES, 2, 3)
    const file = await SoundFile.open(fd, { mode: 'w', format: 'WAV', samplerate: SAMPLERATE, channels: 2, subtype: 'PCM_16' })
    await file.write(data)
    await file.close()
    const bytes = readFileSync(path)
    expect(bytes.subarray(0, 10)).toEqual(prefix)
    const wav = bytes.subarray(10)
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8)
    expect(fmtOf(wav)).toMatchObject({ size: 16, tag: 1, channels: 2, bits: 16 })
  })
})

describe('a WAV being recorded', () => {
  it('has a plain header that sox, Python and libsndfile read while the file pump is still writing', async () => {
    const channels = 2
    const sig = noise('int16', 4800, channels, 21) as Int16Array
    const play = temp.path('pump-play.wav')
    const rec = temp.path('pump-rec.wav')
    await writeWav(play, sig, 'int16', channels, 'PCM_16')
    let during: { frames: number; data: Int16Array; seen: number }
    {
      // the played noise loops until stop(): the recording runs as long as the checks take
      await using stream = new SoundFileDuplexStream(play, rec, { device: 'loopback', dtype: 'int16', blocksize: 256, channels, loop: true })
      await stream.start()
      await waitFor('a quarter second in the recording', () => (stream.recordPump?.frames ?? 0) >= SAMPLERATE / 4)
      const seen = stream.recordPump?.frames ?? 0
      const bytes = readFileSync(rec)
      expect(fmtOf(bytes)).toMatchObject({ size: 16, tag: 1, channels, bits: 16 })
      const reader = await SoundFile.open(rec)
      expect(reader).toMatchObject({ format: 'WAV', subtype: 'PCM_16', channels })
      expect(reader.frames).toBeGreaterThanOrEqual(seen)
      during = { frames: reader.frames, data: (await reader.read(-1, { dtype: 'int16' })) as Int16Array, seen }
      await reader.close()
      expect(during.data.length).toBe(during.frames * channels)
      const sox = soxi(rec)
      expect(sox).toMatchObject({ status: 0, stderr: '' })
      expect(sox.frames).toBeGreaterThanOrEqual(seen)
      expect(pythonWave(rec)).toMatch(/^\d+ 2 2 [0-9a-f]{64}$/)
      expect(Number(pythonWave(rec).split(' ')[0])).toBeGreaterThanOrEqual(seen)
      expect(stream.recordFile?.closed).toBe(false) // all of that while it recorded
      await stream.stop()
    }
    const final = SoundFile.openSync(rec)
    const all = final.readSync(-1, { dtype: 'int16' }) as Int16Array
    final.closeSync()
    expect(all.length / channels).toBeGreaterThan(during.frames)
    expect(soxi(rec)).toEqual({ status: 0, stderr: '', frames: all.length / channels })
    // what was read during the recording is where it is in the final file, bit-exact, and holds the played noise
    expect(firstDifferenceWithin(all, during.data)).toBe(-1)
    const delay = findDelay(bytesOf(during.data), bytesOf(sig), 2 * channels)
    expect(delay).toBeGreaterThanOrEqual(0)
  })
})

// Children run the built package: `pnpm build` first (turbo's test task does).
const dist = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')).href

describe('a WAV that cannot be written', () => {
  it('says what the system refused (a file size limit), and keeps what it wrote readable', () => {
    const path = temp.path('limited.wav')
    const script = `
      import { SoundFile } from ${JSON.stringify(dist)}
      const file = await SoundFile.open(${JSON.stringify(path)}, { mode: 'w', samplerate: 8000, channels: 1, subtype: 'PCM_16' })
      await file.write(new Int16Array(20000).fill(3)).catch((error) => console.log(error.message, error.sndfileErrorCode))
      await file.close()
    `
    // SIGXFSZ ignored: past the limit write() fails with EFBIG
    const result = spawnSync('sh', ['-c', `trap '' XFSZ; ulimit -f 8; exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8', timeout: 20000 })
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(`Error writing '${path}': System error : File too large. 2\n`)
    // the limit, in the shell's blocks (512 or 1024 bytes): full, but short of the 20000 frames
    const { length } = readFileSync(path)
    expect([4096, 8192]).toContain(length)
    const kept = (length - 112) / 2 // the header is 112 bytes
    expect(soxi(path)).toEqual({ status: 0, stderr: '', frames: kept })
    const reader = SoundFile.openSync(path)
    expect(reader.frames).toBe(kept)
    expect((reader.readSync(-1, { dtype: 'int16' }) as Int16Array).every((v) => v === 3)).toBe(true)
    reader.closeSync()
  })
})
