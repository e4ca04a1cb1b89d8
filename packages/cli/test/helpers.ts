// Runs the real `pastream` (bin/run.js) as a subprocess on the virtual
// loopback device (test/global-setup.ts put its JACK variables into
// process.env), and reads and writes the sound files the tests compare.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SoundFile } from '@pastream/soundfile'
import { prng } from '@pastream/stream/testing'
import { waitFor } from '@pastream/core-native/testing'

export const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'run.js')
export const DEVICE = 'loopback'
export const SAMPLERATE = 48000

export interface Result {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: string
}

export interface Running {
  child: ChildProcess
  result: Promise<Result>
  /** what the process has written to stdout so far */
  stdout(): Buffer
  /** what the process has written to stderr so far */
  stderr(): string
}

/** How `pastream` runs: stdin (then EOF), working directory, extra environment, and the script (bin/run.js unless given). */
export interface RunOptions {
  input?: Uint8Array
  cwd?: string
  env?: Record<string, string>
  script?: string
}

/** Starts `pastream ...args`; stdin gets `input` (then EOF) when given. */
export function start(args: readonly string[], options: RunOptions = {}): Running {
  const child = spawn(process.execPath, [options.script ?? bin, ...args], {
    cwd: options.cwd,
    // plain text whatever the caller's terminal settings: tests compare output
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const out: Buffer[] = []
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  // a pastream that refuses its input exits without reading it: EPIPE here is expected
  child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
  if (options.input !== undefined) child.stdin?.end(options.input)
  else child.stdin?.end()
  const result = new Promise<Result>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: err }))
  })
  return { child, result, stdout: () => Buffer.concat(out), stderr: () => err }
}

/** Runs `pastream ...args` to its end. */
export function pastream(args: readonly string[], options: RunOptions = {}): Promise<Result> {
  return start(args, options).result
}

/** A temporary directory, removed by remove(). */
export function tempDir(prefix: string): { dir: string; path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `pastream-cli-${prefix}-`))
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Seeded int16 noise, never zero, so the loopback delay is unambiguous and a lost or repeated frame shows. */
export function noise(frames: number, channels: number, seed: number): Int16Array {
  const random = prng(seed)
  const a = new Int16Array(frames * channels)
  for (let i = 0; i < a.length; i++) a[i] = Math.floor(random() * 65535) - 32767 || 1
  return a
}

/** Writes int16 samples to a file (container from the extension unless given). */
export function writeSound(path: string, samples: Int16Array, channels: number, options: { format?: string; subtype?: string } = {}): void {
  const file = SoundFile.openSync(path, { mode: 'w', samplerate: SAMPLERATE, channels, subtype: options.subtype ?? 'PCM_16', ...(options.format ? { format: options.format } : {}) })
  file.writeSync(samples, { dtype: 'int16' })
  file.closeSync()
}

/** Reads a whole file as int16, with its facts. */
export function readSound(path: string): { data: Int16Array; frames: number; channels: number; samplerate: number; format: string; subtype: string } {
  const file = SoundFile.openSync(path)
  const data = file.readSync(undefined, { dtype: 'int16' })
  const facts = { frames: file.frames, channels: file.channels, samplerate: file.samplerate, format: file.format, subtype: file.subtype }
  file.closeSync()
  return { data, ...facts }
}

/** The frame where `signal` starts in `recording` (first 8 frames matched), or -1. */
export function findDelay(recording: Int16Array, signal: Int16Array, channels: number): number {
  const n = 8 * channels
  outer: for (let at = 0; at + n <= recording.length; at += channels) {
    for (let k = 0; k < n; k++) if (recording[at + k] !== signal[k]) continue outer
    return at / channels
  }
  return -1
}

/** The first sample index where `a` and `b` differ over `length`, or -1. */
export function firstDifference(a: Int16Array, b: Int16Array, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i
  return -1
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits until a `pastream` recording into `path` is under way: the header
 * naming the stream is on stdout (the signal handlers are installed in the
 * same tick) and the file holds at least `bytes` bytes.
 */
export async function waitForRecording(run: Running, path: string, bytes: number): Promise<void> {
  await waitFor('the stream header on stdout', () => /^<- .*\n-> .*\n.. \w+Stream\(/.test(run.stdout().toString()))
  await waitFor(`${bytes} bytes in ${path}`, () => existsSync(path) && statSync(path).size >= bytes)
}

export { indexRun, indexSignal, waitFor } from '@pastream/core-native/testing'

/** The frames sox finds in a file (`sox --i -s`), or throws with what sox said when it cannot read it. */
export function soxFrames(path: string): number {
  return Number(execFileSync('sox', ['--i', '-V1', '-s', path]).toString())
}

/** sox's reading of a file, as int16 (no dither). */
export function soxSamples(path: string): Int16Array {
  const raw = execFileSync('sox', ['-D', '-V1', path, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-'], { maxBuffer: 1 << 26 })
  return new Int16Array(Uint8Array.from(raw).buffer)
}
