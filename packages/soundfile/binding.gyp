{
  "targets": [
    {
      "target_name": "pastream_sndfile",
      "sources": [
        "src/binding/sndfile.cc",
        "src/binding/args.cc",
        "src/binding/errors.cc",
        "src/binding/samples.cc",
        "src/binding/formats.cc",
        "src/binding/file_ops.cc",
        "src/binding/pump_glue.cc",
        "src/binding/wav_writer.cc",
        "../core-native/src/core/ring.c",
        "../core-native/src/core/convert.c",
        "../core-native/src/core/file_pump.c"
      ],
      "include_dirs": [
        "../core-native/include",
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node ../../scripts/native-deps.mjs --prefix --arch <(target_arch))/include"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      # libsndfile and its codecs, static, from the pinned sources
      # (scripts/native-deps.mjs, built for node-gyp's target_arch)
      "libraries": ["<!@(node ../../scripts/native-deps.mjs --libs soundfile --arch <(target_arch))"],
      # the os built for: node-gyp's OS is the build machine's (linux for a
      # Windows cross build with mingw-w64, native-deps/targets.mjs)
      "variables": { "pastream_os": "<!(node ../../scripts/native-deps.mjs --os --arch <(target_arch))" },
      "conditions": [
        ["OS=='linux'", {
          # the static libraries' symbols stay inside the addon
          "ldflags": ["-Wl,--exclude-libs,ALL"]
        }],
        ["pastream_os=='win32'", {
          # Node's common.gypi gives a linux build -rdynamic, which PE's ld
          # lacks; mingw-w64's off_t is 32 bits unless asked (lseek and
          # ftruncate of files over 2 GiB)
          "ldflags!": ["-rdynamic"],
          "defines": ["_FILE_OFFSET_BITS=64"]
        }],
        ["OS=='mac'", {
          "xcode_settings": { "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++17" }
        }]
      ]
    }
  ]
}
