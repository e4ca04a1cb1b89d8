// The loader for real: in the workspace both addons come from this
// machine's platform package (the build copies them there), and a
// from-source build in a package's build/Release/ loads when asked for
// (PASTREAM_ADDON=build), in a child process each, so that this process's
// addon stays as it is.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { locateAddon, portaudioVersion } from '../src/index.js'
import { detectLibc, platformPackageFor } from '../src/platforms.js'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const distIndex = pathToFileURL(join(packageDir, 'dist', 'index.js')).href
const temps: string[] = []

afterAll(() => {
  for (const temp of temps) rmSync(temp, { recursive: true, force: true })
})

function runNode(script: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const path = join(cwd, 'check.mjs')
  writeFileSync(path, script)
  return execFileSync(process.execPath, [path], { cwd, env, encoding: 'utf8', timeout: 30_000 })
}

describe('addonLoader, for real', () => {
  it('names the C library the way ldd does', () => {
    const ldd = execFileSync('ldd', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    expect(detectLibc()).toBe(/musl/i.test(ldd) ? 'musl' : 'glibc')
  })

  it('loads pastream_core from this machine platform package', () => {
    const expected = platformPackageFor(process.platform, process.arch, detectLibc())
    expect(expected, 'a platform package for this machine').toBeDefined()
    const location = locateAddon('pastream_core', import.meta.url)
    expect(location.source).toBe('platform-package')
    expect(location.packageName).toBe(expected?.packageName)
    const folder = (expected?.packageName ?? '').replace('@pastream/native-', '')
    expect(location.path).toBe(join(packageDir, '..', 'native', folder, 'pastream_core.node'))
    expect(portaudioVersion().text).toMatch(/^PortAudio V/)
  })

  it('loads a from-source build from build/Release with PASTREAM_ADDON=build, and only then', () => {
    const temp = realpathSync(mkdtempSync(join(tmpdir(), 'pastream-addon-load-')))
    temps.push(temp)
    // a package of its own with a from-source build: the platform package's binary, copied
    const owner = join(temp, 'my-binding')
    mkdirSync(join(owner, 'build', 'Release'), { recursive: true })
    mkdirSync(join(owner, 'dist'))
    writeFileSync(join(owner, 'package.json'), JSON.stringify({ name: 'my-binding', version: '1.0.0' }))
    copyFileSync(locateAddon('pastream_core', import.meta.url).path, join(owner, 'build', 'Release', 'pastream_core.node'))
    const moduleUrl = pathToFileURL(join(owner, 'dist', 'index.js')).href
    const script = `
import { addonLoader, locateAddon } from ${JSON.stringify(distIndex)}
const url = ${JSON.stringify(moduleUrl)}
const native = addonLoader(url, 'pastream_core')
console.log(JSON.stringify({ location: locateAddon('pastream_core', url), version: native().version().text }))
`
    const asBuilt = JSON.parse(runNode(script, temp, { ...process.env, PASTREAM_ADDON: 'build' })) as {
      location: { path: string; source: string }
      version: string
    }
    expect(asBuilt.location).toEqual({ path: join(owner, 'build', 'Release', 'pastream_core.node'), source: 'build' })
    expect(asBuilt.version).toMatch(/^PortAudio V/)
    // unset, the platform package wins over the same build/Release
    const auto = JSON.parse(runNode(script, temp, { ...process.env, PASTREAM_ADDON: '' })) as { location: { source: string } }
    expect(auto.location.source).toBe('platform-package')
  })
})
