#!/usr/bin/env node
// Builds the N-API addon of the package in the current directory into
// prebuilds/<platform>-<arch>/ with prebuildify (stripped), against the local
// Node headers so that nothing is downloaded. `--gyp-only` runs a plain
// node-gyp rebuild into build/ instead. Used by core-native and soundfile.
// First the static libraries binding.gyp links are built (or found in their
// cache) by scripts/native-deps.mjs; their licences are written to
// prebuilds/THIRD-PARTY-LICENCES.txt next to the addon.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { localNodedir } from './lib/node-headers.mjs'

const here = process.cwd()
const { name } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'))
const require = createRequire(join(here, 'package.json'))
const nodedir = localNodedir()
const env = { ...process.env }
if (nodedir) env.npm_config_nodedir = nodedir

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
const args = gypOnly ? ['rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])] : ['--napi', '--strip']
const result = spawnSync(process.execPath, [bin, ...args], { cwd: here, env, stdio: 'inherit' })
if (result.status !== 0) {
  console.error(`${name}: ${gypOnly ? 'node-gyp rebuild' : 'prebuildify'} failed (exit ${result.status ?? result.signal})`)
  process.exit(1)
}

// The licences of the libraries linked in travel with the prebuilt addon.
if (!gypOnly) {
  const addon = name.replace(/^@pastream\//, '')
  const licences = spawnSync(process.execPath, [nativeDeps, '--licences', addon], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (licences.status !== 0) {
    console.error(`${name}: native-deps.mjs --licences ${addon} failed (exit ${licences.status ?? licences.signal})`)
    process.exit(1)
  }
  writeFileSync(join(here, 'prebuilds', 'THIRD-PARTY-LICENCES.txt'), licences.stdout)
}
