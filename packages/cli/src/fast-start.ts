/**
 * `pastream --version`, `-l` and `devices [--json]` answered without oclif:
 * loading @oclif/core and its config costs more than Node's own start, and
 * these command lines need neither (`--version` loads nothing else either,
 * `-l` only @pastream/stream). Each answer is the one oclif 4 gives, byte for
 * byte (test/fast-start.test.ts compares the two). Wherever oclif could
 * answer differently, bin/run.js runs oclif instead: a user's plugins (their
 * hooks and commands), DEBUG or PASTREAM_DEBUG (its debug output),
 * PASTREAM_CONTENT_TYPE (JSON output), a JSON theme, WSL (oclif names the
 * platform `wsl`), Windows (other directories) or a deleted working
 * directory (oclif warns).
 */
import { existsSync, readFileSync } from 'node:fs'
import { arch, homedir, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { format } from 'node:util'
import { listDevices } from './device-listing.js'
import { reportError } from './report.js'

/** A command line fast-start answers: the version, or the device list (as data with `json`). */
export type FastCommand = { kind: 'version' } | { kind: 'devices'; json: boolean }

/** The package.json fields oclif's answers come from. */
export interface CliPackage {
  name: string
  version?: string
  oclif?: { bin?: string; dirname?: string }
}

/** The device-list command lines (argv joined by NUL), to whether they ask for JSON. */
const deviceForms = new Map<string, boolean>(
  [
    [['-l'], false],
    [['--list'], false],
    [['-l', '--json'], true],
    [['--list', '--json'], true],
    [['devices'], false],
    [['devices', '--json'], true],
  ].map(([argv, json]) => [(argv as string[]).join('\0'), json as boolean]),
)

/**
 * The command a command line is, if fast-start can answer it. oclif prints
 * the version whenever `--version` comes first, whatever follows.
 * @example
 * ```ts
 * fastCommand(['devices', '--json']) // { kind: 'devices', json: true }
 * fastCommand(['-l', '-D', '1']) // undefined: oclif parses that
 * ```
 */
export function fastCommand(argv: readonly string[]): FastCommand | undefined {
  if (argv[0] === '--version') return { kind: 'version' }
  const json = deviceForms.get(argv.join('\0'))
  return json === undefined ? undefined : { kind: 'devices', json }
}

/**
 * Why oclif must answer `command` in this environment, or undefined when
 * fast-start gives oclif's answer. Reads the user's plugin list and theme
 * file where oclif would.
 * @example
 * ```ts
 * oclifNeeded({ kind: 'version' }, cliPackage(), { DEBUG: '*' }) // 'DEBUG is set'
 * ```
 */
export function oclifNeeded(command: FastCommand, pkg: CliPackage, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.platform === 'win32') return 'Windows'
  if (mayBeWsl()) return 'WSL'
  try {
    process.cwd()
  } catch {
    return 'no working directory'
  }
  const scoped = (key: string): string => `${(pkg.oclif?.bin || pkg.name).replaceAll('@', '').replaceAll(/[/-]/g, '_')}_${key}`.toUpperCase()
  if (env.DEBUG !== undefined) return 'DEBUG is set'
  if (env[scoped('DEBUG')] !== undefined) return `${scoped('DEBUG')} is set`
  if (env[scoped('CONTENT_TYPE')] !== undefined) return `${scoped('CONTENT_TYPE')} is set`
  // oclif's directories (Config.dir), as on Linux and macOS
  const home = env.HOME || homedir() || tmpdir()
  const dirname = pkg.oclif?.dirname || pkg.name
  const dataDir = env[scoped('DATA_DIR')] || join(env.XDG_DATA_HOME || join(home, '.local/share'), dirname)
  if (hasUserPlugins(join(dataDir, 'package.json'))) return 'user plugins'
  if (command.kind === 'devices' && command.json) {
    const configDir = env[scoped('CONFIG_DIR')] || join(env.XDG_CONFIG_HOME || join(home, '.config'), dirname)
    if (existsSync(join(configDir, 'theme.json'))) return 'a theme'
  }
  return undefined
}

/**
 * What oclif prints for `--version` (its Config.userAgent).
 * @example
 * ```ts
 * userAgent(cliPackage()) // '@pastream/cli/0.0.0 linux-x64 node-v20.20.2'
 * ```
 */
export function userAgent(pkg: CliPackage): string {
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pkg.name}/${pkg.version || '0.0.0'} ${process.platform}-${cpu} node-${process.version}`
}

/** The CLI's own package.json (dist/ and src/ both sit beside it). */
export function cliPackage(): CliPackage {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as CliPackage
}

/**
 * Answers the command line if fast-start can, as oclif would; false when
 * oclif must run it.
 * @example
 * ```ts
 * if (!(await fastStart(process.argv.slice(2)))) await runOclif()
 * ```
 */
export async function fastStart(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const command = fastCommand(argv)
  if (command === undefined) return false
  const pkg = cliPackage()
  if (oclifNeeded(command, pkg, env) !== undefined) return false
  // oclif writes through ux.stdout: console.log(format(text))
  if (command.kind === 'version') {
    console.log(format(userAgent(pkg)))
    return true
  }
  try {
    const listing = await listDevices(command.json)
    // oclif's logJson: colorizeJson without a theme is JSON.stringify(_, _, 2)
    if (command.json) console.log(format(JSON.stringify(listing, undefined, 2)))
  } catch (error) {
    // as PastreamCommand.catch reports it (nothing on stdout, with --json too)
    process.exitCode = reportError(error)
  }
  return true
}

/** True where oclif (wsl-utils) might name the platform `wsl`. */
function mayBeWsl(): boolean {
  if (process.platform !== 'linux') return false
  if (release().toLowerCase().includes('microsoft')) return true
  try {
    if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return true
  } catch {
    // no /proc: the checks below decide
  }
  return existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')
}

/** True unless the user's plugin list (oclif's data dir package.json) is missing or lists none. */
function hasUserPlugins(path: string): boolean {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'
  }
  try {
    const pjson = JSON.parse(text) as unknown
    if (typeof pjson !== 'object' || pjson === null) return true
    const plugins = (pjson as { oclif?: { plugins?: unknown } }).oclif?.plugins
    return !(plugins === undefined || plugins === null || (Array.isArray(plugins) && plugins.length === 0))
  } catch {
    return true
  }
}
