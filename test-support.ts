// Helpers shared by the packages' pack-and-install tests (test/prebuild.test.ts).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

const root = dirname(fileURLToPath(import.meta.url))

/** The repo's pinned pnpm when present (.tools/), else whatever `pnpm` is on PATH. */
export function pnpmBin(): string {
  const pinned = join(root, '.tools', 'node_modules', '.bin', 'pnpm')
  return existsSync(pinned) ? pinned : 'pnpm'
}

/** This process's env without what pnpm/npm scripts inject for their own children. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm|pnpm)_(package_|lifecycle_|command$|config_verify_deps_before_run$|config_user_agent$)/i.test(key)) continue
    env[key] = value
  }
  return { ...env, ...extra }
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout: number): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout })
  if (result.error) throw result.error
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`)
  }
  return result
}

/** node's platform-arch, the prebuilds/ folder name. */
export const platformKey = `${process.platform}-${process.arch}`

/**
 * Installs packed tarballs into a fresh project under `temp` without running
 * any install script, and checks that `packageName` arrived with its prebuilt
 * addon and nothing compiled (no build/, no node-gyp). Returns the project and
 * the installed package's directory.
 */
export function installFresh(temp: string, tarballs: string[], packageName: string): { project: string; installed: string } {
  const project = join(temp, 'project')
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'prebuild-check', version: '1.0.0', private: true }))
  // npm warns about the unknown 'nodedir' user config here: harmless
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', ...tarballs], project, cleanEnv(), 100_000)
  const installed = join(project, 'node_modules', ...packageName.split('/'))
  expect(existsSync(join(installed, 'package.json'))).toBe(true)
  expect(existsSync(join(project, 'node_modules', 'node-gyp-build', 'package.json'))).toBe(true)
  expect(readdirSync(join(installed, 'prebuilds', platformKey)).some((f) => f.endsWith('.node'))).toBe(true)
  // nothing compiled: no build/ and no compiler toolchain pulled in
  expect(existsSync(join(installed, 'build'))).toBe(false)
  expect(existsSync(join(project, 'node_modules', 'node-gyp'))).toBe(false)
  return { project, installed }
}
