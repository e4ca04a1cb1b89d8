#!/usr/bin/env node
// Builds the N-API addon of the package in the current directory for this
// machine (scripts/lib/prebuild.mjs: native dependencies, prebuildify,
// licences) and copies it into this machine's platform package
// (packages/native/<platform>/<addon>.node, where core-native's addonLoader
// finds it). On a machine no platform package fits, it goes to
// build/Release/ instead (the loader's from-source place). `--gyp-only`
// runs a plain node-gyp rebuild into build/ instead. Used by core-native
// and soundfile; scripts/cross-build.mjs builds other targets.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { hostLabel, hostPackage, repoRoot } from './lib/native-packages.mjs'
import { localNodedir } from './lib/node-headers.mjs'
import { addonPackage, buildNativeDeps, gypEnv, installAddon, loadTarget, prebuildify } from './lib/prebuild.mjs'

const here = process.cwd()

function gypRebuild() {
  const require = createRequire(join(here, 'package.json'))
  const nodedir = localNodedir()
  const args = [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]
  const result = spawnSync(process.execPath, args, { cwd: here, env: gypEnv(undefined), stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`node-gyp rebuild failed (exit ${result.status ?? result.signal})`)
}

async function main() {
  const { name, addon } = addonPackage(here)
  const targetName = `${process.platform}-${process.arch}`
  buildNativeDeps(targetName)
  if (process.argv.includes('--gyp-only')) return gypRebuild()
  const target = await loadTarget(targetName)
  const built = prebuildify(here, target)
  const platform = hostPackage()
  const destination = platform ? join(platform.dir, `${addon}.node`) : join(here, 'build', 'Release', `${addon}.node`)
  installAddon(here, targetName, built, destination)
  if (!platform) {
    console.log(`${name}: no platform package under packages/native/ is for ${hostLabel()}: ${addon}.node went to build/Release/`)
  } else {
    console.log(`${name}: ${addon}.node -> ${relative(repoRoot, destination)} (${platform.manifest.name})`)
  }
}

main().catch((error) => {
  console.error(`${relative(repoRoot, here) || '.'}: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
