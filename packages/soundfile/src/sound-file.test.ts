import { spawnSync } from 'node:child_process'
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { firstDifference, noise, tempDir } from '../test/helpers.js'
import { SoundFileError } from './errors.js'
import { SoundFile } from './sound-file.js'

const temp = tempDir('sound-file')
afterAll(() => temp.remove())

let counter = 0
const fresh = (extension: string) => temp.path(`f${++counter}.${extension}`)

/** A 2-channel PCM_16 WAV of `frames` frames of seeded noise; returns its path and samples. */
function wav(frames: number, seed = 1): { path: string; data: Int16Array } {
  const path = fresh('wav')
  const data = noise('int16', frames, 2, seed) as Int16Array
  const file = SoundFile.openSync(path, { mode: 'w', samplerate: 44100, channels: 2 })
  file.writeSync(data)
  file.closeSync()
  return { path, data }
}

describe('open, properties and close', () => {
  it('writes and reads a WAV with the properties set', async () => {
    const path = fresh('wav')
    const writer = await SoundFile.open(path, { mode: 'w', samplerate: 48000, channels: 2, subtype: 'PCM_24' })
    expect(writer).toMatchObject({ path, mode: 'w', samplerate: 48000, channels: 2, format: 'WAV', subtype: 'PCM_24', endian: 'FILE', seekable: true, closed: false })
    expect(writer.frames).toBe(0)
    await writer.write(new Float32Array(2 * 100))
    expect(writer.frames).toBe(100)
    await writer.close()
    expect(writer.closed).toBe(true)
    expect(writer.frames).toBe(100)
    const reader = SoundFile.openSync(path)
    expect(reader).toMatchObject({ mode: 'r', samplerate: 48000, channels: 2, subtype: 'PCM_24', frames: 100, seekable: true, sections: 1 })
    expect(String(reader)).toBe(`SoundFile('${path}', mode='r', samplerate=48000, channels=2, format='WAV', subtype='PCM_24', endian='FILE')`)
    reader.closeSync()
  })

  it('close is idempotent; a closed file says so', async () => {
    const { path } = wav(10)
    const file = await SoundFile.open(path)
    const first = file.close()
    expect(file.close()).toBe(first)
    await first
    await file.close()
    file.closeSync()
    const closed = new SoundFileError(`Cannot read from '${path}': the SoundFile is closed`, { path })
    await expect(file.read()).rejects.toThrow(closed)
    expect(() => file.readSync()).toThrow(closed)
    expect(() => file.seek(0)).toThrow(new SoundFileError(`Cannot seek in '${path}': the SoundFile is closed`, { path }))
    await expect(file.write(new Int16Array(2))).rejects.toThrow(new SoundFileError(`Cannot write to '${path}': the SoundFile is closed`, { path }))
  })

  it('refuses to read a file opened for writing, and to write one opened for reading', async () => {
    const { path } = wav(10)
    const reader = await SoundFile.open(path)
    await expect(reader.write(new Int16Array(2))).rejects.toThrow(
      new SoundFileError(`Cannot write to '${path}': it was opened for reading (mode 'r')`, { path }),
    )
    await reader.close()
    const out = fresh('wav')
    const writer = await SoundFile.open(out, { mode: 'w', samplerate: 8000, channels: 1 })
    await expect(writer.read()).rejects.toThrow(new SoundFileError(`Cannot read from '${out}': it was opened for writing (mode 'w')`, { path: out }))
    await writer.close()
  })

  it('await using closes (Symbol.asyncDispose)', async () => {
    const path = fresh('au')
    const file = await SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 1 })
    await file.write(new Int16Array([1, 2, 3]))
    await file[Symbol.asyncDispose]()
    expect(file.closed).toBe(true)
    const back = SoundFile.openSync(path)
    expect(Array.from(back.readSync(-1, { dtype: 'int16' }))).toEqual([1, 2, 3])
    back.closeSync()
  })

  it('opens a file descriptor, closing it with the file unless closefd is false', async () => {
    const { path, data } = wav(50)
    const fd = openSync(path, 'r')
    const file = await SoundFile.open(fd)
    expect(file.path).toBe(fd)
    expect(firstDifference(await file.read(-1, { dtype: 'int16' }), data)).toBe(-1)
    await file.close()
    expect(() => fstatSync(fd)).toThrow(/EBADF/)

    const kept = openSync(path, 'r')
    const second = await SoundFile.open(kept, { closefd: false })
    await second.close()
    expect(fstatSync(kept).size).toBeGreaterThan(0)
    closeSync(kept)
  })
})

describe('read and write', () => {
  it('keeps call order across unawaited writes, and copies the data at once', async () => {
    const path = fresh('wav')
    const file = await SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 1 })
    const block = new Int16Array(1000)
    const writes: Array<Promise<void>> = []
    for (let k = 0; k < 20; k++) {
      block.fill(k)
      writes.push(file.write(block)) // reused at once: write() must have copied it
    }
    await Promise.all(writes)
    await file.close()
    const back = SoundFile.openSync(path).readSync(-1, { dtype: 'int16' })
    expect(back.length).toBe(20000)
    for (let k = 0; k < 20; k++) expect(back[k * 1000]).toBe(k)
  })

  it('reads in parts, into out, and returns nothing at the end', async () => {
    const { path, data } = wav(1000)
    const file = await SoundFile.open(path)
    const head = await file.read(300, { dtype: 'int16' })
    expect(firstDifference(head, data.subarray(0, 600))).toBe(-1)
    const out = new Int16Array(2 * 500)
    const middle = await file.read(undefined, { out })
    expect(middle).toBe(out)
    expect(firstDifference(middle, data.subarray(600, 1600))).toBe(-1)
    const tail = await file.read(-1, { out: new Int16Array(2 * 800) })
    expect(tail.length).toBe(400) // the 200 frames left, a part of out
    expect(firstDifference(tail, data.subarray(1600))).toBe(-1)
    expect((await file.read(100, { dtype: 'int16' })).length).toBe(0)
    await expect(file.read(10, { out: new Int16Array(4) })).rejects.toThrow(
      new RangeError('out holds 2 frames of 2 channel(s), fewer than the 10 frames asked for'),
    )
    await expect(file.read(10, { dtype: 'int16', out: new Float32Array(20) as never })).rejects.toThrow(TypeError)
    await expect(file.read(10, { dtype: 'float64' as never })).rejects.toThrow(
      new RangeError("Expected one of float32, int32, int24, int16, int8, uint8 for dtype, got 'float64' (string)"),
    )
    await file.close()
  })

  it('refuses a sync call while an async one is running', async () => {
    const { path } = wav(100)
    const file = await SoundFile.open(path)
    const pending = file.read()
    expect(() => file.readSync()).toThrow('SoundFile.readSync() while an asynchronous operation is in progress: await it first')
    await pending
    expect(file.readSync().length).toBe(0)
    await file.close()
  })

  it('checks the data written', async () => {
    const file = await SoundFile.open(fresh('wav'), { mode: 'w', samplerate: 8000, channels: 2 })
    await expect(file.write(new Int16Array(3))).rejects.toThrow(new RangeError('Expected whole frames of 2 channel(s), got 3 samples'))
    await expect(file.write(new Float64Array(4) as never)).rejects.toThrow(
      new TypeError('Expected a Float32Array, Int32Array, Int16Array, Int8Array or Uint8Array to write, got [object Float64Array]'),
    )
    await expect(file.write(new Int16Array(4), { dtype: 'int24' })).rejects.toThrow(new TypeError('Expected a Uint8Array for dtype int24, got a Int16Array'))
    await expect(file.write(new Uint8Array(9), { dtype: 'int24' })).rejects.toThrow(
      new RangeError('Expected whole frames of 2 channel(s) x 3 bytes, got 9 samples'),
    )
    await file.close()
  })

  it('reads a pipe-less file of unknown length to the end in one read()', async () => {
    // RAW has no header: libsndfile knows its frames from the size, so this is the known-length path
    const path = fresh('raw')
    const options = { samplerate: 8000, channels: 1, subtype: 'PCM_16' }
    const writer = SoundFile.openSync(path, { mode: 'w', ...options })
    writer.writeSync(new Int16Array(70000).map((_, i) => i))
    writer.closeSync()
    const reader = SoundFile.openSync(path, options)
    expect(reader.frames).toBe(70000)
    const all = reader.readSync(-1, { dtype: 'int16' })
    expect(all.length).toBe(70000)
    expect(all[69999]).toBe(69999 - 65536)
    reader.closeSync()
  })
})

describe('conversions', () => {
  it('int16 -> FLOAT -> int16 and float32 is x / 32768, exactly', async () => {
    const path = fresh('wav')
    const data = noise('int16', 5000, 1, 3) as Int16Array
    const writer = await SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 1, subtype: 'FLOAT' })
    await writer.write(data)
    await writer.close()
    const reader = await SoundFile.open(path)
    expect(firstDifference(await reader.read(-1, { dtype: 'int16' }), data)).toBe(-1)
    reader.seek(0)
    const floats = await reader.read(-1)
    expect(firstDifference(floats, Float32Array.from(data, (x) => x / 32768))).toBe(-1)
    await reader.close()
  })

  it('float32 -> PCM_16 -> float32 is exact (k / 32768) and clips out-of-range values', async () => {
    const path = fresh('wav')
    const ints = noise('int16', 5000, 1, 4) as Int16Array
    const floats = Float32Array.from(ints, (x) => x / 32768)
    const writer = await SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 1 })
    await writer.write(floats)
    await writer.write(new Float32Array([1, -1, 1.5, -1.5, 0.5 / 32768, Number.NaN]))
    await writer.close()
    const reader = await SoundFile.open(path)
    expect(firstDifference(await reader.read(5000), floats)).toBe(-1)
    // rounded to nearest (ties to even), clamped; NaN is silence
    expect(Array.from(await reader.read(-1, { dtype: 'int16' }))).toEqual([32767, -32768, 32767, -32768, 0, 0])
    await reader.close()
  })

  it('int24, int8 and uint8 go through int32, keeping the top bits', async () => {
    const path = fresh('wav')
    const int24 = noise('int24', 3000, 2, 5) as Uint8Array
    const writer = await SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 2, subtype: 'PCM_24' })
    await writer.write(int24, { dtype: 'int24' })
    await writer.close()
    const reader = await SoundFile.open(path)
    const back = await reader.read(-1, { dtype: 'int24' })
    expect(back).toBeInstanceOf(Uint8Array)
    expect(firstDifference(back, int24)).toBe(-1)
    reader.seek(0)
    const int32 = await reader.read(-1, { dtype: 'int32' })
    reader.seek(0)
    const int8 = await reader.read(-1, { dtype: 'int8' })
    reader.seek(0)
    const uint8 = await reader.read(-1, { dtype: 'uint8' })
    reader.seek(0)
    const int16 = await reader.read(-1, { dtype: 'int16' })
    for (const i of [0, 1, 2, 999, 5999]) {
      const v = (int24[3 * i] ?? 0) | ((int24[3 * i + 1] ?? 0) << 8) | ((int24[3 * i + 2] ?? 0) << 16)
      const signed = (v << 8) >> 8
      expect(int32[i]).toBe(signed * 256)
      expect(int16[i]).toBe(signed >> 8)
      expect(int8[i]).toBe(signed >> 16)
      expect(uint8[i]).toBe((signed >> 16) + 128)
    }
    await reader.close()
  })

  it('int8 and uint8 round-trip through PCM_S8 and PCM_U8', async () => {
    for (const [subtype, dtype] of [['PCM_S8', 'int8'], ['PCM_U8', 'uint8']] as const) {
      const path = fresh('raw')
      const options = { samplerate: 8000, channels: 1, subtype }
      const data = noise(dtype, 1000, 1, 6)
      const writer = await SoundFile.open(path, { mode: 'w', ...options })
      await writer.write(data, { dtype })
      await writer.close()
      const reader = await SoundFile.open(path, options)
      expect(firstDifference(await reader.read(-1, { dtype }), data)).toBe(-1)
      await reader.close()
    }
  })

  it('RAW files keep the byte order asked for', async () => {
    const path = fresh('raw')
    const writer = await SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 1, subtype: 'PCM_16', endian: 'BIG' })
    expect(writer.endian).toBe('BIG')
    await writer.write(new Int16Array([0x0102, -2]))
    await writer.close()
    expect(Array.from(readFileSync(path))).toEqual([0x01, 0x02, 0xff, 0xfe])
    const little = await SoundFile.open(path, { samplerate: 8000, channels: 1, subtype: 'PCM_16', endian: 'LITTLE' })
    expect(Array.from(await little.read(-1, { dtype: 'int16' }))).toEqual([0x0201, -257])
    await little.close()
  })
})

describe('seek and tell', () => {
  it('moves the read position', async () => {
    const { path, data } = wav(1000)
    const file = await SoundFile.open(path)
    expect(file.seek(100)).toBe(100)
    expect(file.tell()).toBe(100)
    expect(firstDifference(file.readSync(10, { dtype: 'int16' }), data.subarray(200, 220))).toBe(-1)
    expect(file.seek(-10, 'end')).toBe(990)
    expect(file.seek(-90, 'current')).toBe(900)
    expect(file.seek(5, 1)).toBe(905)
    expect(() => file.seek(2000)).toThrow(SoundFileError)
    expect(() => file.seek(0, 'middle' as never)).toThrow(new RangeError("Expected 'start', 'current' or 'end' for whence, got 'middle' (string)"))
    expect(() => file.seek(1.5)).toThrow(new RangeError('Expected an integer for frames, got 1.5 (number)'))
    await file.close()
  })

  it("appends in mode 'rw'", async () => {
    const { path, data } = wav(100)
    const file = await SoundFile.open(path, { mode: 'rw' })
    expect(file.frames).toBe(100)
    file.seek(0, 'end')
    await file.write(new Int16Array(2 * 50).fill(7))
    expect(file.frames).toBe(150)
    file.seek(0)
    const all = await file.read(-1, { dtype: 'int16' })
    expect(all.length).toBe(300)
    expect(firstDifference(all.subarray(0, 200), data)).toBe(-1)
    expect(all[299]).toBe(7)
    await file.close()
    expect(SoundFile.openSync(path).frames).toBe(150)
  })
})

describe('blocks()', () => {
  it('yields blocks with overlap; the last one shorter', async () => {
    const path = fresh('raw')
    const options = { samplerate: 8000, channels: 2, subtype: 'PCM_16' }
    const writer = await SoundFile.open(path, { mode: 'w', ...options })
    // frame k holds (k, -k)
    await writer.write(Int16Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? i / 2 : -(i - 1) / 2)))
    await writer.close()
    const file = await SoundFile.open(path, options)
    const blocks: number[][] = []
    for await (const block of file.blocks({ blocksize: 4, overlap: 2, dtype: 'int16' })) {
      expect(block).toBeInstanceOf(Int16Array)
      blocks.push(Array.from(block).filter((_, i) => i % 2 === 0))
    }
    expect(blocks).toEqual([
      [0, 1, 2, 3],
      [2, 3, 4, 5],
      [4, 5, 6, 7],
      [6, 7, 8, 9],
    ])
    file.seek(0)
    const limited: number[][] = []
    for await (const block of file.blocks({ blocksize: 4, overlap: 1, dtype: 'int16', frames: 9 })) {
      limited.push(Array.from(block).filter((_, i) => i % 2 === 0))
    }
    expect(limited).toEqual([
      [0, 1, 2, 3],
      [3, 4, 5, 6],
      [6, 7, 8],
    ])
    file.seek(0)
    const plain: number[] = []
    for await (const block of file.blocks({ blocksize: 3 })) plain.push(block.length / 2)
    expect(plain).toEqual([3, 3, 3, 1])
    await expect(file.blocks({ blocksize: 4, overlap: 4 }).next()).rejects.toThrow(
      new RangeError('Expected an integer from 0 to blocksize - 1 (3) for overlap, got 4 (number)'),
    )
    await expect(file.blocks({ blocksize: 0 }).next()).rejects.toThrow(new RangeError('Expected a positive integer for blocksize, got 0 (number)'))
    await file.close()
  })
})

describe('choosing the format', () => {
  it('takes the container from the extension', async () => {
    for (const [extension, format] of [['flac', 'FLAC'], ['aif', 'AIFF'], ['au', 'AU'], ['caf', 'CAF'], ['w64', 'W64'], ['ogg', 'OGG']] as const) {
      const path = fresh(extension)
      const file = await SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 1 })
      expect(file.format).toBe(format)
      await file.write(new Float32Array(800))
      await file.close()
      expect(SoundFile.openSync(path).format).toBe(format)
    }
  })

  it('says when it cannot tell', async () => {
    const path = fresh('xyz')
    await expect(SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 1 })).rejects.toThrow(
      new TypeError(`Cannot tell the format from the extension of '${path}': pass format, e.g. 'WAV' (see availableFormats())`),
    )
    const fd = openSync(fresh('bin'), 'w')
    await expect(SoundFile.open(fd, { mode: 'w', samplerate: 8000, channels: 1 })).rejects.toThrow(
      new TypeError(`Cannot tell the format from fd ${fd} (no file extension): pass format, e.g. 'WAV' (see availableFormats())`),
    )
    expect(() => fstatSync(fd)).toThrow(/EBADF/) // closefd: refused, still closed
  })

  it('names what RAW files miss', async () => {
    await expect(SoundFile.open(fresh('raw'))).rejects.toThrow(
      new TypeError('RAW files need samplerate, channels and subtype: missing samplerate, channels, subtype'),
    )
    await expect(SoundFile.open(fresh('raw'), { mode: 'w', channels: 2 })).rejects.toThrow(
      new TypeError('RAW files need samplerate, channels and subtype: missing samplerate, subtype'),
    )
    await expect(SoundFile.open(fresh('bin'), { format: 'RAW', samplerate: 8000, channels: 1 })).rejects.toThrow(
      new TypeError('RAW files need samplerate, channels and subtype: missing subtype'),
    )
  })

  it('names what writing misses, and refuses what libsndfile cannot write', async () => {
    const path = fresh('wav')
    await expect(SoundFile.open(path, { mode: 'w', samplerate: 8000 })).rejects.toThrow(
      new TypeError(`Writing '${path}' needs samplerate and channels: missing channels`),
    )
    await expect(SoundFile.open(fresh('flac'), { mode: 'w', samplerate: 8000, channels: 1, subtype: 'FLOAT' })).rejects.toThrow(
      new RangeError("libsndfile cannot write FLAC with subtype FLOAT, endian FILE, 1 channel(s) at 8000 Hz (see availableSubtypes('FLAC'))"),
    )
    await expect(SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 0 })).rejects.toThrow(
      new RangeError('Expected a positive integer for channels, got 0 (number)'),
    )
    await expect(SoundFile.open(path, { mode: 'x' as never })).rejects.toThrow(new RangeError("Expected 'r', 'w' or 'rw' for mode, got 'x' (string)"))
  })

  it('takes no header fields when reading a file with a header', async () => {
    const { path } = wav(10)
    await expect(SoundFile.open(path, { samplerate: 44100, channels: 2 })).rejects.toThrow(
      new TypeError(`samplerate, channels cannot be set when reading '${path}': they come from its header (only RAW files need them)`),
    )
  })
})

// WAV headers, RF64 and the readers that open them: wav-header.test.ts
describe('WAV', () => {
  it('keeps plain WAV for encodings RF64 does not carry', async () => {
    const path = fresh('wav')
    const file = await SoundFile.open(path, { mode: 'w', samplerate: 8000, channels: 1, subtype: 'IMA_ADPCM' })
    await file.write(new Float32Array(4000))
    await file.close()
    const reader = SoundFile.openSync(path)
    expect(reader.format).toBe('WAV')
    expect(reader.subtype).toBe('IMA_ADPCM')
    reader.closeSync()
  })
})

// Children run the built package: `pnpm build` first (turbo's test task does).
const dist = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')).href

describe('a file left open', () => {
  it.each([
    ['the process ends', ''],
    ['process.exit() is called', 'process.exit(0)'],
    ['it is garbage collected', 'file = null; for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)) }'],
  ])('is finished when %s', (_, ending) => {
    const path = fresh('wav')
    const script = `
      import { SoundFile } from ${JSON.stringify(dist)}
      let file = await SoundFile.open(${JSON.stringify(path)}, { mode: 'w', samplerate: 8000, channels: 1 })
      await file.write(new Int16Array(12345).fill(5))
      ${ending}
      if (!process.exitCode) console.log(SoundFile.openSync(${JSON.stringify(path)}).frames)
    `
    const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 })
    expect(result.status, result.stderr).toBe(0)
    if (ending.includes('gc()')) expect(result.stdout.trim()).toBe('12345') // closed by the finalizer, before exit
    // the header was finished: libsndfile would count the frames from the
    // file size anyway, so check the RIFF and data sizes themselves
    const bytes = readFileSync(path)
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8)
    const data = bytes.indexOf('data', 12, 'latin1')
    expect(bytes.readUInt32LE(data + 4)).toBe(12345 * 2)
    const reader = SoundFile.openSync(path)
    expect(reader.frames).toBe(12345)
    expect(reader.readSync(-1, { dtype: 'int16' }).every((v) => v === 5)).toBe(true)
    reader.closeSync()
  })
})
