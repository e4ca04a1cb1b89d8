// A WAV recorded by the real `pastream` on the virtual loopback device opens
// without a complaint in sox, in Python's wave module (PCM) and in
// libsndfile, all three agreeing on the frames and samples (the header
// itself is soundfile's wav-header.test.ts).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { SoundFile } from '@pastream/soundfile'
import { DEVICE, pastream, tempDir } from './helpers.js'

const temp = tempDir('wav-header')
afterAll(() => temp.remove())

const FRAMES = 4800

describe('pastream null out.wav', () => {
  it.each([
    { flags: ['-c1', '-e', 'pcm_16'], channels: 1, subtype: 'PCM_16', dtype: 'int16', width: 2, tag: 1 },
    { flags: ['-c2', '-e', 'pcm_24'], channels: 2, subtype: 'PCM_24', dtype: 'int24', width: 3, tag: 1 },
    { flags: ['-c2'], channels: 2, subtype: 'FLOAT', dtype: 'float32', width: 4, tag: 3 },
  ] as const)('$flags: a plain WAV that sox, Python and libsndfile read alike', async ({ flags, channels, subtype, dtype, width, tag }) => {
    const path = temp.path(`null-${channels}-${subtype}.wav`)
    const result = await pastream(['null', path, '-D', DEVICE, '-n', String(FRAMES), '-q', ...flags])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)

    const bytes = readFileSync(path)
    const fmt = bytes.indexOf('fmt ', 12, 'latin1')
    expect(bytes.readUInt16LE(fmt + 8)).toBe(tag) // WAVE_FORMAT_PCM or IEEE_FLOAT, not EXTENSIBLE

    const soxi = spawnSync('soxi', ['-s', path], { encoding: 'utf8' })
    expect({ status: soxi.status, stderr: soxi.stderr, stdout: soxi.stdout }).toEqual({ status: 0, stderr: '', stdout: `${FRAMES}\n` })

    const file = SoundFile.openSync(path)
    expect(file).toMatchObject({ format: 'WAV', subtype, channels, frames: FRAMES })
    const samples = file.readSync(-1, { dtype })
    file.closeSync()
    expect(samples.byteLength).toBe(FRAMES * channels * width)
    if (tag === 1) {
      const script = 'import hashlib, sys, wave\nw = wave.open(sys.argv[1])\nprint(w.getnframes(), w.getnchannels(), w.getsampwidth(), hashlib.sha256(w.readframes(w.getnframes())).hexdigest())'
      const python = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' })
      expect(python.stderr).toBe('')
      const sha = createHash('sha256').update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)).digest('hex')
      expect(python.stdout).toBe(`${FRAMES} ${channels} ${width} ${sha}\n`)
    }
  })
})
