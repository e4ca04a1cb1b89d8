// The published package works from the platform package alone: pack it
// (with the workspace packages it depends on and this machine's platform
// package), install the tarballs into a fresh project with npm (no install
// script runs, nothing compiles), and load it both ways (require and
// import) with PASTREAM_ADDON=prebuild so that the loader may not fall back
// to a build/.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, dynamicSymbols, hostPlatformPackage, installFresh, pack, packageFolder, run, runtimeLibraries, sharedLibraries } from '../../../test-support.js'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const host = hostPlatformPackage()

// Loads the installed package with require and with import, in one process,
// and writes and reads a file with each.
const checkScript = `
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { locateAddon } from '@pastream/core-native'
const require = createRequire(import.meta.url)
const cjs = require('@pastream/soundfile')
const esm = await import('@pastream/soundfile')
const root = dirname(require.resolve('@pastream/soundfile/package.json'))
const path = join(process.cwd(), 'check.flac')
const writer = cjs.SoundFile.openSync(path, { mode: 'w', samplerate: 8000, channels: 2 })
writer.writeSync(new Int16Array([1, -1, 2, -2, 3, -3]))
writer.closeSync()
const reader = await esm.SoundFile.open(path)
const back = await reader.read(-1, { dtype: 'int16' })
await reader.close()
let error = ''
try { await esm.SoundFile.open('missing.wav') } catch (e) { error = e.name + ': ' + e.message + ' ' + (e instanceof esm.SoundFileError) }
console.log('cjs ' + cjs.libsndfileVersion())
console.log('esm ' + esm.libsndfileVersion())
console.log(JSON.stringify({
  root,
  cjsEntry: require.resolve('@pastream/soundfile'),
  esmEntry: import.meta.resolve('@pastream/soundfile'),
  addon: locateAddon('pastream_sndfile', import.meta.resolve('@pastream/soundfile')),
  format: reader.format,
  back: Array.from(back),
  flac: cjs.checkFormat('FLAC', 'PCM_24'),
  error,
}))
`

interface CheckReport {
  root: string
  cjsEntry: string
  esmEntry: string
  addon: { path: string; source: string; packageName: string }
  format: string
  back: number[]
  flac: boolean
  error: string
}

describe('the packed package runs from its platform package', { timeout: 120_000 }, () => {
  let temp = ''
  let tarballs: string[] = []
  let project = ''
  let installed = ''
  let addon = ''

  beforeAll(() => {
    temp = realpathSync(mkdtempSync(join(tmpdir(), 'pastream-soundfile-prebuild-')))
  })
  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true })
  })

  it('packs dist/, no binary, nothing to compile', () => {
    const out = join(temp, 'pack')
    const own = pack(packageDir, out)
    const files = execFileSync('tar', ['-tzf', own], { encoding: 'utf8' }).split('\n').filter(Boolean)
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/dist/index.js',
        'package/dist/index.cjs',
        'package/dist/index.d.ts',
        'package/dist/index.d.cts',
      ]),
    )
    expect(files.filter((f) => f.endsWith('.node') || f.startsWith('package/build/') || f.startsWith('package/prebuilds/'))).toEqual([])
    expect(files).not.toContain('package/binding.gyp')
    expect(files.filter((f) => f.includes('.test.'))).toEqual([])
    // the workspace packages it depends on, packed the same way, and the platform package
    const platform = pack(host.dir, out)
    tarballs = [own, pack(packageFolder('stream'), out), pack(packageFolder('core-native'), out), platform]
    // the licences of the libraries linked in travel with the addon, in the platform package
    const licences = execFileSync('tar', ['-xzOf', platform, 'package/pastream_sndfile.THIRD-PARTY-LICENCES.txt'], { encoding: 'utf8' })
    const headings = licences.split('\n').filter((line) => line.startsWith('== ')).map((line) => line.split(' (')[0])
    expect(headings).toEqual(['== libsndfile 1.2.0', '== flac 1.4.2', '== libvorbis 1.3.7', '== libogg 1.3.5', '== opus 1.3.1', '== mpg123 1.31.2', '== lame 3.100'])
  })

  it('installs into a fresh project without running any script', () => {
    expect(tarballs).toHaveLength(4)
    const fresh = installFresh(temp, tarballs, '@pastream/soundfile', ['pastream_core.node', 'pastream_sndfile.node'])
    project = fresh.project
    installed = fresh.installed
  })

  it('loads with require and import under PASTREAM_ADDON=prebuild', () => {
    expect(installed).not.toBe('')
    const script = join(project, 'check.mjs')
    writeFileSync(script, checkScript)
    const result = run(process.execPath, [script], project, cleanEnv({ PASTREAM_ADDON: 'prebuild' }), 30_000)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^cjs libsndfile-1\./)
    expect(lines[1]).toMatch(/^esm libsndfile-1\./)
    const report = JSON.parse(lines[lines.length - 1] ?? '{}') as CheckReport
    // it ran the installed copy, not the workspace's
    expect(report.root).toBe(installed)
    expect(report.cjsEntry).toBe(join(installed, 'dist', 'index.cjs'))
    expect(fileURLToPath(report.esmEntry)).toBe(join(installed, 'dist', 'index.js'))
    expect(report.addon).toEqual({
      path: join(project, 'node_modules', ...host.packageName.split('/'), 'pastream_sndfile.node'),
      source: 'platform-package',
      packageName: host.packageName,
    })
    addon = report.addon.path
    expect(report.format).toBe('FLAC')
    expect(report.back).toEqual([1, -1, 2, -2, 3, -3])
    expect(report.flac).toBe(true)
    expect(report.error).toBe("SoundFileError: Error opening 'missing.wav': System error : No such file or directory. true")
    expect(existsSync(join(installed, 'build'))).toBe(false)
  })

  it('needs only the C and C++ runtime: libsndfile and its codecs are inside it, their symbols hidden', () => {
    expect(addon).not.toBe('')
    const libraries = sharedLibraries(addon)
    expect(libraries).toContain('libc.so.6')
    expect(libraries.filter((name) => !runtimeLibraries.includes(name))).toEqual([])
    // nothing left for the dynamic loader to find in a library we do not list
    expect(dynamicSymbols(addon, 'undefined').filter((symbol) => /^(sf_|psf_|FLAC__|ogg_|oggpack_|vorbis_|opus_|mpg123_|lame_|pas_)/.test(symbol))).toEqual([])
    const exported = dynamicSymbols(addon, 'defined')
    expect(exported).toContain('napi_register_module_v1')
    expect(exported.filter((symbol) => /^(sf_|psf_|FLAC__|ogg_|oggpack_|vorbis_|opus_|mpg123_|lame_|pas_)/.test(symbol))).toEqual([])
  })
})
