// Pipes: for every format libsndfile knows, reading it from a pipe and
// writing it to one either works exactly or is refused with a
// SoundFileError before a sample moves; never a silent misread. Then '-'
// (stdin/stdout) in child processes running the built package.
import { spawnSync } from 'node:child_process'
import { closeSync, readFileSync, readSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { mkfifo, pipeFrom, pipeTo } from '../test/fifo.js'
import { firstDifference, noise, sine, snr, tempDir } from '../test/helpers.js'
import { SoundFileError } from './errors.js'
import { availableFormats, defaultSubtype, type FormatName } from './formats.js'
import { pipeReadableFormats, pipeUnreadableFormats, pipeWritableFormats, SoundFile, type SoundFileOptions } from './sound-file.js'

const temp = tempDir('pipes')
afterAll(() => temp.remove())

const formats = Object.keys(availableFormats()) as FormatName[]
// more than a pipe buffer (64 KiB) holds, so libsndfile blocks on the pipe midway
const frames = 40000
const samplerate = 48000 // Opus-free, but OGG's Vorbis and every header can hold it

function optionsFor(format: FormatName): SoundFileOptions & { samplerate: number; channels: number } {
  return { format, subtype: defaultSubtype(format) ?? 'PCM_16', samplerate: format === 'VOC' || format === 'HTK' || format === 'SDS' ? 8000 : samplerate, channels: 1 }
}

const lossy = new Set<FormatName>(['OGG', 'MP3'])

describe('reading from a pipe', () => {
  it('classifies every format libsndfile knows', () => {
    for (const format of formats) {
      expect(pipeReadableFormats.includes(format) !== pipeUnreadableFormats.includes(format), format).toBe(true)
    }
  })

  it.each(formats)('%s reads exactly or is refused', async (format) => {
    const options = optionsFor(format)
    const path = temp.path(`read-${format}`)
    const writer = await SoundFile.open(path, { mode: 'w', ...options })
    await writer.write(lossy.has(format) ? sine(frames, 1, options.samplerate) : noise('int16', frames, 1, 11))
    await writer.close()
    const direct = await SoundFile.open(path, format === 'RAW' ? options : {})
    const expected = await direct.read(-1, { dtype: 'int16' })
    await direct.close()
    expect(expected.length).toBe(frames)

    const pipe = pipeFrom(mkfifo(temp.path(`read-${format}.fifo`)), readFileSync(path))
    const open = SoundFile.open(pipe.fd, format === 'RAW' ? options : {})
    if (pipeReadableFormats.includes(format)) {
      const file = await open
      expect(file.seekable).toBe(false)
      const back = await file.read(-1, { dtype: 'int16' })
      await file.close()
      // decoding is deterministic: even the lossy ones match the file read directly
      expect(back.length).toBe(expected.length)
      expect(firstDifference(back, expected)).toBe(-1)
    } else {
      const error = await open.then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(SoundFileError)
      expect((error as Error).message).toMatch(
        new RegExp(`^Error opening fd ${pipe.fd}: (libsndfile misreads ${format} from a pipe; read it from a file|.+ \\(from a pipe, libsndfile reads only WAV, .*\\))$`),
      )
      // closefd (the default): the descriptor went with the failed open
      expect(() => closeSync(pipe.fd)).toThrow(/EBADF/)
      pipe.stop()
    }
    await pipe.done
  })

  it('refuses FLAC, CAF and RF64 before reading a byte when format names them', async () => {
    const bytes = new Uint8Array(1000).fill(7)
    for (const format of ['FLAC', 'CAF', 'RF64'] as const) {
      const pipe = pipeFrom(mkfifo(temp.path(`refuse-${format}.fifo`)), bytes)
      await expect(SoundFile.open(pipe.fd, { format, closefd: false })).rejects.toThrow(
        new SoundFileError(`Error opening fd ${pipe.fd}: libsndfile cannot read ${format} from a pipe; read it from a file`, { path: pipe.fd }),
      )
      await pipe.done
      // every byte is still in the pipe
      const left = Buffer.alloc(2000)
      expect(readSync(pipe.fd, left, 0, left.length, null)).toBe(bytes.length)
      closeSync(pipe.fd)
    }
  })
})

describe('writing to a pipe', () => {
  it.each(formats)('%s writes exactly or is refused before a byte', async (format) => {
    const options = optionsFor(format)
    const pipe = pipeTo(mkfifo(temp.path(`write-${format}.fifo`)))
    const data = lossy.has(format) ? sine(frames, 1, options.samplerate) : noise('int16', frames, 1, 12)
    const open = SoundFile.open(pipe.fd, { mode: 'w', ...options })
    if (!pipeWritableFormats.includes(format)) {
      const error = await open.then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(SoundFileError)
      expect((error as Error).message).toMatch(new RegExp(`^Error opening fd ${pipe.fd}: libsndfile .*; to a pipe it writes AU, RAW, OGG, `))
      expect(() => closeSync(pipe.fd)).toThrow(/EBADF/)
      expect((await pipe.received()).length).toBe(0)
      return
    }
    const file = await open
    await file.write(data)
    await file.close()
    const path = temp.path(`write-${format}`)
    writeFileSync(path, await pipe.received())
    const reader = await SoundFile.open(path, format === 'RAW' ? options : {})
    expect(reader.format).toBe(format)
    if (lossy.has(format)) {
      const back = await reader.read()
      expect(back.length).toBe(frames)
      expect(snr(data as Float32Array, back, 4096, frames - 4096)).toBeGreaterThan(30)
    } else {
      const back = await reader.read(-1, { dtype: 'int16' })
      expect(back.length).toBe(frames)
      expect(firstDifference(back, data)).toBe(-1)
    }
    await reader.close()
  })
})

// Children run the built package: `pnpm build` first (turbo's test task does).
const dist = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')).href

const writerScript = `
import { SoundFile } from ${JSON.stringify(dist)}
const [format, subtype] = process.argv.slice(2)
try {
  const file = await SoundFile.open('-', { mode: 'w', format, subtype, samplerate: 8000, channels: 2 })
  const data = new Int16Array(2 * 30000)
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 65536 - 32768
  await file.write(data)
  await file.close()
} catch (error) {
  process.stderr.write(error.name + ': ' + error.message + '\\n')
  process.exitCode = 3
}
`

const readerScript = `
import { readFileSync } from 'node:fs'
import { SoundFile } from ${JSON.stringify(dist)}
const [format] = process.argv.slice(2)
const options = format === 'RAW' ? { format, subtype: 'PCM_16', samplerate: 8000, channels: 2 } : format ? { format } : {}
try {
  const file = await SoundFile.open('-', options)
  const data = await file.read(-1, { dtype: 'int16' })
  let bad = 0
  for (let i = 0; i < data.length; i++) if (data[i] !== (i * 7919) % 65536 - 32768) bad++
  process.stderr.write(JSON.stringify({ format: file.format, channels: file.channels, samplerate: file.samplerate, samples: data.length, bad }) + '\\n')
  await file.close()
} catch (error) {
  // what is left on stdin: all of it when the refusal came first
  process.stderr.write(error.name + ': ' + error.message + '\\n' + JSON.stringify({ left: readFileSync(0).length }) + '\\n')
  process.exitCode = 3
}
`

describe("'-' in child processes", () => {
  const writer = temp.path('writer.mjs')
  const reader = temp.path('reader.mjs')
  writeFileSync(writer, writerScript)
  writeFileSync(reader, readerScript)
  const node = JSON.stringify(process.execPath)

  it('AU goes stdout -> shell pipe -> stdin', () => {
    const result = spawnSync('sh', ['-c', `${node} ${writer} AU PCM_16 | ${node} ${reader}`], { encoding: 'utf8', timeout: 20000 })
    expect(result.status, result.stderr).toBe(0)
    expect(JSON.parse(result.stderr)).toEqual({ format: 'AU', channels: 2, samplerate: 8000, samples: 60000, bad: 0 })
  })

  it('RAW goes stdout -> Node stdio (a socket) -> stdin', () => {
    const written = spawnSync(process.execPath, [writer, 'RAW', 'PCM_16'], { timeout: 20000 })
    expect(written.status, String(written.stderr)).toBe(0)
    expect(written.stdout.length).toBe(120000)
    const read = spawnSync(process.execPath, [reader, 'RAW'], { input: written.stdout, encoding: 'utf8', timeout: 20000 })
    expect(read.status, read.stderr).toBe(0)
    expect(JSON.parse(read.stderr)).toEqual({ format: 'RAW', channels: 2, samplerate: 8000, samples: 60000, bad: 0 })
  })

  it('refuses WAV to stdout before writing a byte', () => {
    const result = spawnSync(process.execPath, [writer, 'WAV', 'PCM_16'], { timeout: 20000 })
    expect(result.status).toBe(3)
    expect(String(result.stderr)).toBe(
      'SoundFileError: Error opening stdout: libsndfile cannot write WAV to a pipe (it must seek back to finish the header); ' +
        'to a pipe it writes AU, RAW, OGG, IRCAM, PAF, PVF, MPC2K, AVR\n',
    )
    expect(result.stdout.length).toBe(0)
  })

  it('refuses FLAC from stdin before reading a byte', () => {
    const flac = temp.path('in.flac')
    const file = SoundFile.openSync(flac, { mode: 'w', samplerate: 8000, channels: 2 })
    file.writeSync(new Int16Array(2000))
    file.closeSync()
    const bytes = readFileSync(flac)
    const result = spawnSync(process.execPath, [reader, 'FLAC'], { input: bytes, encoding: 'utf8', timeout: 20000 })
    expect(result.status).toBe(3)
    const [message, left] = result.stderr.trim().split('\n')
    expect(message).toBe("SoundFileError: Error opening stdin: libsndfile cannot read FLAC from a pipe; read it from a file")
    expect(JSON.parse(left ?? '{}')).toEqual({ left: bytes.length })
  })
})
