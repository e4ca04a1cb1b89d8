// The platform packages under packages/native/ (one per prebuilt platform,
// each holding both addons' .node files) as the build scripts see them:
// their package.json fields (os, cpu, libc) say which machine each is for.
// core-native's src/platforms.ts is the loader's copy of the same table;
// its test/platforms.test.ts checks the two agree.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))))
export const nativeDir = join(repoRoot, 'packages', 'native')

/** The addons every platform package holds, by binding.gyp target. */
export const addonFiles = ['pastream_core.node', 'pastream_sndfile.node']

/** What travels with each addon: its file and the licences of what is linked into it. */
export const shippedFiles = addonFiles.flatMap((file) => [file, file.replace(/\.node$/, '.THIRD-PARTY-LICENCES.txt')])

/** Every platform package: { dir (absolute), folder (its name under packages/native), manifest }. */
export function nativePackages() {
  return readdirSync(nativeDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(nativeDir, entry.name, 'package.json')))
    .map((entry) => ({
      folder: entry.name,
      dir: join(nativeDir, entry.name),
      manifest: JSON.parse(readFileSync(join(nativeDir, entry.name, 'package.json'), 'utf8')),
    }))
}

/** This machine's C library on Linux, as package.json's libc field names it (undefined elsewhere). */
export function hostLibc() {
  if (process.platform !== 'linux') return undefined
  return typeof process.report.getReport().header?.glibcVersionRuntime === 'string' ? 'glibc' : 'musl'
}

/** The platform label messages use: linux-x64 (glibc), darwin-arm64. */
export function hostLabel() {
  const libc = hostLibc()
  return `${process.platform}-${process.arch}${libc ? ` (${libc})` : ''}`
}

/** The platform package for a platform, arch and (Linux) C library, or undefined when none fits. */
export function platformPackage(platform, arch, libc) {
  return nativePackages().find(
    ({ manifest }) =>
      manifest.os?.includes(platform) &&
      manifest.cpu?.includes(arch) &&
      (libc === undefined || manifest.libc === undefined || manifest.libc.includes(libc)),
  )
}

/** The platform package this machine's build fills, or undefined when none fits. */
export function hostPackage() {
  return platformPackage(process.platform, process.arch, hostLibc())
}
