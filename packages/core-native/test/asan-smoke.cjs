// Drives the addon built with ASan (path in argv[2]) through its lifecycle,
// two control calls at once on one stream, and streams dropped without close.
// Plain CommonJS on purpose: it must load that exact .node file.
const assert = require('node:assert/strict')
const addon = require(process.argv[2])
const { RingBuffer, layout } = require('../dist/index.cjs')
const server = process.argv[3]

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function connectLoopback() {
  for (let i = 0; i < 200; i++) {
    try {
      return addon.loopbackOpen(server, 'loopback', 2)
    } catch {
      await sleep(50)
    }
  }
  throw new Error('JACK server did not start')
}

function open(device, onFinished) {
  const stats = new Uint8Array(new SharedArrayBuffer(layout.PAS_STATS_BYTES))
  const dir = { device, channels: 2, format: 4, deviceFormat: 1, latency: 0 }
  const handle = addon.streamOpen({ input: dir, output: dir, samplerate: 48000, blocksize: 256, flags: 2 }, stats, onFinished)
  return { handle, stats }
}

async function main() {
  const loopback = await connectLoopback()
  const device = addon.devices().devices.find((d) => d.name === 'loopback')
  assert.ok(device, 'loopback device listed')
  const config = { frames: 4800, pad: 256, offset: 0, loop: false, txChannels: 2, rxChannels: 2, txmapping: [2, 1], rxmapping: [1, 2] }

  let finishedCalls = 0
  const { handle } = open(device.index, () => finishedCalls++)
  for (let run = 0; run < 3; run++) {
    const tx = new RingBuffer(4, 8192)
    const rx = new RingBuffer(4, 8192)
    tx.write(new Int16Array(9600).fill(1000 + run))
    await addon.streamStart(handle, config, tx.view, rx.view)
    while (addon.streamInfo(handle).active) await sleep(10)
    assert.equal(rx.readAvailable, 5056)
  }
  // abort and stop a running stream
  const rx = new RingBuffer(4, 1 << 16)
  await addon.streamStart(handle, { ...config, frames: -1, pad: -1 }, null, rx.view)
  await sleep(50)
  await addon.streamAbort(handle)
  await addon.streamStart(handle, { ...config, frames: -1, pad: -1 }, null, rx.view)
  await sleep(50)
  await addon.streamStop(handle)
  await addon.streamClose(handle)
  await addon.streamClose(handle) // twice: no-op
  assert.throws(() => addon.streamInfo(handle), /stream is closed/)
  assert.throws(() => addon.streamStart(handle, config, null, rx.view), /stream is closed/)
  assert.ok(finishedCalls >= 3, `finished notifications: ${finishedCalls}`)

  // drop a running stream: the finalizer must stop the callback before freeing
  {
    let dropped = open(device.index, () => {})
    await addon.streamStart(dropped.handle, { ...config, frames: -1, pad: -1 }, null, new RingBuffer(4, 1 << 16).view)
    await sleep(50)
    addon.streamUnref(dropped.handle)
    dropped = null
  }
  for (let i = 0; i < 5; i++) {
    global.gc()
    await sleep(20)
  }
  // two control calls at once on one stream: the glue runs them one at a
  // time in call order (no double close, no use of a freed PortAudio stream)
  const settle = (p) => p.then(() => 'ok', (e) => e.code ?? e.message)
  for (let i = 0; i < 10; i++) {
    const runConfig = { ...config, frames: -1, pad: -1 }
    const s = open(device.index, () => {})
    await addon.streamStart(s.handle, runConfig, null, new RingBuffer(4, 1 << 14).view)
    assert.deepEqual(await Promise.all([settle(addon.streamStop(s.handle)), settle(addon.streamClose(s.handle))]), ['ok', 'ok'])
    const t = open(device.index, () => {})
    const started = settle(addon.streamStart(t.handle, runConfig, null, new RingBuffer(4, 1 << 14).view))
    assert.deepEqual(await Promise.all([started, settle(addon.streamAbort(t.handle))]), ['ok', 'ok'])
    assert.equal(addon.streamInfo(t.handle).active, false)
    assert.deepEqual(await Promise.all([settle(addon.streamClose(t.handle)), settle(addon.streamClose(t.handle))]), ['ok', 'ok'])
    const u = open(device.index, () => {})
    const closing = settle(addon.streamStart(u.handle, runConfig, null, new RingBuffer(4, 1 << 14).view))
    assert.deepEqual(await Promise.all([closing, settle(addon.streamClose(u.handle))]), ['ok', 'ok'])
  }
  // 200 streams dropped without close, some after a short run: collected and closed
  for (let i = 0; i < 200; i++) {
    const s = open(device.index, () => {})
    if (i % 10 === 0) {
      await addon.streamStart(s.handle, { ...config, frames: 256, pad: 0 }, null, new RingBuffer(4, 4096).view)
      while (addon.streamInfo(s.handle).active) await sleep(5)
      await addon.streamStop(s.handle)
    }
    if (i % 50 === 49) {
      global.gc()
      await sleep(20)
    }
  }
  global.gc()
  await sleep(20)
  // 50 more open/start/close cycles
  for (let i = 0; i < 50; i++) {
    const s = open(device.index, () => {})
    await addon.streamStart(s.handle, { ...config, frames: 512, pad: 0 }, null, new RingBuffer(4, 4096).view)
    await addon.streamClose(s.handle)
  }
  assert.throws(() => addon.streamInfo({}), /expected a stream handle/)
  addon.loopbackClose(loopback.handle)
  addon.loopbackClose(loopback.handle)
  console.log('asan smoke: ok')
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
