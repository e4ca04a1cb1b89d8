// One child of headline.mjs: in a fresh process, the time from `new
// InputStream()` on DEVICE to its first captured chunk (256 frames), then
// the same for each of FURTHER streams opened one after another in this
// process. Prints {first, further: [...]} in ms.
//
//   node bench/first-chunk.mjs DEVICE FURTHER
import { performance } from 'node:perf_hooks'
import { InputStream } from '../dist/index.js'

async function timeToFirstChunk(device) {
  const t0 = performance.now()
  const stream = new InputStream({ device, channels: 2, dtype: 'float32', blocksize: 256 })
  try {
    for await (const _ of stream.chunks({ chunksize: 256 })) return performance.now() - t0
  } finally {
    await stream.close()
  }
  throw new Error('the stream ended before its first chunk')
}

const [device, further] = [process.argv[2], Number(process.argv[3])]
const first = await timeToFirstChunk(device)
const next = []
for (let i = 0; i < further; i++) next.push(await timeToFirstChunk(device))
console.log(JSON.stringify({ first, further: next }))
