// The real `pastream` command in a subprocess, on the virtual loopback
// device: loopbacks compared sample by sample, exact frame counts, pipes,
// RAW, loop, offset/pad, maps, xruns, and the error lines (signals and a
// full disk: faults.test.ts).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { DEVICE, findDelay, firstDifference, noise, pastream, readSound, sleep, start, tempDir, waitForRecording, writeSound } from './helpers.js'

const temp = tempDir('main')
afterAll(() => temp.remove())

const PAD = '4096s'

/** Runs pastream and expects a clean success: exit 0, nothing on stderr. */
async function pastreamOk(args: readonly string[]): ReturnType<typeof pastream> {
  const result = await pastream(args)
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return result
}

/** Expects `recording` to hold `signal` bit-exactly after the loopback delay; returns the delay. */
function expectLoopback(recording: Int16Array, signal: Int16Array, channels: number): number {
  const delay = findDelay(recording, signal, channels)
  expect(delay, 'the played signal was not found in the recording').toBeGreaterThanOrEqual(0)
  expect(firstDifference(recording.subarray(delay * channels), signal, signal.length)).toBe(-1)
  return delay
}

describe('pastream input output (full duplex)', () => {
  it('in.wav out.wav: the recording holds the input bit-exactly, in the same encoding', async () => {
    const signal = noise(24000, 2, 1)
    writeSound(temp.path('in.wav'), signal, 2)
    const result = await pastreamOk([temp.path('in.wav'), temp.path('out.wav'), '-D', DEVICE, '-p', PAD])
    const text = result.stdout.toString()
    expect(text).toContain(`<- ${temp.path('in.wav')}\n-> ${temp.path('out.wav')}\n-- SoundFileDuplexStream(`)
    expect(text).toMatch(/Summary \(completed\):\n\tFrames processed: 28096 \(0\.585 s\)\n\txruns \(under\/over\): input 0\/0\n\txruns \(under\/over\): output 0\/0\n$/)
    const out = readSound(temp.path('out.wav'))
    expect(out).toMatchObject({ frames: 24000 + 4096, channels: 2, samplerate: 48000, subtype: 'PCM_16' })
    expectLoopback(out.data, signal, 2)
  })

  it('-m swaps the played channels (one map: the output); two maps swap back', async () => {
    const signal = noise(8000, 2, 2)
    writeSound(temp.path('m.wav'), signal, 2)
    const swapped = new Int16Array(signal.length)
    for (let i = 0; i < signal.length; i += 2) {
      swapped[i] = signal[i + 1] as number
      swapped[i + 1] = signal[i] as number
    }
    const one = await pastream([temp.path('m.wav'), temp.path('m1.wav'), '-D', DEVICE, '-p', PAD, '-q', '-m', '2,1'])
    expect(one.stderr).toBe('')
    expectLoopback(readSound(temp.path('m1.wav')).data, swapped, 2)
    const two = await pastream([temp.path('m.wav'), temp.path('m2.wav'), '-D', DEVICE, '-p', PAD, '-q', '-m', '2:1,1:2', '-m2,1'])
    expect(two.stderr).toBe('')
    expectLoopback(readSound(temp.path('m2.wav')).data, signal, 2)
  })

  it('-m 1:2 plays a mono file on output 2 (output 1 silent); -c ^,2 records both', async () => {
    const signal = noise(5000, 1, 12)
    writeSound(temp.path('mono.wav'), signal, 1)
    await pastreamOk([temp.path('mono.wav'), temp.path('mono-out.wav'), '-D', DEVICE, '-m', '1:2', '-c', '^,2', '-p', PAD, '-q'])
    const out = readSound(temp.path('mono-out.wav'))
    expect(out.channels).toBe(2)
    const first = out.data.filter((_, i) => i % 2 === 0)
    const second = out.data.filter((_, i) => i % 2 === 1)
    expect(first.every((v) => v === 0)).toBe(true)
    expectLoopback(second, signal, 1)
  })

  it('two maps, output then input: -m 1,2 -m 2 records input 2 alone into a mono file', async () => {
    const signal = noise(5000, 2, 14)
    writeSound(temp.path('st.wav'), signal, 2)
    await pastreamOk([temp.path('st.wav'), temp.path('second.wav'), '-D', DEVICE, '-m', '1,2', '-m', '2', '-p', PAD, '-q'])
    const out = readSound(temp.path('second.wav'))
    expect(out.channels).toBe(1)
    expectLoopback(out.data, signal.filter((_, i) => i % 2 === 1), 1)
  })

  it('-o drops frames from the recording and -p adds silence after the playback', async () => {
    const signal = noise(6000, 1, 3)
    writeSound(temp.path('op.wav'), signal, 1)
    const result = await pastream([temp.path('op.wav'), temp.path('op-out.wav'), '-D', DEVICE, '-c1', '-o', '100s', '-p=2000s', '-q'])
    expect(result.code).toBe(0)
    const out = readSound(temp.path('op-out.wav'))
    expect(out.frames).toBe(6000 + 2000 - 100)
    const delay = expectLoopback(out.data, signal.subarray(0, 1000), 1)
    const full = await pastream([temp.path('op.wav'), temp.path('op-full.wav'), '-D', DEVICE, '-c1', '-p=2000s', '-q'])
    expect(full.code).toBe(0)
    const reference = readSound(temp.path('op-full.wav'))
    expect(reference.frames).toBe(8000)
    // the offset recording is the full one without its first 100 frames
    expect(delay).toBe(expectLoopback(reference.data, signal.subarray(0, 1000), 1) - 100)
    expect(firstDifference(out.data.subarray(delay), signal, signal.length)).toBe(-1)
  })

  it('--loop with -d replays the input until the duration, seamlessly', async () => {
    const signal = noise(1000, 1, 4)
    writeSound(temp.path('loop.wav'), signal, 1)
    const result = await pastream([temp.path('loop.wav'), temp.path('loop-out.wav'), '-D', DEVICE, '--loop', '-d', '10ks', '-q'])
    expect(result.code).toBe(0)
    const out = readSound(temp.path('loop-out.wav'))
    expect(out.frames).toBe(10000)
    const delay = expectLoopback(out.data, signal, 1)
    const looped = Int16Array.from({ length: 10000 - delay }, (_, k) => signal[k % 1000] as number)
    expect(firstDifference(out.data.subarray(delay), looped, looped.length)).toBe(-1)
  })
})

describe('recording only', () => {
  it.each([
    [['-r48k', '-d=1s'], 1],
    [['-r48k', '-n=4800'], 4800],
    [['-r', '48k', '-d', '0.25'], 12000],
    [['-d', '10ks'], 10000],
    [['-n', '2K'], 2048],
  ])('null out.wav %j records exactly %i frames', async (flags, frames) => {
    const path = temp.path(`rec-${frames}.wav`)
    const result = await pastream(['null', path, '-D', DEVICE, ...flags])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toContain(`Frames processed: ${frames} (`)
    expect(readSound(path)).toMatchObject({ frames, samplerate: 48000, channels: 2, subtype: 'FLOAT' })
  })

  it.each([
    ['flac', 'FLAC', 'PCM_16'],
    ['ogg', 'OGG', 'VORBIS'],
    // RF64 that downgrades to a plain WAV when it closes under 4 GiB
    ['wav', 'WAV', 'FLOAT'],
    ['au', 'AU', 'FLOAT'],
  ])('without -e, a .%s recording gets an encoding its container (%s) can hold: %s', async (extension, format, subtype) => {
    const path = temp.path(`default-encoding.${extension}`)
    await pastreamOk(['null', path, '-D', DEVICE, '-n', '4800', '-q'])
    expect(readSound(path)).toMatchObject({ format, subtype, frames: 4800 })
  })

  it('-e picks the encoding, -c the channels, and an empty string means null', async () => {
    const path = temp.path('rec-pcm24.flac')
    const result = await pastream(['', path, '-D', DEVICE, '-c1', '-e', 'pcm_24', '-n', '1000', '-q'])
    expect(result.code).toBe(0)
    expect(result.stdout.length).toBe(0)
    expect(readSound(path)).toMatchObject({ frames: 1000, channels: 1, format: 'FLAC', subtype: 'PCM_24' })
  })
})

describe('the status line', () => {
  it('on a terminal: elapsed time, xruns, load, a progress bar with percent and ETA, redrawn in place', async () => {
    // script(1) (util-linux, essential on Debian) gives pastream a pseudo-terminal
    const path = temp.path('tty.wav')
    const command = `"${process.execPath}" "${bin()}" null "${path}" -D ${DEVICE} -d 1.5`
    const output = execFileSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } })
    // each update starts with a carriage return: drawn over the one before
    const updates = [...output.matchAll(/\r( +\d+\.\d{3}s \(\d+ xruns, [^\r\n]*)/g)].map((match) => match[1] as string)
    expect(updates.length).toBeGreaterThanOrEqual(5)
    for (const update of updates) expect(update).toMatch(/^ +\d+\.\d{3}s \(\d+ xruns, +\d+\.\d{2}% load\) \[[# ]+\] +\d+% ETA \d+:\d{2} *$/)
    expect(updates.at(-1)).toMatch(/\[#+\] 100% ETA 0:00/)
    expect(output).toContain('Frames processed: 72000 (1.500 s)')
    expect(readSound(path).frames).toBe(72000)
  })

  it('not on a terminal: no status line, only the header and the summary', async () => {
    const result = await pastream(['null', temp.path('notty.wav'), '-D', DEVICE, '-d', '0.5'])
    expect(result.stdout.toString()).not.toContain('\r')
    // three header lines, four summary lines
    expect(result.stdout.toString().split('\n')).toHaveLength(8)
  })
})

describe('pipes', () => {
  it('stdin to stdout: AU by default, stdout carries only the audio, bit-exact', async () => {
    const signal = noise(12000, 2, 5)
    writeSound(temp.path('pipe-in.au'), signal, 2)
    const result = await pastream(['-', '-', '-D', DEVICE, '-p', PAD], { input: readFileSync(temp.path('pipe-in.au')) })
    expect(result.code).toBe(0)
    expect(result.stdout.subarray(0, 4).toString('latin1')).toBe('.snd')
    // the status text went to stderr
    expect(result.stderr).toContain('Frames processed: 16096')
    writeFileSync(temp.path('pipe-out.au'), result.stdout)
    const out = readSound(temp.path('pipe-out.au'))
    expect(out).toMatchObject({ format: 'AU', subtype: 'PCM_16', channels: 2 })
    expectLoopback(out.data, signal, 2)
  })

  it("sox -n -t au - synth 1 sine 440 | pastream - out.wav: records sox's second of 440 Hz", async () => {
    const out = temp.path('sox.wav')
    execFileSync('sh', ['-c', `sox -n -r 48000 -c 1 -t au - synth 1 sine 440 2>/dev/null | "${process.execPath}" "${bin()}" - "${out}" -D ${DEVICE} -p ${PAD} -q`])
    const rec = readSound(out)
    expect(rec.frames).toBe(48000 + 4096)
    // count rising zero crossings over the steady part: 440 per second
    let crossings = 0
    const from = 2048
    for (let i = from + 1; i < from + 48000 * 0.5; i++) if ((rec.data[i - 1] as number) < 0 && (rec.data[i] as number) >= 0) crossings++
    expect(crossings).toBeGreaterThanOrEqual(219)
    expect(crossings).toBeLessThanOrEqual(221)
  })
})

describe('RAW', () => {
  it('-c1 -r48k -e pcm_16 -t raw plays headerless samples bit-exactly', async () => {
    const signal = noise(9000, 1, 6)
    writeFileSync(temp.path('samples.pcm'), new Uint8Array(signal.buffer))
    // pairs: RAW for the input, WAV for the output (one value would apply to both)
    await pastreamOk(['-c1', '-r48k', '-e', 'pcm_16', '-t', 'raw,wav', temp.path('samples.pcm'), temp.path('raw-out.wav'), '-D', DEVICE, '-p', PAD, '-q'])
    expectLoopback(readSound(temp.path('raw-out.wav')).data, signal, 1)
  })

  it('-t raw alone applies to both files: the recording is RAW too', async () => {
    const signal = noise(3000, 1, 8)
    writeFileSync(temp.path('both.pcm'), new Uint8Array(signal.buffer))
    const result = await pastream(['-c1', '-r48k', '-e', 'pcm_16', '-t', 'raw', temp.path('both.pcm'), temp.path('both-out.pcm'), '-D', DEVICE, '-p', PAD, '-q'])
    expect(result.code).toBe(0)
    const recorded = new Int16Array(new Uint8Array(readFileSync(temp.path('both-out.pcm'))).buffer)
    expect(recorded.length).toBe(3000 + 4096)
    expectLoopback(recorded, signal, 1)
  })

  it("the README's form: pastream -c1 -r48k -e=pcm_16 file.raw", async () => {
    writeFileSync(temp.path('file.raw'), new Uint8Array(noise(4800, 1, 7).buffer))
    const result = await pastreamOk(['-c1', '-r48k', '-e=pcm_16', temp.path('file.raw'), '-D', DEVICE])
    expect(result.stdout.toString()).toMatch(/-> SoundFileOutputStream\(device=\d+: loopback, samplerate=48000, channels=1, dtype='int16'/)
    expect(result.stdout.toString()).toContain('Frames processed: 4800 (0.100 s)')
  })
})

describe('xruns', () => {
  it('--fatal-xruns: an xrun (the process stopped for 300 ms) ends the run with exit 5 and a finalized file', async () => {
    const path = temp.path('xrun.wav')
    const run = start(['null', path, '-D', DEVICE, '-d', '20', '--fatal-xruns'])
    // recording: the header is out and 0.25 s of 2 ch float32 is in the file
    await waitForRecording(run, path, 12000 * 8)
    run.child.kill('SIGSTOP')
    await sleep(300)
    run.child.kill('SIGCONT')
    const result = await run.result
    expect(result.code).toBe(5)
    expect(result.stderr).toMatch(/^pastream: xrun under --fatal-xruns: stopped after (\d+) frames \([\d.]+ s\); the files are finalized\n$/)
    const frames = Number(/stopped after (\d+) frames/.exec(result.stderr)?.[1])
    expect(result.stdout.toString()).toContain('Summary (fatal-xrun):')
    expect(frames).toBeGreaterThan(0)
    expect(frames).toBeLessThan(20 * 48000)
    expect(readSound(path).frames).toBe(frames)
  })
})

describe('bad command lines: one error line, a hint, an exit code', () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['null', 'null'], 2, /^pastream: nothing to do: give a file to play, a file to record, or both\n/],
    [['null', 'o.wav', '-c', 'x'], 2, /^pastream: --channels: expected a positive integer per side, got 'x'\n/],
    [['null', 'o.wav', '-c', '1,2,3'], 2, /^pastream: --channels: expected one value or a pair like a,b, got '1,2,3'\n/],
    [['-c1', '-r48k', '-e=pcm_16', '-o', 'output.raw'], 2, /^pastream: --offset: expected a duration, got 'output.raw' .*\npastream: to play a file, give it as the first argument: pastream -c1 -r48k -e=pcm_16 output.raw\n$/],
    [['null', 'o.wav', '-d', 'ten'], 2, /^pastream: --duration: Expected \[\[h:\]m:\]s or a sample count like 4800s for --duration, got "ten"\n/],
    [['null', 'o.wav', '-f', 'int12'], 2, /^pastream: --format: unknown sample format 'int12'\npastream: allowed: float32, int32, int24, int16, int8, uint8\n$/],
    [['null', 'o.xyz'], 2, /^pastream: o\.xyz: cannot tell the file type from the name\npastream: give one with -t, e\.g\. -t wav\n$/],
    [['null', 'o.wav', '-t', 'foo'], 2, /^pastream: --file_type: unknown file type 'foo'\npastream: allowed: aiff, au, .*\bflac\b.*\bwav\b/],
    [['null', 'o.wav', '-e', 'vorbis'], 2, /^pastream: --encoding: WAV files cannot hold 'vorbis'\npastream: WAV allows: .*pcm_16/],
    [['null', '-', '-t', 'wav'], 2, /^pastream: -t wav: stdout is a pipe, and libsndfile must seek back to finish a WAV header\npastream: to a pipe it writes AU, RAW/],
    [['in.raw'], 2, /^pastream: in\.raw: a RAW file needs -r RATE, -c CHANNELS, -e ENCODING\n/],
    [['--bogus'], 2, /^pastream: unknown option: --bogus\npastream: see 'pastream --help'\n$/],
    [['a.wav', 'b.wav', 'c.wav'], 2, /^pastream: unexpected argument: c\.wav\n/],
    [['null', 'o.wav', '--loop'], 2, /^pastream: --loop: there is no file to play\n/],
    [['null', 'o.wav', '--buffersize', '1000'], 2, /^pastream: --buffersize: expected a power of 2 \(e\.g\. 65536 or 64K\), got '1000'\n/],
    [['missing.wav'], 4, /^pastream: Error opening 'missing\.wav': System error : No such file or directory\.\n$/],
    [['null', 'o.wav', '-D', 'nosuch'], 3, /^pastream: --device: No input device matching "nosuch"\. input devices: .*loopback.*\npastream: 'pastream devices' lists them\n$/],
    [['null', 'o.wav', '-D', DEVICE, '-r', '44100'], 3, /^pastream: cannot open the device: .*44100.*48000/],
  ]
  it.each(cases)('%j -> exit %i', async (args, code, message) => {
    const result = await pastream(args, { cwd: temp.dir })
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(result.code).toBe(code)
  })

  it('without a default device (no JACK server named): exit 3, what to do, no file left', async () => {
    const env = { JACK_DEFAULT_SERVER: 'pastream-test-no-such-server' }
    const result = await pastream(['null', 'nodefault.wav'], { cwd: temp.dir, env })
    expect(result.stderr).toMatch(/^pastream: no default input device \(input devices: none\)\npastream: pick one with -D; without a sound card, 'pastream loopback' runs a virtual device to test against\n$/)
    expect(result.code).toBe(3)
    expect(existsSync(temp.path('nodefault.wav'))).toBe(false)
  })

  it('DEBUG=1 adds the stack trace', async () => {
    const result = await pastream(['null', 'o.wav', '-c', 'x'], { cwd: temp.dir, env: { DEBUG: '1' } })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/\n\s+at /)
  })
})

describe('help, version, devices', () => {
  it('--version, -h with the exit codes, -l and devices --json', async () => {
    const version = await pastream(['--version'])
    expect(version.stdout.toString()).toMatch(/^@pastream\/cli\/\d+\.\d+\.\d+ linux-x64 node-v\d+/)
    const help = await pastream(['-h'])
    expect(help.code).toBe(0)
    const helpText = help.stdout.toString()
    expect(helpText).toContain('$ pastream [INPUT] [OUTPUT] [FLAGS]')
    expect(helpText).toContain('130  stopped by SIGINT')
    expect(helpText).toMatch(/-p, --pad=<value>/)
    const list = await pastream(['-l'])
    expect(list.stdout.toString()).toMatch(/\d+ loopback, JACK Audio Connection Kit \(2 in, 2 out\)/)
    const json = await pastream(['devices', '--json'])
    expect(json.code).toBe(0)
    const listing = JSON.parse(json.stdout.toString()) as { devices: Array<{ name: string; maxInputChannels: number }> }
    expect(listing.devices.find((d) => d.name === 'loopback')).toMatchObject({ maxInputChannels: 2 })
  })

  it('autocomplete: prints the bash set-up and builds its cache', async () => {
    const result = await pastream(['autocomplete', 'bash'], { env: { PASTREAM_CACHE_DIR: temp.path('cache'), PASTREAM_DATA_DIR: temp.path('data') } })
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toContain('Setup Instructions for PASTREAM CLI Autocomplete')
    expect(readFileSync(temp.path('cache/autocomplete/functions/bash/pastream.bash'), 'utf8')).toContain('devices')
  })
})

function bin(): string {
  return new URL('../bin/run.js', import.meta.url).pathname
}
