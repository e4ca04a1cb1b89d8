// The targets the native dependencies are built for, as `<platform>-<arch>`
// (Node's process.platform and process.arch, prebuildify's folder names).
// A target names its compilers and how cmake and configure are told about
// it. linux-x64 is built natively; linux-arm64 is cross-built with Debian's
// gcc-aarch64-linux-gnu and g++-aarch64-linux-gnu (scripts/cross-build.mjs);
// darwin-x64 and darwin-arm64 are built natively by the prebuild workflow
// on macOS runners (Apple's clang; untested on this Linux machine);
// win32-x64 is the plan the recipes are written against (mingw-w64).
//
// A cross build takes ALSA's and JACK's headers from the build machine
// (/usr/include/alsa, /usr/include/jack; setup.mjs installs them):
// libasound2-dev and libjack-jackd2-dev are Multi-Arch: same, so dpkg holds
// their headers byte-identical on every architecture, and only declarations
// are used (PortAudio dlopens libasound, jack_shim.c dlopens libjack). So no
// arm64 dev package (no dpkg --add-architecture) is needed.

/**
 * @typedef {object} Target
 * @property {string} name         `linux-x64`, ...
 * @property {'linux' | 'darwin' | 'win32'} os
 * @property {boolean} built        false: designed for, not built yet
 * @property {string | undefined} triplet  GNU triplet of the cross compiler (undefined: this machine's own target, its native tools)
 * @property {string} cc
 * @property {string} cxx
 * @property {string} ar
 * @property {string} strip
 * @property {'glibc' | undefined} libc  the C library (Linux)
 * @property {string[]} buildMachineHeaders  folders of /usr/include a cross build copies into its prefix
 * @property {string[]} cmake      cmake arguments naming the toolchain
 * @property {string[]} configure  autotools configure arguments naming the host
 */

// `crossTriplet` is used only on a machine of another platform or arch: an
// arm64 runner builds linux-arm64 with its own gcc, an x64 one cross-builds it.
function gnu(name, os, crossTriplet, cmakeSystem, processor) {
  const triplet = name === `${process.platform}-${process.arch}` ? undefined : crossTriplet
  const tool = (tool) => (triplet ? `${triplet}-${tool}` : tool)
  const cross = triplet
    ? [`-DCMAKE_SYSTEM_NAME=${cmakeSystem}`, `-DCMAKE_SYSTEM_PROCESSOR=${processor}`, '-DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER']
    : []
  return {
    name,
    os,
    built: os === 'linux',
    triplet,
    cc: tool('gcc'),
    cxx: tool('g++'),
    ar: tool('ar'),
    strip: tool('strip'),
    buildMachineHeaders: triplet && os === 'linux' ? ['alsa', 'jack'] : [],
    libc: os === 'linux' ? 'glibc' : undefined,
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
    strip: 'strip',
    buildMachineHeaders: [],
    libc: undefined,
    cmake: ['-DCMAKE_C_COMPILER=cc', '-DCMAKE_CXX_COMPILER=c++', `-DCMAKE_OSX_ARCHITECTURES=${processor}`],
    configure: [],
  }
}

/** @type {Record<string, Target>} */
export const targets = {
  'darwin-x64': apple('darwin-x64', 'x86_64'),
  'darwin-arm64': apple('darwin-arm64', 'arm64'),
  'linux-x64': gnu('linux-x64', 'linux', 'x86_64-linux-gnu', 'Linux', 'x86_64'),
  'linux-arm64': gnu('linux-arm64', 'linux', 'aarch64-linux-gnu', 'Linux', 'aarch64'),
  'win32-x64': gnu('win32-x64', 'win32', 'x86_64-w64-mingw32', 'Windows', 'AMD64'),
}
