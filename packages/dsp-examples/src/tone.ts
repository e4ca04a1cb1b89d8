#!/usr/bin/env node
// tone: test signals (a sine, a logarithmic sweep, white or pink noise) to
// the sound card or to a sound file. It shows the two simplest ways out of
// a program: OutputStream.play() with a whole typed array (it goes into the
// stream's ring before the device starts, so nothing in JavaScript runs
// while it plays), and SoundFile.open(..., { mode: 'w' }) + write().
import { OutputStream } from '@pastream/stream'
import { SoundFile, type SubtypeName } from '@pastream/soundfile'
import { choiceOption, durationOption, exampleArgs, exampleDevice, numberOption, samplerateOption } from './common.js'
import { formatDb, interleave, makeSignal, signalTypes } from './dsp.js'

const usage = `Usage: tone [options]

Plays a test signal, or writes it to a sound file with --output.

Options:
  -t, --type TYPE        sine, sweep (logarithmic), white or pink noise (default sine)
  -f, --freq HZ          sine frequency (default 1000)
      --start HZ         sweep start frequency (default 20)
      --end HZ           sweep end frequency (default 20000)
  -l, --level=DBFS       peak level in dBFS, <= 0 (default -12: a sine's RMS is
                         then -15.01 dBFS, uniform white noise's -16.77); write
                         negative values with = (--level=-20), as parseArgs wants
  -d, --duration TIME    seconds, [h:]m:s or samples with an s suffix (default 2)
  -r, --samplerate HZ    sample rate, e.g. 48000 or 44.1k (default 48000)
  -c, --channels N       channels; every channel gets the same signal (default 1)
      --seed N           seed of the noise generator (default 1): same seed, same noise
  -o, --output FILE      write FILE (its type from the extension) instead of playing
      --subtype NAME     the file's sample format, e.g. PCM_16, PCM_24, FLOAT
                         (default: the container's, PCM_16 for WAV)
  -D, --device DEVICE    output device index or name (default: the default device)
      --virtual          play to pastream's virtual loopback device
  -h, --help             show this help

Examples:
  tone --freq 440 --level=-20
  tone --type sweep --start 50 --end 5000 --duration 10 --output sweep.wav
  tone --type pink --seed 7 --output pink.flac --subtype PCM_24`

const { values } = exampleArgs(usage, {
  type: { type: 'string', short: 't', default: 'sine' },
  freq: { type: 'string', short: 'f', default: '1000' },
  start: { type: 'string', default: '20' },
  end: { type: 'string', default: '20000' },
  level: { type: 'string', short: 'l', default: '-12' },
  duration: { type: 'string', short: 'd', default: '2' },
  samplerate: { type: 'string', short: 'r', default: '48000' },
  channels: { type: 'string', short: 'c', default: '1' },
  seed: { type: 'string', default: '1' },
  output: { type: 'string', short: 'o' },
  subtype: { type: 'string' },
})

// Every option is checked before anything opens: a typo exits 2 at once
const type = choiceOption(usage, 'type', values.type, signalTypes)
const samplerate = samplerateOption(usage, values.samplerate)
const nyquist = samplerate / 2
const frequencyOption = (name: string, text: string) =>
  numberOption(usage, name, text, (v) => v > 0 && v < nyquist, `a frequency in Hz between 0 and ${nyquist} (half the sample rate)`)
const frequency = frequencyOption('freq', values.freq)
const start = frequencyOption('start', values.start)
const end = frequencyOption('end', values.end)
const level = numberOption(usage, 'level', values.level, (v) => v <= 0, 'a level in dBFS <= 0')
const channels = numberOption(usage, 'channels', values.channels, (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'a whole number of channels from 1 to 64')
const seed = numberOption(usage, 'seed', values.seed, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'a whole number from 0 to 2^32 - 1')
const frames = durationOption(usage, 'duration', values.duration, samplerate)

// The whole signal is made up front: at 48 kHz a minute of mono float32 is
// 11 MB, and a finished array is what play() and write() take most simply
const mono = makeSignal({ type, frames, samplerate, level, frequency, start, end, seed })
const signal = interleave(mono, channels)

const what =
  type === 'sine' ? `sine ${frequency} Hz` : type === 'sweep' ? `log sweep ${start} -> ${end} Hz` : `${type} noise (seed ${seed})`
const summary = `${what}, peak ${formatDb(level)} dBFS, ${(frames / samplerate).toFixed(3)} s (${frames} frames) at ${samplerate} Hz, ${channels} channel(s)`

if (values.output !== undefined) {
  // SoundFile picks the container from the extension and a default
  // subtype for it; float32 samples are scaled to PCM exactly (x * 2^15 for
  // PCM_16, rounded), so a -6.02 dBFS sine is 16384 at its crest
  const file = await SoundFile.open(values.output, {
    mode: 'w',
    samplerate,
    channels,
    ...(values.subtype !== undefined ? { subtype: values.subtype as SubtypeName } : {}),
  })
  try {
    await file.write(signal)
  } finally {
    await file.close() // writes the final header
  }
  console.log(`tone: ${summary} -> ${values.output} (${file.format} ${file.subtype})`)
} else {
  const device = await exampleDevice(values)
  try {
    // `await using` closes the stream (and lets the device go) however this block ends
    await using output = new OutputStream({ ...device.streamDevice, samplerate, channels })
    console.log(`tone: ${summary} -> device ${String(output.device)}`)
    // play() resolves once the last frame has left the speakers' buffer
    await output.play(signal)
  } finally {
    await device.stop()
  }
}
