#!/usr/bin/env node
// The platform packages (packages/native/<platform>/) on their way to npm:
//
//   node scripts/native-packages.mjs check [--all]
//     this machine's platform package (--all: every one) holds both addons;
//     exit 1 naming what is missing (before a publish, with --all)
//   node scripts/native-packages.mjs load
//     loads both addons the way an installed app does (PASTREAM_ADDON=prebuild,
//     through core-native's and soundfile's dist/) and prints where from and
//     their versions: the test on runners without the virtual device
//   node scripts/native-packages.mjs collect <dir>
//     copies <dir>/<platform>/*.node and their licence files (the CI artifacts, one folder per
//     platform package) into packages/native/<platform>/
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { addonFiles, hostLabel, shippedFiles, hostPackage, nativeDir, nativePackages, repoRoot } from './lib/native-packages.mjs'

function fail(message) {
  console.error(`native-packages: ${message}`)
  process.exit(1)
}

function check(all) {
  const packages = all ? nativePackages() : [hostPackage()].filter(Boolean)
  if (packages.length === 0) fail(`no platform package under packages/native/ is for ${hostLabel()}`)
  const missing = []
  for (const { dir, manifest } of packages) {
    for (const file of shippedFiles) if (!existsSync(join(dir, file))) missing.push(`${manifest.name}: ${file}`)
  }
  if (missing.length > 0) fail(`missing addons (run pnpm build on that platform, or collect its CI artifacts):\n  ${missing.join('\n  ')}`)
  console.log(`native-packages: ${packages.map(({ manifest }) => manifest.name).join(', ')}: ${addonFiles.join(' and ')} present`)
}

function load() {
  const core = pathToFileURL(join(repoRoot, 'packages', 'core-native', 'dist', 'index.js')).href
  const soundfile = pathToFileURL(join(repoRoot, 'packages', 'soundfile', 'dist', 'index.js')).href
  const script = `
const core = await import(${JSON.stringify(core)})
const soundfile = await import(${JSON.stringify(soundfile)})
console.log(JSON.stringify(core.locateAddon('pastream_core', ${JSON.stringify(core)})) + ' ' + core.portaudioVersion().text)
console.log(JSON.stringify(core.locateAddon('pastream_sndfile', ${JSON.stringify(soundfile)})) + ' ' + soundfile.libsndfileVersion())
`
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, PASTREAM_ADDON: 'prebuild' },
    stdio: 'inherit',
  })
  if (result.status !== 0) fail(`loading the addons from the platform package for ${hostLabel()} failed (exit ${result.status ?? result.signal})`)
}

function collect(from) {
  if (!from) fail('collect needs the folder the artifacts were downloaded to')
  const root = resolve(from)
  let copied = 0
  for (const { folder, dir } of nativePackages()) {
    const source = join(root, folder)
    if (!existsSync(source)) continue
    for (const file of readdirSync(source).filter((name) => shippedFiles.includes(name))) {
      copyFileSync(join(source, file), join(dir, file))
      console.log(`native-packages: ${join(folder, file)} -> ${join('packages', 'native', folder, file)}`)
      copied++
    }
  }
  if (copied === 0) fail(`no <platform>/*.node under ${root} (expected folders named like those in ${nativeDir})`)
}

const [command, ...rest] = process.argv.slice(2)
if (command === 'check') check(rest.includes('--all'))
else if (command === 'load') load()
else if (command === 'collect') collect(rest[0])
else fail(`expected check [--all], load or collect <dir>, got ${command ?? 'nothing'}`)
