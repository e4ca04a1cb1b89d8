// Files survive faults: the real `pastream` in a subprocess on the virtual
// loopback device, recording a sample-index signal it plays, while the disk
// fills (a real tmpfs: mountTmpfs needs root and is never skipped) or a
// signal comes, early or late. Every file left is checked with our reader
// and with sox, frame by frame against the index; a signal before the
// stream starts must leave no file at all.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SoundFile } from '@pastream/soundfile'
import { mountTmpfs, type Tmpfs } from '@pastream/stream/testing'
import { DEVICE, firstDifference, indexRun, indexSignal, readSound, soxFrames, soxSamples, start, tempDir, waitFor, waitForRecording, writeSound, type Running } from './helpers.js'

const temp = tempDir('faults')
afterAll(() => temp.remove())

const MiB = 1024 * 1024
/** the index signal's length: the CLI plays it in a loop */
const PERIOD = 96000
const CHANNELS = 2
const indexPath = temp.path('index.wav')
beforeAll(() => writeSound(indexPath, indexSignal(PERIOD, CHANNELS), CHANNELS))

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The bytes of an empty recording like `path` (same container, encoding, channels): its header. */
function headerBytes(path: string): number {
  const source = SoundFile.openSync(path)
  const empty = temp.path(`empty-${Math.random()}.wav`)
  SoundFile.openSync(empty, { mode: 'w', samplerate: source.samplerate, channels: source.channels, subtype: source.subtype }).closeSync()
  source.closeSync()
  return statSync(empty).size
}

/**
 * A recording of the index signal that was cut short: our reader and sox
 * read the same `frames` frames, and from the signal's first frame to the
 * file's end no frame is missing or repeated. Returns the frames of signal.
 */
function expectIndexRecording(path: string, frames: number): number {
  const sound = readSound(path)
  expect(sound.frames).toBe(frames)
  expect(sound.data.length).toBe(frames * CHANNELS)
  expect(soxFrames(path)).toBe(frames)
  expect(firstDifference(soxSamples(path), sound.data, sound.data.length)).toBe(-1)
  const run = indexRun(sound.data, CHANNELS, PERIOD)
  expect(run.start + run.frames).toBe(frames)
  return run.frames
}

describe('the disk fills up', () => {
  let disk: Tmpfs
  beforeAll(() => {
    disk = mountTmpfs({ sizeBytes: MiB })
  })
  afterAll(() => disk.unmount())
  // each test starts with an empty disk
  afterEach(() => {
    for (const name of readdirSync(disk.path)) rmSync(`${disk.path}/${name}`)
  })

  it('mid-recording (null out.wav -D system -r 48000 -c 2): exit 4 within seconds, "disk full", the file finalized with the frames kept', async () => {
    const path = `${disk.path}/system.wav`
    const run = start(['null', path, '-D', 'system', '-r', '48000', '-c', '2'])
    // float32 frames of 8 bytes: the file stops growing within a block of the disk's size
    await waitFor('the disk to fill', () => existsSync(path) && statSync(path).size > MiB - 8192)
    const full = performance.now()
    const result = await run.result
    const exitMs = performance.now() - full
    expect(result.stderr).toMatch(new RegExp(`^pastream: Error recording to '${escape(path)}': disk full \\(No space left on device\\); kept \\d+ frames \\([\\d.]+ s\\)\\n$`))
    expect(result.code).toBe(4)
    expect(exitMs, 'from the disk full to the exit').toBeLessThan(5000)
    const kept = Number(/kept (\d+) frames/.exec(result.stderr)?.[1])
    expect(readSound(path)).toMatchObject({ frames: kept, channels: 2, samplerate: 48000, subtype: 'FLOAT' })
    expect(soxFrames(path)).toBe(kept)
    // whole frames only, none after the ones the header counts
    expect(statSync(path).size).toBe(headerBytes(path) + kept * 8)
    expect(kept).toBeGreaterThan((MiB - 8192) / 8)
  })

  it('mid-recording of a played index signal (a quarter MiB left): every frame up to the full disk is in the file, in order', async () => {
    const path = `${disk.path}/index.wav`
    disk.fill(MiB / 4)
    const result = await start([indexPath, path, '-D', DEVICE, '--loop'], { cwd: temp.dir }).result
    expect(result.stderr).toMatch(new RegExp(`^pastream: Error recording to '${escape(path)}': disk full \\(No space left on device\\); kept \\d+ frames \\([\\d.]+ s\\)\\n$`))
    expect(result.code).toBe(4)
    const kept = Number(/kept (\d+) frames/.exec(result.stderr)?.[1])
    const signal = expectIndexRecording(path, kept)
    // PCM_16 stereo: 4 bytes a frame, within a block of what was left
    expect(statSync(path).size).toBe(headerBytes(path) + kept * 4)
    expect(kept).toBeGreaterThan((MiB / 4 - 8192) / 4 - 1000)
    expect(signal).toBeGreaterThan(kept - 48000)
  })

  it('already full at the start: exit 4, "disk full", before the stream runs, and no file', async () => {
    const path = `${disk.path}/refused.wav`
    disk.fill()
    const result = await start(['null', path, '-D', DEVICE]).result
    expect(result.stderr).toBe(`pastream: Error opening '${path}': disk full (No space left on device)\n`)
    expect(result.code).toBe(4)
    expect(result.stdout.toString()).not.toMatch(/Stream\(/)
    expect(readdirSync(disk.path)).toEqual(['.fill'])
  })
})

describe('signals mid-recording', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: summary, exit %i, the file finalized with every frame processed, the index signal without a gap', async (signal, code) => {
    const path = temp.path(`${signal}.wav`)
    const run = start([indexPath, path, '-D', DEVICE, '--loop'])
    // the handlers are in and more than 0.5 s of 2 ch int16 is in the file
    await waitForRecording(run, path, 24576 * 4 + 4096)
    run.child.kill(signal)
    const result = await run.result
    expect(result.code).toBe(code)
    expect(result.stderr).toBe('')
    const text = result.stdout.toString()
    expect(text).toContain(`Summary (${signal}):`)
    const frames = Number(/Frames processed: (\d+)/.exec(text)?.[1])
    expect(frames).toBeGreaterThan(24000)
    expect(expectIndexRecording(path, frames)).toBeGreaterThan(frames - 48000)
  })

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s right after the start (while its finalizer ends the run): still exit %i and the summary says so', async (signal, code) => {
    const path = temp.path(`${signal}-after-start.wav`)
    const run = await held('after-start', [indexPath, path, '-D', DEVICE, '--loop'])
    run.child.kill(signal)
    const result = await run.result
    expect(result.code).toBe(code)
    const text = result.stdout.toString()
    expect(text).toContain(`Summary (${signal}):`)
    const frames = Number(/Frames processed: (\d+)/.exec(text)?.[1])
    expectIndexRecording(path, frames)
  })

  it('SIGKILL: no handler runs, yet the file opens (header rewritten after every write) with the index signal up to the kill, in order', async () => {
    const path = temp.path('SIGKILL.wav')
    const run = start([indexPath, path, '-D', DEVICE, '--loop'])
    await waitForRecording(run, path, 24576 * 4 + 4096)
    run.child.kill('SIGKILL')
    const result = await run.result
    expect(result.signal).toBe('SIGKILL')
    const frames = readSound(path).frames
    expect(frames).toBeGreaterThan(24000)
    expect(expectIndexRecording(path, frames)).toBeGreaterThan(frames - 48000)
  })
})

/** Starts `pastream ...args` held at `stage` by the test hook; resolves once it says it holds there. */
async function held(stage: 'before-open' | 'before-start' | 'after-start', args: readonly string[]): Promise<Running> {
  const run = start(args, { env: { PASTREAM_TEST_HOLD: stage } })
  await waitFor(`the hold at ${stage}`, () => run.stderr().includes(`pastream: PASTREAM_TEST_HOLD: holding ${stage} until SIGINT or SIGTERM\n`))
  return run
}

describe('signals before the stream starts', () => {
  it.each([
    ['SIGINT', 'before-open', 130],
    ['SIGTERM', 'before-open', 143],
    ['SIGINT', 'before-start', 130],
    ['SIGTERM', 'before-start', 143],
  ] as const)('%s %s: exit %i, one line, and no file', async (signal, stage, code) => {
    const path = temp.path(`${signal}-${stage}.wav`)
    const run = await held(stage, ['null', path, '-D', DEVICE])
    // before-start: the device and the file are open
    expect(existsSync(path)).toBe(stage === 'before-start')
    run.child.kill(signal)
    const result = await run.result
    const what = stage === 'before-start' ? `nothing was recorded, ${path} was removed` : 'nothing was played or recorded'
    expect(result.stderr).toBe(`pastream: PASTREAM_TEST_HOLD: holding ${stage} until SIGINT or SIGTERM\npastream: stopped by ${signal} before the stream started: ${what}\n`)
    expect(result.code).toBe(code)
    expect(existsSync(path)).toBe(false)
  })

  it('SIGKILL before-start (no handler can run): the file left is a valid empty recording', async () => {
    const path = temp.path('SIGKILL-before-start.wav')
    const run = await held('before-start', ['null', path, '-D', DEVICE])
    run.child.kill('SIGKILL')
    expect((await run.result).signal).toBe('SIGKILL')
    expect(readSound(path)).toMatchObject({ frames: 0, channels: 2 })
    expect(soxFrames(path)).toBe(0)
  })

  it.each(['SIGINT', 'SIGTERM'] as const)('%s at spawn: either the signal ends the process before its handlers (no file), or they handle it (exit 130/143: no file, or a finalized one)', async (signal) => {
    const path = temp.path(`${signal}-at-spawn.wav`)
    const run = start(['null', path, '-D', DEVICE])
    run.child.kill(signal)
    const result = await run.result
    if (result.signal !== null) {
      // before the handlers: nothing had opened a file yet
      expect(result.signal).toBe(signal)
      expect(existsSync(path)).toBe(false)
      return
    }
    expect(result.code).toBe(signal === 'SIGINT' ? 130 : 143)
    if (!existsSync(path)) {
      expect(result.stderr).toMatch(new RegExp(`^pastream: stopped by ${signal} before the stream started: nothing was (played or )?recorded`))
      return
    }
    // after the start: finalized with the frames the summary counts
    const frames = Number(/Frames processed: (\d+)/.exec(result.stdout.toString())?.[1])
    expect(readSound(path).frames).toBe(frames)
    expect(soxFrames(path)).toBe(frames)
  })
})
