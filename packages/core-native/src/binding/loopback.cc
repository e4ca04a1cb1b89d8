// The virtual loopback device's JACK client (jack_loopback.c) as a
// type-tagged External: open, close; the finalizer closes a forgotten one.
#include "glue.h"

extern "C" {
#include "jack_loopback.h"
}

namespace pas_glue {
namespace {

// ---- the virtual loopback device ----

const napi_type_tag kLoopbackTag = {0x70617374'6c6f6f70ULL, 0x6261636b'00000001ULL};

struct LoopbackHolder {
  pas_loopback_t* loopback = nullptr;
};

// loopbackOpen(serverName, clientName, channels) -> {handle, samplerate, period}
Napi::Value LoopbackOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "loopbackOpen(serverName, clientName, channels)");
  std::string server = info[0].As<Napi::String>().Utf8Value();
  std::string client = info[1].As<Napi::String>().Utf8Value();
  int channels = info[2].As<Napi::Number>().Int32Value();
  char error[512] = {0};
  pas_loopback_t* lb = WithQuietStderr(
      [&] { return pas_loopback_open(server.c_str(), client.c_str(), channels, error, sizeof error); });
  if (lb == nullptr) throw MakeError(env, "ERR_PASTREAM_LOOPBACK", error);
  auto* holder = new LoopbackHolder{lb};
  Napi::External<LoopbackHolder> handle = Napi::External<LoopbackHolder>::New(
      env, holder, [](Napi::Env, LoopbackHolder* h) {
        pas_loopback_close(h->loopback);
        delete h;
      });
  napi_type_tag_object(env, handle, &kLoopbackTag);
  Napi::Object o = Napi::Object::New(env);
  o.Set("handle", handle);
  o.Set("samplerate", pas_loopback_samplerate(lb));
  o.Set("period", pas_loopback_period(lb));
  return o;
}

// loopbackClose(handle): closes the JACK client; a second close is a no-op.
Napi::Value LoopbackClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool ok = false;
  if (info[0].IsExternal()) napi_check_object_type_tag(env, info[0], &kLoopbackTag, &ok);
  if (!ok) throw Napi::TypeError::New(env, "expected a loopback handle");
  LoopbackHolder* h = info[0].As<Napi::External<LoopbackHolder>>().Data();
  pas_loopback_close(h->loopback);
  h->loopback = nullptr;
  return env.Undefined();
}

}  // namespace

void RegisterLoopback(Napi::Env env, Napi::Object exports) {
  exports.Set("loopbackOpen", Napi::Function::New(env, LoopbackOpen));
  exports.Set("loopbackClose", Napi::Function::New(env, LoopbackClose));
}

}  // namespace pas_glue
