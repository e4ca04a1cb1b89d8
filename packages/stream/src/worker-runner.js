// Entry of the Worker that runs a user's source or sink module (plain JS so
// it runs unbundled from src/ as well as from dist/). The user's default
// export is called as `default(ring, context)`; see WorkerContext in worker-pump.ts.
//
// Messages to the owner (WorkerPump): {type:'ready'} for a source after its
// first write (or context.ready()), for a sink when it is about to run, {type:'done'} when the default export returned,
// {type:'error', error} when it (or the module's loading) failed. Control
// words shared with the owner: [0] state (0 running, 1 engine stopped,
// 2 cancelled), [1] set to 1 the moment the module fails, before the error
// is posted, so the owner can tell it came before errors it caused.
import { parentPort, workerData } from 'node:worker_threads'
import { serialize } from 'node:v8'
import { RingBuffer, assumedBlocksize, sleepMsForFrames } from '@pastream/core-native'

const { module, ring: buffer, control, info } = workerData
const words = new Int32Array(control)
const ring = RingBuffer.from(buffer)
const post = (message) => parentPort?.postMessage(message)

/** Sleeps about as long as the audio needs for `frames`; wakes at once when the state changes. */
function nap(frames) {
  Atomics.wait(words, 0, 0, sleepMsForFrames(frames, info.samplerate))
}

let readySent = false
function ready() {
  if (readySent) return
  readySent = true
  post({ type: 'ready' })
}

if (info.role === 'source') {
  // the owner's start() waits for the first write when pre-buffering
  const write = ring.write.bind(ring)
  const advance = ring.advanceWriteIndex.bind(ring)
  ring.write = (data, size) => {
    const n = size === undefined ? write(data) : write(data, size)
    if (n > 0) ready()
    return n
  }
  ring.advanceWriteIndex = (size) => {
    const index = advance(size)
    if (size > 0) ready()
    return index
  }
}

const context = Object.freeze({
  ...info,
  /** the engine stopped (or the stream was cancelled): a source should return; a sink should drain and return */
  get stopped() {
    return Atomics.load(words, 0) !== 0
  },
  /** the stream was aborted or closed: return at once */
  get cancelled() {
    return Atomics.load(words, 0) === 2
  },
  /** Blocks until `frames` can be written (or the stream stopped). Returns the frames writable. */
  waitWritable(frames = assumedBlocksize(info.blocksize)) {
    const want = Math.max(1, Math.min(frames, ring.size))
    for (;;) {
      const n = ring.writeAvailable
      if (n >= want || Atomics.load(words, 0) !== 0) return n
      nap(want - n)
    }
  },
  /** Blocks until `frames` can be read (or the stream stopped). Returns the frames readable. */
  waitReadable(frames = assumedBlocksize(info.blocksize)) {
    const want = Math.max(1, Math.min(frames, ring.size))
    for (;;) {
      const n = ring.readAvailable
      if (n >= want) return n
      if (Atomics.load(words, 0) !== 0) return ring.readAvailable
      nap(want - n)
    }
  },
  /** Tells the owner the first data is in the ring (writing does this by itself). */
  ready,
})

/** A value the structured clone algorithm can copy, else undefined. */
function cloneable(value) {
  try {
    serialize(value)
    return true
  } catch {
    return false
  }
}

/** An error as plain data for postMessage: name, message, stack, own properties, cause. */
function describe(error, depth = 0) {
  if (!(error instanceof Error)) {
    return { kind: 'value', value: cloneable(error) ? error : String(error) }
  }
  const props = {}
  for (const key of Object.keys(error)) {
    if (key === 'cause') continue
    let value
    try {
      value = error[key]
    } catch {
      continue
    }
    if (cloneable(value)) props[key] = value
  }
  const described = { kind: 'error', name: String(error.name), message: String(error.message), stack: error.stack, props }
  if (error.cause !== undefined && depth < 8) described.cause = describe(error.cause, depth + 1)
  if (error instanceof AggregateError && Array.isArray(error.errors) && depth < 8) {
    described.errors = error.errors.map((e) => describe(e, depth + 1))
  }
  return described
}

let failed = false
function fail(error) {
  if (failed) return
  failed = true
  Atomics.store(words, 1, 1)
  post({ type: 'error', error: describe(error) })
  // the owner terminates this thread once it has the error
}

// errors thrown asynchronously by the module (a timer, an unawaited promise) fail the run too
process.on('uncaughtException', fail)
process.on('unhandledRejection', fail)

async function main() {
  let imported
  try {
    imported = await import(module)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const wrapped = new Error(`Cannot load the Worker module ${module} (the stream's ${info.role}): ${reason}`, { cause: error })
    if (error instanceof Error && 'code' in error) wrapped.code = error.code
    fail(wrapped)
    return
  }
  const run = imported.default
  if (typeof run !== 'function') {
    const names = Object.keys(imported).filter((name) => name !== 'default')
    fail(
      new TypeError(
        `Expected the Worker module ${module} (the stream's ${info.role}) to export a default function (ring, context), got ${
          run === undefined ? 'no default export' : typeof run
        }${names.length > 0 ? `; it exports ${names.join(', ')}` : ''}`,
      ),
    )
    return
  }
  // aborted or closed while the module loaded: nothing to do
  if (Atomics.load(words, 0) === 2) {
    post({ type: 'done' })
    return
  }
  // a sink is ready once it runs: start() (pre-buffering) starts the device then
  if (info.role === 'sink') ready()
  try {
    await run(ring, context)
  } catch (error) {
    fail(error)
    return
  }
  if (failed) return
  // from this thread, after the module's last write: the stream can end on
  // a dry ring even while the main thread is blocked
  if (info.role === 'source') ring.writer = 'ended'
  post({ type: 'done' })
}

await main()
