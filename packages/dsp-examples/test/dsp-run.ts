// Runs a built example (dist/<name>.js) as a subprocess, as a user would,
// with this process's environment: the JACK variables global-setup.ts put
// there point it at the test run's virtual loopback device.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface ExampleRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `node dist/<name>.js ...args`; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runExample(name: string, args: string[], timeoutMs = 30000): Promise<ExampleRun> {
  const script = fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url))
  if (!existsSync(script)) {
    throw new Error(`${script} is missing: build the package first (pnpm --filter @pastream/dsp-examples build)`)
  }
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, ...args], { env: process.env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${name} ${args.join(' ')} did not finish: ${error.message}\n${stderr}`))
        return
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr })
    })
  })
}

/** The device the examples' tests open: the virtual loopback device of global-setup.ts. */
export const DEVICE = 'loopback'
