// Test helpers for the plot and scope tests: run a built example as a
// subprocess (on the test run's virtual device, whose JACK variables are in
// process.env), and read a PNG's pixels back.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createCanvas, loadImage } from '@napi-rs/canvas'

/** The package directory: the examples run from there, as `pnpm run` does. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url))

/** What a finished example printed, and how it ended. */
export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** The path of a built example; fails with a hint when the package is not built. */
export function builtExample(name: string): string {
  const path = fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url))
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`pnpm --filter @pastream/dsp-examples build\` first`)
  return path
}

/** Runs `node dist/<name>.js ...args` to its end (killed after `timeoutMs`). */
export function runExample(name: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtExample(name), ...args], { cwd: packageDir, env: process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** A decoded image: RGBA bytes, row by row. */
export interface Pixels {
  width: number
  height: number
  data: Uint8ClampedArray
}

/** Decodes a PNG (a path or its bytes) into RGBA pixels with @napi-rs/canvas. */
export async function readPixels(source: string | Buffer): Promise<Pixels> {
  const image = await loadImage(source)
  const canvas = createCanvas(image.width, image.height)
  const context = canvas.getContext('2d')
  context.drawImage(image, 0, 0)
  const { data } = context.getImageData(0, 0, image.width, image.height)
  return { width: image.width, height: image.height, data }
}

/** The pixel at (x, y) as [r, g, b]. */
export function pixel(image: Pixels, x: number, y: number): [number, number, number] {
  const offset = 4 * (y * image.width + x)
  return [image.data[offset] ?? 0, image.data[offset + 1] ?? 0, image.data[offset + 2] ?? 0]
}

/** Counts the pixels of a rectangle for which `test` holds. */
export function countPixels(
  image: Pixels,
  area: { x: number; y: number; width: number; height: number },
  test: (rgb: [number, number, number]) => boolean,
): number {
  let count = 0
  for (let y = Math.max(0, Math.floor(area.y)); y < Math.min(image.height, Math.ceil(area.y + area.height)); y++) {
    for (let x = Math.max(0, Math.floor(area.x)); x < Math.min(image.width, Math.ceil(area.x + area.width)); x++) {
      if (test(pixel(image, x, y))) count++
    }
  }
  return count
}

/** `#rrggbb` as [r, g, b]. */
export function hexColour(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16)
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255]
}

/** True when two colours are within `tolerance` of each other in every channel. */
export function near(a: readonly number[], b: readonly number[], tolerance: number): boolean {
  return a.every((v, k) => Math.abs(v - (b[k] ?? 0)) <= tolerance)
}
