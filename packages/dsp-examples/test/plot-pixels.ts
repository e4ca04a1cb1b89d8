// Pixel helpers for the plot and scope tests: read a PNG's pixels back, and
// count and compare colours in it.
import { createCanvas, loadImage } from '@napi-rs/canvas'

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
