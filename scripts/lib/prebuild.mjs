// Building one addon package's N-API addon (core-native's pastream_core,
// soundfile's pastream_sndfile) for a target of native-deps/targets.mjs:
// this machine's (scripts/prebuild-addon.mjs) or a cross-built one
// (scripts/cross-build.mjs). First the static libraries binding.gyp links
// are built (or found in their cache) by scripts/native-deps.mjs for that
// target; then prebuildify (stripped, --napi) against the local Node
// headers, so that nothing is downloaded (N-API headers are the same on
// every architecture); then the addon and the licences of the libraries
// linked into it (<target>.THIRD-PARTY-LICENCES.txt) go into the target's
// platform package (packages/native/<platform>/), where core-native's
// addonLoader finds them.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { repoRoot } from './native-packages.mjs'
import { localNodedir } from './node-headers.mjs'

const nativeDeps = join(repoRoot, 'scripts', 'native-deps.mjs')

/** A target of native-deps/targets.mjs by name (`linux-arm64`); throws naming the known ones. */
export async function loadTarget(name) {
  const { targets } = await import(pathToFileURL(join(repoRoot, 'native-deps', 'targets.mjs')).href)
  const target = targets[name]
  if (!target) throw new Error(`unknown target ${name}; known: ${Object.keys(targets).join(', ')}`)
  const [platform, arch] = name.split('-')
  return { ...target, platform, arch }
}

function runNode(args, options, what) {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', ...options })
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal})${options.encoding ? '' : '; see above'}`)
  return result
}

/** Builds (or finds) the native dependencies of a target. */
export function buildNativeDeps(targetName) {
  runNode([nativeDeps, '--target', targetName], {}, `node scripts/native-deps.mjs --target ${targetName}`)
}

/** The addon package in `packageDir`: its npm name and its binding.gyp target (the addon's file name). */
export function addonPackage(packageDir) {
  const { name } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))
  const addon = /"target_name"\s*:\s*"([^"]+)"/.exec(readFileSync(join(packageDir, 'binding.gyp'), 'utf8'))?.[1]
  if (!addon) throw new Error(`${name}: no "target_name" in ${join(packageDir, 'binding.gyp')}`)
  return { name, addon }
}

/**
 * node-gyp's environment: the local Node headers, and for a cross target its
 * compilers (node-gyp's make generator reads CC, CXX, AR and LINK) and strip,
 * and its name for native-deps.mjs and prebuildify: node-gyp and prebuildify
 * know the build machine's platform only, and binding.gyp asks native-deps.mjs
 * by arch (win32-x64 from a linux-x64 machine is the same arch).
 */
export function gypEnv(target) {
  const env = { ...process.env }
  const nodedir = localNodedir()
  if (nodedir) env.npm_config_nodedir = nodedir
  if (target?.triplet) {
    Object.assign(env, {
      CC: target.cc, CXX: target.cxx, AR: target.ar, LINK: target.cxx, PREBUILD_STRIP_BIN: target.strip,
      PASTREAM_NATIVE_TARGET: target.name, PREBUILD_PLATFORM: target.platform,
    })
  }
  return env
}

/**
 * prebuildify for `target` (this machine's when its triplet is undefined)
 * in `packageDir`; returns the built file (prebuilds/<platform>-<arch>/<addon>.node).
 */
export function prebuildify(packageDir, target) {
  const { name, addon } = addonPackage(packageDir)
  const require = createRequire(join(packageDir, 'package.json'))
  const bin = join(dirname(require.resolve('prebuildify/package.json')), 'bin.js')
  const args = ['--napi', '--strip', `--name=${addon}`, ...(target.triplet ? [`--arch=${target.arch}`] : [])]
  runNode([bin, ...args], { cwd: packageDir, env: gypEnv(target) }, `${name}: prebuildify ${args.join(' ')}`)
  return join(packageDir, 'prebuilds', `${target.platform}-${target.arch}`, `${addon}.node`)
}

/**
 * Copies a built addon to `destination` (a .node path) with the licences of
 * what it links beside it (native-deps.mjs --licences).
 */
export function installAddon(packageDir, targetName, built, destination) {
  const { name, addon } = addonPackage(packageDir)
  mkdirSync(dirname(destination), { recursive: true })
  copyFileSync(built, destination)
  const owner = name.replace(/^@pastream\//, '')
  const licences = runNode([nativeDeps, '--target', targetName, '--licences', owner],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }, `native-deps.mjs --licences ${owner}`)
  writeFileSync(join(dirname(destination), `${addon}.THIRD-PARTY-LICENCES.txt`), licences.stdout)
}
