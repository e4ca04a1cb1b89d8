// The targets the native dependencies are built for, as `<platform>-<arch>`
// (Node's process.platform and process.arch, prebuildify's folder names).
// A target names its compilers and how cmake and configure are told about
// it. linux-x64 is built and tested here; darwin-x64 and darwin-arm64 are
// built natively by the prebuild workflow on macOS runners (Apple's clang);
// the cross targets are the plan the recipes are written against (a cross
// compiler from Debian's gcc-aarch64-linux-gnu and gcc-mingw-w64-x86-64
// packages).

/**
 * @typedef {object} Target
 * @property {string} name         `linux-x64`, ...
 * @property {'linux' | 'darwin' | 'win32'} os
 * @property {boolean} built        false: designed for, not built yet
 * @property {string | undefined} triplet  GNU triplet of a cross compiler (undefined: native)
 * @property {string} cc
 * @property {string} cxx
 * @property {string} ar
 * @property {string[]} cmake      cmake arguments naming the toolchain
 * @property {string[]} configure  autotools configure arguments naming the host
 */

function gnu(name, os, triplet, cmakeSystem, processor) {
  const tool = (tool) => (triplet ? `${triplet}-${tool}` : tool)
  const cross = triplet
    ? [`-DCMAKE_SYSTEM_NAME=${cmakeSystem}`, `-DCMAKE_SYSTEM_PROCESSOR=${processor}`, '-DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER']
    : []
  return {
    name,
    os,
    built: triplet === undefined,
    triplet,
    cc: tool('gcc'),
    cxx: tool('g++'),
    ar: tool('ar'),
    cmake: [`-DCMAKE_C_COMPILER=${tool('gcc')}`, `-DCMAKE_CXX_COMPILER=${tool('g++')}`, ...cross],
    configure: triplet ? [`--host=${triplet}`] : [],
  }
}

// macOS, natively on a runner of that arch: Apple's clang as cc and c++.
function apple(name, processor) {
  return {
    name,
    os: 'darwin',
    built: true,
    triplet: undefined,
    cc: 'cc',
    cxx: 'c++',
    ar: 'ar',
    cmake: ['-DCMAKE_C_COMPILER=cc', '-DCMAKE_CXX_COMPILER=c++', `-DCMAKE_OSX_ARCHITECTURES=${processor}`],
    configure: [],
  }
}

/** @type {Record<string, Target>} */
export const targets = {
  'darwin-x64': apple('darwin-x64', 'x86_64'),
  'darwin-arm64': apple('darwin-arm64', 'arm64'),
  'linux-x64': gnu('linux-x64', 'linux', undefined, 'Linux', 'x86_64'),
  'linux-arm64': gnu('linux-arm64', 'linux', 'aarch64-linux-gnu', 'Linux', 'aarch64'),
  'win32-x64': gnu('win32-x64', 'win32', 'x86_64-w64-mingw32', 'Windows', 'AMD64'),
}
