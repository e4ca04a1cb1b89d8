// Helpers shared by the packages' pack-and-install tests (test/prebuild.test.ts).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

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
