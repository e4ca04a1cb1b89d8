// The targets the native dependencies are built for, as `<platform>-<arch>`
// (Node's process.platform and process.arch, prebuildify's folder names).
// A target names its compilers and how cmake and configure are told about
// it. linux-x64 is built natively; linux-arm64 is cross-built with Debian's
// gcc-aarch64-linux-gnu and g++-aarch64-linux-gnu (scripts/cross-build.mjs);
// darwin-x64 and darwin-arm64 are built natively by the prebuild workflow
// on macOS runners (Apple's clang; untested on this Linux machine);
// win32-x64 is cross-built with Debian's mingw-w64 (gcc-mingw-w64-x86-64-posix:
// the posix threads variant, whose winpthreads gives the C code its
// pthread.h and clock_gettime) and tested under wine.
//
// A cross build takes ALSA's and JACK's headers from the build machine
// (/usr/include/alsa, /usr/include/jack; setup.mjs installs them; win32
// takes JACK's only, whose headers serve Windows too):
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
 * @property {string[]} link       what an addon's link adds after the libraries (win32: a static C and C++ runtime)
 * @property {string[]} runtimeLicences  the build machine's copyright files of a runtime `link` puts into the addon (shipped with its licences)
 */

// `crossTriplet` is used only on a machine of another platform or arch: an
// arm64 runner builds linux-arm64 with its own gcc, an x64 one cross-builds it.
// Windows only from a Linux machine with mingw-w64 (no native Windows build).
function gnu(name, os, crossTriplet, cmakeSystem, processor) {
  const triplet = name === `${process.platform}-${process.arch}` ? undefined : crossTriplet
  const tool = (tool) => (triplet ? `${triplet}-${tool}` : tool)
  // mingw-w64's compilers come in a win32 and a posix threads variant; the
  // unsuffixed name is whichever update-alternatives chose, so name posix
  const compiler = (name) => tool(os === 'win32' ? `${name}-posix` : name)
  const cross = triplet
    ? [`-DCMAKE_SYSTEM_NAME=${cmakeSystem}`, `-DCMAKE_SYSTEM_PROCESSOR=${processor}`, '-DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER']
    : []
  return {
    name,
    os,
    built: os === 'linux' || (os === 'win32' && triplet !== undefined),
    triplet,
    cc: compiler('gcc'),
    cxx: compiler('g++'),
    ar: tool('ar'),
    strip: tool('strip'),
    // win32: JACK's headers for core-native's jack_shim.c (libjack64.dll, when installed)
    buildMachineHeaders: triplet && os === 'linux' ? ['alsa', 'jack'] : triplet && os === 'win32' ? ['jack'] : [],
    libc: os === 'linux' ? 'glibc' : undefined,
    cmake: [`-DCMAKE_C_COMPILER=${compiler('gcc')}`, `-DCMAKE_CXX_COMPILER=${compiler('g++')}`, ...cross,
      ...(os === 'win32' ? [`-DCMAKE_RC_COMPILER=${tool('windres')}`] : [])],
    configure: triplet ? [`--host=${triplet}`] : [],
    // an addon needs only Windows' own DLLs: libgcc, libstdc++ and
    // winpthread linked in (-static: mingw-w64's system libraries are
    // import libraries, so only these have a static form to pick)
    link: os === 'win32' ? ['-static'] : [],
    // what -static links in: mingw-w64's CRT and winpthreads (expat, BSD and
    // public domain), GCC's libgcc, libstdc++ and libssp (GPL with the
    // runtime library exception); Debian's copyright files name every part
    runtimeLicences: os === 'win32'
      ? ['/usr/share/doc/mingw-w64-x86-64-dev/copyright', '/usr/share/doc/gcc-mingw-w64-x86-64-posix-runtime/copyright']
      : [],
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
    link: [],
    runtimeLicences: [],
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
