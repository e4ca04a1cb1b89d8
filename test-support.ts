// Helpers shared by the packages' pack-and-install tests (core-native's and
// soundfile's test/prebuild.test.ts, soundfile's test/fresh-app.test.ts).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { detectLibc, platformPackageFor } from './packages/core-native/src/platforms.js'

const root = dirname(fileURLToPath(import.meta.url))

/** The repo's pinned pnpm when present (.tools/), else whatever `pnpm` is on PATH. */
export function pnpmBin(): string {
  const pinned = join(root, '.tools', 'node_modules', '.bin', 'pnpm')
  return existsSync(pinned) ? pinned : 'pnpm'
}

/**
 * This process's env without what pnpm/npm scripts inject for their own
 * children (NODE_PATH: pnpm's bin shims point it at the workspace's
 * packages, where a fresh project would find them), and without
 * PASTREAM_ADDON.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm|pnpm)_(package_|lifecycle_|command$|config_verify_deps_before_run$|config_user_agent$)/i.test(key)) continue
    if (key === 'PASTREAM_ADDON' || key === 'NODE_PATH') continue
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

/** This machine's platform package: its npm name and its folder under packages/native/. */
export function hostPlatformPackage(): { packageName: string; dir: string } {
  const entry = platformPackageFor(process.platform, process.arch, detectLibc())
  if (entry === undefined) {
    throw new Error(`No platform package for ${process.platform}-${process.arch} (${detectLibc() ?? 'no libc'}): the pack tests need one`)
  }
  return { packageName: entry.packageName, dir: join(root, 'packages', 'native', entry.packageName.replace('@pastream/native-', '')) }
}

/** `pnpm pack`s the package in `directory` into `destination` (which rewrites workspace:*); returns the tarball. */
export function pack(directory: string, destination: string): string {
  mkdirSync(destination, { recursive: true })
  const before = new Set(readdirSync(destination))
  run(pnpmBin(), ['pack', '--pack-destination', destination], directory, cleanEnv(), 60_000)
  const added = readdirSync(destination).filter((name) => name.endsWith('.tgz') && !before.has(name))
  expect(added, `one new tarball from ${directory}`).toHaveLength(1)
  return join(destination, added[0] ?? '')
}

/** A workspace package's folder: `pack(packageFolder('stream'), out)`. */
export function packageFolder(name: string): string {
  return join(root, 'packages', name)
}

/**
 * Installs packed tarballs into a fresh project (`npm init -y`, then
 * `npm install`) under `temp`, and checks that it ran no install script
 * (npm warns about packages that have one), that `packageName` arrived with
 * this machine's platform package holding `addons`, and that nothing was
 * compiled or could be: no build/, no binding.gyp, no node-gyp, no
 * node-gyp-build. Returns the project, the installed package's directory
 * and npm's output.
 */
export function installFresh(
  temp: string,
  tarballs: string[],
  packageName: string,
  addons: string[],
): { project: string; installed: string; output: string } {
  const project = join(temp, 'project')
  mkdirSync(project)
  run('npm', ['init', '-y'], project, cleanEnv(), 30_000)
  const result = run('npm', ['install', '--no-audit', '--no-fund', ...tarballs], project, cleanEnv(), 100_000)
  const output = `${result.stdout}\n${result.stderr}`
  expect(output).not.toMatch(/install.scripts?/i)
  const modules = join(project, 'node_modules')
  const installed = join(modules, ...packageName.split('/'))
  expect(existsSync(join(installed, 'package.json'))).toBe(true)
  const platform = join(modules, ...hostPlatformPackage().packageName.split('/'))
  expect(readdirSync(platform)).toEqual(expect.arrayContaining(addons))
  // nothing compiled: no build/ in any of ours, no compiler toolchain or node-gyp-build pulled in
  for (const name of readdirSync(join(modules, '@pastream'))) {
    expect(existsSync(join(modules, '@pastream', name, 'build')), `${name}/build`).toBe(false)
    expect(existsSync(join(modules, '@pastream', name, 'binding.gyp')), `${name}/binding.gyp`).toBe(false)
  }
  expect(existsSync(join(modules, 'node-gyp'))).toBe(false)
  expect(existsSync(join(modules, 'node-gyp-build'))).toBe(false)
  return { project, installed, output }
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
