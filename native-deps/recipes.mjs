// How each pinned source (sources.json) is built into the prefix, in build
// order: static libraries, position independent, no programs, tests or docs.
// A recipe gets a context from scripts/native-deps.mjs:
//   target   the Target (targets.mjs) built for
//   source   the unpacked source tree (patches applied)
//   build    an empty directory of its own
//   prefix   where everything installs (include/, lib/)
//   jobs     parallel compile jobs
//   cmake(args[, subdir]): configure, build, install with cmake
//   autotools(args): configure, make, make install
//   compileAll(files, flags), archive(name, objects), install(...headers), run(command, args[, cwd])
// The libraries each addon links, and in which order, are `addonLibraries`.

/** @typedef {import('./targets.mjs').Target} Target */

const xiph = ['-DINSTALL_DOCS=OFF', '-DBUILD_TESTING=OFF']

/** @type {{ name: string, build: (ctx: any) => Promise<void> }[]} */
export const recipes = [
  { name: 'libogg', build: (ctx) => ctx.cmake([...xiph, '-DINSTALL_PKG_CONFIG_MODULE=ON']) },
  { name: 'libvorbis', build: (ctx) => ctx.cmake(xiph) },
  {
    name: 'flac',
    build: (ctx) =>
      ctx.cmake([
        '-DBUILD_CXXLIBS=OFF', '-DBUILD_PROGRAMS=OFF', '-DBUILD_EXAMPLES=OFF', '-DBUILD_TESTING=OFF',
        '-DBUILD_DOCS=OFF', '-DINSTALL_MANPAGES=OFF', '-DWITH_OGG=ON',
      ]),
  },
  {
    name: 'opus',
    // autotools: the 1.3.1 tarball lacks a file its CMakeLists.txt includes (opus_buildtype.cmake)
    build: (ctx) => ctx.autotools(['--disable-doc', '--disable-extra-programs']),
  },
  {
    name: 'mpg123',
    // the cmake port builds libmpg123 alone (no output modules, no programs)
    build: (ctx) => ctx.cmake(['-DBUILD_PROGRAMS=OFF', '-DBUILD_LIBOUT123=OFF'], 'ports/cmake'),
  },
  {
    name: 'lame',
    // autotools only; libsndfile encodes with it (its mpglib decoder is unused: mpg123 decodes)
    build: (ctx) => ctx.autotools(['--disable-frontend', '--disable-decoder', '--disable-gtktest', '--disable-analyzer-hooks']),
  },
  {
    name: 'libsndfile',
    build: (ctx) =>
      ctx.cmake([
        '-DBUILD_PROGRAMS=OFF', '-DBUILD_EXAMPLES=OFF', '-DBUILD_TESTING=OFF', '-DBUILD_REGTEST=OFF',
        '-DENABLE_CPACK=OFF', '-DENABLE_EXTERNAL_LIBS=ON', '-DENABLE_MPEG=ON', '-DINSTALL_MANPAGES=OFF',
        // the codecs above only: never a system library, never sndfile-play's audio backends
        '-DCMAKE_DISABLE_FIND_PACKAGE_ALSA=ON', '-DCMAKE_DISABLE_FIND_PACKAGE_Sndio=ON',
        '-DCMAKE_DISABLE_FIND_PACKAGE_Speex=ON', '-DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON',
        // libFLAC is static: on Windows its header would otherwise declare
        // every function dllimport (elsewhere the macro changes nothing).
        // cmake adds this to CFLAGS from the environment (-O2 -fPIC)
        '-DCMAKE_C_FLAGS_INIT=-DFLAC__NO_DLL',
      ]),
  },
  { name: 'portaudio', build: buildPortaudio },
]

// PortAudio's own files compiled with our flags into one archive: its
// configure finds JACK and ALSA through pkg-config and links them; we want
// neither linked. ALSA is loaded by PortAudio itself (PA_ALSA_DYNAMIC:
// dlopen of libasound.so.2 in Pa_Initialize); the jack_* functions pa_jack.c
// calls are left undefined here and defined by core-native's jack_shim.c,
// which loads libjack on first use. Asserts stay on, as in Debian's build.
// What differs by platform is `portaudioHostApis`' data.
async function buildPortaudio(ctx) {
  /** @type {Target} */
  const target = ctx.target
  const host = portaudioHostApis[target.os]
  const common = ['pa_allocation', 'pa_converters', 'pa_cpuload', 'pa_debugprint', 'pa_dither', 'pa_front',
    'pa_process', 'pa_ringbuffer', 'pa_stream', 'pa_trace'].map((name) => `src/common/${name}.c`)
  // the prefix's include/ holds a cross build's ALSA and JACK headers (targets.mjs)
  const flags = ['-O2', '-Iinclude', '-Isrc/common', `-I${ctx.prefix}/include`, '-DPA_LITTLE_ENDIAN', ...host.flags]
  const objects = await ctx.compileAll([...common, ...host.files], flags)
  await ctx.archive('libportaudio.a', objects)
  await ctx.install('include/portaudio.h', ...host.headers)
}

const unixFlags = ['-fPIC', '-pthread', '-Isrc/os/unix', '-DSIZEOF_SHORT=2', '-DSIZEOF_INT=4', '-DSIZEOF_LONG=8',
  '-DHAVE_CLOCK_GETTIME=1', '-DHAVE_NANOSLEEP=1']
const unixFiles = ['src/os/unix/pa_unix_hostapis.c', 'src/os/unix/pa_unix_util.c']

/**
 * PortAudio's host APIs on each platform: the files, the flags and the
 * public headers.
 * @type {Record<'linux' | 'darwin' | 'win32', { files: string[], flags: string[], headers: string[] }>}
 */
const portaudioHostApis = {
  linux: {
    files: [...unixFiles, 'src/hostapi/alsa/pa_linux_alsa.c', 'src/hostapi/jack/pa_jack.c'],
    flags: [...unixFlags, '-DPA_USE_ALSA=1', '-DPA_ALSA_DYNAMIC', '-DPA_ALSA_PATHNAME="libasound.so.2"', '-DPA_USE_JACK=1'],
    headers: ['include/pa_linux_alsa.h', 'include/pa_jack.h'],
  },
  // Core Audio only (the workflow's macOS runners build it; untested on this Linux machine)
  darwin: {
    files: [...unixFiles, ...['pa_mac_core.c', 'pa_mac_core_blocking.c', 'pa_mac_core_utilities.c'].map((name) => `src/hostapi/coreaudio/${name}`)],
    flags: [...unixFlags, '-DPA_USE_COREAUDIO=1'],
    headers: ['include/pa_mac_core.h'],
  },
  // MME, DirectSound, WASAPI and WDM-KS (what PortAudio's CMakeLists.txt
  // builds with MSVC; its WASAPI needs our patch for mingw-w64). dsound.dll
  // and avrt.dll are loaded at run time by PortAudio; no JACK host API
  // (pa_jack.c is POSIX only).
  win32: {
    files: ['pa_win_hostapis.c', 'pa_win_util.c', 'pa_win_waveformat.c', 'pa_win_wdmks_utils.c', 'pa_win_coinitialize.c'].map((name) => `src/os/win/${name}`)
      .concat(['wmme/pa_win_wmme.c', 'dsound/pa_win_ds.c', 'dsound/pa_win_ds_dynlink.c', 'wasapi/pa_win_wasapi.c', 'wdmks/pa_win_wdmks.c'].map((name) => `src/hostapi/${name}`)),
    // COBJMACROS: the C macros for COM calls (IUnknown_Release(p) and the
    // like), which pa_win_ds.c uses without defining; empty, as the
    // #define COBJMACROS in pa_win_wasapi.c, so that the two agree
    flags: ['-Isrc/os/win', '-DPA_USE_WMME=1', '-DPA_USE_DS=1', '-DPA_USE_WASAPI=1', '-DPA_USE_WDMKS=1',
      '-DPAWIN_USE_WDMKS_DEVICE_INFO', '-DPAWIN_USE_DIRECTSOUNDFULLDUPLEXCREATE', '-DCOBJMACROS='],
    headers: ['include/pa_win_wmme.h', 'include/pa_win_ds.h', 'include/pa_win_wasapi.h', 'include/pa_win_wdmks.h', 'include/pa_win_waveformat.h'],
  },
}

/** Core Audio's frameworks, which PortAudio's Core Audio host API calls. */
const coreAudioFrameworks = ['CoreAudio', 'AudioToolbox', 'AudioUnit', 'CoreFoundation', 'CoreServices'].flatMap((name) => ['-framework', name])

/**
 * The static libraries (in the prefix's lib/) each addon links, in link
 * order, the system libraries after them on each platform, and the sources
 * they come from (whose licences ship with the addon).
 * @type {Record<string, { archives: string[], system: Record<'linux' | 'darwin' | 'win32', string[]>, sources: string[] }>}
 */
export const addonLibraries = {
  'core-native': {
    archives: ['libportaudio.a'],
    system: {
      linux: ['-ldl', '-lpthread', '-lm'],
      darwin: ['-ldl', '-lpthread', '-lm', ...coreAudioFrameworks],
      // MME (winmm), COM (ole32, uuid), WDM-KS's device list (setupapi)
      win32: ['-lwinmm', '-lole32', '-luuid', '-lsetupapi'],
    },
    sources: ['portaudio'],
  },
  soundfile: {
    archives: ['libsndfile.a', 'libFLAC.a', 'libvorbisenc.a', 'libvorbis.a', 'libopus.a', 'libogg.a',
      'libmpg123.a', 'libmp3lame.a'],
    // win32: mpg123's UTF-8 paths (shlwapi); opus is built hardened
    // (_FORTIFY_SOURCE, stack protector), whose checks mingw-w64 has in libssp
    system: { linux: ['-lpthread', '-lm'], darwin: ['-lpthread', '-lm'], win32: ['-lshlwapi', '-lssp'] },
    sources: ['libsndfile', 'flac', 'libvorbis', 'libogg', 'opus', 'mpg123', 'lame'],
  },
}
