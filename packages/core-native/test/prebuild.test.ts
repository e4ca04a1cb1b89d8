// The published package works from its prebuilt addon alone: pack it, install
// the tarball into a fresh project with install scripts off (so node-gyp
// never runs), and load it both ways (require and import) with
// PREBUILDS_ONLY=1 so that node-gyp-build may not fall back to build/.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanEnv, dynamicSymbols, installFresh, platformKey, pnpmBin, run, runtimeLibraries, sharedLibraries } from '../../../test-support.js'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')

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
  addon: require('node-gyp-build').path(root),
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
  addon: string
  cjsVersion: number
  esmVersion: number
  cjsRing: { size: number; elementsize: number; writeAvailable: number }
  esmRing: { size: number; elementsize: number; writeAvailable: number }
  shared: number[]
}

describe('the packed package runs from its prebuild', { timeout: 120_000 }, () => {
  let temp = ''
  let tarball = ''
  let project = ''
  let installed = ''
  let addon = ''

  beforeAll(() => {
    temp = realpathSync(mkdtempSync(join(tmpdir(), 'pastream-prebuild-')))
  })
  afterAll(() => {
    if (temp) rmSync(temp, { recursive: true, force: true })
  })

  it('packs dist/, the prebuild and the C headers', () => {
    const out = join(temp, 'pack')
    run(pnpmBin(), ['pack', '--pack-destination', out], packageDir, cleanEnv(), 60_000)
    const tarballs = readdirSync(out).filter((name) => name.endsWith('.tgz'))
    expect(tarballs).toHaveLength(1)
    tarball = join(out, tarballs[0] ?? '')
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
    const prebuilds = files.filter((f) => f.startsWith(`package/prebuilds/${platformKey}/`) && f.endsWith('.node'))
    expect(prebuilds.length, `a prebuilds/${platformKey}/*.node in ${files.join(', ')}`).toBeGreaterThanOrEqual(1)
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
    expect(files.filter((f) => f.startsWith('package/build/'))).toEqual([])
    // the licences of the libraries linked in travel with the addon
    expect(files).toContain('package/prebuilds/THIRD-PARTY-LICENCES.txt')
    const licences = execFileSync('tar', ['-xzOf', tarball, 'package/prebuilds/THIRD-PARTY-LICENCES.txt'], { encoding: 'utf8' })
    const headings = licences.split('\n').filter((line) => line.startsWith('== ')).map((line) => line.split(' (')[0])
    expect(headings).toEqual(["== portaudio 19.6.0"])
  })

  it('installs into a fresh project without running any script', () => {
    expect(tarball).not.toBe('')
    const fresh = installFresh(temp, [tarball], '@pastream/core-native')
    project = fresh.project
    installed = fresh.installed
  })

  it('loads with require and import under PREBUILDS_ONLY=1', () => {
    expect(installed).not.toBe('')
    const script = join(project, 'check.mjs')
    writeFileSync(script, checkScript)
    const result = run(process.execPath, [script], project, cleanEnv({ PREBUILDS_ONLY: '1' }), 30_000)
    const lines = result.stdout.trim().split('\n')
    expect(result.stdout).toContain('PortAudio')
    expect(lines[0]).toMatch(/^cjs PortAudio V/)
    expect(lines[1]).toMatch(/^esm PortAudio V/)
    const report = JSON.parse(lines[lines.length - 1] ?? '{}') as CheckReport
    // it ran the installed copy, not the workspace's
    expect(report.root).toBe(installed)
    expect(report.cjsEntry).toBe(join(installed, 'dist', 'index.cjs'))
    expect(fileURLToPath(report.esmEntry)).toBe(join(installed, 'dist', 'index.js'))
    expect(report.addon.startsWith(join(installed, 'prebuilds', platformKey) + sep)).toBe(true)
    addon = report.addon
    expect(report.cjsVersion).toBeGreaterThan(0)
    expect(report.esmVersion).toBe(report.cjsVersion)
    expect(report.cjsRing).toEqual({ size: 8, elementsize: 4, writeAvailable: 6 })
    expect(report.esmRing).toEqual({ size: 8, elementsize: 4, writeAvailable: 8 })
    expect(report.shared).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    // loading did not build anything either
    expect(existsSync(join(installed, 'build'))).toBe(false)
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
