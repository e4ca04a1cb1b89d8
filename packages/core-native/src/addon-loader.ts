// Where a pastream addon is loaded from, decided once for both addons
// (core-native's pastream_core, soundfile's pastream_sndfile): the platform
// package that fits this process (an optional dependency of core-native),
// then the addon package's own build/Release (a from-source build).
// `resolveAddon` is the decision, a pure function of its inputs;
// `locateAddon` asks the file system; `addonLoader` loads on first use.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PastreamError } from './errors.js'
import { detectLibc, platformLabel, platformPackageFor, platformPackages, type Libc } from './platforms.js'

/**
 * Where addons may come from, set with the `PASTREAM_ADDON` environment
 * variable: unset (`auto`) the platform package, then `build/Release`;
 * `prebuild` the platform package only (what an installed app gets; the
 * packing tests use it); `build` `build/Release` only (a from-source build,
 * even where a platform package is installed).
 */
export type AddonMode = 'auto' | 'prebuild' | 'build'

/** What {@link resolveAddon} decides from. */
export interface AddonQuery {
  /** the addon's file name without `.node`: `pastream_core`, `pastream_sndfile` */
  addon: string
  /** the npm name of the package the addon belongs to (for messages) */
  ownerName: string
  /** that package's root: a from-source build sits in its `build/Release/` */
  ownerRoot: string
  platform: string
  arch: string
  /** Linux: the C library; ignored elsewhere */
  libc: Libc | undefined
  mode: AddonMode
  /** where a package is installed (its root), `undefined` when it is not */
  packageRoot: (packageName: string) => string | undefined
  /** whether a file exists */
  exists: (path: string) => boolean
}

/** Where an addon was found. */
export interface AddonLocation {
  /** the `.node` file */
  path: string
  /** a prebuilt platform package, or a from-source build */
  source: 'platform-package' | 'build'
  /** with `platform-package`: its name */
  packageName?: string
}

/**
 * No addon binary fits this process (`code` `ERR_PASTREAM_NO_PREBUILD`):
 * the platform has no prebuilt package, or its package was not installed
 * (optional dependencies left out), and there is no from-source build.
 * The message says which platform, which package would hold the binary,
 * the platforms that are prebuilt, and what to do.
 * @example
 * ```ts
 * try { portaudioVersion() } catch (error) {
 *   if (error instanceof NoPrebuildError) console.error(error.platform, error.packageName, error.supported)
 * }
 * ```
 */
export class NoPrebuildError extends PastreamError {
  override name = 'NoPrebuildError'
  declare readonly code: 'ERR_PASTREAM_NO_PREBUILD'
  /** e.g. `linux-arm64 (musl)` */
  readonly platform: string
  /** the package prebuilt for this platform, `undefined` when there is none */
  readonly packageName: string | undefined
  /** every prebuilt platform, as labels */
  readonly supported: readonly string[]

  constructor(message: string, platform: string, packageName: string | undefined) {
    super(message, { code: 'ERR_PASTREAM_NO_PREBUILD' })
    this.platform = platform
    this.packageName = packageName
    this.supported = supportedLabels()
  }
}

function supportedLabels(): string[] {
  return platformPackages.map((entry) => platformLabel(entry.platform, entry.arch, entry.libc))
}

/**
 * Reads `PASTREAM_ADDON` (see {@link AddonMode}).
 * @throws RangeError for a value other than `prebuild`, `build` or empty
 * @example
 * ```ts
 * addonModeFromEnv({ PASTREAM_ADDON: 'build' }) // 'build'
 * ```
 */
export function addonModeFromEnv(env: NodeJS.ProcessEnv = process.env): AddonMode {
  const value = env.PASTREAM_ADDON
  if (value === undefined || value === '') return 'auto'
  if (value === 'prebuild' || value === 'build') return value
  throw new RangeError(
    `Expected PASTREAM_ADDON to be 'prebuild' (platform package only), 'build' (build/Release only) or unset, got '${value}'`,
  )
}

/**
 * Decides which `.node` file to load, in order: the platform package for
 * `platform`/`arch`/`libc` (unless `mode` is `build`), then
 * `<ownerRoot>/build/Release/<addon>.node` (unless `mode` is `prebuild`).
 * Touches nothing: what exists comes from `packageRoot` and `exists`.
 * @throws {@link NoPrebuildError} when neither is there
 * @example
 * ```ts
 * resolveAddon({ addon: 'pastream_core', ownerName: '@pastream/core-native', ownerRoot: '/app/node_modules/@pastream/core-native',
 *   platform: 'linux', arch: 'x64', libc: 'glibc', mode: 'auto',
 *   packageRoot: () => '/app/node_modules/@pastream/native-linux-x64-gnu', exists: () => true })
 * // { path: '/app/node_modules/@pastream/native-linux-x64-gnu/pastream_core.node', source: 'platform-package', packageName: ... }
 * ```
 */
export function resolveAddon(query: AddonQuery): AddonLocation {
  const file = `${query.addon}.node`
  const label = platformLabel(query.platform, query.arch, query.libc)
  const entry = platformPackageFor(query.platform, query.arch, query.libc)
  const installedAt = entry === undefined || query.mode === 'build' ? undefined : query.packageRoot(entry.packageName)
  if (entry !== undefined && installedAt !== undefined) {
    const path = join(installedAt, file)
    if (query.exists(path)) return { path, source: 'platform-package', packageName: entry.packageName }
  }
  const built = join(query.ownerRoot, 'build', 'Release', file)
  if (query.mode !== 'prebuild' && query.exists(built)) return { path: built, source: 'build' }

  const fromSource =
    `build it from source (a C++ toolchain and the PortAudio and libsndfile headers): in a clone of pastream, ` +
    `\`pnpm install && pnpm --filter ${query.ownerName} build:native\` writes ${query.ownerName}'s build/Release/${file}`
  if (query.mode === 'build') {
    throw new NoPrebuildError(
      `PASTREAM_ADDON=build, and there is no ${built}: ${fromSource}, or unset PASTREAM_ADDON to load the prebuilt ${file}`,
      label,
      entry?.packageName,
    )
  }
  const supported = `Prebuilt platforms: ${supportedLabels().join(', ')}`
  if (entry === undefined) {
    throw new NoPrebuildError(`No prebuilt ${file} for ${label}. ${supported}. To run on ${label}, ${fromSource}`, label, undefined)
  }
  const problem =
    installedAt === undefined
      ? `${entry.packageName}, the optional dependency of @pastream/core-native that holds it, is not installed`
      : `${entry.packageName} is installed (${installedAt}) but has no ${file}`
  throw new NoPrebuildError(
    `No prebuilt ${file} for ${label}: ${problem}. Install again with optional dependencies enabled ` +
      `(npm install --include=optional; with pnpm or yarn, do not leave optional dependencies out), ` +
      `or ${fromSource}. ${supported}`,
    label,
    entry.packageName,
  )
}

// Platform packages are optional dependencies of core-native: resolved from
// here, so that they are found wherever the package manager put them.
const coreRequire = createRequire(import.meta.url)

function installedRoot(packageName: string): string | undefined {
  try {
    return dirname(coreRequire.resolve(`${packageName}/package.json`))
  } catch {
    return undefined
  }
}

/** The root of the package a module belongs to (the module sits in its `dist/` or `src/`). */
function ownerOf(moduleUrl: string): { root: string; name: string } {
  const root = join(dirname(fileURLToPath(moduleUrl)), '..')
  const manifest = createRequire(join(root, 'package.json'))('./package.json') as { name?: unknown }
  return { root, name: typeof manifest.name === 'string' ? manifest.name : root }
}

/**
 * Where {@link addonLoader} loads `addon` from for the package of
 * `moduleUrl`, on this machine with this environment (`PASTREAM_ADDON`).
 * @throws {@link NoPrebuildError} when no binary fits
 * @example
 * ```ts
 * locateAddon('pastream_sndfile', import.meta.resolve('@pastream/soundfile')).source // 'platform-package'
 * ```
 */
export function locateAddon(addon: string, moduleUrl: string): AddonLocation {
  const owner = ownerOf(moduleUrl)
  return resolveAddon({
    addon,
    ownerName: owner.name,
    ownerRoot: owner.root,
    platform: process.platform,
    arch: process.arch,
    libc: detectLibc(),
    mode: addonModeFromEnv(),
    packageRoot: installedRoot,
    exists: existsSync,
  })
}

/**
 * A lazy loader for a pastream addon, found by {@link locateAddon} on first
 * use (importing a package loads nothing). With `convertError`, every
 * function of the addon is wrapped so that what it throws, or its promise
 * rejects with, goes through it (core-native passes `fromNative`, so
 * callers only ever see pastream's error classes); without, the functions
 * are the addon's own and the caller converts, where it knows more context.
 * @param moduleUrl `import.meta.url` of a module in the addon's package
 * @param addon the addon's file name without `.node` (its binding.gyp target)
 * @throws {@link NoPrebuildError} (on first use) when no binary fits
 * @example
 * ```ts
 * const native = addonLoader<MyAddon>(import.meta.url, 'pastream_sndfile')
 * native().version()
 * ```
 */
export function addonLoader<T extends object>(
  moduleUrl: string,
  addon: string,
  convertError?: (error: unknown) => unknown,
): () => T {
  let loaded: T | undefined
  return () => {
    if (loaded === undefined) {
      const raw = coreRequire(locateAddon(addon, moduleUrl).path) as T
      loaded = convertError ? withConvertedErrors(raw, convertError) : raw
    }
    return loaded
  }
}

/** The addon's functions, each converting its errors with `convert` (other members as they are). */
function withConvertedErrors<T extends object>(raw: T, convert: (error: unknown) => unknown): T {
  const wrapped: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'function') {
      wrapped[key] = value
      continue
    }
    const call = value as (...args: unknown[]) => unknown
    wrapped[key] = (...args: unknown[]): unknown => {
      let result: unknown
      try {
        result = call(...args)
      } catch (error) {
        throw convert(error)
      }
      return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(convert(error))) : result
    }
  }
  return wrapped as T
}
