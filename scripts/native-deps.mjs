#!/usr/bin/env node
// Builds the third-party C libraries the addons link statically (PortAudio,
// libsndfile and its codecs) from the pinned sources in
// native-deps/sources.json with the recipes in native-deps/recipes.mjs, into
// a prefix that is a cache: .tools/native-deps/<target>-<key>/, the key a
// hash of native-deps/ (lock file, recipes, targets, our patches), this
// script and the target. A second
// run finds the prefix and does nothing.
//
//   node scripts/native-deps.mjs [--target linux-x64]   build (or find) the prefix
//   node scripts/native-deps.mjs --arch arm64            the same as --target <this platform>-arm64
//                                                        (binding.gyp passes node-gyp's target_arch)
//   node scripts/native-deps.mjs --prefix                print the prefix; fails when not built
//   node scripts/native-deps.mjs --libs soundfile        print an addon's link arguments
//   node scripts/native-deps.mjs --licences soundfile    print the licences of what an addon links
//   node scripts/native-deps.mjs --os                    print the target's os (binding.gyp's conditions)
//
// Without --target, PASTREAM_NATIVE_TARGET names the target when set: a
// cross build of another platform (scripts/lib/prebuild.mjs sets it for
// win32-x64, where node-gyp's target_arch alone says x64, which is linux-x64).
//
// Downloads go over HTTP (Debian's mirror) with Node's fetch into
// .tools/native-deps/downloads/ and are checked against their sha256; a
// mismatch stops the build and names the file, the expected and the actual
// checksum.
//
// A target with a cross compiler (native-deps/targets.mjs: linux-arm64) is
// built the same way with its tools; its prefix also gets the build
// machine's ALSA and JACK headers (targets.mjs says why that is sound). A
// win32 prefix also gets lib/libnode_api.a, the import library of the
// N-API functions node.exe exports (napiImportLibrary), which an addon on
// Windows links against.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { localNodedir } from './lib/node-headers.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const depsDir = join(root, 'native-deps')
const cacheDir = join(root, '.tools', 'native-deps')
const downloads = join(cacheDir, 'downloads')
const jobs = 2

function fail(message) {
  console.error(`[native-deps] ${message}`)
  process.exit(1)
}

function log(message) {
  console.error(`[native-deps] ${message}`)
}

function argument(name) {
  const index = process.argv.indexOf(name)
  if (index < 0) return undefined
  const value = process.argv[index + 1]
  if (value === undefined || value.startsWith('--')) fail(`${name} needs a value`)
  return value
}

const targetName = argument('--target') ?? process.env.PASTREAM_NATIVE_TARGET ?? `${process.platform}-${argument('--arch') ?? process.arch}`
const { targets } = await import(pathToFileURL(join(depsDir, 'targets.mjs')).href)
const target = targets[targetName]
if (!target) fail(`unknown target ${targetName}; known: ${Object.keys(targets).join(', ')}`)

// every file of native-deps/ (lock, recipes, targets, patches) and this
// script (how recipes run) are part of the key
const hash = createHash('sha256')
for (const name of readdirSync(depsDir, { recursive: true }).map(String).sort()) {
  const path = join(depsDir, name)
  if (statSync(path).isFile()) hash.update(`${name}\n`).update(readFileSync(path))
}
hash.update('scripts/native-deps.mjs\n').update(readFileSync(fileURLToPath(import.meta.url)))
hash.update(`target ${targetName}\n`)
const key = hash.digest('hex').slice(0, 16)
const prefix = join(cacheDir, `${targetName}-${key}`)
const stamp = join(prefix, 'native-deps.json')

// What an addon links, for binding.gyp and prebuild-addon.mjs.
async function addonLibraries(option) {
  const addon = argument(option)
  const { addonLibraries } = await import(pathToFileURL(join(depsDir, 'recipes.mjs')).href)
  const libraries = addonLibraries[addon]
  if (!libraries) fail(`${option}: no addon ${addon}; known: ${Object.keys(addonLibraries).join(', ')}`)
  return libraries
}

// The licence texts of the sources an addon links, each under a heading.
function licences(names) {
  const lock = JSON.parse(readFileSync(join(depsDir, 'sources.json'), 'utf8'))
  const parts = ['Third-party libraries linked into this addon, built from the pinned sources in native-deps/sources.json by scripts/native-deps.mjs (in the repository of this package).\n']
  for (const name of names) {
    const source = lock.sources.find((candidate) => candidate.name === name)
    if (!source) fail(`--licences: no source ${name} in native-deps/sources.json`)
    for (const file of source.licenceFiles) {
      parts.push(`\n== ${source.name} ${source.version} (${source.licence}), ${source.url}: ${file}\n\n`)
      parts.push(readFileSync(join(prefix, 'licences', source.name, file), 'utf8'))
    }
  }
  for (const file of target.runtimeLicences) {
    if (!existsSync(file)) fail(`--licences: no ${file} (the compiler's runtime linked into the addon; its package is missing)`)
    parts.push(`\n== the compiler's runtime, linked in: ${file}\n\n`, readFileSync(file, 'utf8'))
  }
  return parts.join('')
}

if (process.argv.includes('--os')) {
  process.stdout.write(target.os)
  process.exit(0)
}

const query = ['--prefix', '--libs', '--licences'].find((option) => process.argv.includes(option))
if (query) {
  if (!existsSync(stamp)) fail(`the native dependencies for ${targetName} are not built (no ${prefix}); run: node scripts/native-deps.mjs`)
  if (query === '--prefix') process.stdout.write(prefix)
  if (query === '--libs') {
    const libraries = await addonLibraries(query)
    const archives = libraries.archives.map((name) => join(prefix, 'lib', name))
    if (target.os === 'win32') archives.push(join(prefix, 'lib', 'libnode_api.a'))
    process.stdout.write([...archives, ...libraries.system[target.os], ...target.link].join(' '))
  }
  if (query === '--licences') process.stdout.write(licences((await addonLibraries(query)).sources))
  process.exit(0)
}

if (existsSync(stamp)) {
  log(`up to date: ${prefix}`)
  process.exit(0)
}
if (!target.built) fail(`target ${targetName} is designed for (native-deps/targets.mjs) but not built yet`)
if (target.triplet) {
  const probe = spawnSync(target.cc, ['--version'], { stdio: 'ignore' })
  if (probe.status !== 0) {
    fail(`${targetName} is cross-built with ${target.cc} and ${target.cxx}, which are not installed; run (as root):\n  apt-get install --no-install-recommends gcc-${target.triplet} g++-${target.triplet}`)
  }
} else if (targetName !== `${process.platform}-${process.arch}`) {
  fail(`target ${targetName} is not this machine's (${process.platform}-${process.arch}) and names no cross compiler`)
}

// A cross build's copy of the build machine's headers (targets.mjs: buildMachineHeaders).
function copyBuildMachineHeaders(staging) {
  for (const name of target.buildMachineHeaders) {
    const from = join('/usr/include', name)
    if (!existsSync(from)) fail(`${targetName} needs the build machine's ${from} (ALSA's and JACK's headers: node scripts/setup.mjs installs them)`)
    mkdirSync(join(staging, 'include'), { recursive: true })
    cpSync(from, join(staging, 'include', name), { recursive: true, dereference: true })
  }
}

function run(command, args, cwd, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const output = []
    child.stdout.on('data', (chunk) => output.push(chunk))
    child.stderr.on('data', (chunk) => output.push(chunk))
    child.on('error', (error) => reject(new Error(`${command} could not start (${error.message}); node scripts/setup.mjs installs the build tools`)))
    child.on('close', (code, signal) => {
      if (code === 0) return resolve()
      const text = Buffer.concat(output).toString('utf8').split('\n').slice(-40).join('\n')
      reject(new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${code ?? signal}):\n${text}`))
    })
  })
}

// Windows: an addon's calls into Node link against node.exe's exports
// through an import library. The N-API functions are the ones Node's
// headers declare NAPI_EXTERN (js_native_api.h, node_api.h; N-API is
// ABI-stable, so a list from newer headers only adds names); a .def of
// them, turned into lib/libnode_api.a by mingw-w64's dlltool. node.exe is
// the module: Node resolves that name to the running executable.
async function napiImportLibrary(staging, work) {
  const nodedir = localNodedir()
  if (!nodedir) fail('a win32 build needs Node\'s headers (include/node/node_api.h beside this node, or npm_config_nodedir)')
  const names = new Set()
  for (const header of ['js_native_api.h', 'node_api.h']) {
    const text = readFileSync(join(nodedir, 'include', 'node', header), 'utf8')
    for (const match of text.matchAll(/NAPI_EXTERN\b[^;{(]*?\b(napi_\w+|node_api_\w+)\s*\(/g)) names.add(match[1])
  }
  if (!names.has('napi_create_function') || !names.has('napi_module_register')) fail(`no N-API declarations found in ${join(nodedir, 'include', 'node')}`)
  const def = join(work, 'node_api.def')
  writeFileSync(def, `LIBRARY node.exe\nEXPORTS\n${[...names].sort().map((name) => `  ${name}\n`).join('')}`)
  mkdirSync(join(staging, 'lib'), { recursive: true })
  await run(`${target.triplet}-dlltool`, ['--input-def', def, '--output-lib', join(staging, 'lib', 'libnode_api.a'), '--dllname', 'node.exe'], work)
  log(`libnode_api.a: ${names.size} N-API functions of node.exe`)
}

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

// One pinned file, downloaded once and checked every time it is used.
async function fetchPinned(url, expected) {
  mkdirSync(downloads, { recursive: true })
  const path = join(downloads, basename(new URL(url).pathname))
  if (!existsSync(path)) {
    log(`downloading ${url}`)
    const response = await fetch(url)
    if (!response.ok) throw new Error(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`)
    const partial = `${path}.partial`
    writeFileSync(partial, Buffer.from(await response.arrayBuffer()))
    renameSync(partial, path)
  }
  const actual = sha256(path)
  if (actual !== expected) {
    rmSync(path, { force: true })
    throw new Error(`checksum mismatch for ${url}: native-deps/sources.json pins sha256 ${expected}, the download has ${actual} (removed; if the pin is right, the mirror served another file)`)
  }
  return path
}

// The source tree with Debian's patch series applied, when the lock names one.
async function unpack(source, work) {
  const tree = join(work, source.name)
  mkdirSync(tree, { recursive: true })
  await run('tar', ['-xf', await fetchPinned(source.url, source.sha256), '--strip-components=1', '-C', tree], work)
  if (source.patches) {
    const debian = join(work, `${source.name}-debian`)
    mkdirSync(debian)
    await run('tar', ['-xf', await fetchPinned(source.patches.url, source.patches.sha256), '-C', debian], work)
    const patches = join(debian, 'debian', 'patches')
    const series = readFileSync(join(patches, 'series'), 'utf8').split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean)
    for (const patch of series) await run('patch', ['-p1', '--batch', '--forward', '-i', join(patches, patch)], tree)
    log(`${source.name}: applied ${series.join(', ')}`)
  }
  for (const patch of source.ownPatches ?? []) {
    await run('patch', ['-p1', '--batch', '--forward', '-i', join(depsDir, 'patches', patch)], tree)
    log(`${source.name}: applied native-deps/patches/${patch}`)
  }
  return tree
}

function context(source, tree, work, staging) {
  const build = join(work, `${source.name}-build`)
  mkdirSync(build, { recursive: true })
  const cflags = '-O2 -fPIC'
  // our prefix only: never a system copy of a codec
  const env = { ...process.env, PKG_CONFIG_LIBDIR: join(staging, 'lib', 'pkgconfig'), PKG_CONFIG_PATH: '', CFLAGS: cflags, CXXFLAGS: cflags }
  return {
    target,
    source: tree,
    build,
    prefix: staging,
    jobs,
    run: (command, args, cwd = build) => run(command, args, cwd, env),
    async cmake(args, subdir = '') {
      await run('cmake', ['-S', join(tree, subdir), '-B', build, '-G', 'Unix Makefiles', '-DCMAKE_BUILD_TYPE=Release',
        `-DCMAKE_INSTALL_PREFIX=${staging}`, '-DCMAKE_INSTALL_LIBDIR=lib', `-DCMAKE_PREFIX_PATH=${staging}`,
        '-DBUILD_SHARED_LIBS=OFF', '-DCMAKE_POSITION_INDEPENDENT_CODE=ON', ...target.cmake, ...args], build, env)
      await run('cmake', ['--build', build, '--parallel', String(jobs)], build, env)
      await run('cmake', ['--install', build], build, env)
    },
    async autotools(args) {
      await run(join(tree, 'configure'), [`--prefix=${staging}`, `--libdir=${join(staging, 'lib')}`, '--disable-shared',
        '--enable-static', '--with-pic', '--disable-dependency-tracking', ...target.configure, ...args],
      build, { ...env, CC: target.cc, CXX: target.cxx, AR: target.ar })
      await run('make', [`-j${jobs}`], build, env)
      await run('make', ['install'], build, env)
    },
    // Compiles C files of the source tree, `jobs` at a time; returns the objects.
    async compileAll(files, flags) {
      const objects = files.map((file) => join(build, `${basename(file, '.c')}.o`))
      const queue = files.map((file, index) => [file, objects[index]])
      const worker = async () => {
        for (let item = queue.shift(); item; item = queue.shift()) {
          await run(target.cc, [...cflags.split(' '), ...flags, '-c', item[0], '-o', item[1]], tree, env)
        }
      }
      await Promise.all(Array.from({ length: jobs }, worker))
      return objects
    },
    async archive(name, objects) {
      mkdirSync(join(staging, 'lib'), { recursive: true })
      await run(target.ar, ['rcs', join(staging, 'lib', name), ...objects], build, env)
    },
    async install(...headers) {
      mkdirSync(join(staging, 'include'), { recursive: true })
      for (const header of headers) copyFileSync(join(tree, header), join(staging, 'include', basename(header)))
    },
  }
}

async function main() {
  const lock = JSON.parse(readFileSync(join(depsDir, 'sources.json'), 'utf8'))
  const { recipes } = await import(pathToFileURL(join(depsDir, 'recipes.mjs')).href)
  const sources = new Map(lock.sources.map((source) => [source.name, source]))
  for (const recipe of recipes) if (!sources.has(recipe.name)) fail(`recipe ${recipe.name} has no source in native-deps/sources.json`)
  for (const source of sources.values()) if (!source.licenceFiles?.length) fail(`source ${source.name} names no licenceFiles in native-deps/sources.json`)
  for (const name of sources.keys()) if (!recipes.some((recipe) => recipe.name === name)) fail(`source ${name} has no recipe in native-deps/recipes.mjs`)
  const work = join(cacheDir, `work-${targetName}-${key}`)
  const staging = `${prefix}.partial`
  mkdirSync(cacheDir, { recursive: true })
  // what an interrupted or failed build of this target left
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith(`work-${targetName}-`) || (name.startsWith(`${targetName}-`) && name.endsWith('.partial'))) {
      rmSync(join(cacheDir, name), { recursive: true, force: true })
    }
  }
  mkdirSync(work, { recursive: true })
  copyBuildMachineHeaders(staging)
  const started = Date.now()
  log(`building ${recipes.map((recipe) => recipe.name).join(', ')} for ${targetName} into ${prefix}`)
  for (const recipe of recipes) {
    const began = Date.now()
    const source = sources.get(recipe.name)
    const tree = await unpack(source, work)
    await recipe.build(context(source, tree, work, staging))
    const licenceDir = join(staging, 'licences', source.name)
    mkdirSync(licenceDir, { recursive: true })
    for (const file of source.licenceFiles ?? []) copyFileSync(join(tree, file), join(licenceDir, file))
    log(`${recipe.name} ${source.version}: ${((Date.now() - began) / 1000).toFixed(1)} s`)
  }
  if (target.os === 'win32') await napiImportLibrary(staging, work)
  for (const name of ['bin', 'share']) rmSync(join(staging, name), { recursive: true, force: true })
  const seconds = (Date.now() - started) / 1000
  const built = { target: targetName, key, seconds, sources: lock.sources.map(({ name, version, sha256 }) => ({ name, version, sha256 })) }
  writeFileSync(join(staging, 'native-deps.json'), `${JSON.stringify(built, null, 2)}\n`)
  renameSync(staging, prefix)
  rmSync(work, { recursive: true, force: true })
  // older prefixes of this target are left behind by a changed lock or recipe
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith(`${targetName}-`) && name !== basename(prefix)) rmSync(join(cacheDir, name), { recursive: true, force: true })
  }
  log(`built in ${seconds.toFixed(1)} s: ${prefix}`)
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)))
