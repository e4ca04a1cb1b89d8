// The platforms pastream's addons are prebuilt for, one npm package each
// (packages/native/<dir>/, an optional dependency of core-native), and how
// this process names its own platform: process.platform, process.arch and,
// on Linux, the C library. test/platforms.test.ts checks that the packages'
// package.json files (os, cpu, libc) agree with this table.

/** The C library a Linux process runs on; prebuilt addons for one do not load on the other. */
export type Libc = 'glibc' | 'musl'

/** One platform with a prebuilt package. */
export interface PlatformPackage {
  /** `process.platform` */
  platform: string
  /** `process.arch` */
  arch: string
  /** Linux only: the C library the binaries were built against */
  libc?: Libc
  /** the npm package holding `pastream_core.node` and `pastream_sndfile.node` for it */
  packageName: string
}

/**
 * Every platform with a prebuilt package, in the order the README lists them.
 * @example
 * ```ts
 * platformPackages.map((p) => p.packageName) // ['@pastream/native-linux-x64-gnu', ...]
 * ```
 */
export const platformPackages: readonly PlatformPackage[] = [
  { platform: 'linux', arch: 'x64', libc: 'glibc', packageName: '@pastream/native-linux-x64-gnu' },
  { platform: 'linux', arch: 'arm64', libc: 'glibc', packageName: '@pastream/native-linux-arm64-gnu' },
  { platform: 'darwin', arch: 'x64', packageName: '@pastream/native-darwin-x64' },
  { platform: 'darwin', arch: 'arm64', packageName: '@pastream/native-darwin-arm64' },
  { platform: 'win32', arch: 'x64', packageName: '@pastream/native-win32-x64' },
]

/** A platform as a person reads it: `linux-arm64 (musl)`, `darwin-arm64`. */
export function platformLabel(platform: string, arch: string, libc?: Libc): string {
  return platform === 'linux' && libc !== undefined ? `${platform}-${arch} (${libc})` : `${platform}-${arch}`
}

/**
 * The package prebuilt for a platform, or `undefined` when there is none.
 * `libc` only matters on Linux.
 * @example
 * ```ts
 * platformPackageFor('linux', 'x64', 'glibc')?.packageName // '@pastream/native-linux-x64-gnu'
 * platformPackageFor('linux', 'x64', 'musl') // undefined
 * ```
 */
export function platformPackageFor(platform: string, arch: string, libc?: Libc): PlatformPackage | undefined {
  return platformPackages.find(
    (entry) => entry.platform === platform && entry.arch === arch && (platform !== 'linux' || entry.libc === libc),
  )
}

interface ReportHeader {
  header?: { glibcVersionRuntime?: unknown }
}

let detected: { libc: Libc | undefined } | undefined

/**
 * This process's C library on Linux (`undefined` elsewhere), without
 * spawning anything: a glibc Node reports `glibcVersionRuntime` in its
 * diagnostic report header, a musl one does not. Asked once per process.
 * @example
 * ```ts
 * detectLibc() // 'glibc' on Debian, 'musl' on Alpine, undefined on macOS
 * ```
 */
export function detectLibc(): Libc | undefined {
  if (detected === undefined) {
    let libc: Libc | undefined
    if (process.platform === 'linux') {
      // Node 20.13+: leave out the network interfaces, the slow part of a report
      const reports = process.report as typeof process.report & { excludeNetwork?: boolean }
      const excluded = reports.excludeNetwork
      if (excluded !== undefined) reports.excludeNetwork = true
      try {
        const report = reports.getReport() as ReportHeader
        libc = typeof report.header?.glibcVersionRuntime === 'string' ? 'glibc' : 'musl'
      } finally {
        if (excluded !== undefined) reports.excludeNetwork = excluded
      }
    }
    detected = { libc }
  }
  return detected.libc
}
