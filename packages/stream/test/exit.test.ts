// A process that ends while a stream runs (fixtures/exit.mjs, one child per
// case): process.exit() and an uncaught exception keep their exit code and
// never crash or hang at teardown, whether the server is alive, was killed
// just before (the watchdog has not noticed yet) or was killed and noticed.
// process.exit() ends the process without tearing the env down (no cleanup
// hook runs; the OS and the JACK server drop the client); the natural end
// tears it down: each open stream is closed by its env cleanup hook. A
// running stream keeps the process alive, like a listening socket.
import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { killableServer } from './helpers.js'

const script = fileURLToPath(new URL('./fixtures/exit.mjs', import.meta.url))

interface Ended {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs the fixture to its end; a child that hangs is killed at the timeout (signal SIGTERM). */
function run(...args: string[]): Promise<Ended> {
  const started = performance.now()
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { timeout: 30000 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null
      const code = failure ? (typeof failure.code === 'number' ? failure.code : null) : 0
      resolve({ code, signal: failure?.signal ?? null, stdout, stderr, ms: Math.round(performance.now() - started) })
    })
  })
}


describe('the process ends while a stream records', () => {
  for (const state of ['alive', 'killed', 'noticed'] as const) {
    test(`process.exit(7), server ${state}: exit code 7, no crash`, async () => {
      const ended = await run('exit', state, killableServer())
      console.log(`exit(7), server ${state}: code ${ended.code} after ${ended.ms} ms`)
      expect(ended.stdout, ended.stderr).toContain('ready')
      expect(ended.signal).toBeNull()
      expect(ended.code).toBe(7)
    })

    test(`uncaught exception, server ${state}: exit code 1, no crash`, async () => {
      const ended = await run('throw', state, killableServer())
      console.log(`uncaught exception, server ${state}: code ${ended.code} after ${ended.ms} ms`)
      expect(ended.stdout, ended.stderr).toContain('ready')
      expect(ended.stderr).toContain('uncaught on purpose')
      expect(ended.signal).toBeNull()
      expect(ended.code).toBe(1)
    })
  }

  test('close() right after the server died (before the watchdog noticed): returns at once, exit 0', async () => {
    const ended = await run('close', 'alive', killableServer())
    expect(ended.stdout, ended.stderr).toContain('ready closed=true')
    expect(ended.signal).toBeNull()
    expect(ended.code).toBe(0)
  })

  test('natural end with a stopped stream never closed: the env teardown closes it, exit 0', async () => {
    const ended = await run('natural', 'stopped')
    expect(ended.stdout, ended.stderr).toContain('ready')
    expect(ended.signal).toBeNull()
    expect(ended.code).toBe(0)
  })

  test('natural end of a bounded run never stopped: exits 0 once the run completed', async () => {
    const ended = await run('natural', 'finite')
    expect(ended.stdout, ended.stderr).toContain('ready')
    expect(ended.code).toBe(0)
  })

  test('natural end with a running stream never stopped: the process stays alive, streaming', async () => {
    const child = spawn(process.execPath, [script, 'natural', 'running'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const alive = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes('still running a second after the script ended')) resolve(true)
      })
      void exited.then(() => resolve(false))
    })
    child.kill('SIGTERM')
    await exited
    expect(stdout).toContain('ready')
    expect(alive).toBe(true)
  })
})
