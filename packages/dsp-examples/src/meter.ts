#!/usr/bin/env node
// meter: a terminal level meter, peak and RMS in dBFS per channel. It shows
// chunks() without overlap as a clock: each chunk is one refresh window
// (--interval ms of audio), so the display keeps time with the sound card,
// not with a timer, and a busy event loop only delays drawing, never drops
// audio (the ring holds what arrives meanwhile).
//
// On a terminal the bars are redrawn in place (ANSI: cursor up, clear
// line); otherwise (a pipe, a test) each window is one parseable line. At the
// end one summary line per channel gives peak and RMS over the WHOLE run,
// including any silence at its start (e.g. a loopback's delay).
import { chunks, type Source } from '@pastream/stream'
import { durationOption, exampleArgs, exampleDevice, numberOption, stopRequest } from './common.js'
import { formatDb, interleave, levels, makeSignal, toDbfs } from './dsp.js'
import { playbackOptions } from './playback.js'

const usage = `Usage: meter [options]

Shows peak and RMS levels (dBFS) of the input, per channel.

Options:
  -i, --interval MS      refresh window in milliseconds of audio (default 100)
  -d, --duration TIME    how long to listen: seconds, [h:]m:s, or frames with an
                         s suffix (default 10)
  -c, --channels N       input channels (default 2)
  -r, --samplerate HZ    sample rate (default 48000; with --playback, the file's)
      --tone HZ          play a sine of HZ on every channel meanwhile
  -l, --level=DBFS       peak level of --tone (default -6: RMS -9.03 dBFS)
  -p, --playback FILE    play FILE meanwhile
  -D, --device DEVICE    device index or name (default: the default device)
      --virtual          use pastream's virtual loopback device (plays a demo
                         1 kHz tone when there is no --tone or --playback)
  -h, --help             show this help

Output when stdout is not a terminal, one line per window and a summary per
channel at the end (over the whole run; -inf is silence):
  window 0.100 ch1 peak=-6.02 rms=-9.03 ch2 peak=-6.02 rms=-9.03
  summary ch1 peak=-6.02 rms=-9.04 frames=480000`

const { values } = exampleArgs(usage, {
  interval: { type: 'string', short: 'i', default: '100' },
  duration: { type: 'string', short: 'd', default: '10' },
  channels: { type: 'string', short: 'c', default: '2' },
  samplerate: { type: 'string', short: 'r' },
  tone: { type: 'string' },
  level: { type: 'string', short: 'l', default: '-6' },
  playback: { type: 'string', short: 'p' },
})

const interval = numberOption(usage, 'interval', values.interval, (v) => v >= 1 && v <= 10000, 'milliseconds from 1 to 10000')
const channels = numberOption(usage, 'channels', values.channels, (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'a whole number of channels from 1 to 64')
// --playback, --tone, --level and --samplerate (a file to play decides it)
const { file, samplerate, tone, level } = await playbackOptions(usage, values)
const frames = durationOption(usage, 'duration', values.duration, samplerate)
// one window = one chunk; at 100 ms and 48 kHz, 4800 frames (exactly 100 periods of 1 kHz)
const windowFrames = Math.max(1, Math.round((interval * samplerate) / 1000))

/** A bar of `width` cells for a level from -60 to 0 dBFS. */
function bar(db: number, width = 40): string {
  const cells = Math.max(0, Math.min(width, Math.round(((db + 60) / 60) * width)))
  return '#'.repeat(cells) + '.'.repeat(width - cells)
}

// Ctrl-C (or a closed pipe) ends the loop below with `break`: the stream
// and the virtual device, if any, are then closed by `finally` blocks
const stop = stopRequest()
const device = await exampleDevice(values)
try {
  let playback: Source | undefined = file
  let playbackChannels = file?.channels ?? channels
  if (tone !== undefined || (file === undefined && device.virtual)) {
    // one second longer than the run: the loopback returns it a little late
    playback = interleave(makeSignal({ type: 'sine', frequency: tone ?? 1000, level, frames: frames + samplerate, samplerate }), channels)
    playbackChannels = channels
  }

  const tty = process.stdout.isTTY === true
  // whole-run totals per channel: the summary is over every frame heard
  const peaks = new Float64Array(channels)
  const sums = new Float64Array(channels)
  let total = 0
  let drawn = false

  for await (const chunk of chunks({
    ...device.streamDevice,
    samplerate,
    channels: playback === undefined ? channels : [channels, playbackChannels],
    chunksize: windowFrames,
    frames,
    ...(playback !== undefined ? { playback, pad: -1 } : {}),
  })) {
    // leaving a for await loop early closes the stream chunks() opened
    if (stop.requested) break
    // the chunk is a view into the ring: measure it before the next iteration
    const window: Array<{ peak: number; rms: number }> = []
    for (let c = 0; c < channels; c++) {
      const { peak, rms, sumSquares } = levels(chunk, channels, c)
      window.push({ peak: toDbfs(peak), rms: toDbfs(rms) })
      peaks[c] = Math.max(peaks[c] as number, peak)
      sums[c] = (sums[c] as number) + sumSquares
    }
    total += chunk.length / channels
    const time = (total / samplerate).toFixed(3)
    if (tty) {
      // move back up over the previous drawing, then redraw every line
      let out = drawn ? `\x1b[${channels}A` : ''
      window.forEach(({ peak, rms }, c) => {
        out += `\r\x1b[2Kch${c + 1} ${bar(rms)} peak ${formatDb(peak).padStart(7)}  rms ${formatDb(rms).padStart(7)} dBFS\n`
      })
      process.stdout.write(out)
      drawn = true
    } else {
      const fields = window.map(({ peak, rms }, c) => `ch${c + 1} peak=${formatDb(peak)} rms=${formatDb(rms)}`)
      console.log(`window ${time} ${fields.join(' ')}`)
    }
  }
  for (let c = 0; c < channels; c++) {
    const rms = total > 0 ? Math.sqrt((sums[c] as number) / total) : 0
    console.log(`summary ch${c + 1} peak=${formatDb(toDbfs(peaks[c] as number))} rms=${formatDb(toDbfs(rms))} frames=${total}`)
  }
} finally {
  await file?.close()
  await device.stop()
}
