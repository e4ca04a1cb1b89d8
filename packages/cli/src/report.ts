/**
 * How the commands report a failure: one line `pastream: <what>: <why>`, a
 * hint where it helps, no stack trace unless --debug or DEBUG is set, and
 * the exit code from exit-codes.ts.
 */
import { exitCodes, type ExitCode } from './exit-codes.js'

interface ReportedError {
  message: string
  code: ExitCode
  hint?: string | undefined
}

/** oclif's own parse failures, by their class names. */
const oclifUsageErrors = new Set(['NonExistentFlagsError', 'UnexpectedArgsError', 'RequiredArgsError', 'FailedFlagValidationError', 'CLIParseError', 'ArgInvalidOptionError', 'FlagInvalidOptionError'])

/** Classifies an error thrown by a command or by oclif's parser. */
export function describeError(error: unknown): ReportedError {
  if (error instanceof Error) {
    const withCode = error as Error & { code?: unknown; hint?: unknown }
    const hint = typeof withCode.hint === 'string' ? withCode.hint : undefined
    if (error.name === 'UsageError') return { message: error.message, code: exitCodes.usage, hint: hint ?? "see 'pastream --help'" }
    if (error.name === 'CliError' && typeof withCode.code === 'number') return { message: error.message, code: withCode.code as ExitCode, hint }
    if (oclifUsageErrors.has(error.constructor.name) || oclifUsageErrors.has(error.name)) {
      // oclif's messages carry their own "See more help with --help" line
      const first = error.message.split('\n')[0] ?? error.message
      return { message: first.replace(/^Nonexistent flags?: /, 'unknown option: ').replace(/^Unexpected arguments?: /, 'unexpected argument: '), code: exitCodes.usage, hint: "see 'pastream --help'" }
    }
    return { message: error.message, code: exitCodes.device, hint }
  }
  return { message: String(error), code: exitCodes.device }
}

/** True when --debug or DEBUG asks for stack traces. */
export function debugging(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--debug') || (process.env.DEBUG !== undefined && process.env.DEBUG !== '')
}

/** Writes the error line (and hint, and the stack when debugging) to stderr; returns the exit code. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): ExitCode {
  const { message, code, hint } = describeError(error)
  let text = `pastream: ${message}\n`
  if (hint !== undefined) text += `pastream: ${hint}\n`
  if (debugging() && error instanceof Error && error.stack) text += `${error.stack}\n`
  stderr.write(text)
  return code
}
