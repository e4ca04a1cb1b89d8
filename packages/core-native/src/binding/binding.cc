// N-API glue: unpack arguments, call PortAudio and the core, map errors.
// No policy lives here: TypeScript validates arguments and chooses formats;
// the glue checks only handles and types. This file only registers the
// parts: portaudio.cc (lifetime, queries, errors), stream.cc (streams and
// their engine), loopback.cc (the virtual device's JACK client).
#include "glue.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  pas_pin_module();
  pas_glue::RegisterQueries(env, exports);
  pas_glue::RegisterStreams(env, exports);
  pas_glue::RegisterLoopback(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(pastream_core, Init)
