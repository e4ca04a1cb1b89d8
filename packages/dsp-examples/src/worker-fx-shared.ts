// What worker-fx.ts and its Worker module (worker-fx-filter.ts) agree on: how
// the main thread hands over the second ring and the counters, and where
// each counter lives. Bundled into both; no code runs here.

/**
 * The prefix of the `worker_threads` environment-data key under which
 * worker-fx puts {@link WorkerFxShared} before start(): every Worker created
 * afterwards (the stream's sink Worker among them) gets a copy, and a copy
 * of a SharedArrayBuffer is the same memory. A Worker sink module is given
 * only its own ring and its URL, so this is how it reaches the output ring.
 * Environment data is process-wide: each stream uses its own key (prefix +
 * a random id), passed to the Worker in the URL query as `shared`.
 */
export const workerFxKey = 'pastream-dsp-examples/worker-fx/'

/** Shared memory handed to the Worker. */
export interface WorkerFxShared {
  /** the output ring: the stream plays it (setSource(RingBuffer)), the Worker fills it */
  output: SharedArrayBuffer
  /** Float64Array of {@link Stat} counters, written by the Worker */
  stats: SharedArrayBuffer
}

/** Indices into the counters. */
export const Stat = {
  /** input frames filtered (= output frames written) */
  frames: 0,
  /** loopback check: frames compared with what was played */
  compared: 1,
  /** loopback check: frames that differed (any channel) */
  mismatched: 2,
  /** loopback check: the device's round trip in frames, -1 until the noise came back */
  delay: 3,
  /** sum of squares of the filter's input (all filtered channels) */
  inputSquares: 4,
  /** sum of squares of the filter's output */
  outputSquares: 5,
  /** loopback check: the input frame of the first mismatch, -1 if none */
  firstMismatch: 6,
  /** the most frames the Worker found waiting in the input ring (how far behind it ever was) */
  maxBacklog: 7,
  /** the fewest frames left in the output ring when the Worker wrote (its safety margin), after the first block */
  minMargin: 8,
} as const

export const statCount = 9
