// What a cross-built target needs to run on this machine (scripts/cross/
// runtimes.json says what and why): the target's Node from the npm
// registry, checked against its pinned sha512, and its emulator. linux-arm64
// runs under qemu-user with the target's shared libraries the addons dlopen
// (libjack, libasound), from Debian's index for that architecture through
// apt-get with a private list; win32-x64 runs under wine, in a wine prefix
// of its own. All is kept in .tools/cross/<target>/ and made once.
//
//   node scripts/cross/runtime.mjs linux-arm64   prepare, then print the runtime as JSON
//   node scripts/cross/runtime.mjs win32-x64
//
// Used by scripts/cross/<target>.sh.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))))
const lock = JSON.parse(readFileSync(join(root, 'scripts', 'cross', 'runtimes.json'), 'utf8'))

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  if (result.error) throw new Error(`${command} could not start (${result.error.message})`)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}):\n${`${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n')}`)
  }
  return result.stdout ?? ''
}

// The target's node binary: npm pack of the pinned package, checked, bin/node
// (bin/node.exe) unpacked.
function ensureNode(spec, dir) {
  const version = process.versions.node
  const binary = spec.binary ?? 'bin/node'
  const node = join(dir, `node-${version}`, ...binary.split('/'))
  if (existsSync(node)) return node
  const integrity = spec.integrity[version]
  if (!integrity) {
    throw new Error(`scripts/cross/runtimes.json pins no ${spec.package} for Node ${version} (this machine's); add its integrity: npm view ${spec.package}@${version} dist.integrity`)
  }
  const work = join(dir, 'download')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  run('npm', ['pack', '--silent', '--pack-destination', work, `${spec.package}@${version}`], { cwd: work })
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack ${spec.package}@${version} left no tarball in ${work}`)
  const actual = `sha512-${createHash('sha512').update(readFileSync(join(work, tarball))).digest('base64')}`
  if (actual !== integrity) throw new Error(`${spec.package}@${version}: scripts/cross/runtimes.json pins ${integrity}, the registry served ${actual}`)
  run('tar', ['-xzf', join(work, tarball), '-C', work, `package/${binary}`])
  mkdirSync(dirname(node), { recursive: true })
  renameSync(join(work, 'package', ...binary.split('/')), node)
  rmSync(work, { recursive: true, force: true })
  return node
}

// The target's libraries: apt-get download from a private list of the
// target architecture's index (the machine's sources, state and lock untouched), dpkg -x.
function ensureLibraries(spec, dir) {
  const libroot = join(dir, 'root')
  const stamp = join(libroot, 'libraries.json')
  if (existsSync(stamp) && JSON.parse(readFileSync(stamp, 'utf8')).join() === spec.libraries.join()) return libroot
  const apt = join(dir, 'apt')
  for (const sub of ['lists/partial', 'cache/archives/partial', 'debs']) mkdirSync(join(apt, sub), { recursive: true })
  const sources = join(apt, 'sources.list')
  writeFileSync(sources, [
    `deb [arch=${spec.debianArch}] http://deb.debian.org/debian bookworm main`,
    `deb [arch=${spec.debianArch}] http://deb.debian.org/debian bookworm-updates main`,
    `deb [arch=${spec.debianArch}] http://deb.debian.org/debian-security bookworm-security main`,
  ].join('\n') + '\n')
  const options = [`-o=Dir::Etc::SourceList=${sources}`, '-o=Dir::Etc::SourceParts=/nonexistent', `-o=Dir::State::Lists=${join(apt, 'lists')}`,
    `-o=Dir::Cache=${join(apt, 'cache')}`, `-o=APT::Architectures::=${spec.debianArch}`, '-o=Debug::NoLocking=1', '-qq']
  const debs = join(apt, 'debs')
  rmSync(debs, { recursive: true, force: true })
  mkdirSync(debs)
  run('apt-get', [...options, 'update'])
  run('apt-get', [...options, 'download', ...spec.libraries.map((name) => `${name}:${spec.debianArch}`)], { cwd: debs })
  rmSync(libroot, { recursive: true, force: true })
  for (const deb of readdirSync(debs)) run('dpkg', ['-x', join(debs, deb), libroot])
  writeFileSync(stamp, `${JSON.stringify(spec.libraries)}\n`)
  return libroot
}

// The wine prefix (a Windows installation of wine's own) the target runs
// in: created by wineboot without a display, reporting Windows 10 (Node 20
// refuses to start on wine's default, Windows 7). Mono and Gecko are not
// installed (WINEDLLOVERRIDES): nothing here needs .NET or a browser.
function ensureWinePrefix(spec, dir) {
  const prefix = join(dir, 'wine')
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', DISPLAY: '' }
  if (spawnSync(spec.wine, ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${spec.wine} is not installed; run (as root): apt-get install --no-install-recommends wine wine64`)
  }
  const stamp = join(prefix, 'pastream-prefix.json')
  if (!existsSync(stamp)) {
    rmSync(prefix, { recursive: true, force: true })
    mkdirSync(prefix, { recursive: true })
    // wineboot returns once the prefix is made; -i initialises a new one
    run(spec.wine, ['wineboot', '-i'], { env })
    run(spec.wine, ['winecfg', '/v', spec.windowsVersion], { env })
    run('wineserver', ['-w'], { env })
    writeFileSync(stamp, `${JSON.stringify({ windowsVersion: spec.windowsVersion })}\n`)
  }
  return { prefix, env: { WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', DISPLAY: '' } }
}

// wine's audio driver is ALSA's (no PulseAudio server here); with no sound
// card it has no endpoint. ALSA's null device as `default` gives it one
// output and one input: ALSA's own configuration, then that override, for
// wine's processes only.
function ensureAlsaNull(dir) {
  const path = join(dir, 'asound-null.conf')
  writeFileSync(path, '</usr/share/alsa/alsa.conf>\npcm.!default { type null }\n')
  return path
}

// ALSA's jack PCM plugin, unpacked by scripts/setup.mjs into .tools/alsa-plugins
// (the host build) rather than installed: installing libasound2-plugins
// would add its PCMs (jack, pulse, ...) to every ALSA program on the
// machine, the host tests' device lists among them.
function jackPlugin() {
  const lib = join(root, '.tools', 'alsa-plugins', 'usr', 'lib')
  const found = existsSync(lib)
    ? readdirSync(lib).map((dir) => join(lib, dir, 'alsa-lib', 'libasound_module_pcm_jack.so')).find((path) => existsSync(path))
    : undefined
  if (!found) throw new Error(`ALSA's jack PCM plugin is not unpacked in ${join(root, '.tools', 'alsa-plugins')}: run node scripts/setup.mjs`)
  return found
}

/**
 * An ALSA configuration whose `default` is the virtual loopback device:
 * ALSA's jack PCM, its ports wired to the JACK client `client`'s
 * (playback_<n> hears what is played, capture_<n> gives it back), behind
 * `plug`, since the jack PCM takes float samples only and wine asks for
 * 16-bit too. The server is the one JACK_DEFAULT_SERVER names in the
 * environment of the process that opens it. Returns its path (for
 * ALSA_CONFIG_PATH).
 */
export function alsaLoopbackConfig(targetName, { client = 'loopback', channels = 2 } = {}) {
  const dir = join(root, '.tools', 'cross', targetName)
  mkdirSync(dir, { recursive: true })
  const ports = (kind) => Array.from({ length: channels }, (_, index) => `${index} ${client}:${kind}_${index + 1}`).join(' ')
  const path = join(dir, 'asound-loopback.conf')
  writeFileSync(path, [
    '</usr/share/alsa/alsa.conf>',
    `pcm_type.jack { lib "${jackPlugin()}" }`,
    // no `name`: with one, wine's input and output PCMs (the same name in one
    // process) hang the stream; without, the plugin warns that the client
    // name (the program's path) is cut to 31 characters, harmlessly
    `pcm.pastream_loopback { type jack playback_ports { ${ports('playback')} } capture_ports { ${ports('capture')} } }`,
    'pcm.!default { type plug slave.pcm pastream_loopback }',
    '',
  ].join('\n'))
  return path
}

function wineRuntime(targetName, spec) {
  const dir = join(root, '.tools', 'cross', targetName)
  mkdirSync(dir, { recursive: true })
  const wine = ensureWinePrefix(spec, dir)
  const node = ensureNode(spec.node, dir)
  return {
    node,
    wine: spec.wine,
    winePrefix: wine.prefix,
    /** the environment wine runs with: its prefix, quiet, no display, ALSA's null device */
    env: { ...wine.env, ALSA_CONFIG_PATH: ensureAlsaNull(dir) },
    /** argv (command first) running `node args...` of the target under wine */
    command: (args) => [spec.wine, node, ...args],
  }
}

/**
 * The emulated runtime of a target. linux-arm64: { node, qemu, sysroot,
 * libraryPath, bin, command(args) }, `command` giving the argv that runs the
 * target's node under qemu-user; win32-x64: { node, wine, winePrefix, env,
 * command(args) }, under wine with `env`.
 */
export function emulatedRuntime(targetName) {
  const spec = lock[targetName]
  if (!spec) throw new Error(`scripts/cross/runtimes.json has no ${targetName}; it has ${Object.keys(lock).filter((key) => key !== 'about').join(', ')}`)
  if (spec.wine) return wineRuntime(targetName, spec)
  if (spawnSync(spec.qemu, ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${spec.qemu} is not installed; run (as root): apt-get install --no-install-recommends qemu-user`)
  }
  if (!existsSync(join(spec.sysroot, 'lib'))) {
    throw new Error(`no ${spec.sysroot}/lib (the target's C library); run (as root): apt-get install --no-install-recommends g++-aarch64-linux-gnu`)
  }
  const dir = join(root, '.tools', 'cross', targetName)
  const node = ensureNode(spec.node, dir)
  const libroot = ensureLibraries(spec, dir)
  const libraryPath = [join(libroot, 'usr', 'lib', spec.multiarch), join(libroot, 'lib', spec.multiarch)].join(':')
  // `jackd` for startVirtualDevice: the target's server under qemu, its drivers from the unpacked package
  const bin = join(dir, 'bin')
  mkdirSync(bin, { recursive: true })
  const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`
  writeFileSync(join(bin, 'jackd'), `#!/bin/sh\nexec ${[spec.qemu, '-L', spec.sysroot, '-E', `LD_LIBRARY_PATH=${libraryPath}`,
    '-E', `JACK_DRIVER_DIR=${join(libroot, 'usr', 'lib', spec.multiarch, 'jack')}`, join(libroot, 'usr', 'bin', 'jackd')].map(quote).join(' ')} "$@"\n`, { mode: 0o755 })
  return {
    node,
    qemu: spec.qemu,
    sysroot: spec.sysroot,
    libraryPath,
    /** a folder holding `jackd`: the target's JACK server under qemu-user */
    bin,
    /** argv (command first) running `node args...` of the target under qemu-user */
    command: (args) => [spec.qemu, '-L', spec.sysroot, '-E', `LD_LIBRARY_PATH=${libraryPath}`, node, ...args],
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const runtime = emulatedRuntime(process.argv[2] ?? 'linux-arm64')
    console.log(JSON.stringify({ ...runtime, command: runtime.command([]) }))
  } catch (error) {
    console.error(`cross runtime: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
