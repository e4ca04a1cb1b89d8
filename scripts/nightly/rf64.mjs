#!/usr/bin/env node
// Nightly, not in CI (scripts/nightly.sh runs it): a WAV recording that
// grows past 4 GiB turns into RF64 and reads back whole.
//
// Records mono PCM_32 into a .wav through the native file pump, the way a
// stream records (the SoundFile is the sink of a ring: the RingEndpoint
// protocol), with no device: this script is the stream's side of the ring
// and writes frames whose sample is their own index, as fast as the disk
// takes them, until the file is 4 GiB + 4 MiB. The pump rewrites the header
// after every write, so the file is a plain WAV first (checked halfway) and
// RF64 from the write that passes 4 GiB. Then: the RF64 and ds64 sizes,
// our reader (format RF64, every frame's index), sox's frame count. The
// file is deleted whatever happens. Prints one line; exits 1 on a failure.
//
// Needs the built packages (node scripts/setup.mjs) and 4.1 GiB free in
// PASTREAM_NIGHTLY_DIR (default: the system's temp directory).
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statfsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SoundFile } from '@pastream/soundfile'
import { RingBuffer, ringEndpoint } from '@pastream/stream'

const FRAMES = 2 ** 30 + 2 ** 20 // 4-byte frames: 4 GiB + 4 MiB of samples
const HEADER = 112 // libsndfile's RF64 header (and the WAV one it downgrades to)
const RING = 2 ** 22 // frames: 16 MiB
const CHUNK = 2 ** 20 // frames read back at once
const GiB = 2 ** 30

function check(condition, what) {
  if (!condition) throw new Error(what)
}

/** The first bytes of the file, as the pump left them on disk. */
function head(path, bytes = HEADER) {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(bytes)
    readSync(fd, buffer, 0, bytes, 0)
    return buffer
  } finally {
    closeSync(fd)
  }
}

/** Records FRAMES index frames into path through the file pump; checks the header halfway. */
async function record(path) {
  const file = await SoundFile.open(path, { mode: 'w', samplerate: 48000, channels: 1, subtype: 'PCM_32' })
  const ring = new RingBuffer(4, RING)
  const pump = file[ringEndpoint]('sink', ring, { samplerate: 48000, loop: false, channels: 1, dtype: 'int32', blocksize: 0 })
  await pump.ready
  let written = 0
  let halfway = false
  while (written < FRAMES) {
    const [count, first, second] = ring.getWriteBuffers(Math.min(ring.writeAvailable, FRAMES - written))
    if (count === 0) {
      await new Promise((resolve) => setTimeout(resolve, 1)) // the pump's turn
      continue
    }
    for (const bytes of [first, second]) {
      const samples = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
      for (let i = 0; i < samples.length; i++) samples[i] = written + i
      written += samples.length
    }
    ring.advanceWriteIndex(count)
    if (!halfway && written >= FRAMES / 2) {
      // under 4 GiB on disk: a plain WAV (WAVE_FORMAT_PCM)
      halfway = true
      const bytes = head(path)
      check(bytes.toString('latin1', 0, 4) === 'RIFF', `halfway: the file starts with ${JSON.stringify(bytes.toString('latin1', 0, 4))}, not RIFF`)
      check(bytes.readUInt16LE(52) === 1, `halfway: fmt tag ${bytes.readUInt16LE(52)}, not WAVE_FORMAT_PCM (1)`)
    }
  }
  pump.engineStopped() // the sink drains the ring, then stops
  await pump.done
  await file.close()
}

/** The RF64 header: RF64, ds64 with the real sizes, data size 0xffffffff. */
function checkHeader(path) {
  const size = statSync(path).size
  check(size === HEADER + FRAMES * 4, `the file is ${size} bytes, not ${HEADER + FRAMES * 4}`)
  const bytes = head(path)
  const id = (at) => bytes.toString('latin1', at, at + 4)
  check(id(0) === 'RF64' && bytes.readUInt32LE(4) === 0xffffffff && id(8) === 'WAVE', `the file starts ${JSON.stringify(bytes.toString('latin1', 0, 12))}, not RF64`)
  check(id(12) === 'ds64' && bytes.readUInt32LE(16) === 28, 'no ds64 chunk after RF64 WAVE')
  check(Number(bytes.readBigUInt64LE(20)) === size - 8, `ds64 RIFF size ${bytes.readBigUInt64LE(20)}, not ${size - 8}`)
  check(Number(bytes.readBigUInt64LE(28)) === FRAMES * 4, `ds64 data size ${bytes.readBigUInt64LE(28)}, not ${FRAMES * 4}`)
  check(Number(bytes.readBigUInt64LE(36)) === FRAMES, `ds64 sample count ${bytes.readBigUInt64LE(36)}, not ${FRAMES}`)
  check(id(HEADER - 8) === 'data' && bytes.readUInt32LE(HEADER - 4) === 0xffffffff, 'the data chunk does not end the header with size 0xffffffff')
}

/** Reads every frame back through SoundFile: each sample is its index. */
function readBack(path) {
  const file = SoundFile.openSync(path)
  try {
    check(file.format === 'RF64' && file.subtype === 'PCM_32', `read back as ${file.format} ${file.subtype}, not RF64 PCM_32`)
    check(file.frames === FRAMES, `the reader counts ${file.frames} frames, not ${FRAMES}`)
    const out = new Int32Array(CHUNK)
    let frames = 0
    for (;;) {
      const samples = file.readSync(CHUNK, { dtype: 'int32', out })
      if (samples.length === 0) break
      for (let i = 0; i < samples.length; i++) {
        if (samples[i] !== frames + i) throw new Error(`frame ${frames + i} holds ${samples[i]}`)
      }
      frames += samples.length
    }
    check(frames === FRAMES, `read ${frames} frames back, not ${FRAMES}`)
  } finally {
    file.closeSync()
  }
}

function soxFrames(path) {
  const sox = spawnSync('soxi', ['-s', path], { encoding: 'utf8' })
  check(sox.error === undefined, `soxi: ${sox.error?.message}`)
  check(sox.status === 0 && sox.stderr === '', `soxi -s exited ${sox.status}: ${sox.stderr.trim()}`)
  check(Number(sox.stdout) === FRAMES, `sox counts ${sox.stdout.trim()} frames, not ${FRAMES}`)
}

async function main() {
  const base = process.env.PASTREAM_NIGHTLY_DIR ?? tmpdir()
  const needed = HEADER + FRAMES * 4 + 64 * 2 ** 20
  const { bavail, bsize } = statfsSync(base)
  check(bavail * bsize >= needed, `needs ${(needed / GiB).toFixed(2)} GiB free in ${base}, has ${((bavail * bsize) / GiB).toFixed(2)} (set PASTREAM_NIGHTLY_DIR)`)
  const dir = mkdtempSync(join(base, 'pastream-rf64-'))
  const path = join(dir, 'past-4-gib.wav')
  try {
    const started = performance.now()
    await record(path)
    const recorded = performance.now()
    checkHeader(path)
    readBack(path)
    const read = performance.now()
    soxFrames(path)
    const seconds = (from, to) => ((to - from) / 1000).toFixed(1)
    console.log(
      `rf64: ok: ${FRAMES} frames (${((HEADER + FRAMES * 4) / GiB).toFixed(3)} GiB) recorded through the file pump in ${seconds(started, recorded)} s, ` +
        `RF64 with the ds64 sizes, read back whole (every sample its index) in ${seconds(recorded, read)} s, sox counts them too`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.log(`rf64: FAILED: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
