// stdin and stdout through the real `pastream`: a reader that goes away
// (head, or a reader that closes after N bytes) ends the run quietly with
// exit 0; an input with a header is read by its header whatever -t says
// (a single -t names the output's type); stdin is audio, never an argument.
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, constants, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { badFiles } from './bad-files.js'
import { bin, DEVICE, findDelay, noise, pastream, readSound, start, waitFor } from './helpers.js'

const files = badFiles('pipes')
afterAll(() => files.remove())

/** Runs a bash pipeline in the files' folder; returns its stdout (the PIPESTATUS line). */
function bash(script: string): string {
  const result = spawnSync('bash', ['-c', script], { cwd: files.dir, env: process.env, encoding: 'utf8', timeout: 60000 })
  expect(result.status, result.stderr).toBe(0)
  return result.stdout.trim()
}

const pastreamCommand = `"${process.execPath}" "${bin}"`

describe('the reader of stdout goes away: pastream stops quietly, exit 0', () => {
  it('sox | pastream - - -t au | head -c 100000', () => {
    const statuses = bash(
      `sox -n -t au -r 48000 -c 2 -e signed -b 16 - synth 30 sine 440 2>/dev/null | ${pastreamCommand} - - -t au -D ${DEVICE} 2>duplex.err | head -c 100000 > duplex.au; echo "\${PIPESTATUS[@]}"`,
    )
    // sox dies of SIGPIPE once pastream stops reading; pastream and head exit 0
    expect(statuses).toMatch(/^\d+ 0 0$/)
    const stderr = readFileSync(files.path('duplex.err'), 'utf8')
    expect(stderr).not.toMatch(/^pastream:/m)
    expect(stderr).toMatch(/^<- -\n-> -\n-- SoundFileDuplexStream\(.*\)\nSummary \(stdout closed\):\n\tFrames processed: \d+ \([\d.]+ s\)\n/)
    const out = readFileSync(files.path('duplex.au'))
    expect(out.length).toBe(100000)
    expect(out.subarray(0, 4).toString('latin1')).toBe('.snd')
  })

  it('pastream null - -t au | head -c 10000, with -q: nothing on stderr', () => {
    const statuses = bash(`${pastreamCommand} null - -t au -D ${DEVICE} -q 2>record.err | head -c 10000 > record.au; echo "\${PIPESTATUS[@]}"`)
    expect(statuses).toBe('0 0')
    expect(readFileSync(files.path('record.err'), 'utf8')).toBe('')
    expect(readFileSync(files.path('record.au')).length).toBe(10000)
  })

  it('a reader that closes its end after 48000 bytes: the summary counts the frames, exit 0', async () => {
    const run = start(['null', '-', '-D', DEVICE, '-c', '1', '-f', 'int16'])
    await waitFor('48000 bytes on stdout', () => run.stdout().length >= 48000)
    run.child.stdout?.destroy()
    const result = await run.result
    expect(result.code).toBe(0)
    expect(result.signal).toBeNull()
    expect(result.stderr).not.toMatch(/^pastream:/m)
    const frames = Number(/^Summary \(stdout closed\):\n\tFrames processed: (\d+) /m.exec(result.stderr)?.[1])
    // at least what the reader took (the AU header is 24 bytes, a frame 2)
    expect(frames).toBeGreaterThanOrEqual((48000 - 24) / 2)
  })
})

describe('the reader of stdout is gone before the header is out', () => {
  it('pastream null - into a pipe nobody reads: exit 0, only the summary on stderr', () => {
    // a FIFO whose only reader closed: the first write (the AU header, at open) fails with EPIPE
    const fifo = files.path('gone.fifo')
    execFileSync('mkfifo', [fifo])
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    const writer = openSync(fifo, constants.O_WRONLY)
    closeSync(reader)
    try {
      const result = spawnSync(process.execPath, [bin, 'null', '-', '-D', DEVICE], { stdio: ['ignore', writer, 'pipe'], encoding: 'utf8' })
      expect(result.stderr).toBe('Summary (stdout closed):\n\tFrames processed: 0 (0.000 s)\n\txruns (under/over): input 0/0\n\txruns (under/over): output 0/0\n')
      expect(result.status).toBe(0)
    } finally {
      closeSync(writer)
    }
  })
})

describe('an input with a header is read by its header', () => {
  it("pastream - - -t au -f int16 < take.wav: -t names the output's type (the original's own test)", async () => {
    const result = await pastream(['-', '-', '-t', 'au', '-f', 'int16', '-D', DEVICE, '-p', '4096s', '-q'], { input: readFileSync(files.path('take.wav')) })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    writeFileSync(files.path('from-stdin.au'), result.stdout)
    const out = readSound(files.path('from-stdin.au'))
    expect(out).toMatchObject({ format: 'AU', subtype: 'PCM_16', channels: 2, frames: 9600 + 4096 })
    expect(findDelay(out.data, noise(9600, 2, 1), 2)).toBeGreaterThanOrEqual(0)
  })

  it.each([
    ['a file whose header disagrees with -t', ['take.wav', 'disagree.au', '-t', 'flac,au']],
    ['a single -t for a file with a header', ['take.wav', 'single.au', '-t', 'au']],
    ['-e and --endian for the output only', ['take.flac', 'float.wav', '-e', 'float', '--endian', 'little']],
  ])('%s: plays it, records the output as asked', async (_, args) => {
    const result = await pastream([...args, '-D', DEVICE, '-q'], { cwd: files.dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const output = args[1] as string
    expect(readSound(files.path(output)).format).toBe(output.endsWith('.au') ? 'AU' : 'WAV')
  })

  it('a FLAC input cut short: exit 4, and the recording made until then is finalized', async () => {
    const result = await pastream(['cut.flac', 'cut-rec.wav', '-D', DEVICE, '-f', 'int16', '-q'], { cwd: files.dir })
    expect(result.stderr).toMatch(/^pastream: cut\.flac ended after (\d+) of the 48000 frames its header gives \(a truncated or damaged file\); the recording is finalized\n$/)
    expect(result.code).toBe(4)
    const recorded = readSound(files.path('cut-rec.wav'))
    expect(recorded.frames).toBeGreaterThan(0)
    expect(recorded.frames).toBeLessThan(48000)
  })
})

describe('stdin is audio, never an argument', () => {
  it('pastream - plays a WAV piped in (not read as the missing output argument)', async () => {
    const result = await pastream(['-', '-D', DEVICE], { input: readFileSync(files.path('take.wav')) })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toContain('Frames processed: 9600 (0.200 s)')
  })

  it('pastream take.wav with text on stdin records nothing', async () => {
    const result = await pastream(['take.wav', '-D', DEVICE, '-q'], { cwd: files.dir, input: Buffer.from('stdin.wav\n') })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(existsSync(files.path('stdin.wav'))).toBe(false)
  })
})

describe('stdout that is a file', () => {
  it('pastream null - -t wav > file: WAV needs a seekable stdout, and a file is one', () => {
    const fd = openSync(files.path('stdout.wav'), 'w')
    try {
      const result = spawnSync(process.execPath, [bin, 'null', '-', '-t', 'wav', '-D', DEVICE, '-n', '4800', '-q'], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' })
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
    } finally {
      closeSync(fd)
    }
    expect(readSound(files.path('stdout.wav'))).toMatchObject({ format: 'WAV', frames: 4800 })
  })
})
