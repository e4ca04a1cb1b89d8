// Where node-gyp finds Node's headers without downloading them: machines
// here have no internet, and Debian's nodejs ships the headers under
// <prefix>/include/node. Returns the prefix to pass as --nodedir, or
// undefined when node-gyp should do as it normally does.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

export function localNodedir() {
  if (process.env.npm_config_nodedir && existsSync(join(process.env.npm_config_nodedir, 'include', 'node', 'node_api.h'))) {
    return process.env.npm_config_nodedir
  }
  const prefix = dirname(dirname(process.execPath))
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix
  return undefined
}
