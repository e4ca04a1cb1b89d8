// Drives the soundfile addon built with ASan (path in argv[2]; scratch
// directory in argv[3]) through files (WAV writes through the glue's own
// I/O included) and pumps, with no audio device: this script is the
// stream's side of each ring. Run by scripts/test-asan.sh.
// Plain CommonJS on purpose: it must load that exact .node file.
const assert = require('node:assert/strict')
const { join } = require('node:path')
const addon = require(process.argv[2])
const { RingBuffer, formatCodes } = require('@pastream/core-native')
const dir = process.argv[3]

const WAV = 0x010000
const RF64 = 0x220000
const subtypes = { PCM_16: 0x0002, PCM_24: 0x0003, FLOAT: 0x0006 }
const options = { closefd: true, rf64Downgrade: false, blocking: false }
const sizes = { float32: 4, int32: 4, int24: 3, int16: 2, int8: 1, uint8: 1 }
const arrays = { float32: Float32Array, int32: Int32Array, int24: Uint8Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array }

const tick = () => new Promise((resolve) => setImmediate(resolve))

function create(name, subtype, channels = 2) {
  const info = { samplerate: 48000, channels, format: WAV | subtype }
  return addon.openSync(join(dir, name), addon.modes.WRITE, info, options).handle
}

function reopen(name) {
  return addon.openSync(join(dir, name), addon.modes.READ, { samplerate: 0, channels: 0, format: 0 }, options)
}

// what the pump threads announced as they ended
const ended = new Set()
const onEnd = () => undefined

async function waitFor(condition) {
  for (let i = 0; i < 100000 && !condition(); i++) await tick()
  assert.ok(condition(), 'condition never held')
}

async function everyDtype() {
  for (const [subtype, code] of Object.entries(subtypes)) {
    for (const dtype of Object.keys(sizes)) {
      const name = `${subtype}-${dtype}.wav`
      const w = create(name, code)
      const data = new arrays[dtype](1000 * 2 * (dtype === 'int24' ? 3 : 1))
      for (let i = 0; i < data.length; i++) data[i] = dtype === 'float32' ? Math.sin(i) * 0.9 : (i * 37) & 0x7f
      assert.equal(addon.writeSync(w, formatCodes[dtype], 1000, data), 1000)
      assert.equal(await addon.write(w, formatCodes[dtype], 1000, data), 1000)
      await addon.close(w)
      await addon.close(w) // twice: a no-op
      assert.throws(() => addon.info(w), { code: 'ERR_SOUNDFILE_CLOSED', message: 'sound file is closed' })
      const { handle: r, info } = reopen(name)
      assert.equal(info.frames, 2000)
      const out = new arrays[dtype](2000 * 2 * (dtype === 'int24' ? 3 : 1))
      assert.equal(addon.readSync(r, formatCodes[dtype], 1000, out), 1000)
      assert.equal(await addon.read(r, formatCodes[dtype], 1000, out), 1000)
      addon.closeSync(r)
      await assert.rejects(addon.read(r, formatCodes[dtype], 1, out), { code: 'ERR_SOUNDFILE_CLOSED' })
    }
  }
}

async function recordPump() {
  const w = create('record.wav', subtypes.PCM_16)
  const ring = new RingBuffer(4, 1024)
  const pump = addon.pumpRecord(w, ring.view, { format: formatCodes.int16, samplerate: 48000, name: 'record.wav' }, onEnd)
  const block = new Int16Array(2 * 300).fill(7)
  let written = 0
  while (written < 48000) {
    written += ring.write(new Uint8Array(block.buffer), Math.min(300, 48000 - written))
    await tick()
  }
  const status = await addon.pumpStop(pump)
  assert.equal(status.frames, 48000)
  assert.equal(status.running, false)
  await addon.close(w)
  assert.equal(reopen('record.wav').info.frames, 48000)
}

async function playPumps() {
  const ring = new RingBuffer(8, 256)
  const { handle: r } = reopen('FLOAT-float32.wav')
  // looping: drain several passes, then stop
  const pump = addon.pumpPlay(r, ring.view, { format: formatCodes.float32, samplerate: 48000, loop: true, name: 'loop' }, onEnd)
  let drained = 0
  while (drained < 5000) {
    drained += ring.read().length / 8
    await tick()
  }
  assert.equal((await addon.pumpStop(pump)).running, false)
  // to the end of the file: the thread ends by itself
  addon.seek(r, 0, 0)
  ring.flush()
  const once = addon.pumpPlay(r, ring.view, { format: formatCodes.float32, samplerate: 48000, name: 'once' }, () => ended.add('once'))
  let got = 0
  // the thread says it ended: nothing polls its status
  await waitFor(() => {
    got += ring.read().length / 8
    return ended.has('once') && ring.readAvailable === 0
  })
  assert.equal(addon.pumpStatus(once).running, false)
  assert.equal(got, 2000)
  await addon.pumpStop(once)
  // the file closed under a running pump: the thread reports it and ends
  addon.seek(r, 0, 0)
  ring.flush()
  const orphan = addon.pumpPlay(r, ring.view, { format: formatCodes.float32, samplerate: 48000, loop: true, name: 'orphan' }, onEnd)
  ring.flush()
  await addon.close(r)
  // drained: a pump with a full ring waits for room and never reads the file
  await waitFor(() => {
    ring.flush()
    return !addon.pumpStatus(orphan).running
  })
  assert.match(addon.pumpStatus(orphan).error ?? '', /the file was closed while playing/)
  await addon.pumpStop(orphan)
}

async function droppedPump() {
  // a pump collected without stop(): the finalizer joins the thread first
  const { handle: r } = reopen('PCM_16-int16.wav')
  let ring = new RingBuffer(4, 64)
  addon.pumpPlay(r, ring.view, { format: formatCodes.int16, samplerate: 48000, loop: true, name: 'dropped' }, onEnd)
  ring = undefined
  for (let i = 0; i < 5; i++) {
    global.gc()
    await tick()
  }
  await addon.close(r)
}

// WAV as TypeScript writes it: RF64 with auto-downgrade through the glue's
// own I/O (wav_writer.cc), by path and by descriptor, through a pump (a
// header rewrite per write), closed, collected open, and failing to open.
async function wavWriter() {
  const fs = require('node:fs')
  const downgrade = { ...options, rf64Downgrade: true }
  for (const [channels, subtype] of [[1, subtypes.PCM_16], [2, subtypes.FLOAT], [4, subtypes.PCM_24]]) {
    const name = `wav-${channels}.wav`
    const w = addon.openSync(join(dir, name), addon.modes.WRITE, { samplerate: 48000, channels, format: RF64 | subtype }, downgrade).handle
    const ring = new RingBuffer(2 * channels, 1024)
    const pump = addon.pumpRecord(w, ring.view, { format: formatCodes.int16, samplerate: 48000, name }, onEnd)
    let written = 0
    while (written < 4800) {
      written += ring.write(new Uint8Array(2 * channels * 100), Math.min(100, 4800 - written))
      await tick()
    }
    assert.equal((await addon.pumpStop(pump)).frames, 4800)
    assert.equal(await addon.write(w, formatCodes.int16, 200, new Int16Array(200 * channels)), 200)
    await addon.close(w)
    const bytes = fs.readFileSync(join(dir, name))
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'RIFF')
    assert.equal(bytes.readUInt16LE(44 + 8), channels > 2 ? 0xfffe : subtype === subtypes.FLOAT ? 3 : 1)
    assert.equal(reopen(name).info.frames, 5000)
  }
  const fd = fs.openSync(join(dir, 'wav-fd.wav'), 'w')
  const f = addon.openSync(fd, addon.modes.WRITE, { samplerate: 8000, channels: 2, format: RF64 | subtypes.PCM_16 }, { ...downgrade, closefd: false }).handle
  assert.equal(addon.writeSync(f, formatCodes.int16, 10, new Int16Array(20)), 10)
  addon.closeSync(f)
  fs.closeSync(fd)
  assert.equal(reopen('wav-fd.wav').info.frames, 10)
  let dropped = addon.openSync(join(dir, 'wav-dropped.wav'), addon.modes.WRITE, { samplerate: 8000, channels: 1, format: RF64 | subtypes.PCM_16 }, downgrade).handle
  addon.writeSync(dropped, formatCodes.int16, 10, new Int16Array(10))
  dropped = undefined
  for (let i = 0; i < 5; i++) {
    global.gc()
    await tick()
  }
  assert.equal(reopen('wav-dropped.wav').info.frames, 10)
  assert.throws(() => addon.openSync(dir, addon.modes.WRITE, { samplerate: 8000, channels: 1, format: RF64 | subtypes.PCM_16 }, downgrade), {
    message: 'System error : Is a directory.',
  })
}

async function main() {
  await everyDtype()
  await wavWriter()
  await recordPump()
  await playPumps()
  await droppedPump()
  global.gc()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
