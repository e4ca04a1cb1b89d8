/**
 * The base of pastream's commands: failures (ours and oclif's parse errors)
 * are reported as one `pastream: ...` line with the exit code from
 * exit-codes.ts, instead of oclif's default error output.
 */
import { Command } from '@oclif/core'
import { reportError } from './report.js'

export abstract class PastreamCommand extends Command {
  protected override async catch(error: Error): Promise<unknown> {
    // oclif's ExitError (this.exit) carries its code already
    if (error.constructor.name === 'ExitError') throw error
    // a parse error is reported here; oclif need not warn that parse() did not finish
    this.parsed = true
    process.exitCode = reportError(error)
    return undefined
  }
}
