#!/usr/bin/env node
// Cross-builds both addons for another target of native-deps/targets.mjs
// (one with a cross compiler: linux-arm64 on an x64 machine) into that
// target's platform package, the way scripts/prebuild-addon.mjs builds this
// machine's (scripts/lib/prebuild.mjs does the work for both): the native
// dependencies for the target (scripts/native-deps.mjs, cached by key), then
// core-native's pastream_core.node and soundfile's pastream_sndfile.node
// with prebuildify --arch <arch> and the target's compilers, each with its
// licences, into packages/native/<platform>/.
//
//   node scripts/cross-build.mjs linux-arm64
//
// node-gyp rebuilds in each addon package's build/, which then holds the
// other architecture's files: it is removed, so that nothing there (the
// loader's from-source place) is for the wrong machine.
import { rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { platformPackage, repoRoot } from './lib/native-packages.mjs'
import { addonPackage, buildNativeDeps, installAddon, loadTarget, prebuildify } from './lib/prebuild.mjs'

const addonPackages = ['core-native', 'soundfile'].map((name) => join(repoRoot, 'packages', name))

async function main() {
  const targetName = process.argv[2]
  if (!targetName) throw new Error('name the target to build, e.g. node scripts/cross-build.mjs linux-arm64')
  const target = await loadTarget(targetName)
  if (!target.built) throw new Error(`target ${targetName} is designed for (native-deps/targets.mjs) but not built yet`)
  if (!target.triplet) throw new Error(`${targetName} is this machine's own target: pnpm build builds it (scripts/prebuild-addon.mjs)`)
  const platform = platformPackage(target.platform, target.arch, target.libc)
  if (!platform) throw new Error(`no platform package under packages/native/ is for ${targetName} (${target.libc ?? 'any libc'})`)
  const started = Date.now()
  buildNativeDeps(targetName)
  for (const dir of addonPackages) {
    const { addon } = addonPackage(dir)
    try {
      const built = prebuildify(dir, target)
      const destination = join(platform.dir, `${addon}.node`)
      installAddon(dir, targetName, built, destination)
      console.log(`cross-build: ${addon}.node for ${targetName} -> ${relative(repoRoot, destination)} (${platform.manifest.name})`)
    } finally {
      rmSync(join(dir, 'build'), { recursive: true, force: true })
    }
  }
  console.log(`cross-build: ${targetName} built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

main().catch((error) => {
  console.error(`cross-build: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
