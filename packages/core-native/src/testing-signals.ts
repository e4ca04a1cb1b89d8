// The sample-index signal the fault tests play and check: a recording of it
// shows a lost or repeated frame where its count breaks (disk full, signals).

/**
 * A sample-index signal: frame i holds (i mod 32767) + 1 on its first
 * channel and floor(i / 32767) + 1 on the others, as int16 (never zero, so
 * silence never passes for it): a recording of it shows a lost or repeated
 * frame where the count breaks.
 */
export function indexSignal(frames: number, channels: number): Int16Array {
  const a = new Int16Array(frames * channels)
  for (let i = 0; i < frames; i++) {
    a[i * channels] = (i % 32767) + 1
    for (let c = 1; c < channels; c++) a[i * channels + c] = Math.floor(i / 32767) + 1
  }
  return a
}

/**
 * Checks a recording of {@link indexSignal} (`period` frames, played in a
 * loop) from its first non-silent frame to its end: every frame must be the
 * one after the one before. Returns where the signal starts and how many
 * frames follow it; throws naming the first frame that breaks the count.
 */
export function indexRun(recording: Int16Array, channels: number, period: number): { start: number; frames: number } {
  const frames = recording.length / channels
  // mono: the first channel alone counts (periods up to 32767 frames)
  const index = (at: number): number =>
    (channels > 1 ? ((recording[at * channels + 1] as number) - 1) * 32767 : 0) + (recording[at * channels] as number) - 1
  let start = 0
  while (start < frames && recording[start * channels] === 0) start++
  if (start === frames) return { start, frames: 0 }
  const first = index(start)
  for (let k = 1; start + k < frames; k++) {
    const at = start + k
    const expected = (first + k) % period
    for (let c = 0; c < channels; c++) {
      const want = c === 0 ? (expected % 32767) + 1 : Math.floor(expected / 32767) + 1
      if (recording[at * channels + c] !== want) {
        throw new Error(`the index signal breaks at frame ${at} (channel ${c + 1}): expected ${want}, got ${String(recording[at * channels + c])}`)
      }
    }
  }
  return { start, frames: frames - start }
}
