// The addon's boundary: dtypes cross it as core-native's format codes, and
// every error it throws carries a stable code (NativeErrorCode) next to the
// unchanged message.
import { formatCodes } from '@pastream/core-native'
import { RingBuffer } from '@pastream/stream'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../test/helpers.js'
import { native, type NativeError, type NativeFileHandle, type NativePumpHandle } from './binding.js'

const temp = tempDir('binding')
afterAll(() => temp.remove())

const WAV_PCM_16 = 0x010000 | 0x0002
const noOptions = { closefd: true, rf64Downgrade: false, blocking: false }

function thrown(fn: () => unknown): NativeError {
  try {
    fn()
  } catch (error) {
    return error as NativeError
  }
  throw new Error('did not throw')
}

function openWav(name: string): NativeFileHandle {
  const { modes } = native()
  return native().openSync(temp.path(name), modes.WRITE, { samplerate: 8000, channels: 1, format: WAV_PCM_16 }, noOptions).handle
}

describe('the addon', () => {
  it('takes dtypes as format codes and round-trips int24 through a PCM_24 file', () => {
    const { modes } = native()
    const path = temp.path('int24.wav')
    const w = native().openSync(path, modes.WRITE, { samplerate: 8000, channels: 1, format: 0x010000 | 0x0003 }, noOptions).handle
    const samples = new Uint8Array([0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0x00, 0x00, 0x80])
    expect(native().writeSync(w, formatCodes.int24, 3, samples)).toBe(3)
    native().closeSync(w)
    const r = native().openSync(path, modes.READ, { samplerate: 0, channels: 0, format: 0 }, noOptions).handle
    const back = new Uint8Array(9)
    expect(native().readSync(r, formatCodes.int24, 3, back)).toBe(3)
    expect([...back]).toEqual([...samples])
    native().closeSync(r)
  })

  it('rejects a dtype name: only codes cross the boundary', () => {
    const handle = openWav('name.wav')
    const error = thrown(() => native().writeSync(handle, 'int16' as unknown as number, 1, new Int16Array(1)))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.code).toBe('ERR_SOUNDFILE_INVALID_ARG')
    native().closeSync(handle)
  })

  it('ERR_SOUNDFILE_CLOSED: the message stays "sound file is closed"', async () => {
    const handle = openWav('closed.wav')
    native().closeSync(handle)
    const error = thrown(() => native().info(handle))
    expect(error.message).toBe('sound file is closed')
    expect(error.code).toBe('ERR_SOUNDFILE_CLOSED')
    const rejected = (await native().read(handle, formatCodes.int16, 1, new Int16Array(1)).catch((e: unknown) => e)) as NativeError
    expect(rejected.message).toBe('sound file is closed')
    expect(rejected.code).toBe('ERR_SOUNDFILE_CLOSED')
  })

  it('ERR_SOUNDFILE_LIBSNDFILE carries sndfileErrorCode', async () => {
    const { modes } = native()
    const path = temp.path('missing.wav')
    const info = { samplerate: 0, channels: 0, format: 0 }
    const error = thrown(() => native().openSync(path, modes.READ, info, noOptions))
    expect(error.code).toBe('ERR_SOUNDFILE_LIBSNDFILE')
    expect(error.sndfileErrorCode).toBe(2) // SF_ERR_SYSTEM
    expect(error.message).toBe('System error : No such file or directory.')
    const rejected = (await native().open(path, modes.READ, info, noOptions).catch((e: unknown) => e)) as NativeError
    expect(rejected.code).toBe('ERR_SOUNDFILE_LIBSNDFILE')
    expect(rejected.sndfileErrorCode).toBe(2)
  })

  it('ERR_SOUNDFILE_INVALID_HANDLE and ERR_SOUNDFILE_INVALID_ARG', () => {
    const notAHandle = {} as NativeFileHandle
    const error = thrown(() => native().info(notAHandle))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe('expected a sound file handle')
    expect(error.code).toBe('ERR_SOUNDFILE_INVALID_HANDLE')
    const pump = thrown(() => native().pumpStatus({} as NativePumpHandle))
    expect(pump.code).toBe('ERR_SOUNDFILE_INVALID_HANDLE')

    const handle = openWav('args.wav')
    const small = thrown(() => native().writeSync(handle, formatCodes.int16, 4, new Int16Array(2)))
    expect(small).toBeInstanceOf(RangeError)
    expect(small.message).toBe('samples array is too small for the frames')
    expect(small.code).toBe('ERR_SOUNDFILE_INVALID_ARG')
    const ring = new RingBuffer(4, 16) // 2 int16 channels, the file has 1
    const options = { format: formatCodes.int16, samplerate: 8000, name: 'args.wav' }
    const noEnd = thrown(() => native().pumpRecord(handle, ring.view, options, undefined as unknown as () => void))
    expect(noEnd).toBeInstanceOf(TypeError)
    expect(noEnd.message).toBe('onEnd must be a function')
    const mismatch = thrown(() => native().pumpRecord(handle, ring.view, options, () => undefined))
    expect(mismatch).toBeInstanceOf(RangeError)
    expect(mismatch.code).toBe('ERR_SOUNDFILE_INVALID_ARG')
    native().closeSync(handle)
  })
})
