// Signal finalization on every path (recordings.ts): the automatic default
// (finalize, then re-raise) for a recording made with toFile on a plain
// InputStream, and finalizeOnSignals({ reraise: false }) for an application
// that keeps the process and decides its exit code.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { signalRecording, tempDir } from '../test/helpers.js'
import { activeRecordings, finalizeOnSignals } from './recordings.js'
import { SoundFile } from './sound-file.js'

const SAMPLERATE = 48000
const temp = tempDir('recordings')
afterAll(() => temp.remove())

// Children run the built packages: `pnpm build` first.
const here = dirname(fileURLToPath(import.meta.url))
const soundfileDist = pathToFileURL(join(here, '..', 'dist', 'index.js')).href
const streamDist = pathToFileURL(join(here, '..', '..', 'stream', 'dist', 'index.js')).href

/** Records with toFile on a plain InputStream, printing the frames written; argv[3] = 'app': the app handles the signals. */
const childScript = `
import { finalizeOnSignals, toFile, activeRecordings } from ${JSON.stringify(soundfileDist)}
import { InputStream } from ${JSON.stringify(streamDist)}
const [path, mode] = process.argv.slice(2)
if (mode === 'app') {
  finalizeOnSignals({
    reraise: false,
    onFinalized: (signal) => {
      process.stderr.write('finalized ' + signal + ' ' + activeRecordings() + '\\n')
      process.exit(signal === 'SIGINT' ? 130 : 143)
    },
  })
}
const stream = new InputStream({ device: 'loopback', channels: 2, dtype: 'int16', blocksize: 256 })
const file = toFile(stream, path)
stream.frames = 10 * 48000
await stream.start()
setInterval(() => process.stdout.write(file.frames + '\\n'), 5)
`

async function readFrames(path: string): Promise<number> {
  const file = await SoundFile.open(path)
  const frames = file.frames
  await file.close()
  return frames
}

describe('finalization on signals', () => {
  it('toFile on a plain InputStream: SIGTERM finalizes the file, then the signal ends the process (the default)', async () => {
    const script = temp.path('default.mjs')
    const path = temp.path('default.wav')
    writeFileSync(script, childScript)
    const { ended, last, stderr } = await signalRecording(script, [path, 'library'], SAMPLERATE / 4, 'SIGTERM')
    expect(ended, stderr).toBe('SIGTERM')
    const frames = await readFrames(path)
    expect(frames).toBeGreaterThanOrEqual(last)
    expect(frames).toBeLessThan(last + SAMPLERATE / 10)
    expect(execFileSync('sox', ['--i', '-s', path], { encoding: 'utf8' }).trim()).toBe(String(frames))
  })

  it('finalizeOnSignals({ reraise: false }): the file is finalized and the application picks the exit code', async () => {
    const script = temp.path('app.mjs')
    const path = temp.path('app.wav')
    writeFileSync(script, childScript)
    const { ended, last, stderr } = await signalRecording(script, [path, 'app'], SAMPLERATE / 4, 'SIGINT')
    expect(ended, stderr).toBe(130)
    expect(stderr).toBe('finalized SIGINT 0\n')
    const frames = await readFrames(path)
    expect(frames).toBeGreaterThanOrEqual(last)
    expect(frames).toBeLessThan(last + SAMPLERATE / 10)
    expect(execFileSync('sox', ['--i', '-s', path], { encoding: 'utf8' }).trim()).toBe(String(frames))
  })

  it('finalizeOnSignals() installs one handler per signal until disposed; a later call replaces an earlier one', () => {
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') }
    const first = finalizeOnSignals({ reraise: false })
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1)
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1)
    const second = finalizeOnSignals({ signals: ['SIGTERM'] })
    expect(process.listenerCount('SIGINT')).toBe(before.int)
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1)
    first()
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1)
    second()
    expect(process.listenerCount('SIGINT')).toBe(before.int)
    expect(process.listenerCount('SIGTERM')).toBe(before.term)
    expect(activeRecordings()).toBe(0)
  })

  it('refuses signals other than SIGINT and SIGTERM', () => {
    expect(() => finalizeOnSignals({ signals: ['SIGHUP' as 'SIGINT'] })).toThrow("Expected 'SIGINT' or 'SIGTERM' in signals, got SIGHUP")
  })
})
