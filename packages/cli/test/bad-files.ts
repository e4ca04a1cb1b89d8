// The bad (and good) input files the bad-input tables feed to `pastream`:
// real files written by libsndfile, then cut, garbled or emptied, in a
// temporary folder that the tables check for leftovers.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { SoundFile } from '@pastream/soundfile'
import { noise, SAMPLERATE, tempDir } from './helpers.js'

/** Writes `frames` frames of seeded int16 noise to `path` as `format` (PCM_16). */
function writeNoise(path: string, options: { format: string; channels: number; frames: number; samplerate?: number; seed: number }): void {
  const file = SoundFile.openSync(path, { mode: 'w', format: options.format, subtype: 'PCM_16', samplerate: options.samplerate ?? SAMPLERATE, channels: options.channels })
  file.writeSync(noise(options.frames, options.channels, options.seed), { dtype: 'int16' })
  file.closeSync()
}

/** A folder of bad input files; `names()` lists what it holds (sorted). */
export function badFiles(prefix: string): ReturnType<typeof tempDir> & { names(): string[] } {
  const temp = tempDir(prefix)
  const at = temp.path
  writeNoise(at('take.wav'), { format: 'WAV', channels: 2, frames: 9600, seed: 1 })
  writeNoise(at('take44.wav'), { format: 'WAV', channels: 2, frames: 4410, samplerate: 44100, seed: 2 })
  writeNoise(at('take3.wav'), { format: 'WAV', channels: 3, frames: 4800, seed: 3 })
  writeNoise(at('take.caf'), { format: 'CAF', channels: 2, frames: 4800, seed: 4 })
  writeNoise(at('take.rf64'), { format: 'RF64', channels: 2, frames: 4800, seed: 5 })
  writeNoise(at('take.flac'), { format: 'FLAC', channels: 2, frames: 4800, seed: 6 })
  // a FLAC stream cut in the middle: its header promises 48000 frames
  writeNoise(at('whole.flac'), { format: 'FLAC', channels: 2, frames: 48000, seed: 7 })
  const flac = readFileSync(at('whole.flac'))
  writeFileSync(at('cut.flac'), flac.subarray(0, flac.length >> 1))
  // a WAV header cut inside its fmt chunk
  writeFileSync(at('trunc.wav'), readFileSync(at('take.wav')).subarray(0, 20))
  // RIFF/WAVE, then no fmt chunk: garbage
  writeFileSync(at('garbage.wav'), Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WAVEjunk', 'latin1'), Buffer.from(new Uint8Array(noise(500, 1, 8).buffer))]))
  // samples without a header
  writeFileSync(at('noise.bin'), new Uint8Array(noise(4800, 1, 9).buffer))
  writeFileSync(at('empty.wav'), new Uint8Array(0))
  writeFileSync(at('afile'), 'a regular file, not a folder\n')
  mkdirSync(at('adir'))
  return { ...temp, names: () => readdirSync(temp.dir).sort() }
}
