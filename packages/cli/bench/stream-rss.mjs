// One child of bench/floor.mjs: the memory a stream costs. After PortAudio
// is up and one stream has run (JACK's client and its threads exist), it
// opens and starts 8 InputStreams on DEVICE together, each with an rx ring
// of 32768 stereo int16 frames that nobody reads, and once each has
// captured 16384 frames prints the RSS each stream adds beyond the part of
// its ring written so far (pages never written are not resident). Then 30
// open/record/close cycles, one at a time: the RSS after 10 and after 30
// (a leak per run shows as growth).
//
//   node bench/stream-rss.mjs DEVICE
import { InputStream, RingBuffer } from '@pastream/stream'

const device = process.argv[2]
const options = { device, channels: 2, dtype: 'int16', blocksize: 0 }
const mb = (bytes) => (bytes / 2 ** 20).toFixed(2)

async function cycle(seconds) {
  const stream = new InputStream(options)
  await stream.record(Math.round(seconds * stream.samplerate))
  await stream.close()
}

await cycle(0.2)
const streams = []
const before = process.memoryUsage.rss()
for (let i = 0; i < 8; i++) {
  const stream = new InputStream(options)
  stream.setSink(new RingBuffer(4, 32768))
  streams.push(stream)
}
await Promise.all(streams.map((s) => s.start()))
while (streams.some((s) => s.stats.rxFrames < 16384)) await new Promise((resolve) => setTimeout(resolve, 20))
const during = process.memoryUsage.rss()
// frames x 4 bytes + the ring's header, rounded up to whole 4 KiB pages
const ringBytes = Math.ceil((Math.max(...streams.map((s) => s.stats.rxFrames)) * 4 + 192) / 4096) * 4096
await Promise.all(streams.map((s) => s.close()))
const perStream = (during - before) / streams.length
console.log(
  `  a running InputStream adds ${mb(perStream)} MB of RSS, of which the written part of its ring is at most ${mb(ringBytes)} MB: ${mb(perStream - ringBytes)} MB of its own (8 streams at once)`,
)
const rss = []
for (let i = 1; i <= 30; i++) {
  await cycle(0.1)
  if (i === 10 || i === 30) rss.push(process.memoryUsage.rss())
}
console.log(`  RSS after 10 open/record/close cycles ${mb(rss[0])} MB, after 30 ${mb(rss[1])} MB (${mb(rss[1] - rss[0])} MB for 20 more)`)
