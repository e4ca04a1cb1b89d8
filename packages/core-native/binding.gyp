{
  "targets": [
    {
      "target_name": "pastream_core",
      "sources": [
        "src/core/ring.c",
        "src/core/callback.c",
        "src/binding/jack_shim.c",
        "src/binding/jack_loopback.c",
        "src/binding/binding.cc",
        "src/binding/portaudio.cc",
        "src/binding/stream.cc",
        "src/binding/watchdog.cc",
        "src/binding/stream_calls.cc",
        "src/binding/loopback.cc"
      ],
      "include_dirs": [
        "include",
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node ../../scripts/native-deps.mjs --prefix --arch <(target_arch))/include"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      # PortAudio, static, from the pinned source (scripts/native-deps.mjs,
      # built for node-gyp's target_arch: a cross build's too); its jack_*
      # calls land in src/binding/jack_shim.c
      "libraries": ["<!@(node ../../scripts/native-deps.mjs --libs core-native --arch <(target_arch))"],
      # the os built for: node-gyp's OS is the build machine's (linux for a
      # Windows cross build with mingw-w64, native-deps/targets.mjs)
      "variables": { "pastream_os": "<!(node ../../scripts/native-deps.mjs --os --arch <(target_arch))" },
      "conditions": [
        ["OS=='linux' and pastream_os=='linux'", {
          # never unloaded: a Worker that loaded the addon unloads it at its
          # end when no other thread has it, while the watchdog thread and
          # the audio threads of streams the Worker left still run its code.
          # The static libraries' symbols stay inside the addon.
          "ldflags": ["-Wl,-z,nodelete", "-Wl,--exclude-libs,ALL"]
        }],
        ["pastream_os=='win32'", {
          # Node's common.gypi gives a linux build -rdynamic, which PE's ld
          # lacks; the static libraries' symbols stay inside the addon.
          # (binding.cc pins the DLL instead of -z nodelete: pas_pin_module)
          "ldflags!": ["-rdynamic"],
          "ldflags": ["-Wl,--exclude-libs,ALL"]
        }],
        ["OS=='mac'", {
          "xcode_settings": { "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++17" }
        }]
      ]
    }
  ]
}
