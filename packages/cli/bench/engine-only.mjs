// One child of bench/floor.mjs: an InputStream on DEVICE (2 ch int16, the
// server's rate, BLOCKSIZE frames per callback, 0: the host decides) whose
// rx ring, big enough for the run (and resident before it starts), nobody
// reads, for SECONDS of audio.
// Prints {frames, cpuMs, maxRssKb} for the whole process (every thread).
//
//   node bench/engine-only.mjs SECONDS DEVICE BLOCKSIZE
import { InputStream, RingBuffer } from '@pastream/stream'

const [seconds, device, blocksize] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])]
const stream = new InputStream({ device, channels: 2, dtype: 'int16', blocksize })
const frames = Math.round(seconds * stream.samplerate)
const ring = new RingBuffer(4, 1 << Math.ceil(Math.log2(frames + 8192)))
// every page of the ring written once before the run, as the C client locks
// its ring in memory: a first touch's page fault is not the engine's cost
ring.write(new Uint8Array(ring.size * 4))
ring.advanceReadIndex(ring.size)
stream.setSink(ring)
stream.frames = frames
await stream.start()
await stream.wait()
await stream.close()
const cpu = process.cpuUsage()
console.log(JSON.stringify({ frames, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS }))
