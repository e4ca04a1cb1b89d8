// How tests wait: for an event the program shows (a frame count, a state, a
// line from a subprocess) instead of guessing how long it takes; and loopback
// checks on a machine that cannot run JACK in realtime, where a cycle the
// dummy driver misses is an xrun the device reports, not a fault of ours.

/**
 * Resolves once `condition()` holds (checked every 10 ms), or rejects after
 * a generous `timeoutMs` naming `what`.
 *
 * @example
 * ```ts
 * await stream.start()
 * await waitFor('the first callbacks', () => stream.frameCount > 0)
 * ```
 */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** What a stream under check reports: the xruns its device flagged since start. */
export interface XrunCounter {
  readonly xruns: number
}

/**
 * Runs a bit-exact loopback check, and runs it again (at most `attempts`
 * times in all) only when it failed while a watched stream's device
 * reported xruns. On 2 busy cores JACK's dummy driver can miss a cycle; a
 * client that misses one leaves its last period in the loopback, which
 * then hears it twice and shifts what follows. A failure without an xrun
 * is thrown at once, and so is the last attempt's.
 *
 * @param what    names the check in the log line of a repeated run
 * @param check   one run; calls `watch(stream)` for every stream whose xruns explain a failure
 * @example
 * ```ts
 * const delay = await retryWhenXruns('play and record', async (watch) => {
 *   await using stream = watch(new DuplexStream(options))
 *   return expectLoopback(await stream.playrec(signal), signal)
 * })
 * ```
 */
export async function retryWhenXruns<T>(
  what: string,
  check: (watch: <S extends XrunCounter>(stream: S) => S) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const watched: XrunCounter[] = []
    try {
      return await check((stream) => {
        watched.push(stream)
        return stream
      })
    } catch (error) {
      const xruns = watched.reduce((sum, stream) => sum + xrunsOf(stream), 0)
      if (attempt >= attempts || xruns === 0) throw error
      console.warn(`${what}: attempt ${attempt} failed with ${xruns} device xrun(s), which explain it; repeating the run (${String(error)})`)
    }
  }
}

/** A closed stream may no longer answer; it then explains nothing. */
function xrunsOf(stream: XrunCounter): number {
  try {
    return stream.xruns
  } catch {
    return 0
  }
}
