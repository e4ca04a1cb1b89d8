/**
 * oclif's help, with the default command shown as users type it:
 * `$ pastream [INPUT] [OUTPUT] [FLAGS]`, not `$ pastream playrec ...`.
 */
import { Help, type Command } from '@oclif/core'
import { defaultCommand } from './route.js'

export default class PastreamHelp extends Help {
  override formatCommand(command: Command.Loadable): string {
    const text = super.formatCommand(command)
    if (command.id !== defaultCommand) return text
    // the id may be wrapped in colour codes when stdout is a terminal
    return text.replace(new RegExp(`${defaultCommand}((?:\\u001b\\[[\\d;]*m)*) `, 'g'), '$1')
  }
}
