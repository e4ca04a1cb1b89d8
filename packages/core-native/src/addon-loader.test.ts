// resolveAddon's decision, from its inputs alone: which platform package,
// when build/Release is used, and the errors (message, code, fields) when
// no binary fits. The real load is in test/addon-load.test.ts.
import { describe, expect, it } from 'vitest'
import { addonModeFromEnv, NoPrebuildError, resolveAddon, type AddonQuery } from './addon-loader.js'
import { PastreamError } from './errors.js'
import { platformLabel, platformPackageFor } from './platforms.js'

const owner = '/app/node_modules/@pastream/core-native'
const built = `${owner}/build/Release/pastream_core.node`
const supported =
  'Prebuilt platforms: linux-x64 (glibc), linux-arm64 (glibc), darwin-x64, darwin-arm64, win32-x64'
const fromSource =
  'build it from source (a C++ toolchain and the PortAudio and libsndfile headers): in a clone of pastream, ' +
  "`pnpm install && pnpm --filter @pastream/core-native build:native` writes @pastream/core-native's build/Release/pastream_core.node"

/** A query on a machine where `installed` packages sit under /app/node_modules and `files` exist. */
function query(overrides: Partial<AddonQuery> & { installed?: string[]; files?: string[] }): AddonQuery {
  const installed = new Set(overrides.installed ?? [])
  const files = new Set(overrides.files ?? [])
  return {
    addon: 'pastream_core',
    ownerName: '@pastream/core-native',
    ownerRoot: owner,
    platform: 'linux',
    arch: 'x64',
    libc: 'glibc',
    mode: 'auto',
    packageRoot: (name) => (installed.has(name) ? `/app/node_modules/${name}` : undefined),
    exists: (path) => files.has(path),
    ...overrides,
  }
}

function thrown(fn: () => unknown): NoPrebuildError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(NoPrebuildError)
    expect(error).toBeInstanceOf(PastreamError)
    return error as NoPrebuildError
  }
  throw new Error('expected a NoPrebuildError, nothing was thrown')
}

describe('resolveAddon', () => {
  it('takes the platform package for linux-x64 glibc', () => {
    const pkg = '/app/node_modules/@pastream/native-linux-x64-gnu'
    const found = resolveAddon(
      query({ installed: ['@pastream/native-linux-x64-gnu'], files: [`${pkg}/pastream_core.node`, built] }),
    )
    expect(found).toEqual({
      path: `${pkg}/pastream_core.node`,
      source: 'platform-package',
      packageName: '@pastream/native-linux-x64-gnu',
    })
  })

  it.each([
    ['linux', 'arm64', 'glibc', '@pastream/native-linux-arm64-gnu'],
    ['darwin', 'x64', undefined, '@pastream/native-darwin-x64'],
    ['darwin', 'arm64', 'glibc', '@pastream/native-darwin-arm64'],
    ['win32', 'x64', undefined, '@pastream/native-win32-x64'],
  ] as const)('takes the package of %s-%s (libc %s)', (platform, arch, libc, packageName) => {
    const path = `/app/node_modules/${packageName}/pastream_sndfile.node`
    const found = resolveAddon(
      query({ addon: 'pastream_sndfile', platform, arch, libc, installed: [packageName], files: [path] }),
    )
    expect(found).toEqual({ path, source: 'platform-package', packageName })
  })

  it('never takes another platform package, even when it is installed', () => {
    const error = thrown(() =>
      resolveAddon(
        query({
          installed: ['@pastream/native-linux-arm64-gnu', '@pastream/native-darwin-x64'],
          files: [
            '/app/node_modules/@pastream/native-linux-arm64-gnu/pastream_core.node',
            '/app/node_modules/@pastream/native-darwin-x64/pastream_core.node',
          ],
        }),
      ),
    )
    expect(error.packageName).toBe('@pastream/native-linux-x64-gnu')
  })

  it('falls back to build/Release when the platform package is not installed', () => {
    expect(resolveAddon(query({ files: [built] }))).toEqual({ path: built, source: 'build' })
  })

  it('falls back to build/Release when the installed platform package lacks the file', () => {
    expect(resolveAddon(query({ installed: ['@pastream/native-linux-x64-gnu'], files: [built] }))).toEqual({
      path: built,
      source: 'build',
    })
  })

  it('says what to do when the platform package was left out and nothing was built', () => {
    const error = thrown(() => resolveAddon(query({})))
    expect(error.code).toBe('ERR_PASTREAM_NO_PREBUILD')
    expect(error.name).toBe('NoPrebuildError')
    expect(error.platform).toBe('linux-x64 (glibc)')
    expect(error.packageName).toBe('@pastream/native-linux-x64-gnu')
    expect(error.supported).toEqual(['linux-x64 (glibc)', 'linux-arm64 (glibc)', 'darwin-x64', 'darwin-arm64', 'win32-x64'])
    expect(error.message).toBe(
      'No prebuilt pastream_core.node for linux-x64 (glibc): @pastream/native-linux-x64-gnu, the optional dependency of ' +
        '@pastream/core-native that holds it, is not installed. Install again with optional dependencies enabled ' +
        '(npm install --include=optional; with pnpm or yarn, do not leave optional dependencies out), ' +
        `or ${fromSource}. ${supported}`,
    )
  })

  it('names the installed package that lacks the file', () => {
    const error = thrown(() => resolveAddon(query({ installed: ['@pastream/native-linux-x64-gnu'] })))
    expect(error.message).toContain(
      'No prebuilt pastream_core.node for linux-x64 (glibc): @pastream/native-linux-x64-gnu is installed ' +
        '(/app/node_modules/@pastream/native-linux-x64-gnu) but has no pastream_core.node. Install again',
    )
  })

  it('names an unsupported platform with its C library, and the prebuilt ones', () => {
    const error = thrown(() =>
      resolveAddon(query({ arch: 'arm64', libc: 'musl', installed: ['@pastream/native-linux-arm64-gnu'] })),
    )
    expect(error.platform).toBe('linux-arm64 (musl)')
    expect(error.packageName).toBeUndefined()
    expect(error.message).toBe(`No prebuilt pastream_core.node for linux-arm64 (musl). ${supported}. To run on linux-arm64 (musl), ${fromSource}`)
  })

  it('loads a from-source build on an unsupported platform', () => {
    expect(resolveAddon(query({ platform: 'freebsd', arch: 'x64', libc: undefined, files: [built] }))).toEqual({
      path: built,
      source: 'build',
    })
  })

  it('PASTREAM_ADDON=prebuild: the platform package only', () => {
    const error = thrown(() => resolveAddon(query({ mode: 'prebuild', files: [built] })))
    expect(error.message).toMatch(/^No prebuilt pastream_core\.node for linux-x64 \(glibc\): @pastream\/native-linux-x64-gnu, /)
    const pkg = '/app/node_modules/@pastream/native-linux-x64-gnu'
    expect(
      resolveAddon(
        query({ mode: 'prebuild', installed: ['@pastream/native-linux-x64-gnu'], files: [`${pkg}/pastream_core.node`] }),
      ).source,
    ).toBe('platform-package')
  })

  it('PASTREAM_ADDON=build: build/Release only, even with the platform package there', () => {
    const pkg = '/app/node_modules/@pastream/native-linux-x64-gnu'
    const files = [`${pkg}/pastream_core.node`, built]
    expect(resolveAddon(query({ mode: 'build', installed: ['@pastream/native-linux-x64-gnu'], files }))).toEqual({
      path: built,
      source: 'build',
    })
    const error = thrown(() =>
      resolveAddon(query({ mode: 'build', installed: ['@pastream/native-linux-x64-gnu'], files: [`${pkg}/pastream_core.node`] })),
    )
    expect(error.message).toBe(
      `PASTREAM_ADDON=build, and there is no ${built}: ${fromSource}, or unset PASTREAM_ADDON to load the prebuilt pastream_core.node`,
    )
  })
})

describe('addonModeFromEnv', () => {
  it('reads PASTREAM_ADDON', () => {
    expect(addonModeFromEnv({})).toBe('auto')
    expect(addonModeFromEnv({ PASTREAM_ADDON: '' })).toBe('auto')
    expect(addonModeFromEnv({ PASTREAM_ADDON: 'prebuild' })).toBe('prebuild')
    expect(addonModeFromEnv({ PASTREAM_ADDON: 'build' })).toBe('build')
  })

  it('rejects anything else, naming the value', () => {
    expect(() => addonModeFromEnv({ PASTREAM_ADDON: 'source' })).toThrow(
      new RangeError(
        "Expected PASTREAM_ADDON to be 'prebuild' (platform package only), 'build' (build/Release only) or unset, got 'source'",
      ),
    )
  })
})

describe('platforms', () => {
  it('labels a platform with its C library on Linux only', () => {
    expect(platformLabel('linux', 'arm64', 'musl')).toBe('linux-arm64 (musl)')
    expect(platformLabel('darwin', 'arm64', 'glibc')).toBe('darwin-arm64')
  })

  it('has no package for musl or for other systems', () => {
    expect(platformPackageFor('linux', 'x64', 'musl')).toBeUndefined()
    expect(platformPackageFor('linux', 'x64', undefined)).toBeUndefined()
    expect(platformPackageFor('freebsd', 'x64')).toBeUndefined()
    expect(platformPackageFor('win32', 'arm64')).toBeUndefined()
  })
})
