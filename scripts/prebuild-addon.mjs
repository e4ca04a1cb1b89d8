#!/usr/bin/env node
// Builds the N-API addon of the package in the current directory with
// prebuildify (stripped), against the local Node headers so that nothing is
// downloaded, and copies it into this machine's platform package
// (packages/native/<platform>/<target>.node, where core-native's
// addonLoader finds it), with the licences of the libraries linked into it
// beside it (<target>.THIRD-PARTY-LICENCES.txt). On a machine no platform
// package fits, both go to build/Release/ instead (the loader's from-source
// place). `--gyp-only` runs a plain node-gyp rebuild into build/ instead.
// First the static libraries binding.gyp links are built (or found in their
// cache) by scripts/native-deps.mjs. Used by core-native and soundfile.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hostLabel, hostPackage, repoRoot } from './lib/native-packages.mjs'
import { localNodedir } from './lib/node-headers.mjs'

const here = process.cwd()
const { name } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'))
const require = createRequire(join(here, 'package.json'))
const nodedir = localNodedir()
const env = { ...process.env }
if (nodedir) env.npm_config_nodedir = nodedir

// the addon's file name is its binding.gyp target's
const target = /"target_name"\s*:\s*"([^"]+)"/.exec(readFileSync(join(here, 'binding.gyp'), 'utf8'))?.[1]
if (!target) {
  console.error(`${name}: no "target_name" in ${join(here, 'binding.gyp')}`)
  process.exit(1)
}

const nativeDeps = join(dirname(fileURLToPath(import.meta.url)), 'native-deps.mjs')
const deps = spawnSync(process.execPath, [nativeDeps], { stdio: 'inherit' })
if (deps.status !== 0) {
  console.error(`${name}: the native dependencies did not build (exit ${deps.status ?? deps.signal}); see above`)
  process.exit(1)
}

const gypOnly = process.argv.includes('--gyp-only')
const bin = gypOnly
  ? require.resolve('node-gyp/bin/node-gyp.js')
  : join(dirname(require.resolve('prebuildify/package.json')), 'bin.js')
const args = gypOnly
  ? ['rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]
  : ['--napi', '--strip', `--name=${target}`]
const result = spawnSync(process.execPath, [bin, ...args], { cwd: here, env, stdio: 'inherit' })
if (result.status !== 0) {
  console.error(`${name}: ${gypOnly ? 'node-gyp rebuild' : 'prebuildify'} failed (exit ${result.status ?? result.signal})`)
  process.exit(1)
}
if (!gypOnly) {
  const built = join(here, 'prebuilds', `${process.platform}-${process.arch}`, `${target}.node`)
  const platform = hostPackage()
  const destination = platform
    ? join(platform.dir, `${target}.node`)
    : join(here, 'build', 'Release', `${target}.node`)
  mkdirSync(dirname(destination), { recursive: true })
  copyFileSync(built, destination)
  // the licences of the libraries linked in travel with the prebuilt addon
  const addon = name.replace(/^@pastream\//, '')
  const licences = spawnSync(process.execPath, [nativeDeps, '--licences', addon], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (licences.status !== 0) {
    console.error(`${name}: native-deps.mjs --licences ${addon} failed (exit ${licences.status ?? licences.signal})`)
    process.exit(1)
  }
  writeFileSync(join(dirname(destination), `${target}.THIRD-PARTY-LICENCES.txt`), licences.stdout)
  if (!platform) {
    console.log(`${name}: no platform package under packages/native/ is for ${hostLabel()}: ${target}.node went to build/Release/`)
  } else {
    console.log(`${name}: ${target}.node -> ${relative(repoRoot, destination)} (${platform.manifest.name})`)
  }
}
