// Benchmark of the ring -> file record pump (run `pnpm build` first; `pnpm bench`):
// 1. throughput: JS fills a ring as fast as it can while the native pump
//    writes it to a 16-bit WAV; against fs.writeSync of the same bytes, in
//    the same chunks, to a plain file in the same run (same disk, no fsync
//    for either, close included).
// 2. process CPU time per second of audio while recording 2 ch 48 kHz
//    16-bit WAV in real time through SoundFileInputStream on a virtual
//    device (JACK dummy server 'pastream-bench-soundfile').
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startVirtualDevice } from '@pastream/stream/testing'
import { SoundFile, SoundFileInputStream, recordToFile } from '../dist/index.js'

const dir = mkdtempSync(join(tmpdir(), 'pastream-bench-soundfile-'))
const CHANNELS = 2
const FRAMEBYTES = CHANNELS * 2
const TOTAL_BYTES = 256 * 2 ** 20
const CHUNK_FRAMES = 16384
const RING_FRAMES = 2 ** 20

const chunk = new Uint8Array(CHUNK_FRAMES * FRAMEBYTES)
for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7919) & 0xff

async function pumpRun() {
  const path = join(dir, 'pump.wav')
  const file = await SoundFile.open(path, { mode: 'w', samplerate: 48000, channels: CHANNELS, format: 'WAV', subtype: 'PCM_16' })
  // the pump needs only these of a stream; blocksize/samplerate set its
  // poll interval (half a period, clamped to >= 0.5 ms)
  const fake = {
    dtype: 'int16',
    samplesize: 2,
    samplerate: 48000,
    blocksize: 48,
    buffersize: RING_FRAMES,
    active: false,
    setSink() {},
  }
  const start = process.hrtime.bigint()
  const pump = recordToFile(fake, file, { buffersize: RING_FRAMES })
  const ring = pump.ring
  let written = 0
  while (written < TOTAL_BYTES) {
    if (ring.writeAvailable < CHUNK_FRAMES) {
      await new Promise((resolve) => setImmediate(resolve))
      continue
    }
    ring.write(chunk)
    written += chunk.length
  }
  const frames = await pump.stop()
  await file.close()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (frames * FRAMEBYTES !== TOTAL_BYTES) throw new Error(`pump wrote ${frames} frames, expected ${TOTAL_BYTES / FRAMEBYTES}`)
  rmSync(path)
  return seconds
}

function plainRun() {
  const path = join(dir, 'plain.raw')
  const start = process.hrtime.bigint()
  const fd = openSync(path, 'w')
  for (let written = 0; written < TOTAL_BYTES; written += chunk.length) writeSync(fd, chunk)
  closeSync(fd)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  rmSync(path)
  return seconds
}

async function throughput() {
  // warm up, then alternate, best of 3 each
  plainRun()
  await pumpRun()
  const plain = []
  const pump = []
  for (let i = 0; i < 3; i++) {
    plain.push(plainRun())
    pump.push(await pumpRun())
  }
  const best = (xs) => Math.min(...xs)
  const mb = TOTAL_BYTES / 2 ** 20
  const pumpRate = mb / best(pump)
  const plainRate = mb / best(plain)
  console.log(`ring -> file pump: ${pumpRate.toFixed(0)} MiB/s; fs.writeSync: ${plainRate.toFixed(0)} MiB/s (${mb} MiB, ${CHUNK_FRAMES}-frame chunks, best of 3)`)
  console.log(`  ratio pump / plain write: ${(pumpRate / plainRate).toFixed(2)}`)
}

async function realtimeCpu() {
  const device = await startVirtualDevice({ name: 'pastream-bench-soundfile', channels: 2 })
  try {
    const seconds = 5
    const path = join(dir, 'realtime.wav')
    const stream = new SoundFileInputStream(path, { device: 'loopback', channels: 2, dtype: 'int16', samplerate: 48000 })
    stream.frames = seconds * 48000
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    await stream.start()
    await stream.wait()
    const cpu = process.cpuUsage(cpu0)
    const wall = Number(process.hrtime.bigint() - t0) / 1e9
    await stream.close()
    const check = await SoundFile.open(path)
    const frames = check.frames
    await check.close()
    const audio = frames / 48000
    const perSecond = (cpu.user + cpu.system) / 1000 / audio
    console.log(
      `recording 2 ch 48 kHz 16-bit WAV in real time: ${perSecond.toFixed(2)} ms CPU per second of audio ` +
        `(${(perSecond / 10).toFixed(3)} % of a core; user ${(cpu.user / 1000).toFixed(1)} ms, system ${(cpu.system / 1000).toFixed(1)} ms over ${audio.toFixed(2)} s of audio, ${wall.toFixed(2)} s wall)`,
    )
  } finally {
    await device.stop()
  }
}

try {
  await throughput()
  await realtimeCpu()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
