// Bad input through the real `pastream` on the virtual device, as one
// table: each row is a command line (and what stdin pipes in), the exit
// code, the error line(s) on stderr (what was wrong, what is allowed), and
// no file left behind: the folder holds exactly the input files afterwards.
// Device names with UTF-8 and regex characters: bad-input-devices.test.ts.
import { afterAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { badFiles } from './bad-files.js'
import { DEVICE, pastream } from './helpers.js'

const files = badFiles('bad-input')
afterAll(() => files.remove())
const before = files.names()

interface Row {
  /** the command line, in the folder of the bad files */
  args: string[]
  /** a file of that folder piped into stdin */
  stdin?: string
  code: number
  /** the whole of stderr */
  stderr: RegExp
}

const D = ['-D', DEVICE, '-q']
const rec = (...flags: string[]): string[] => ['null', 'out.wav', ...D, '-n', '4800', ...flags]
const rateLine = (text: string): RegExp =>
  new RegExp(`^pastream: --rate: expected a sample rate in Hz \\(a whole number > 0, e\\.g\\. 48000 or 48k\\), got '${text}'\\npastream: see 'pastream --help'\\n$`)
const noDevice = (what: string): RegExp =>
  new RegExp(`^pastream: --device: No input device matching ${what}\\. input devices: .*\\d+: loopback \\(JACK Audio Connection Kit, 2 in, 2 out\\)\\npastream: 'pastream devices' lists them\\n$`)
const pipeOut = (type: string): RegExp => new RegExp(`^pastream: -t ${type}: stdout is a pipe, and libsndfile must seek back to finish a ${type.toUpperCase()} header\\npastream: to a pipe it writes AU, RAW, OGG, IRCAM, PAF, PVF, MPC2K, AVR\\n$`)
const readable = 'WAV, WAVEX, AIFF, AU, RAW, W64, OGG, MP3, NIST, IRCAM, PAF, PVF, SVX, MAT4, MAT5, MPC2K, AVR'

const table: Record<string, Row> = {
  // sample rates
  'rate NaN': { args: rec('-r', 'nan'), code: 2, stderr: rateLine('nan') },
  'rate 0': { args: rec('-r', '0'), code: 2, stderr: rateLine('0') },
  'rate negative': { args: rec('-r', '-48000'), code: 2, stderr: rateLine('-48000') },
  'rate infinite': { args: rec('-r', 'Infinity'), code: 2, stderr: rateLine('Infinity') },
  'rate 1e400': { args: rec('-r', '1e400'), code: 2, stderr: rateLine('1e400') },
  'rate with a fraction': { args: rec('-r', '48000.5'), code: 2, stderr: rateLine('48000.5') },
  'rate the device does not run at': {
    args: rec('-r', '44100'),
    code: 3,
    stderr: /^pastream: cannot open the device: Error opening InputStream: Invalid sample rate 44100 \(device loopback runs at 48000 Hz\) \[paInvalidSampleRate -9997\]\npastream: leave out -r to run at the device's rate\n$/,
  },
  'a file at a rate the device does not run at': {
    args: ['take44.wav', ...D],
    code: 3,
    stderr: /^pastream: cannot open the device: Error opening OutputStream: Invalid sample rate 44100 \(device loopback runs at 48000 Hz\) \[paInvalidSampleRate -9997\]\npastream: pastream does not resample: convert the file first, e\.g\. sox take44\.wav -r 48000 take44-48k\.wav\n$/,
  },
  '-r against the played file': {
    args: ['take.wav', 'out.wav', ...D, '-r', '44100'],
    code: 2,
    stderr: /^pastream: --rate: take\.wav is 48000 Hz, not 44100 Hz \(pastream does not resample\)\npastream: leave out -r to play it at 48000 Hz\n$/,
  },
  // channels
  'channels 0': { args: rec('-c', '0'), code: 2, stderr: /^pastream: --channels: expected a positive integer per side, got '0'\n/ },
  'channels negative': { args: rec('-c', '-2'), code: 2, stderr: /^pastream: --channels: expected a positive integer per side, got '-2'\n/ },
  'channels above the device maximum': {
    args: rec('-c', '3'),
    code: 3,
    stderr: /^pastream: cannot open the device: Error opening InputStream: Invalid number of input channels 3 \(device \d+: loopback has 2\) \[paInvalidChannelCount -9998\]\npastream: 'pastream devices' lists the channels of each device\n$/,
  },
  'a file with more channels than the device': {
    args: ['take3.wav', 'out.wav', ...D],
    code: 3,
    stderr: /^pastream: cannot open the device: Error opening DuplexStream: Invalid number of input channels 3 \(device \d+: loopback has 2\) \[paInvalidChannelCount -9998\]\npastream: 'pastream devices' lists the channels of each device\n$/,
  },
  // devices (names with UTF-8 and regex characters: bad-input-devices.test.ts)
  'device index out of range': {
    args: ['null', 'out.wav', '-D', '99', '-q'],
    code: 3,
    stderr: /^pastream: --device: No device with index 99\. input devices: .*\d+: loopback \(JACK Audio Connection Kit, 2 in, 2 out\)\npastream: 'pastream devices' lists them\n$/,
  },
  'unknown device name': { args: ['null', 'out.wav', '-D', 'no such card', '-q'], code: 3, stderr: noDevice('"no such card"') },
  'regex characters are literal (.)': { args: ['null', 'out.wav', '-D', 'l..pback', '-q'], code: 3, stderr: noDevice('"l\\.\\.pback"') },
  'regex characters are literal (+)': { args: ['null', 'out.wav', '-D', 'loop+', '-q'], code: 3, stderr: noDevice('"loop\\+"') },
  'regex characters are literal ((': { args: ['null', 'out.wav', '-D', 'loop(', '-q'], code: 3, stderr: noDevice('"loop\\("') },
  'regex characters are literal ([])': { args: ['null', 'out.wav', '-D', '[lo]+', '-q'], code: 3, stderr: noDevice('"\\[lo\\]\\+"') },
  // sample formats, file types and encodings
  'unknown sample format': { args: rec('-f', 'float64'), code: 2, stderr: /^pastream: --format: unknown sample format 'float64'\npastream: allowed: float32, int32, int24, int16, int8, uint8\n$/ },
  'unknown file type': { args: rec('-t', 'wave'), code: 2, stderr: /^pastream: --file_type: unknown file type 'wave'\npastream: allowed: aiff, au, .*\bwav\b/ },
  'unknown input file type': { args: ['take.wav', ...D, '-t', 'wave'], code: 2, stderr: /^pastream: --file_type: unknown file type 'wave'\npastream: allowed: aiff, au, .*\bwav\b/ },
  'an encoding the container cannot hold': { args: rec('-e', 'vorbis'), code: 2, stderr: /^pastream: --encoding: WAV files cannot hold 'vorbis'\npastream: WAV allows: .*pcm_16/ },
  // RAW
  'RAW file without rate, channels, encoding': { args: ['noise.bin', ...D, '-t', 'raw'], code: 2, stderr: /^pastream: noise\.bin: a RAW file needs -r RATE, -c CHANNELS, -e ENCODING\npastream: e\.g\. pastream -c1 -r48k -e pcm_16 -t raw noise\.bin\n$/ },
  'RAW file without an encoding': { args: ['noise.bin', ...D, '-t', 'raw', '-r', '48k', '-c', '1'], code: 2, stderr: /^pastream: noise\.bin: a RAW file needs -e ENCODING\n/ },
  'RAW on stdin without rate and encoding': { args: ['-', ...D, '-t', 'raw', '-c', '1'], stdin: 'noise.bin', code: 2, stderr: /^pastream: stdin: a RAW file needs -r RATE, -e ENCODING\npastream: e\.g\. pastream -c1 -r48k -e pcm_16 -t raw -\n$/ },
  'headerless samples without -t raw': {
    args: ['noise.bin', ...D],
    code: 4,
    stderr: /^pastream: Error opening 'noise\.bin': Format not recognised\.\npastream: samples without a header play with -t raw -r RATE -c CHANNELS -e ENCODING\n$/,
  },
  'headerless samples on stdin': {
    args: ['-', 'out.wav', ...D],
    stdin: 'noise.bin',
    code: 4,
    stderr: new RegExp(`^pastream: Error opening stdin: Format not recognised\\. \\(from a pipe, libsndfile reads only ${readable}\\)\\npastream: samples without a header play with -t raw -r RATE -c CHANNELS -e ENCODING\\n$`),
  },
  // what libsndfile cannot read from a pipe
  'CAF on stdin': { args: ['-', 'out.wav', ...D], stdin: 'take.caf', code: 4, stderr: /^pastream: Error opening stdin: libsndfile misreads CAF from a pipe; read it from a file\n$/ },
  'RF64 on stdin': { args: ['-', 'out.wav', ...D], stdin: 'take.rf64', code: 4, stderr: /^pastream: Error opening stdin: libsndfile misreads RF64 from a pipe; read it from a file\n$/ },
  'FLAC on stdin': { args: ['-', 'out.wav', ...D], stdin: 'take.flac', code: 4, stderr: new RegExp(`^pastream: Error opening stdin: Error : flac decoder lost sync\\. \\(from a pipe, libsndfile reads only ${readable}\\)\\n$`) },
  // what libsndfile cannot write to a pipe (stdout is one here)
  'WAV on stdout': { args: ['null', '-', ...D, '-t', 'wav'], code: 2, stderr: pipeOut('wav') },
  'CAF on stdout': { args: ['null', '-', ...D, '-t', 'caf'], code: 2, stderr: pipeOut('caf') },
  'RF64 on stdout': { args: ['null', '-', ...D, '-t', 'rf64'], code: 2, stderr: pipeOut('rf64') },
  'FLAC on stdout': { args: ['null', '-', ...D, '-t', 'flac'], code: 2, stderr: pipeOut('flac') },
  // where the recording cannot go
  'a missing folder': {
    args: ['null', 'missing/out.wav', ...D],
    code: 4,
    stderr: /^pastream: Error opening 'missing\/out\.wav': System error : No such file or directory\. \(there is no folder 'missing'\)\n$/,
  },
  'a regular file as the folder': {
    args: ['null', 'afile/out.wav', ...D],
    code: 4,
    stderr: /^pastream: Error opening 'afile\/out\.wav': System error : Not a directory\. \('afile' is not a folder\)\n$/,
  },
  'a folder as the output': { args: ['null', 'adir', ...D, '-t', 'wav'], code: 4, stderr: /^pastream: Error opening 'adir': System error : Is a directory\.\n$/ },
  'a folder where even root may not create files (/sys)': {
    args: ['null', '/sys/pastream-bad-input.wav', ...D],
    code: 4,
    stderr: /^pastream: Error opening '\/sys\/pastream-bad-input\.wav': System error : Permission denied\.\n$/,
  },
  'a file system without files to create (/proc)': {
    args: ['null', '/proc/pastream-bad-input.wav', ...D],
    code: 4,
    stderr: /^pastream: Error opening '\/proc\/pastream-bad-input\.wav': System error : No such file or directory\.\n$/,
  },
  // bad headers and files
  'a truncated header': { args: ['trunc.wav', 'out.wav', ...D], code: 4, stderr: /^pastream: Error opening 'trunc\.wav': Error in WAV file\. No 'data' chunk marker\.\n$/ },
  'a garbage header': { args: ['garbage.wav', 'out.wav', ...D], code: 4, stderr: /^pastream: Error opening 'garbage\.wav': Error in WAV file\. No 'data' chunk marker\.\n$/ },
  'an empty file': { args: ['empty.wav', 'out.wav', ...D], code: 4, stderr: /^pastream: Error opening 'empty\.wav': Format not recognised\. \(the file is empty\)\n$/ },
  'a folder as the input': { args: ['adir', 'out.wav', ...D], code: 4, stderr: /^pastream: Error opening 'adir': Format not recognised\. \(it is a directory\)\n$/ },
  'a missing input': { args: ['missing.wav', 'out.wav', ...D], code: 4, stderr: /^pastream: Error opening 'missing\.wav': System error : No such file or directory\.\n$/ },
  '-n longer than the played file': {
    args: ['take.wav', 'out.wav', ...D, '-n', '20000'],
    code: 2,
    stderr: /^pastream: --frames: take\.wav has 9600 frames, fewer than the 20000 asked for\npastream: add -p to play silence after it up to that length, or --loop to repeat it\n$/,
  },
  '-d longer than stdin': {
    args: ['-', ...D, '-d', '1'],
    stdin: 'take.wav',
    code: 2,
    stderr: /^pastream: --duration: stdin has 9600 frames, fewer than the 48000 asked for\n/,
  },
  'FLAC data cut short of its header': {
    args: ['cut.flac', ...D],
    code: 4,
    stderr: /^pastream: cut\.flac ended after \d+ of the 48000 frames its header gives \(a truncated or damaged file\)\n$/,
  },
}

describe('bad input: an exit code, what was wrong and what is allowed, no file left behind', () => {
  it.each(Object.entries(table))('%s', async (_, row) => {
    const result = await pastream(row.args, { cwd: files.dir, ...(row.stdin !== undefined ? { input: readFileSync(files.path(row.stdin)) } : {}) })
    expect(result.stderr).toMatch(row.stderr)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(result.code).toBe(row.code)
    expect(result.stdout.length).toBe(0)
    expect(files.names()).toEqual(before)
  })
})
