// Regenerates the README's pictures, docs/plot.png and docs/scope.png, with
// the built examples themselves on a private virtual loopback device:
//
//   pnpm --filter @pastream/dsp-examples build
//   pnpm --filter @pastream/dsp-examples run docs:images
//
// The signal is made here: a rising sweep over a steady 440 Hz tone, so the
// spectrogram and the scope have something to show. The virtual device is
// bit-exact, so the pictures come out the same on every run (up to where in
// the looped file the scope's screenshot happens to fall).
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SoundFile } from '@pastream/soundfile'
import { jackEnv, startVirtualDevice } from '@pastream/stream/testing'
import { launchChromium } from './chromium.mjs'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const docs = join(packageDir, 'docs')

/** 3 s at 48 kHz: a sweep from 200 Hz to 12 kHz (exponential) over 440 Hz. */
async function writeDemo(path) {
  const samplerate = 48000
  const seconds = 3
  const data = new Float32Array(samplerate * seconds)
  const [f0, f1] = [200, 12000]
  const rate = Math.log(f1 / f0) / seconds
  for (let k = 0; k < data.length; k++) {
    const t = k / samplerate
    // the phase of an exponential sweep: the integral of f0 * e^(rate t)
    const sweep = Math.sin((2 * Math.PI * f0 * (Math.exp(rate * t) - 1)) / rate)
    data[k] = 0.35 * sweep + 0.2 * Math.sin(2 * Math.PI * 440 * t)
  }
  const file = await SoundFile.open(path, { mode: 'w', samplerate, channels: 1, subtype: 'FLOAT' })
  await file.write(data)
  await file.close()
}

/** Runs a built example; resolves with its stdout once it has printed `until` (or exited). */
function example(name, args, env, until) {
  const child = spawn(process.execPath, [join(packageDir, 'dist', `${name}.js`), ...args], { cwd: packageDir, env, stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  const exited = new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${name} exited with ${code}`)))),
  )
  const printed = new Promise((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (text) => {
      stdout += text
      if (until?.test(stdout)) resolve(stdout)
    })
  })
  return { child, exited, output: until ? Promise.race([printed, exited]) : exited }
}

const device = await startVirtualDevice({ name: 'pastream-docs-images', channels: 2 })
const env = { ...process.env, ...jackEnv(device.serverName) }
const directory = await mkdtemp(join(tmpdir(), 'docs-images-'))
let browser
try {
  const demo = join(directory, 'demo.wav')
  await writeDemo(demo)

  await example('plot', ['--device', 'loopback', '--playback', demo, '--output', join(docs, 'plot.png'), '--width', '800', '--height', '500'], env).output

  const scope = example('scope', ['--device', 'loopback', '--port', '0', '--playback', demo, '--loop'], env, /scope: (\S+)/)
  const url = /scope: (\S+)/.exec(await scope.output)?.[1]
  browser = await launchChromium()
  const page = await browser.newPage({ viewport: { width: 1000, height: 660 } })
  await page.goto(url)
  // 0.6 s into the file: the sweep is near 450 Hz, beating with the 440 Hz tone
  await page.waitForFunction(() => (globalThis.scope.last?.frames ?? 0) >= 0.6 * 48000, undefined, { timeout: 10000 })
  await page.screenshot({ path: join(docs, 'scope.png') })
  scope.child.kill('SIGINT')
  await scope.exited
} finally {
  await browser?.close()
  await rm(directory, { recursive: true, force: true })
  await device.stop()
}

for (const name of ['plot.png', 'scope.png']) {
  const { size } = await stat(join(docs, name))
  console.log(`docs/${name}: ${(size / 1024).toFixed(1)} KB`)
  if (size > 200 * 1024) throw new Error(`docs/${name} is over 200 KB`)
}
