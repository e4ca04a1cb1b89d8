// The platform packages under packages/native/ agree with the loader's
// table (src/platforms.ts): name, os, cpu, libc, version and files; core-native
// lists each as an optional dependency; changesets version them with the
// addons' packages; and no workspace package has an install script.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { platformPackages } from '../src/platforms.js'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const packagesDir = join(packageDir, '..')
const repoRoot = join(packagesDir, '..')
const nativeDir = join(packagesDir, 'native')

interface Manifest {
  name: string
  version: string
  os?: string[]
  cpu?: string[]
  libc?: string[]
  files?: string[]
  scripts?: Record<string, string>
  optionalDependencies?: Record<string, string>
  main?: string
}

const read = (path: string): Manifest => JSON.parse(readFileSync(path, 'utf8')) as Manifest
const core = read(join(packageDir, 'package.json'))
const natives = readdirSync(nativeDir)
  .filter((folder) => existsSync(join(nativeDir, folder, 'package.json')))
  .map((folder) => ({ folder, manifest: read(join(nativeDir, folder, 'package.json')) }))

describe('platform packages', () => {
  it('one folder per platform of the table, named after it', () => {
    expect(natives.map(({ manifest }) => manifest.name).sort()).toEqual(platformPackages.map((p) => p.packageName).sort())
    for (const { folder, manifest } of natives) expect(manifest.name).toBe(`@pastream/native-${folder}`)
  })

  it.each(platformPackages.map((p) => [p.packageName, p] as const))('%s: os, cpu, libc, version, files', (name, entry) => {
    const found = natives.find(({ manifest }) => manifest.name === name)
    expect(found, `packages/native/*/package.json named ${name}`).toBeDefined()
    const manifest = found?.manifest
    expect(manifest?.os).toEqual([entry.platform])
    expect(manifest?.cpu).toEqual([entry.arch])
    expect(manifest?.libc).toEqual(entry.libc === undefined ? undefined : [entry.libc])
    expect(manifest?.version).toBe(core.version)
    expect(manifest?.files).toEqual([
      'pastream_core.node',
      'pastream_sndfile.node',
      'pastream_core.THIRD-PARTY-LICENCES.txt',
      'pastream_sndfile.THIRD-PARTY-LICENCES.txt',
      'README.md',
    ])
    expect(manifest?.main).toBeUndefined()
  })

  it('are all optional dependencies of core-native, from the workspace', () => {
    expect(core.optionalDependencies).toEqual(Object.fromEntries(platformPackages.map((p) => [p.packageName, 'workspace:*'])))
  })

  it('move in one fixed changesets group with core-native and soundfile', () => {
    const config = JSON.parse(readFileSync(join(repoRoot, '.changeset', 'config.json'), 'utf8')) as { fixed: string[][] }
    expect(config.fixed).toContainEqual(['@pastream/core-native', '@pastream/soundfile', '@pastream/native-*'])
  })

  it('no workspace package has an install script', () => {
    const manifests = [
      ...readdirSync(packagesDir).map((folder) => join(packagesDir, folder, 'package.json')),
      ...natives.map(({ folder }) => join(nativeDir, folder, 'package.json')),
    ].filter((path) => existsSync(path))
    expect(manifests.length).toBeGreaterThanOrEqual(10)
    for (const path of manifests) {
      const scripts = Object.keys(read(path).scripts ?? {})
      expect(scripts.filter((name) => ['preinstall', 'install', 'postinstall'].includes(name)), path).toEqual([])
    }
  })

  it('the published addon packages carry no binding.gyp (npm would compile it on install)', () => {
    for (const folder of ['core-native', 'soundfile']) {
      expect(read(join(packagesDir, folder, 'package.json')).files, folder).not.toContain('binding.gyp')
    }
  })
})
