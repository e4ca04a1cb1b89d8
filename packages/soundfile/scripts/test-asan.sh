#!/usr/bin/env bash
# Builds the soundfile addon with AddressSanitizer + UBSan into build-asan/
# (a plain compiler run over the same sources binding.gyp lists) and runs
# scripts/asan-smoke.cjs against it: every dtype through a file, close
# twice, use after close, WAV writes through the glue's own I/O, record and
# play pumps (looping, stopped, dropped while running, file closed under
# them). No audio device: the script plays the stream's part on the rings
# itself. Any ASan report fails the script.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
work="$here/build-asan"
rm -rf "$work"
mkdir -p "$work/obj"
nodeprefix="$(node -e "import('../../scripts/lib/node-headers.mjs').then(m => process.stdout.write(m.localNodedir() ?? ''))")"
nodeinc="${nodeprefix:+$nodeprefix/include/node}"
nodeinc="${nodeinc:-/usr/include/node}"
napi="$(node -p "require('node-addon-api').include_dir")"
# libsndfile and its codecs, static, as binding.gyp links them
node ../../scripts/native-deps.mjs
deps="$(node ../../scripts/native-deps.mjs --prefix)"
read -r -a libs <<<"$(node ../../scripts/native-deps.mjs --libs soundfile)"
flags=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g -O1 -fPIC
       -Wall -Wextra -Werror -I../core-native/include -I"$deps/include" -DNAPI_VERSION=8)
core=(../core-native/src/core/ring.c ../core-native/src/core/convert.c ../core-native/src/core/file_pump.c)
objs=()
for c in "${core[@]}"; do
  o="$work/obj/$(basename "$c" .c).o"
  gcc -std=c11 "${flags[@]}" -c "$c" -o "$o"
  objs+=("$o")
done
for cc in src/binding/*.cc; do
  o="$work/obj/$(basename "$cc" .cc).o"
  g++ -std=c++17 -fexceptions "${flags[@]}" -DNODE_ADDON_API_CPP_EXCEPTIONS -I"$nodeinc" -I"$napi" -c "$cc" -o "$o"
  objs+=("$o")
done
g++ -shared -fsanitize=address,undefined -o "$work/pastream_sndfile.node" "${objs[@]}" -Wl,--exclude-libs,ALL "${libs[@]}"
asan="$(gcc -print-file-name=libasan.so)"
ubsan="$(gcc -print-file-name=libubsan.so)"
# Node itself leaks by design at exit: leak checking is off; everything else is on.
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:verify_asan_link_order=0" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  LD_PRELOAD="$asan $ubsan" \
  node --expose-gc scripts/asan-smoke.cjs "$work/pastream_sndfile.node" "$work"
echo "soundfile asan: 1 passed, 0 failed"
