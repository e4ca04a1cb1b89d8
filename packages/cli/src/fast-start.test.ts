// fast-start's pure parts: which command lines it answers, when oclif must
// answer instead (environment, user plugins, theme), and the version line.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cliPackage, fastCommand, oclifNeeded, userAgent } from './fast-start.js'

const dir = mkdtempSync(join(tmpdir(), 'pastream-fast-start-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const pkg = cliPackage()
const version = { kind: 'version' } as const
const json = { kind: 'devices', json: true } as const

/** An environment whose oclif directories are under `dir`/`name`, with `extra`. */
function envWith(name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: join(dir, name), PASTREAM_DATA_DIR: join(dir, name, 'data'), PASTREAM_CONFIG_DIR: join(dir, name, 'config'), ...extra }
}

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
}

describe('fastCommand', () => {
  it('takes --version first (whatever follows), and the device lists alone or with --json', () => {
    expect(fastCommand(['--version'])).toEqual(version)
    expect(fastCommand(['--version', 'in.wav'])).toEqual(version)
    expect(fastCommand(['-l'])).toEqual({ kind: 'devices', json: false })
    expect(fastCommand(['--list', '--json'])).toEqual(json)
    expect(fastCommand(['devices'])).toEqual({ kind: 'devices', json: false })
    expect(fastCommand(['devices', '--json'])).toEqual(json)
  })

  it('leaves every other command line to oclif', () => {
    for (const argv of [[], ['-h'], ['-v'], ['in.wav', '--version'], ['-l', '-D', '1'], ['--json', '-l'], ['devices', '--formats'], ['-l --json'], ['devices', '--json', '--json']]) {
      expect(fastCommand(argv)).toBeUndefined()
    }
  })
})

describe('oclifNeeded', () => {
  it('is undefined in a plain environment, and with an empty plugin list', () => {
    expect(oclifNeeded(version, pkg, envWith('plain'))).toBeUndefined()
    write(join(dir, 'empty', 'data', 'package.json'), JSON.stringify({ private: true, oclif: { schema: 1, plugins: [] }, dependencies: {} }))
    expect(oclifNeeded(json, pkg, envWith('empty'))).toBeUndefined()
  })

  it('names DEBUG, PASTREAM_DEBUG and PASTREAM_CONTENT_TYPE', () => {
    expect(oclifNeeded(version, pkg, envWith('plain', { DEBUG: '' }))).toBe('DEBUG is set')
    expect(oclifNeeded(version, pkg, envWith('plain', { PASTREAM_DEBUG: '1' }))).toBe('PASTREAM_DEBUG is set')
    expect(oclifNeeded(json, pkg, envWith('plain', { PASTREAM_CONTENT_TYPE: 'json' }))).toBe('PASTREAM_CONTENT_TYPE is set')
  })

  it("names a user's plugins, in PASTREAM_DATA_DIR or XDG_DATA_HOME, and an unreadable list", () => {
    write(join(dir, 'linked', 'data', 'package.json'), JSON.stringify({ oclif: { plugins: [{ type: 'link', name: 'p', root: '/p' }] } }))
    expect(oclifNeeded(version, pkg, envWith('linked'))).toBe('user plugins')
    write(join(dir, 'xdg', 'pastream', 'package.json'), JSON.stringify({ oclif: { plugins: [{ type: 'user', name: 'p' }] } }))
    expect(oclifNeeded(version, pkg, { HOME: join(dir, 'xdg-home'), XDG_DATA_HOME: join(dir, 'xdg') })).toBe('user plugins')
    write(join(dir, 'home', '.local', 'share', 'pastream', 'package.json'), '{ not json')
    expect(oclifNeeded(version, pkg, { HOME: join(dir, 'home') })).toBe('user plugins')
  })

  it('names a theme for JSON output only', () => {
    write(join(dir, 'themed', 'config', 'theme.json'), JSON.stringify({ json: { key: 'red' } }))
    expect(oclifNeeded(json, pkg, envWith('themed'))).toBe('a theme')
    expect(oclifNeeded({ kind: 'devices', json: false }, pkg, envWith('themed'))).toBeUndefined()
  })
})

describe('userAgent', () => {
  it("is oclif's: name/version platform-arch node-version", () => {
    expect(userAgent({ name: '@pastream/cli', version: '1.2.3' })).toBe(`@pastream/cli/1.2.3 ${process.platform}-${process.arch} node-${process.version}`)
    expect(userAgent({ name: 'x' })).toMatch(/^x\/0\.0\.0 /)
  })
})
