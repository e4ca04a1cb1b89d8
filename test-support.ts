// Helpers shared by the packages' pack-and-install tests (test/prebuild.test.ts).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
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

/**
 * The shared libraries an addon may need on linux (glibc): the C and C++
 * runtime only. PortAudio, libsndfile and the codecs are linked in
 * statically; ALSA and JACK are loaded on demand.
 */
export const runtimeLibraries = [
  'linux-vdso.so.1', 'libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'libstdc++.so.6', 'libgcc_s.so.1',
  'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1',
]

/** The shared libraries `ldd` lists for a file, by name (one `ldd` could not find as `<name> not found`). */
export function sharedLibraries(file: string): string[] {
  const { stdout } = run('ldd', [file], dirname(file), cleanEnv(), 30_000)
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => `${basename(line.split(/\s+/)[0] ?? line)}${line.includes('not found') ? ' not found' : ''}`)
}

/** A file's dynamic symbols (`nm -D`): those it defines (exports) or those it needs from elsewhere. */
export function dynamicSymbols(file: string, which: 'defined' | 'undefined'): string[] {
  const { stdout } = run('nm', ['-D', which === 'defined' ? '--defined-only' : '--undefined-only', file], dirname(file), cleanEnv(), 30_000)
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter(Boolean)
    .map((symbol) => symbol.replace(/@.*$/, ''))
}
