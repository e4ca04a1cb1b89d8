// Bad options of the file streams and of SoundFile, as one table: each row
// is a call, the error class and its message (what was wrong, what is
// allowed), and no file left behind: the folder holds exactly the input
// files afterwards.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { PortAudioError, type DType } from '@pastream/stream'
import { mkfifo } from '../test/fifo.js'
import { noise, tempDir } from '../test/helpers.js'
import { SoundFileError } from './errors.js'
import { SoundFileDuplexStream, SoundFileInputStream, SoundFileOutputStream } from './file-streams.js'
import { SoundFile } from './sound-file.js'

const DEVICE = 'loopback'
const temp = tempDir('bad-input')
afterAll(() => temp.remove())
const at = temp.path

const take = SoundFile.openSync(at('take.wav'), { mode: 'w', samplerate: 48000, channels: 2, subtype: 'PCM_16' })
take.writeSync(noise('int16', 4800, 2, 1), { dtype: 'int16' })
take.closeSync()
writeFileSync(at('trunc.wav'), readFileSync(at('take.wav')).subarray(0, 20))
writeFileSync(at('noise.bin'), new Uint8Array(noise('int16', 4800, 1, 2).buffer))
writeFileSync(at('empty.wav'), new Uint8Array(0))
writeFileSync(at('afile'), 'a regular file\n')
mkdirSync(at('adir'))
mkfifo(at('out.fifo'))
const before = readdirSync(temp.dir).sort()

type Row = [make: () => unknown, type: new (...args: never[]) => Error, message: RegExp]

const record = (options: ConstructorParameters<typeof SoundFileInputStream>[1], path = at('out.wav')) => () => new SoundFileInputStream(path, { device: DEVICE, ...options })
const play = (path: string, options: ConstructorParameters<typeof SoundFileOutputStream>[1] = {}) => () => new SoundFileOutputStream(path, { device: DEVICE, ...options })
const rate = (shown: string): RegExp => new RegExp(`^Expected a positive number for samplerate, got ${shown} \\(number\\)$`)

const table: Record<string, Row> = {
  'recording samplerate NaN': [record({ samplerate: Number.NaN }), RangeError, rate('NaN')],
  'recording samplerate 0': [record({ samplerate: 0 }), RangeError, rate('0')],
  'recording samplerate negative': [record({ samplerate: -1 }), RangeError, rate('-1')],
  'recording samplerate infinite': [record({ samplerate: Number.POSITIVE_INFINITY }), RangeError, rate('Infinity')],
  'recording samplerate the device does not run at': [record({ samplerate: 44100 }), PortAudioError, /^Error opening InputStream: Invalid sample rate 44100 \(device loopback runs at 48000 Hz\)/],
  'recording channels 0': [record({ channels: 0 }), RangeError, /^Expected an integer >= 1 for channels, got 0 \(number\)$/],
  'recording channels above the device maximum': [record({ channels: 9 }), PortAudioError, /^Error opening InputStream: Invalid number of input channels 9 \(device \d+: loopback has 8\) \[paInvalidChannelCount -9998\]$/],
  'recording from an unknown device': [record({ device: 'no such card' }), RangeError, /^No input device matching "no such card"\. input devices: /],
  'recording dtype float64': [record({ dtype: 'float64' as DType }), RangeError, /^Expected one of float32, int32, int24, int16, int8, uint8 for dtype, got float64 \(string\)$/],
  'recording an encoding the container cannot hold': [record({ subtype: 'VORBIS' }), RangeError, /^libsndfile cannot write WAV with subtype VORBIS, endian FILE, 8 channel\(s\) at 48000 Hz \(see availableSubtypes\('WAV'\)\)$/],
  'recording to a name without an extension': [record({}, at('out')), RangeError, /^Cannot tell the container of '.*\/out' from its extension: pass format \(e\.g\. \{ format: 'WAV' \}\)$/],
  'recording into a missing folder': [record({}, at('missing/out.wav')), SoundFileError, /^Error opening '.*\/missing\/out\.wav': System error : No such file or directory\. \(there is no folder '.*\/missing'\)$/],
  'recording into a regular file as folder': [record({}, at('afile/out.wav')), SoundFileError, /^Error opening '.*\/afile\/out\.wav': System error : Not a directory\. \('.*\/afile' is not a folder\)$/],
  'recording over a folder': [record({ format: 'WAV' }, at('adir')), SoundFileError, /^Error opening '.*\/adir': System error : Is a directory\.$/],
  'recording WAV into a pipe': [
    () => new SoundFileDuplexStream(null, at('out.fifo'), { device: DEVICE, format: 'WAV' }),
    SoundFileError,
    /^Error opening '.*\/out\.fifo': libsndfile cannot write WAV to a pipe \(it must seek back to finish the header\); to a pipe it writes AU, RAW, /,
  ],
  'playing a missing file': [play(at('missing.wav')), SoundFileError, /^Error opening '.*\/missing\.wav': System error : No such file or directory\.$/],
  'playing a truncated header': [play(at('trunc.wav')), SoundFileError, /^Error opening '.*\/trunc\.wav': Error in WAV file\. No 'data' chunk marker\.$/],
  'playing an empty file': [play(at('empty.wav')), SoundFileError, /^Error opening '.*\/empty\.wav': Format not recognised\. \(the file is empty\)$/],
  'playing a folder': [play(at('adir')), SoundFileError, /^Error opening '.*\/adir': Format not recognised\. \(it is a directory\)$/],
  'playing samples without a header': [play(at('noise.bin')), SoundFileError, /^Error opening '.*\/noise\.bin': Format not recognised\.$/],
  'playing RAW without samplerate, channels, subtype': [play(at('noise.bin'), { format: 'RAW' }), TypeError, /^RAW files need samplerate, channels and subtype: missing samplerate, channels, subtype$/],
  'playing on an unknown device': [play(at('take.wav'), { device: 99 }), RangeError, /^No device with index 99\. output devices: /],
  'playing with dtype float64': [play(at('take.wav'), { dtype: 'float64' as DType }), RangeError, /^Expected one of float32, int32, int24, int16, int8, uint8 for dtype, got float64 \(string\)$/],
  'reading a file as another format': [() => SoundFile.openSync(at('take.wav'), { format: 'AU' }), SoundFileError, /^Error opening '.*\/take\.wav': expected AU, but the file is WAV$/],
  'reading with samplerate given': [() => SoundFile.openSync(at('take.wav'), { samplerate: 48000 }), TypeError, /^samplerate cannot be set when reading '.*\/take\.wav': they come from its header \(only RAW files need them\)$/],
}

describe('bad file stream options: the error, its message, no file left behind', () => {
  it.each(Object.entries(table))('%s', (_, [make, type, message]) => {
    let caught: unknown
    try {
      make()
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(type)
    expect((caught as Error).message).toMatch(message)
    expect(readdirSync(temp.dir).sort()).toEqual(before)
  })
})

describe("a pipe's reader goes away: SoundFileError with systemCode 'EPIPE'", () => {
  it('at open (the header): and a descriptor opened with closefd: false stays open', () => {
    const fifo = mkfifo(at('gone-at-open.fifo'))
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    const writer = openSync(fifo, constants.O_WRONLY)
    closeSync(reader)
    try {
      let caught: unknown
      try {
        SoundFile.openSync(writer, { mode: 'w', format: 'AU', samplerate: 48000, channels: 1, subtype: 'PCM_16', closefd: false })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(SoundFileError)
      expect((caught as SoundFileError).message).toMatch(/^Error opening fd \d+: System error : Broken pipe\.$/)
      expect((caught as SoundFileError).systemCode).toBe('EPIPE')
      // libsndfile closes a descriptor it fails to open: closefd false must keep it
      expect(fstatSync(writer).isFIFO()).toBe(true)
    } finally {
      closeSync(writer)
    }
  })

  it('while recording: the run ends with the error, and its frames are counted', async () => {
    const fifo = mkfifo(at('gone-while-recording.fifo'))
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    await using stream = new SoundFileInputStream(fifo, { device: DEVICE, format: 'AU', dtype: 'int16', channels: 1 })
    await stream.start()
    // the reader takes 9600 bytes, then goes away
    const buffer = Buffer.alloc(65536)
    for (let got = 0; got < 9600; ) {
      try {
        got += readSync(reader, buffer, 0, buffer.length, null)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
        await sleep(5)
      }
    }
    closeSync(reader)
    const error = await stream.wait().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(SoundFileError)
    expect((error as SoundFileError).systemCode).toBe('EPIPE')
    expect((error as SoundFileError).message).toMatch(/^Error recording to '.*gone-while-recording\.fifo': System error : Broken pipe; kept \d+ frames/)
    expect((error as SoundFileError).path).toBe(fifo)
  })
})
