/**
 * @pastream/cli: the `pastream` command. The library entry exports the pure
 * pieces the command is made of (argument normalizing, option parsing,
 * status formatting, exit codes), for tests and for plugins.
 */
export { normalizeArgv, valueFlags, booleanFlags } from './argv.js'
export { parseMap, parsePair, isNone, frameCount, UsageError, type Pair } from './values.js'
export { formatStatus, formatSummary, type StatusInfo, type SummaryInfo } from './status.js'
export { exitCodes, type ExitCode } from './exit-codes.js'
export { describeError } from './report.js'
export { route } from './route.js'
export type { PlayrecSummary, PlayrecFlags, XrunCounts } from './session.js'
