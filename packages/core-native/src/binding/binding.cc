// N-API glue: unpack arguments, call PortAudio and the core, map errors.
// No policy lives here: TypeScript validates arguments and chooses formats;
// this file checks only handles and types. No PortAudio pointer reaches JS:
// a stream is an External with a type tag, and every call on a closed
// stream throws "stream is closed".
#include <napi.h>

#include <fcntl.h>
#include <portaudio.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>

extern "C" {
#include "pastream/callback.h"
#include "pastream/layout.h"
#include "pastream/ring.h"
#include "jack_loopback.h"
}

namespace {

// ---- PortAudio lifetime: reference counted across streams, queries and envs ----

// Serialises every PortAudio call that changes global state (initialise,
// terminate, open, start, stop, abort, close) across threads: PortAudio is
// not thread-safe there (its JACK backend asserts when a stream is opened
// while another closes). Recursive: Release() runs under it from close.
std::recursive_mutex pa_mutex;
int pa_refcount = 0;

// Runs fn with fd 2 pointed at /dev/null unless PASTREAM_BACKEND_LOGS is set:
// ALSA and JACK print pages of noise while probing on machines without audio.
template <typename Fn>
auto WithQuietStderr(Fn fn) -> decltype(fn()) {
  if (std::getenv("PASTREAM_BACKEND_LOGS") != nullptr) return fn();
  fflush(stderr);
  int saved = dup(2);
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (saved < 0 || devnull < 0) {
    if (saved >= 0) close(saved);
    if (devnull >= 0) close(devnull);
    return fn();
  }
  dup2(devnull, 2);
  close(devnull);
  auto result = fn();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  return result;
}

std::string PaErrorName(PaError code) {
  switch (code) {
#define PAS_CASE(x) \
  case x:           \
    return #x;
    PAS_CASE(paNotInitialized)
    PAS_CASE(paUnanticipatedHostError)
    PAS_CASE(paInvalidChannelCount)
    PAS_CASE(paInvalidSampleRate)
    PAS_CASE(paInvalidDevice)
    PAS_CASE(paInvalidFlag)
    PAS_CASE(paSampleFormatNotSupported)
    PAS_CASE(paBadIODeviceCombination)
    PAS_CASE(paInsufficientMemory)
    PAS_CASE(paBufferTooBig)
    PAS_CASE(paBufferTooSmall)
    PAS_CASE(paNullCallback)
    PAS_CASE(paBadStreamPtr)
    PAS_CASE(paTimedOut)
    PAS_CASE(paInternalError)
    PAS_CASE(paDeviceUnavailable)
    PAS_CASE(paIncompatibleHostApiSpecificStreamInfo)
    PAS_CASE(paStreamIsStopped)
    PAS_CASE(paStreamIsNotStopped)
    PAS_CASE(paInputOverflowed)
    PAS_CASE(paOutputUnderflowed)
    PAS_CASE(paHostApiNotFound)
    PAS_CASE(paInvalidHostApi)
    PAS_CASE(paCanNotReadFromACallbackStream)
    PAS_CASE(paCanNotWriteToACallbackStream)
    PAS_CASE(paCanNotReadFromAnOutputOnlyStream)
    PAS_CASE(paCanNotWriteToAnInputOnlyStream)
    PAS_CASE(paIncompatibleStreamHostApi)
    PAS_CASE(paBadBufferPtr)
#undef PAS_CASE
    default:
      return "paUnknownError";
  }
}

// A failure of ours (not PortAudio's), with one of the codes of errors.ts
// NativeErrorCode: ERR_PASTREAM_CLOSED, _BUSY, _ACTIVE, _CONFIG, _LOOPBACK.
Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

// Error object the TS layer turns into a PortAudioError (errors.ts,
// fromNative): the parts as properties, so nothing parses the message:
// what failed, PortAudio's code name, number and text and, for host
// errors, the host API's own code and text.
Napi::Error MakePaError(Napi::Env env, const std::string& what, PaError code) {
  Napi::Error error = Napi::Error::New(env, what + ": " + Pa_GetErrorText(code));
  error.Set("code", Napi::String::New(env, PaErrorName(code)));
  error.Set("what", Napi::String::New(env, what));
  error.Set("paErrorCode", Napi::Number::New(env, code));
  error.Set("paErrorText", Napi::String::New(env, Pa_GetErrorText(code)));
  if (code == paUnanticipatedHostError) {
    const PaHostErrorInfo* info = Pa_GetLastHostErrorInfo();
    if (info != nullptr) {
      error.Set("hostApiType", Napi::Number::New(env, info->hostApiType));
      error.Set("hostErrorCode", Napi::Number::New(env, static_cast<double>(info->errorCode)));
      error.Set("hostErrorText",
                Napi::String::New(env, info->errorText ? info->errorText : ""));
    }
  }
  return error;
}

PaError Acquire() {
  std::lock_guard<std::recursive_mutex> lock(pa_mutex);
  if (pa_refcount == 0) {
    PaError err = WithQuietStderr([] { return Pa_Initialize(); });
    if (err != paNoError) return err;
  }
  pa_refcount++;
  return paNoError;
}

void Release() {
  std::lock_guard<std::recursive_mutex> lock(pa_mutex);
  if (pa_refcount > 0 && --pa_refcount == 0) WithQuietStderr([] { return Pa_Terminate(); });
}

// Holds PortAudio initialised for one query.
struct PaScope {
  PaError error;
  PaScope() : error(Acquire()) {}
  ~PaScope() {
    if (error == paNoError) Release();
  }
};

void ThrowIfPaError(Napi::Env env, const PaScope& scope) {
  if (scope.error != paNoError) throw MakePaError(env, "Error initializing PortAudio", scope.error);
}

double NumberOr(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

// ---- queries ----

Napi::Value Version(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("version", Napi::Number::New(info.Env(), Pa_GetVersion()));
  o.Set("text", Napi::String::New(info.Env(), Pa_GetVersionText()));
  return o;
}

Napi::Value HostApis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PaScope scope;
  ThrowIfPaError(env, scope);
  PaHostApiIndex count = Pa_GetHostApiCount();
  Napi::Array list = Napi::Array::New(env);
  for (PaHostApiIndex i = 0; i < count; i++) {
    const PaHostApiInfo* api = Pa_GetHostApiInfo(i);
    if (api == nullptr) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", i);
    o.Set("name", api->name);
    o.Set("type", static_cast<int>(api->type));
    o.Set("deviceCount", api->deviceCount);
    o.Set("defaultInputDevice", api->defaultInputDevice);
    o.Set("defaultOutputDevice", api->defaultOutputDevice);
    // The host API's own device indices, as global device indices.
    Napi::Array devices = Napi::Array::New(env);
    for (int d = 0; d < api->deviceCount; d++)
      devices.Set(static_cast<uint32_t>(d), Pa_HostApiDeviceIndexToDeviceIndex(i, d));
    o.Set("devices", devices);
    list.Set(static_cast<uint32_t>(list.Length()), o);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("hostApis", list);
  result.Set("defaultHostApi", Pa_GetDefaultHostApi());
  return result;
}

Napi::Value Devices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PaScope scope;
  ThrowIfPaError(env, scope);
  PaDeviceIndex count = Pa_GetDeviceCount();
  Napi::Array list = Napi::Array::New(env);
  for (PaDeviceIndex i = 0; i < count; i++) {
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    if (d == nullptr) continue;
    const PaHostApiInfo* api = Pa_GetHostApiInfo(d->hostApi);
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", i);
    o.Set("name", d->name);
    o.Set("hostApi", d->hostApi);
    o.Set("hostApiName", api ? api->name : "");
    o.Set("hostApiType", api ? static_cast<int>(api->type) : -1);
    o.Set("maxInputChannels", d->maxInputChannels);
    o.Set("maxOutputChannels", d->maxOutputChannels);
    o.Set("defaultLowInputLatency", d->defaultLowInputLatency);
    o.Set("defaultLowOutputLatency", d->defaultLowOutputLatency);
    o.Set("defaultHighInputLatency", d->defaultHighInputLatency);
    o.Set("defaultHighOutputLatency", d->defaultHighOutputLatency);
    o.Set("defaultSamplerate", d->defaultSampleRate);
    list.Set(static_cast<uint32_t>(list.Length()), o);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("devices", list);
  result.Set("defaultInputDevice", Pa_GetDefaultInputDevice());
  result.Set("defaultOutputDevice", Pa_GetDefaultOutputDevice());
  return result;
}

PaSampleFormat ToPaFormat(int format) {
  switch (format) {
    case PAS_FORMAT_FLOAT32:
      return paFloat32;
    case PAS_FORMAT_INT32:
      return paInt32;
    case PAS_FORMAT_INT24:
      return paInt24;
    case PAS_FORMAT_INT16:
      return paInt16;
    case PAS_FORMAT_INT8:
      return paInt8;
    case PAS_FORMAT_UINT8:
      return paUInt8;
    default:
      return 0;
  }
}

// Reads {device, channels, deviceFormat, latency} into parameters; false if absent.
bool ReadDirection(Napi::Env env, const Napi::Object& options, const char* key,
                   PaStreamParameters* p, int* user_format, int* device_format) {
  Napi::Value v = options.Get(key);
  if (v.IsNull() || v.IsUndefined()) return false;
  if (!v.IsObject()) throw Napi::TypeError::New(env, std::string(key) + " must be an object");
  Napi::Object o = v.As<Napi::Object>();
  std::memset(p, 0, sizeof *p);
  p->device = static_cast<PaDeviceIndex>(NumberOr(o, "device", -1));
  p->channelCount = static_cast<int>(NumberOr(o, "channels", 0));
  *user_format = static_cast<int>(NumberOr(o, "format", 0));
  *device_format = static_cast<int>(NumberOr(o, "deviceFormat", *user_format));
  p->sampleFormat = ToPaFormat(*device_format);
  if (p->sampleFormat == 0) throw Napi::TypeError::New(env, std::string(key) + ".deviceFormat is unknown");
  p->suggestedLatency = NumberOr(o, "latency", 0);
  p->hostApiSpecificStreamInfo = nullptr;
  return true;
}

Napi::Value CheckFormat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "options must be an object");
  Napi::Object options = info[0].As<Napi::Object>();
  PaScope scope;
  ThrowIfPaError(env, scope);
  PaStreamParameters in, out;
  int uf = 0, df = 0;
  bool has_in = ReadDirection(env, options, "input", &in, &uf, &df);
  bool has_out = ReadDirection(env, options, "output", &out, &uf, &df);
  double samplerate = NumberOr(options, "samplerate", 0);
  PaError err = WithQuietStderr([&] {
    return Pa_IsFormatSupported(has_in ? &in : nullptr, has_out ? &out : nullptr, samplerate);
  });
  Napi::Object result = Napi::Object::New(env);
  result.Set("supported", err == paFormatIsSupported);
  if (err != paFormatIsSupported) {
    result.Set("code", PaErrorName(err));
    result.Set("paErrorCode", err);
    result.Set("message", Pa_GetErrorText(err));
  }
  return result;
}

// paAcquire()/paRelease(): hold PortAudio initialised across several calls
// (a device query and a stream open) so it is initialised once, not twice.
Napi::Value PaAcquire(const Napi::CallbackInfo& info) {
  PaError err = Acquire();
  if (err != paNoError) throw MakePaError(info.Env(), "Error initializing PortAudio", err);
  return info.Env().Undefined();
}

Napi::Value PaRelease(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

Napi::Value Layout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
#define PAS_EXPORT(name) o.Set(#name, Napi::Number::New(env, name));
  PAS_EXPORT(PAS_RING_MAGIC)
  PAS_EXPORT(PAS_RING_VERSION)
  PAS_EXPORT(PAS_RING_WRITE_INDEX_OFFSET)
  PAS_EXPORT(PAS_RING_READ_INDEX_OFFSET)
  PAS_EXPORT(PAS_RING_MAGIC_OFFSET)
  PAS_EXPORT(PAS_RING_VERSION_OFFSET)
  PAS_EXPORT(PAS_RING_ELEMENTSIZE_OFFSET)
  PAS_EXPORT(PAS_RING_CAPACITY_OFFSET)
  PAS_EXPORT(PAS_RING_HEADER_BYTES)
  PAS_EXPORT(PAS_RING_MAX_CAPACITY)
  PAS_EXPORT(PAS_STATS_SEQ_OFFSET)
  PAS_EXPORT(PAS_STATS_STATE_OFFSET)
  PAS_EXPORT(PAS_STATS_REASON_OFFSET)
  PAS_EXPORT(PAS_STATS_STATUS_OFFSET)
  PAS_EXPORT(PAS_STATS_XRUNS_OFFSET)
  PAS_EXPORT(PAS_STATS_INPUT_UNDERFLOWS_OFFSET)
  PAS_EXPORT(PAS_STATS_INPUT_OVERFLOWS_OFFSET)
  PAS_EXPORT(PAS_STATS_OUTPUT_UNDERFLOWS_OFFSET)
  PAS_EXPORT(PAS_STATS_OUTPUT_OVERFLOWS_OFFSET)
  PAS_EXPORT(PAS_STATS_CALLBACKS_OFFSET)
  PAS_EXPORT(PAS_STATS_FRAME_COUNT_OFFSET)
  PAS_EXPORT(PAS_STATS_TOTAL_FRAMES_OFFSET)
  PAS_EXPORT(PAS_STATS_INPUT_ADC_TIME_OFFSET)
  PAS_EXPORT(PAS_STATS_CURRENT_TIME_OFFSET)
  PAS_EXPORT(PAS_STATS_OUTPUT_DAC_TIME_OFFSET)
  PAS_EXPORT(PAS_STATS_TX_FRAMES_OFFSET)
  PAS_EXPORT(PAS_STATS_RX_FRAMES_OFFSET)
  PAS_EXPORT(PAS_STATS_BYTES)
  PAS_EXPORT(PAS_MAX_CHANNELS)
#undef PAS_EXPORT
  return o;
}

// ---- streams ----

const napi_type_tag kStreamTag = {0x70617374'7265616dULL, 0x6e617469'76650001ULL};

// A view of JS memory (a Uint8Array over a SharedArrayBuffer) kept alive by a reference.
struct SharedView {
  Napi::ObjectReference ref;
  uint8_t* data = nullptr;
  size_t bytes = 0;

  void Set(Napi::Env env, Napi::Value value, const char* what) {
    Reset();
    if (value.IsNull() || value.IsUndefined()) return;
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      throw Napi::TypeError::New(env, std::string(what) + " must be a Uint8Array view of shared memory");
    Napi::Uint8Array view = value.As<Napi::Uint8Array>();
    data = view.Data();
    bytes = view.ByteLength();
    ref = Napi::Persistent(view.As<Napi::Object>());
  }
  void Reset() {
    if (!ref.IsEmpty()) ref.Reset();
    data = nullptr;
    bytes = 0;
  }
};

struct StreamWrap;
struct EnvState {
  std::set<StreamWrap*> streams;
};

struct StreamWrap {
  // Everything the audio thread reads: configured while the stream is stopped.
  pas_engine_t engine;
  PaStream* stream = nullptr;
  EnvState* env_state = nullptr;
  std::mutex op_mutex;  // serialises PortAudio calls on this stream across threads
  std::atomic<bool> closed{false};
  std::atomic<bool> running{false};
  std::atomic<int> pending{0};  // async operations in flight
  SharedView stats, tx, rx;
  Napi::ThreadSafeFunction on_finished;
  bool tsfn_referenced = false;
  bool env_gone = false;  // the env was torn down: its references are invalid
  bool has_input = false, has_output = false;
  int user_format = 0, device_format = 0;
  unsigned in_channels = 0, out_channels = 0;
};

// PortAudio's callback: the audio thread. Only the engine runs here.
int AudioCallback(const void* input, void* output, unsigned long frames,
                  const PaStreamCallbackTimeInfo* time, PaStreamCallbackFlags flags, void* user) {
  StreamWrap* w = static_cast<StreamWrap*>(user);
  pas_time_info_t t = {time ? time->inputBufferAdcTime : 0, time ? time->currentTime : 0,
                       time ? time->outputBufferDacTime : 0};
  return pas_engine_process(&w->engine, input, output, frames, &t, static_cast<uint32_t>(flags));
}

// PortAudio's finished callback (a JACK/ALSA thread, or the thread calling
// Pa_StopStream). Queues a call to JS; never waits for it.
void FinishedCallback(void* user) {
  StreamWrap* w = static_cast<StreamWrap*>(user);
  w->running.store(false);
  w->on_finished.NonBlockingCall();
}

StreamWrap* Unwrap(Napi::Env env, Napi::Value value, bool allow_closed = false) {
  bool ok = false;
  if (value.IsExternal()) {
    napi_status status = napi_check_object_type_tag(env, value, &kStreamTag, &ok);
    if (status != napi_ok) ok = false;
  }
  if (!ok) throw Napi::TypeError::New(env, "expected a stream handle");
  StreamWrap* w = value.As<Napi::External<StreamWrap>>().Data();
  if (w == nullptr || (!allow_closed && w->closed.load()))
    throw MakeError(env, "ERR_PASTREAM_CLOSED", "stream is closed");
  return w;
}

// Closes the PortAudio stream synchronously; safe to call twice.
void CloseNow(StreamWrap* w) {
  std::lock_guard<std::mutex> lock(w->op_mutex);
  std::lock_guard<std::recursive_mutex> global(pa_mutex);
  if (w->stream != nullptr) {
    if (Pa_IsStreamStopped(w->stream) == 0) Pa_AbortStream(w->stream);
    Pa_CloseStream(w->stream);
    w->stream = nullptr;
    w->running.store(false);
    Release();
  }
}

void ReleaseJsResources(StreamWrap* w) {
  if (w->env_gone) return;
  w->stats.Reset();
  w->tx.Reset();
  w->rx.Reset();
  if (w->on_finished) {
    w->on_finished.Release();
    w->on_finished = Napi::ThreadSafeFunction();
  }
  if (w->env_state) w->env_state->streams.erase(w);
}

void FinalizeStream(Napi::Env, StreamWrap* w) {
  // The handle was garbage collected (async operations hold a reference, so
  // none is in flight): stop the callback before freeing its memory.
  CloseNow(w);
  w->closed.store(true);
  ReleaseJsResources(w);
  delete w;
}

Napi::Value StreamOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "options must be an object");
  if (!info[2].IsFunction()) throw Napi::TypeError::New(env, "onFinished must be a function");
  Napi::Object options = info[0].As<Napi::Object>();

  PaStreamParameters in, out;
  int in_uf = 0, in_df = 0, out_uf = 0, out_df = 0;
  bool has_in = ReadDirection(env, options, "input", &in, &in_uf, &in_df);
  bool has_out = ReadDirection(env, options, "output", &out, &out_uf, &out_df);
  if (!has_in && !has_out) throw Napi::TypeError::New(env, "a stream needs input or output");
  if (has_in && has_out && (in_uf != out_uf || in_df != out_df))
    throw Napi::TypeError::New(env, "input and output must share one format");
  double samplerate = NumberOr(options, "samplerate", 0);
  unsigned long blocksize = static_cast<unsigned long>(NumberOr(options, "blocksize", 0));
  PaStreamFlags flags = static_cast<PaStreamFlags>(NumberOr(options, "flags", 0));

  auto* w = new StreamWrap();
  std::memset(&w->engine, 0, sizeof w->engine);
  w->has_input = has_in;
  w->has_output = has_out;
  w->user_format = has_in ? in_uf : out_uf;
  w->device_format = has_in ? in_df : out_df;
  w->in_channels = has_in ? static_cast<unsigned>(in.channelCount) : 0;
  w->out_channels = has_out ? static_cast<unsigned>(out.channelCount) : 0;
  try {
    w->stats.Set(env, info[1], "stats");
    if (w->stats.bytes < PAS_STATS_BYTES) throw Napi::TypeError::New(env, "stats block is too small");
  } catch (...) {
    delete w;
    throw;
  }

  PaError err = Acquire();
  if (err != paNoError) {
    delete w;
    throw MakePaError(env, "Error initializing PortAudio", err);
  }
  {
    std::lock_guard<std::recursive_mutex> global(pa_mutex);
    err = WithQuietStderr([&] {
      return Pa_OpenStream(&w->stream, has_in ? &in : nullptr, has_out ? &out : nullptr, samplerate,
                           blocksize, flags, AudioCallback, w);
    });
  }
  if (err != paNoError) {
    Release();
    delete w;
    std::string what = has_in && has_out ? "Error opening DuplexStream"
                       : has_in         ? "Error opening InputStream"
                                        : "Error opening OutputStream";
    throw MakePaError(env, what, err);
  }
  Pa_SetStreamFinishedCallback(w->stream, FinishedCallback);
  w->on_finished = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(),
                                                 "pastream-finished", 0, 1);
  w->on_finished.Unref(env);

  EnvState* state = env.GetInstanceData<EnvState>();
  w->env_state = state;
  if (state) state->streams.insert(w);

  Napi::External<StreamWrap> handle = Napi::External<StreamWrap>::New(env, w, FinalizeStream);
  napi_type_tag_object(env, handle, &kStreamTag);
  return handle;
}

Napi::Value StreamInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StreamWrap* w = Unwrap(env, info[0]);
  std::lock_guard<std::mutex> lock(w->op_mutex);
  Napi::Object o = Napi::Object::New(env);
  if (w->stream == nullptr) throw MakeError(env, "ERR_PASTREAM_CLOSED", "stream is closed");
  const PaStreamInfo* si = Pa_GetStreamInfo(w->stream);
  o.Set("inputLatency", si ? si->inputLatency : 0);
  o.Set("outputLatency", si ? si->outputLatency : 0);
  o.Set("samplerate", si ? si->sampleRate : 0);
  o.Set("active", Pa_IsStreamActive(w->stream) == 1);
  o.Set("stopped", Pa_IsStreamStopped(w->stream) == 1);
  o.Set("cpuLoad", Pa_GetStreamCpuLoad(w->stream));
  o.Set("time", Pa_GetStreamTime(w->stream));
  return o;
}

// Reads the engine config from a JS object; TS has validated every value.
void ReadEngineConfig(Napi::Env env, StreamWrap* w, const Napi::Object& o, pas_engine_config_t* c) {
  std::memset(c, 0, sizeof *c);
  pas_engine_config_defaults(c);
  c->in_channels = w->in_channels;
  c->out_channels = w->out_channels;
  c->rx_channels = static_cast<uint32_t>(NumberOr(o, "rxChannels", w->in_channels));
  c->tx_channels = static_cast<uint32_t>(NumberOr(o, "txChannels", w->out_channels));
  c->format = w->user_format;
  c->device_format = w->device_format;
  c->frames = static_cast<int64_t>(NumberOr(o, "frames", -1));
  c->pad = static_cast<int64_t>(NumberOr(o, "pad", 0));
  c->offset = static_cast<int64_t>(NumberOr(o, "offset", 0));
  c->loop = o.Get("loop").ToBoolean().Value() ? 1 : 0;
  auto read_map = [&](const char* key, int32_t* dst, uint32_t count) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return;
    if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(key) + " must be an array");
    Napi::Array a = v.As<Napi::Array>();
    if (a.Length() != count)
      throw Napi::TypeError::New(env, std::string(key) + " must have " + std::to_string(count) + " entries");
    for (uint32_t k = 0; k < count && k < PAS_MAX_CHANNELS; k++)
      dst[k] = static_cast<int32_t>(a.Get(k).ToNumber().Int32Value());
  };
  read_map("txmapping", c->txmapping, c->out_channels);
  read_map("rxmapping", c->rxmapping, c->rx_channels);
}

class StreamOpWorker : public Napi::AsyncWorker {
 public:
  enum Op { kStart, kStop, kAbort, kClose };
  StreamOpWorker(Napi::Env env, Napi::Value handle, StreamWrap* w, Op op)
      : Napi::AsyncWorker(env, "pastream-stream-op"), deferred_(Napi::Promise::Deferred::New(env)),
        handle_(Napi::Persistent(handle.As<Napi::Object>())), w_(w), op_(op) {
    // handle_ keeps the External (and so w) alive until OnOK/OnError
    w_->pending++;
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(w_->op_mutex);
    std::lock_guard<std::recursive_mutex> global(pa_mutex);
    if (w_->stream == nullptr) {
      if (op_ != kClose) error_ = paBadStreamPtr;
      return;
    }
    switch (op_) {
      case kStart:
        // a stream that completed by itself is inactive but not yet stopped
        if (Pa_IsStreamStopped(w_->stream) == 0) error_ = Pa_StopStream(w_->stream);
        if (error_ == paNoError) error_ = Pa_StartStream(w_->stream);
        break;
      case kStop:
        if (Pa_IsStreamStopped(w_->stream) == 0) error_ = Pa_StopStream(w_->stream);
        break;
      case kAbort:
        if (Pa_IsStreamStopped(w_->stream) == 0) error_ = Pa_AbortStream(w_->stream);
        break;
      case kClose:
        if (Pa_IsStreamStopped(w_->stream) == 0) Pa_AbortStream(w_->stream);
        error_ = Pa_CloseStream(w_->stream);
        w_->stream = nullptr;
        Release();
        break;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    w_->pending--;
    if (op_ != kStart) SetReferenced(env, false);
    if (op_ == kClose) {
      ReleaseJsResources(w_);
      deferred_.Resolve(env.Undefined());
      return;
    }
    if (error_ != paNoError) {
      if (op_ == kStart) {
        w_->running.store(false);
        SetReferenced(env, false);
      }
      const char* what = op_ == kStart ? "Error starting stream" : op_ == kStop ? "Error stopping stream" : "Error aborting stream";
      deferred_.Reject(MakePaError(env, what, error_).Value());
      return;
    }
    deferred_.Resolve(env.Undefined());
  }

  void SetReferenced(Napi::Env env, bool on) {
    if (!w_->on_finished || w_->tsfn_referenced == on) return;
    if (on) w_->on_finished.Ref(env);
    else w_->on_finished.Unref(env);
    w_->tsfn_referenced = on;
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference handle_;
  StreamWrap* w_;
  Op op_;
  PaError error_ = paNoError;
};

// streamStart(handle, config, txView|null, rxView|null) -> Promise<void>
// Configures the engine (the stream must be stopped), then starts the device
// off the event loop.
Napi::Value StreamStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StreamWrap* w = Unwrap(env, info[0]);
  if (!info[1].IsObject()) throw Napi::TypeError::New(env, "config must be an object");
  if (w->pending.load() > 0) throw MakeError(env, "ERR_PASTREAM_BUSY", "another operation on this stream is in progress");
  {
    std::lock_guard<std::mutex> lock(w->op_mutex);
    if (w->stream == nullptr) throw MakeError(env, "ERR_PASTREAM_CLOSED", "stream is closed");
    if (Pa_IsStreamActive(w->stream) == 1) throw MakeError(env, "ERR_PASTREAM_ACTIVE", "stream is already active");
  }
  pas_engine_config_t config;
  ReadEngineConfig(env, w, info[1].As<Napi::Object>(), &config);
  // The stream is stopped: the audio thread cannot read these now.
  w->tx.Set(env, info[2], "tx ring");
  w->rx.Set(env, info[3], "rx ring");
  int rc = pas_engine_configure(&w->engine, &config, w->tx.data, w->tx.bytes, w->rx.data,
                                w->rx.bytes, w->stats.data, w->stats.bytes);
  if (rc != PAS_ENGINE_OK) {
    Napi::Error e = MakeError(env, "ERR_PASTREAM_CONFIG", std::string("Invalid stream configuration: ") + pas_engine_strerror(rc));
    e.Set("engineError", Napi::Number::New(env, rc));
    throw e;
  }
  pas_engine_start(&w->engine);
  w->running.store(true);
  auto* worker = new StreamOpWorker(env, info[0], w, StreamOpWorker::kStart);
  worker->SetReferenced(env, true);  // a running stream keeps the process alive
  worker->Queue();
  return worker->Promise();
}

Napi::Value StreamOp(const Napi::CallbackInfo& info, StreamOpWorker::Op op) {
  Napi::Env env = info.Env();
  StreamWrap* w = Unwrap(env, info[0], op == StreamOpWorker::kClose);
  if (op == StreamOpWorker::kClose && w->closed.exchange(true)) {
    // closing twice is a no-op
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  auto* worker = new StreamOpWorker(env, info[0], w, op);
  worker->Queue();
  return worker->Promise();
}

Napi::Value StreamStop(const Napi::CallbackInfo& info) { return StreamOp(info, StreamOpWorker::kStop); }
Napi::Value StreamAbort(const Napi::CallbackInfo& info) { return StreamOp(info, StreamOpWorker::kAbort); }
Napi::Value StreamClose(const Napi::CallbackInfo& info) { return StreamOp(info, StreamOpWorker::kClose); }

// Any thread may ask the callback to abort: used when a reader or writer fails.
Napi::Value StreamRequestAbort(const Napi::CallbackInfo& info) {
  StreamWrap* w = Unwrap(info.Env(), info[0]);
  pas_engine_request_abort(&w->engine);
  return info.Env().Undefined();
}

// Called by the finished TSFN's JS side so that a finished stream no longer
// keeps the process alive.
Napi::Value StreamUnref(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StreamWrap* w = Unwrap(env, info[0], true);
  if (w->on_finished && w->tsfn_referenced && !w->running.load()) {
    w->on_finished.Unref(env);
    w->tsfn_referenced = false;
  }
  return env.Undefined();
}

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

void CleanupEnv(EnvState* state) {
  // The environment is going away (process exit or Worker end): stop every
  // callback before the memory it uses disappears.
  for (StreamWrap* w : std::set<StreamWrap*>(state->streams)) {
    CloseNow(w);
    w->closed.store(true);
    w->env_state = nullptr;
    w->env_gone = true;
  }
  state->streams.clear();
}

void FinalizeEnvState(Napi::Env, EnvState* state) {
  CleanupEnv(state);
  delete state;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* state = new EnvState();
  env.SetInstanceData<EnvState, FinalizeEnvState>(state);
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("hostApis", Napi::Function::New(env, HostApis));
  exports.Set("devices", Napi::Function::New(env, Devices));
  exports.Set("checkFormat", Napi::Function::New(env, CheckFormat));
  exports.Set("layout", Napi::Function::New(env, Layout));
  exports.Set("paAcquire", Napi::Function::New(env, PaAcquire));
  exports.Set("paRelease", Napi::Function::New(env, PaRelease));
  exports.Set("streamOpen", Napi::Function::New(env, StreamOpen));
  exports.Set("streamInfo", Napi::Function::New(env, StreamInfo));
  exports.Set("streamStart", Napi::Function::New(env, StreamStart));
  exports.Set("streamStop", Napi::Function::New(env, StreamStop));
  exports.Set("streamAbort", Napi::Function::New(env, StreamAbort));
  exports.Set("streamClose", Napi::Function::New(env, StreamClose));
  exports.Set("streamRequestAbort", Napi::Function::New(env, StreamRequestAbort));
  exports.Set("streamUnref", Napi::Function::New(env, StreamUnref));
  exports.Set("loopbackOpen", Napi::Function::New(env, LoopbackOpen));
  exports.Set("loopbackClose", Napi::Function::New(env, LoopbackClose));
  return exports;
}

}  // namespace

NODE_API_MODULE(pastream_core, Init)
