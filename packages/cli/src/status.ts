/**
 * The status line shown while a run goes on, and the summary at its end.
 * Pure formatting: the command decides where (and whether) they go.
 */

/** What the status line shows. */
export interface StatusInfo {
  /** seconds since start */
  elapsed: number
  xruns: number
  /** 0..1 */
  cpuLoad: number
  /** frames processed so far */
  done: number
  /** frames the run will process, when known */
  total: number | undefined
  samplerate: number
  /** terminal width */
  columns: number
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`
}

/**
 * One line: elapsed time, xruns and CPU load; with a known length, a
 * progress bar, the percentage and the time left.
 * @example
 * ```ts
 * formatStatus({ elapsed: 1.5, xruns: 0, cpuLoad: 0.02, done: 72000, total: 144000, samplerate: 48000, columns: 80 })
 * // '   1.500s (0 xruns,   2.00% load) [##########          ]  50% ETA 0:02'
 * ```
 */
export function formatStatus(info: StatusInfo): string {
  let line = `${info.elapsed.toFixed(3).padStart(8)}s (${info.xruns} xruns, ${(100 * info.cpuLoad).toFixed(2).padStart(6)}% load)`
  if (info.total !== undefined && info.total > 0) {
    const fraction = Math.min(1, info.done / info.total)
    const left = (info.total - Math.min(info.done, info.total)) / info.samplerate
    const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}% ETA ${clock(left)}`
    const width = Math.max(10, Math.min(40, info.columns - line.length - tail.length - 4))
    const filled = Math.round(fraction * width)
    line += ` [${'#'.repeat(filled)}${' '.repeat(width - filled)}]${tail}`
  }
  return line.length < info.columns ? line.padEnd(info.columns - 1) : line
}

/** What the summary reports. */
export interface SummaryInfo {
  frames: number
  seconds: number
  inputXruns: { underflows: number; overflows: number }
  outputXruns: { underflows: number; overflows: number }
  ended: string
}

/**
 * The summary, as the original printed it.
 * @example
 * ```ts
 * formatSummary({ frames: 48000, seconds: 1, inputXruns: { underflows: 0, overflows: 0 }, outputXruns: { underflows: 0, overflows: 0 }, ended: 'completed' })
 * ```
 */
export function formatSummary(info: SummaryInfo): string {
  return [
    `Summary (${info.ended}):`,
    `\tFrames processed: ${info.frames} (${info.seconds.toFixed(3)} s)`,
    `\txruns (under/over): input ${info.inputXruns.underflows}/${info.inputXruns.overflows}`,
    `\txruns (under/over): output ${info.outputXruns.underflows}/${info.outputXruns.overflows}`,
    '',
  ].join('\n')
}
