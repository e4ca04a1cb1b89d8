/** The exit codes of `pastream`, as `--help` documents them. */
export const exitCodes = {
  /** the run completed (or was stopped at its length, or the reader of stdout went away) */
  ok: 0,
  /** a usage error or an invalid argument */
  usage: 2,
  /** a device or host API error (unknown device, refused rate or channel count, stream failure) */
  device: 3,
  /** a file error (missing, unreadable, not writable, disk full, shorter than its header says) */
  file: 4,
  /** an xrun under --fatal-xruns (files are finalized first) */
  xrun: 5,
  /** stopped by SIGINT (Ctrl-C); files are finalized and the summary printed */
  sigint: 130,
  /** stopped by SIGTERM; files are finalized and the summary printed */
  sigterm: 143,
} as const

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]

/** The EXIT CODES section of `--help`. */
export const exitCodesHelp = `EXIT CODES
  0    the run completed (or the reader of stdout went away, as with | head)
  2    usage error or invalid argument
  3    device or host API error (unknown device, unsupported rate or channels, stream failure)
  4    file error (missing, unreadable, not writable, disk full, cut short)
  5    an xrun under --fatal-xruns (files are finalized first)
  130  stopped by SIGINT (Ctrl-C), 143 by SIGTERM, after finalizing files`
