// Bad files: each open fails with a SoundFileError carrying libsndfile's
// own message and the path, and the process lives on.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { constants } from 'node:os'
import { PastreamError } from '@pastream/stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noise, tempDir } from '../test/helpers.js'
import { SoundFileError } from './errors.js'
import { SoundFile } from './sound-file.js'

const temp = tempDir('errors')
afterAll(() => temp.remove())

let good = ''
beforeAll(() => {
  good = temp.path('good.wav')
  const file = SoundFile.openSync(good, { mode: 'w', samplerate: 8000, channels: 2, subtype: 'PCM_16' })
  file.writeSync(noise('int16', 1000, 2, 1))
  file.closeSync()
})

async function openError(path: string | number, options = {}): Promise<SoundFileError> {
  const error = await SoundFile.open(path, options).then(
    async (file) => {
      await file.close()
      return new Error(`opened ${String(path)}`)
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SoundFileError)
  return error as SoundFileError
}

describe('bad files', () => {
  it('missing', async () => {
    const path = temp.path('missing.wav')
    const error = await openError(path)
    expect(error.message).toBe(`Error opening '${path}': System error : No such file or directory.`)
    expect(error.path).toBe(path)
    expect(error.sndfileErrorCode).toBe(2) // SF_ERR_SYSTEM
    expect(error.name).toBe('SoundFileError')
    expect(error).toBeInstanceOf(PastreamError)
    // the stack points at this file, not at libuv's thread pool
    expect(error.stack).toMatch(/errors\.test\.ts/)
  })

  it('empty', async () => {
    const path = temp.path('empty.wav')
    writeFileSync(path, '')
    const error = await openError(path)
    expect(error.message).toBe(`Error opening '${path}': Format not recognised. (the file is empty)`)
    expect(error.sndfileErrorCode).toBe(1) // SF_ERR_UNRECOGNISED_FORMAT
  })

  it('a truncated header', async () => {
    const path = temp.path('truncated.wav')
    writeFileSync(path, readFileSync(good).subarray(0, 30))
    expect((await openError(path)).message).toBe(`Error opening '${path}': Error in WAV file. No 'data' chunk marker.`)
  })

  it('not audio: a text file', async () => {
    const path = temp.path('notes.wav')
    writeFileSync(path, 'Shopping list: milk, eggs, a sound card.\n'.repeat(20))
    expect((await openError(path)).message).toBe(`Error opening '${path}': Format not recognised.`)
  })

  it('a directory', async () => {
    const path = temp.path('folder.wav')
    mkdirSync(path)
    expect((await openError(path)).message).toBe(`Error opening '${path}': Format not recognised. (it is a directory)`)
    const write = await openError(path, { mode: 'w', samplerate: 8000, channels: 1 })
    expect(write.message).toBe(`Error opening '${path}': System error : Is a directory.`)
  })

  it('no permission', async () => {
    const path = temp.path('locked.wav')
    writeFileSync(path, readFileSync(good))
    chmodSync(path, 0)
    const expected = `Error opening '${path}': System error : Permission denied.`
    if (process.getuid?.() === 0) {
      // root ignores file modes: take the identity of 'nobody' around the open
      // (glibc switches every thread, libuv's pool too), then become root again
      process.seteuid?.(65534)
      try {
        expect(() => SoundFile.openSync(path)).toThrow(new SoundFileError(expected, { path, sndfileErrorCode: 2, errno: constants.errno.EACCES }))
      } finally {
        process.seteuid?.(0)
      }
      expect(process.geteuid?.()).toBe(0)
    } else {
      expect(() => SoundFile.openSync(path)).toThrow(new SoundFileError(expected, { path, sndfileErrorCode: 2, errno: constants.errno.EACCES }))
    }
  })

  it.runIf(existsSync('/proc/sys/vm/compact_memory'))('no permission, even for root: a write-only /proc file', async () => {
    const path = '/proc/sys/vm/compact_memory'
    expect((await openError(path)).message).toBe(`Error opening '${path}': System error : Permission denied.`)
  })

  it('a bad file descriptor', async () => {
    const error = await openError(987654)
    expect(error.message).toMatch(/^Error opening fd 987654: /)
    expect(error.path).toBe(987654)
  })

  it('a file that is WAV when FLAC was expected', async () => {
    const error = await openError(good, { format: 'FLAC' })
    expect(error.message).toBe(`Error opening '${good}': expected FLAC, but the file is WAV`)
    // WAV, WAVEX and RF64 are one family: a 4-channel .wav written here is WAVEX (see wav-header.test.ts)
    const four = temp.path('four.wav')
    const writer = SoundFile.openSync(four, { mode: 'w', samplerate: 8000, channels: 4, subtype: 'PCM_16' })
    writer.writeSync(new Int16Array(4 * 100))
    writer.closeSync()
    const file = await SoundFile.open(four, { format: 'WAV' })
    expect(file.format).toBe('WAVEX')
    expect(file.frames).toBe(100)
    await file.close()
  })

  it('the process lives on and the good file still reads', async () => {
    const file = await SoundFile.open(good)
    expect((await file.read(-1, { dtype: 'int16' })).length).toBe(2000)
    await file.close()
  })
})
