// The virtual device's own failure paths: they must say what to do.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startVirtualDevice } from '../src/testing.js'

describe('startVirtualDevice', () => {
  it('refuses the default server name', async () => {
    await expect(startVirtualDevice({ name: 'default' })).rejects.toThrow(
      'Expected a private server name for name, got "default"',
    )
  })

  it('says what to install when jackd is missing', () => {
    // a PATH with a shell and cat but no jackd
    const bin = mkdtempSync(join(tmpdir(), 'pastream-nojack-'))
    symlinkSync('/bin/sh', join(bin, 'sh'))
    symlinkSync('/bin/cat', join(bin, 'cat'))
    const script = `import('${join(__dirname, '..', 'dist', 'testing.js')}').then((m) => m.startVirtualDevice({ name: 'pastream-test-nojack', timeoutMs: 3000 }))
      .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3) })`
    const result = spawnSync(process.execPath, ['-e', script], { env: { PATH: bin }, encoding: 'utf8', timeout: 20000 })
    expect(result.status).toBe(3)
    expect(result.stderr).toContain('apt-get install jackd2')
  })
})
