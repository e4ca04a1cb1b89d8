// Builds the addon into prebuilds/<platform>-<arch>/ with prebuildify
// (N-API, stripped), against the local Node headers so that no download is
// needed. `--gyp-only` runs a plain node-gyp rebuild into build/ instead.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { localNodedir } from '../../../scripts/lib/node-headers.mjs'

const here = dirname(dirname(fileURLToPath(import.meta.url)))
const require = createRequire(import.meta.url)
const nodedir = localNodedir()
const env = { ...process.env }
if (nodedir) env.npm_config_nodedir = nodedir

const gypOnly = process.argv.includes('--gyp-only')
const bin = gypOnly
  ? require.resolve('node-gyp/bin/node-gyp.js')
  : join(dirname(require.resolve('prebuildify/package.json')), 'bin.js')
const args = gypOnly
  ? ['rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]
  : ['--napi', '--strip']
const result = spawnSync(process.execPath, [bin, ...args], { cwd: here, env, stdio: 'inherit' })
if (result.status !== 0) {
  console.error(`core-native: ${gypOnly ? 'node-gyp rebuild' : 'prebuildify'} failed (exit ${result.status ?? result.signal})`)
  process.exit(1)
}
