/**
 * Which command a command line runs. `pastream in.wav out.wav` and
 * `pastream -c1 -r48k file.raw` run the default command (`playrec`) with
 * their sox-style flags normalized; `pastream devices`, `pastream plugins
 * link DIR` and the other commands (plugins' too) pass through unchanged.
 * A file whose name is a command's name can be given as `./devices`.
 */
import { normalizeArgv } from './argv.js'

/** The default command's id. */
export const defaultCommand = 'playrec'

/**
 * The argv oclif should run.
 * @param isCommand true for a command or topic id (oclif's findCommand/findTopic)
 * @example
 * ```ts
 * route(['in.wav', 'out.wav', '-c1'], () => false) // ['playrec', 'in.wav', 'out.wav', '--channels=1']
 * route(['devices', '--json'], (id) => id === 'devices') // ['devices', '--json']
 * ```
 */
export function route(argv: readonly string[], isCommand: (id: string) => boolean): string[] {
  const first = argv[0]
  if (first === undefined || first === '--version' || first === 'help') return [...argv]
  if (first === defaultCommand) return [defaultCommand, ...normalizeArgv(argv.slice(1))]
  if (!first.startsWith('-') && first !== '' && isCommand(first)) return [...argv]
  return [defaultCommand, ...normalizeArgv(argv)]
}
