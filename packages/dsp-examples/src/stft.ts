#!/usr/bin/env node
// stft: a live short-time Fourier transform, the original pastream README's
// example. chunks({ chunksize, overlap }) hands over chunks of 1024 frames
// that share half their frames with the one before (50% overlap, the hop is
// 512), read straight from the stream's ring; each gets a Hann window and an
// FFT, and the dominant frequency is printed per chunk.
//
// With --tone or --playback it plays while it listens (a DuplexStream's
// chunks({ playback })), so on a loopback the STFT hears what is played. On
// the virtual loopback device with nothing to play it plays a demo sweep:
// the device's input is otherwise silence. The stream is opened here rather
// than by the module-level chunks() so that its xrun count can be reported
// at the end: a glitch in the input smears the spectrum of its chunk.
import { DuplexStream, InputStream, isPowerOfTwo, type Source } from '@pastream/stream'
import { durationOption, exampleArgs, exampleDevice, numberOption, stopRequest } from './common.js'
import { formatDb, interleave, makeSignal } from './dsp.js'
import { playbackOptions } from './playback.js'
import { Spectrum } from './spectrum.js'

const usage = `Usage: stft [options]

Prints the dominant frequency of each chunk of live input (Hann window, 50% overlap).

Options:
  -n, --chunksize N      frames per chunk (the FFT size), a power of two (default 1024)
  -r, --samplerate HZ    sample rate (default 48000; with --playback, the file's)
  -d, --duration TIME    how long to listen: seconds, [h:]m:s, or frames with an
                         s suffix, e.g. 48000s (default 5)
  -c, --channels N       input channels, averaged before the FFT (default 1)
      --tone HZ          play a sine of HZ meanwhile (to hear it on a loopback)
  -l, --level=DBFS       peak level of --tone (default -12)
  -p, --playback FILE    play FILE meanwhile
  -D, --device DEVICE    device index or name (default: the default device)
      --virtual          use pastream's virtual loopback device (plays a demo
                         sweep when there is no --tone or --playback)
  -h, --help             show this help

Output: one line per chunk, "<time> s <frequency> Hz <level> dBFS" (time: the
end of the chunk; level: the amplitude of a sine at that peak), or "silence";
at the end "stft: <n> chunks, <x> xruns".`

const { values } = exampleArgs(usage, {
  chunksize: { type: 'string', short: 'n', default: '1024' },
  samplerate: { type: 'string', short: 'r' },
  duration: { type: 'string', short: 'd', default: '5' },
  channels: { type: 'string', short: 'c', default: '1' },
  tone: { type: 'string' },
  level: { type: 'string', short: 'l', default: '-12' },
  playback: { type: 'string', short: 'p' },
})

const chunksize = numberOption(usage, 'chunksize', values.chunksize, (v) => Number.isInteger(v) && v >= 16 && v <= 65536 && isPowerOfTwo(v), 'a power of two from 16 to 65536')
const channels = numberOption(usage, 'channels', values.channels, (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'a whole number of channels from 1 to 64')
// --playback, --tone, --level and --samplerate (a file to play decides it)
const { file, samplerate, tone, level } = await playbackOptions(usage, values)
const frames = durationOption(usage, 'duration', values.duration, samplerate)

// Ctrl-C (or a closed pipe) ends the loop below with `break`: the stream
// and the virtual device, if any, are then closed by `finally` blocks
const stop = stopRequest()
const device = await exampleDevice(values)
try {
  // What to play while listening, if anything. A generated signal is one
  // second longer than the listening: the loopback returns it a few
  // periods late, and the last chunk should still hear it.
  let playback: Source | undefined = file
  let playing = file ? `playing ${values.playback}` : 'listening'
  let playbackChannels = file?.channels ?? channels
  if (tone !== undefined || (file === undefined && device.virtual)) {
    const signal =
      tone !== undefined
        ? makeSignal({ type: 'sine', frequency: tone, level, frames: frames + samplerate, samplerate })
        : makeSignal({ type: 'sweep', start: 200, end: 5000, level, frames: frames + samplerate, samplerate })
    playback = interleave(signal, channels)
    playbackChannels = channels
    playing = tone !== undefined ? `playing a ${tone} Hz sine` : 'playing a demo sweep 200 -> 5000 Hz (the virtual device hears only what is played)'
  }

  const hop = chunksize / 2
  const spectrum = new Spectrum(chunksize, samplerate)
  console.log(
    `stft: chunksize ${chunksize} (${((chunksize / samplerate) * 1000).toFixed(1)} ms), hop ${hop}, bin ${spectrum.binWidth.toFixed(3)} Hz, ` +
      `${samplerate} Hz, ${channels} channel(s), ${playing}`,
  )

  // with playback a DuplexStream ([input, output] channels), else an InputStream;
  // `await using` closes it however the block is left
  await using stream =
    playback === undefined
      ? new InputStream({ ...device.streamDevice, samplerate, channels })
      : new DuplexStream({ ...device.streamDevice, samplerate, channels: [channels, playbackChannels] })
  let index = 0
  for await (const chunk of stream.chunks({
    chunksize,
    // each chunk repeats the last half of the one before: with a Hann window
    // every frame then counts equally (the windows sum to a constant)
    overlap: chunksize - hop,
    frames,
    // pad < 0: if the playback ends first, play silence rather than fail
    // with BufferEmpty (a finite source that runs dry is an error otherwise)
    ...(playback !== undefined ? { playback, pad: -1 } : {}),
  })) {
    // leaving a for await loop early stops the stream
    if (stop.requested) break
    // chunk is a Float32Array view into the ring, valid until the next
    // iteration: analyse it now (or copy it) rather than keep it
    spectrum.analyse(chunk, channels, -1)
    const peak = spectrum.peak()
    // the first chunk starts with `overlap` zeros, so chunk i ends at input frame (i + 1) * hop
    const time = (((index + 1) * hop) / samplerate).toFixed(3).padStart(8)
    console.log(peak ? `${time} s ${peak.frequency.toFixed(1).padStart(9)} Hz ${formatDb(peak.level).padStart(7)} dBFS` : `${time} s   silence`)
    index++
  }
  // xruns: callbacks the device reported late or lost (0 on a healthy system)
  console.log(`stft: ${index} chunks, ${stream.xruns} xruns`)
} finally {
  await file?.close()
  await device.stop()
}
