// What the examples' tests share: running a built example (dist/<name>.js)
// as a subprocess, as a user would, from the package directory and with
// this process's environment (the JACK variables global-setup.ts put there
// point it at the test run's virtual loopback device); the command-line
// checks every example gets; and a sine written to a sound file to play.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { SoundFile } from '@pastream/soundfile'
import { expect } from 'vitest'

/** The device the examples' tests open: the virtual loopback device of global-setup.ts. */
export const DEVICE = 'loopback'

/** The package directory: the examples run from there, as `pnpm run` does. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url))

/** What a finished example printed, and how it ended. */
export interface ExampleRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** The path of a built example; fails with a hint when the package is not built. */
export function builtExample(name: string): string {
  const path = fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url))
  if (!existsSync(path)) throw new Error(`${path} is missing: build the package first (pnpm --filter @pastream/dsp-examples build)`)
  return path
}

/**
 * Runs `node dist/<name>.js ...args` to its end; resolves with its exit code
 * and output (a non-zero exit is a result, not an error); rejects if it has
 * not finished after `timeoutMs` (and kills it).
 */
export function runExample(name: string, args: string[], timeoutMs = 30000): Promise<ExampleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtExample(name), ...args], { cwd: packageDir, env: process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (timedOut) reject(new Error(`${name} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`))
      else resolve({ code, signal, stdout, stderr })
    })
  })
}

/**
 * `--help`, also after the `--` that `pnpm run <name> -- --help` passes on,
 * prints the usage (naming `option`) and exits 0.
 */
export async function expectHelp(name: string, option: string): Promise<void> {
  const help = await runExample(name, ['--help'])
  expect(help.code).toBe(0)
  expect(help.stdout).toMatch(new RegExp(`^Usage: ${name} \\[options\\]`))
  expect(help.stdout).toContain(option)
  const viaPnpm = await runExample(name, ['--', '--help'])
  expect(viaPnpm.code).toBe(0)
  expect(viaPnpm.stdout).toBe(help.stdout)
}

/** The example refuses `args`: exit 2, `message` and the usage on stderr. */
export async function expectUsageError(name: string, args: string[], message: string): Promise<void> {
  const run = await runExample(name, args)
  expect(run.code, `${name} ${args.join(' ')}`).toBe(2)
  expect(run.stderr).toContain(message)
  expect(run.stderr).toContain(`Usage: ${name} [options]`)
}

/** Writes `seconds` of a sine at `hz` (amplitude `amplitude`, the same in every channel) as a 48 kHz float WAV file. */
export async function writeSine(path: string, hz: number, seconds: number, options: { amplitude?: number; channels?: number } = {}): Promise<void> {
  const { amplitude = 0.5, channels = 1 } = options
  const samplerate = 48000
  const frames = Math.round(seconds * samplerate)
  const data = new Float32Array(frames * channels)
  for (let k = 0; k < frames; k++) data.fill(amplitude * Math.sin((2 * Math.PI * hz * k) / samplerate), k * channels, (k + 1) * channels)
  const file = await SoundFile.open(path, { mode: 'w', samplerate, channels, subtype: 'FLOAT' })
  await file.write(data)
  await file.close()
}
