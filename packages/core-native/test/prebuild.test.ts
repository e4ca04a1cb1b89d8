// The published package works from its platform package alone: pack it and
// this machine's platform package, install the tarballs into a fresh
// project with npm (no install script runs, nothing compiles), and load it
// both ways (require and import) with PASTREAM_ADDON=prebuild so that the
// loader may not fall back to a build/.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, dynamicSymbols, hostPlatformPackage, installFresh, pack, run, runtimeLibraries, sharedLibraries } from '../../../test-support.js'
import { platformPackages } from '../src/platforms.js'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const host = hostPlatformPackage()

// Loads the installed package with require and with import, in one process.
const checkScript = `
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
const require = createRequire(import.meta.url)
const cjs = require('@pastream/core-native')
const esm = await import('@pastream/core-native')
const root = dirname(require.resolve('@pastream/core-native/package.json'))
const cjsRing = new cjs.RingBuffer(4, 8)
const esmRing = new esm.RingBuffer(4, 8)
cjsRing.write(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))
// a ring from one format, attached from the other: same layout
const shared = esm.RingBuffer.from(cjsRing.buffer)
console.log('cjs ' + cjs.portaudioVersion().text)
console.log('esm ' + esm.portaudioVersion().text)
console.log(JSON.stringify({
  root,
  cjsEntry: require.resolve('@pastream/core-native'),
  esmEntry: import.meta.resolve('@pastream/core-native'),
  addon: esm.locateAddon('pastream_core', import.meta.resolve('@pastream/core-native')),
  cjsVersion: cjs.portaudioVersion().version,
  esmVersion: esm.portaudioVersion().version,
  cjsRing: { size: cjsRing.size, elementsize: cjsRing.elementsize, writeAvailable: cjsRing.writeAvailable },
  esmRing: { size: esmRing.size, elementsize: esmRing.elementsize, writeAvailable: esmRing.writeAvailable },
  shared: Array.from(shared.read()),
}))
`

interface CheckReport {
  root: string
  cjsEntry: string
  esmEntry: string
  addon: { path: string; source: string; packageName: string }
  cjsVersion: number
  esmVersion: number
  cjsRing: { size: number; elementsize: number; writeAvailable: number }
  esmRing: { size: number; elementsize: number; writeAvailable: number }
  shared: number[]
}

const list = (tarball: string): string[] =>
  execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)

describe('the packed package runs from its platform package', { timeout: 120_000 }, () => {
  let temp = ''
  let tarballs: string[] = []
  let project = ''
  let installed = ''
  let addon = ''

  beforeAll(() => {
    temp = realpathSync(mkdtempSync(join(tmpdir(), 'pastream-prebuild-')))
  })
  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true })
  })

  it('packs dist/ and the C headers, no binary, nothing to compile', () => {
    const out = join(temp, 'pack')
    const own = pack(packageDir, out)
    const files = list(own)
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/dist/index.js',
        'package/dist/index.cjs',
        'package/dist/index.d.ts',
        'package/dist/index.d.cts',
        'package/include/pastream/ring.h',
        'package/include/pastream/layout.h',
      ]),
    )
    expect(files.filter((f) => f.endsWith('.node') || f.startsWith('package/build/') || f.startsWith('package/prebuilds/'))).toEqual([])
    expect(files).not.toContain('package/binding.gyp')
    // the platform packages, pinned to this version (pnpm pack rewrote workspace:*)
    execFileSync('tar', ['-xzf', own, '-C', out, 'package/package.json'])
    const manifest = JSON.parse(readFileSync(join(out, 'package', 'package.json'), 'utf8')) as {
      version: string
      optionalDependencies: Record<string, string>
      scripts: Record<string, string>
    }
    expect(manifest.optionalDependencies).toEqual(Object.fromEntries(platformPackages.map((p) => [p.packageName, manifest.version])))
    expect(Object.keys(manifest.scripts).filter((name) => name.includes('install'))).toEqual([])
    const platform = pack(host.dir, out)
    // soundfile's build adds pastream_sndfile.node to it (soundfile's tests check that one)
    const platformFiles = list(platform)
    expect(platformFiles).toEqual(expect.arrayContaining(['package/README.md', 'package/package.json', 'package/pastream_core.node']))
    expect(platformFiles.filter((f) => !/^package\/(README\.md|package\.json|pastream_(core|sndfile)(\.node|\.THIRD-PARTY-LICENCES\.txt))$/.test(f))).toEqual([])
    // the licences of the libraries linked in travel with the addon
    expect(platformFiles).toContain('package/pastream_core.THIRD-PARTY-LICENCES.txt')
    const licences = execFileSync('tar', ['-xzOf', platform, 'package/pastream_core.THIRD-PARTY-LICENCES.txt'], { encoding: 'utf8' })
    const headings = licences.split('\n').filter((line) => line.startsWith('== ')).map((line) => line.split(' (')[0])
    expect(headings).toEqual(['== portaudio 19.6.0'])
    tarballs = [own, platform]
  })

  it('installs into a fresh project without running any script', () => {
    expect(tarballs).toHaveLength(2)
    const fresh = installFresh(temp, tarballs, '@pastream/core-native', ['pastream_core.node'])
    project = fresh.project
    installed = fresh.installed
  })

  it('loads with require and import under PASTREAM_ADDON=prebuild', () => {
    expect(installed).not.toBe('')
    const script = join(project, 'check.mjs')
    writeFileSync(script, checkScript)
    const result = run(process.execPath, [script], project, cleanEnv({ PASTREAM_ADDON: 'prebuild' }), 30_000)
    const lines = result.stdout.trim().split('\n')
    expect(result.stdout).toContain('PortAudio')
    expect(lines[0]).toMatch(/^cjs PortAudio V/)
    expect(lines[1]).toMatch(/^esm PortAudio V/)
    const report = JSON.parse(lines[lines.length - 1] ?? '{}') as CheckReport
    // it ran the installed copy, not the workspace's
    expect(report.root).toBe(installed)
    expect(report.cjsEntry).toBe(join(installed, 'dist', 'index.cjs'))
    expect(fileURLToPath(report.esmEntry)).toBe(join(installed, 'dist', 'index.js'))
    expect(report.addon).toEqual({
      path: join(project, 'node_modules', ...host.packageName.split('/'), 'pastream_core.node'),
      source: 'platform-package',
      packageName: host.packageName,
    })
    addon = report.addon.path
    expect(report.cjsVersion).toBeGreaterThan(0)
    expect(report.esmVersion).toBe(report.cjsVersion)
    expect(report.cjsRing).toEqual({ size: 8, elementsize: 4, writeAvailable: 6 })
    expect(report.esmRing).toEqual({ size: 8, elementsize: 4, writeAvailable: 8 })
    expect(report.shared).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    // loading did not build anything either
    expect(existsSync(join(installed, 'build'))).toBe(false)
  })

  it('without its optional dependencies, the first call says what is missing and what to do', () => {
    expect(tarballs).toHaveLength(2)
    const bare = join(temp, 'bare')
    mkdirSync(bare)
    run('npm', ['init', '-y'], bare, cleanEnv(), 30_000)
    run('npm', ['install', '--omit=optional', '--no-audit', '--no-fund', tarballs[0] ?? ''], bare, cleanEnv(), 100_000)
    expect(existsSync(join(bare, 'node_modules', ...host.packageName.split('/')))).toBe(false)
    const script = join(bare, 'check.mjs')
    writeFileSync(
      script,
      `import { portaudioVersion, NoPrebuildError } from '@pastream/core-native'
try { console.log(JSON.stringify({ loaded: portaudioVersion().text })) } catch (error) {
  console.log(JSON.stringify({ isClass: error instanceof NoPrebuildError, name: error.name, code: error.code, platform: error.platform, packageName: error.packageName, message: error.message }))
}`,
    )
    const report = JSON.parse(run(process.execPath, [script], bare, cleanEnv(), 30_000).stdout.trim()) as Record<string, unknown>
    expect(report).toMatchObject({ isClass: true, name: 'NoPrebuildError', code: 'ERR_PASTREAM_NO_PREBUILD', packageName: host.packageName })
    expect(report.message).toMatch(
      new RegExp(
        `^No prebuilt pastream_core\\.node for ${String(report.platform).replace(/[()]/g, '\\$&')}: ${host.packageName}, the optional dependency of @pastream/core-native that holds it, is not installed\\. Install again with optional dependencies enabled \\(npm install --include=optional;`,
      ),
    )
  })

  it('needs only the C and C++ runtime: PortAudio is inside it (its symbols hidden); ALSA and JACK load on demand', () => {
    expect(addon).not.toBe('')
    const libraries = sharedLibraries(addon)
    expect(libraries).toContain('libc.so.6')
    expect(libraries.filter((name) => !runtimeLibraries.includes(name))).toEqual([])
    // nothing left for the dynamic loader to find in a library we do not list
    expect(dynamicSymbols(addon, 'undefined').filter((symbol) => /^(Pa_|PaUtil_|PaAlsa|PaJack|jack_|snd_|pas_)/.test(symbol))).toEqual([])
    const exported = dynamicSymbols(addon, 'defined')
    expect(exported).toContain('napi_register_module_v1')
    expect(exported.filter((symbol) => /^(Pa_|PaUtil_|PaAlsa|PaJack|jack_|snd_|pas_)/.test(symbol))).toEqual([])
  })
})
