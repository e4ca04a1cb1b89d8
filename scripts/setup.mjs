#!/usr/bin/env node
// Everything a fresh Debian/Ubuntu machine with only Node.js and npm needs,
// then one root script: `node scripts/setup.mjs --run check` (npm test) or
// `--run main` (npm start). Each step checks first and skips what is done,
// so a second run takes a few seconds.
//
//  1. system packages (JACK, ALSA's and JACK's headers, cmake, a C/C++ toolchain) with
//     apt-get when root; otherwise the exact command to run, and exit 1
//     and ALSA's jack PCM plugin unpacked into .tools/alsa-plugins (not
//     installed: the machine's ALSA setup stays as it is)
//  2. pnpm, installed with npm (corepack's signature check fails on
//     machines without internet access to its key server)
//  3. pnpm install --frozen-lockfile
//  4. pnpm run build (turbo: a cache hit when nothing changed); its first step
//     builds PortAudio, libsndfile and the codecs from pinned sources into
//     .tools/native-deps/ (about two minutes once, then a no-op)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { localNodedir } from './lib/node-headers.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const pnpmVersion = manifest.packageManager.replace(/^pnpm@/, '')

// Debian package names; each line says why.
const systemPackages = [
  // PortAudio, libsndfile and the codecs are not system packages: scripts/native-deps.mjs
  // builds them from pinned sources and the addons link them statically. What that build needs:
  'libasound2-dev', // ALSA's headers: PortAudio's ALSA host API (libasound itself is dlopened at run time)
  'libjack-jackd2-dev', // JACK's headers: PortAudio's JACK host API and core-native's jack_shim.c (libjack is dlopened)
  'cmake', // builds libogg, libvorbis, FLAC, mpg123 and libsndfile
  'patch', // applies Debian's patch series (libsndfile's and mpg123's security fixes, PortAudio's)
  'bzip2', 'xz-utils', // unpack the .tar.bz2 and .tar.xz sources
  'jackd2', // the JACK server: the virtual loopback device for tests and `npm start`
  'python3', 'make', 'g++', 'pkg-config', // node-gyp
  'valgrind', // core-native: scripts/test-c.sh runs the C unit tests under memcheck too
  'sox', // the soundfile tests check that finalized recordings open in sox too; the CLI tests pipe from it
  'chromium', // dsp-examples: the scope page's test drives it headless (playwright-core, executablePath)
  'fonts-dejavu-core', // dsp-examples: the PNG plot's axis labels
]

function log(message) {
  console.log(`[setup] ${message}`)
}

function fail(message) {
  console.error(`[setup] ${message}`)
  process.exit(1)
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options })
  if (result.error) fail(`${command} could not start: ${result.error.message}`)
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed with exit code ${result.status ?? result.signal}`)
}

function output(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: root })
  return result.status === 0 ? result.stdout : undefined
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number)
  if (major < 20 || (major === 20 && minor < 9)) fail(`Node.js 20.9 or newer is required, this is ${process.version}`)
}

function missingDebianPackages() {
  const out = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...systemPackages], {
    encoding: 'utf8',
  })
  if (out.error) return undefined // not a dpkg system
  const installed = new Set(
    out.stdout.split('\n').filter((line) => /\sii\s*$/.test(line)).map((line) => line.split(' ')[0]),
  )
  return systemPackages.filter((name) => !installed.has(name))
}

function ensureSystemPackages() {
  const missing = missingDebianPackages()
  if (missing === undefined) {
    log('not a Debian/Ubuntu system: install JACK 2, the ALSA and JACK development headers, cmake, patch and a C++ toolchain with your package manager')
    return
  }
  if (missing.length === 0) return
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`
  if (process.getuid?.() !== 0) fail(`missing system packages: ${missing.join(', ')}. Run:\n  sudo sh -c '${command}'`)
  log(`installing system packages: ${missing.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  run('apt-get', ['update', '-qq'], { env })
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env })
}

// ALSA's jack PCM plugin (Debian: libasound2-plugins), unpacked with dpkg -x
// into .tools/alsa-plugins rather than installed, so that ALSA on this
// machine is unchanged: the stream package's tests point a private ALSA
// config at it to reach the virtual device through PortAudio's ALSA host
// API (test/device-loss-alsa.test.ts finds it there).
const alsaPlugins = join(root, '.tools', 'alsa-plugins')

function jackPluginUnpacked() {
  const lib = join(alsaPlugins, 'usr', 'lib')
  if (!existsSync(lib)) return false
  return readdirSync(lib).some((dir) => existsSync(join(lib, dir, 'alsa-lib', 'libasound_module_pcm_jack.so')))
}

function ensureAlsaJackPlugin() {
  if (jackPluginUnpacked() || missingDebianPackages() === undefined) return
  log("unpacking ALSA's jack PCM plugin (libasound2-plugins) into .tools/alsa-plugins")
  const work = mkdtempSync(join(tmpdir(), 'pastream-alsa-'))
  try {
    const download = () => spawnSync('apt-get', ['download', '-qq', 'libasound2-plugins'], { cwd: work, stdio: 'inherit' })
    let result = download()
    if (result.status !== 0 && process.getuid?.() === 0) {
      // an old package list names a version the mirror no longer has
      run('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
      result = download()
    }
    if (result.status !== 0) fail('apt-get download libasound2-plugins failed (run apt-get update first)')
    const deb = readdirSync(work).find((name) => name.endsWith('.deb'))
    if (!deb) fail('apt-get download libasound2-plugins left no .deb')
    // a fresh clone has no .tools yet, and dpkg -x makes only the last folder
    mkdirSync(alsaPlugins, { recursive: true })
    run('dpkg', ['-x', join(work, deb), alsaPlugins])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (!jackPluginUnpacked()) fail('libasound2-plugins has no jack PCM plugin (libasound_module_pcm_jack.so)')
}

// Returns the command that runs pnpm (a global one of the right major, or ours).
function ensurePnpm() {
  const wantMajor = pnpmVersion.split('.')[0]
  const local = join(root, '.tools', 'node_modules', 'pnpm', 'bin', 'pnpm.cjs')
  if (existsSync(local)) return [process.execPath, local]
  const global = output('pnpm', ['--version'])
  if (global && global.trim().split('.')[0] === wantMajor) return ['pnpm']
  log(`installing pnpm ${pnpmVersion} with npm into .tools/`)
  run('npm', ['install', '--prefix', join(root, '.tools'), '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${pnpmVersion}`])
  if (!existsSync(local)) fail('pnpm did not install')
  return [process.execPath, local]
}

function main() {
  const runIndex = process.argv.indexOf('--run')
  const script = runIndex >= 0 ? process.argv[runIndex + 1] : undefined
  const scriptArgs = runIndex >= 0 ? process.argv.slice(runIndex + 2) : []
  checkNode()
  ensureSystemPackages()
  ensureAlsaJackPlugin()
  const [pnpm, ...pnpmPrefix] = ensurePnpm()
  const env = { ...process.env }
  const nodedir = localNodedir()
  if (nodedir) env.npm_config_nodedir = nodedir
  // pnpm's own binary directory on PATH, so root scripts can call pnpm again
  if (pnpm === process.execPath) env.PATH = `${join(root, '.tools', 'node_modules', '.bin')}:${env.PATH ?? ''}`
  const pnpmRun = (args) => run(pnpm, [...pnpmPrefix, ...args], { env })
  // Workspace install scripts are skipped: the build below compiles the addon
  // itself, against local headers, once.
  pnpmRun(['install', '--frozen-lockfile', '--ignore-scripts', '--reporter=append-only'])
  pnpmRun(['run', 'build'])
  if (script) pnpmRun(['run', script, ...scriptArgs])
}

main()
