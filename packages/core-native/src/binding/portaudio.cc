// PortAudio's lifetime and what it tells before any stream exists: version,
// host APIs, devices, format checks, the shared-memory layout; and the
// error objects every glue file throws. No policy: TS validated arguments.
#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>

#include "stream_wrap.h"

extern "C" {
#include "pastream/callback.h"
#include "pastream/layout.h"
#include "pastream/ring.h"
}

namespace pas_glue {

std::recursive_timed_mutex pa_mutex;
namespace {
int pa_refcount = 0;             // under pa_mutex
bool pa_initialized = false;     // under pa_mutex
std::atomic<bool> pa_kept{false};  // never terminate again (KeepPortAudioForever)
}  // namespace

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

namespace {

// PortAudio's JACK host API now and then comes up wrong: about one
// initialisation in a hundred (more on a busy machine) its JACK client does
// not open, so the host API is missing, or jack_get_ports() comes back empty
// right after the client opened, so it lists no device. A JACK server always
// has ports, and one this process reached before, or one the environment
// names (JACK_DEFAULT_SERVER), is most likely there: both cases get another
// initialisation.
bool jack_seen = false;  // under pa_mutex

bool JackCameUpWrong() {
  PaHostApiIndex index = Pa_HostApiTypeIdToHostApiIndex(paJACK);
  const PaHostApiInfo* info = index >= 0 ? Pa_GetHostApiInfo(index) : nullptr;
  if (info != nullptr && info->deviceCount > 0) {
    jack_seen = true;
    return false;
  }
  return info != nullptr || jack_seen || std::getenv("JACK_DEFAULT_SERVER") != nullptr;
}

// The JACK server PortAudio's JACK host API talks to, as the inode of its
// listening socket (Linux: /proc/net/unix), or 0 when there is none. A
// server that died, or died and came back, has another (or none).
unsigned long JackServerSocket() {
#ifdef __linux__
  const char* name = std::getenv("JACK_DEFAULT_SERVER");
  std::string path = std::string("/dev/shm/jack_") + (name && *name ? name : "default") + "_" +
                     std::to_string(getuid()) + "_0";
  std::ifstream table("/proc/net/unix");
  std::string line;
  std::getline(table, line);  // header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, refs, protocol, flags, type, state, socket_path;
    unsigned long inode = 0;
    fields >> slot >> refs >> protocol >> flags >> type >> state >> inode >> socket_path;
    bool listening = std::strtoul(flags.c_str(), nullptr, 16) & 0x10000;  // __SO_ACCEPTCON
    if (listening && socket_path == path) return inode;
  }
#endif
  return 0;
}
unsigned long jack_server_at_init = 0;  // under pa_mutex

// Pa_Initialize, again after a pause while the JACK host API came up wrong:
// five times at most, the pauses doubling from 10 ms (150 ms in all). Runs
// of wrong starts come together, in every process on the machine at once
// (most likely while a JACK server starts or ends and holds JACK's shared
// registry): 2 000 initialisations in two processes at once, with other
// servers coming and going, missed the device 3 times with three attempts
// 20 ms apart.
PaError InitializePortAudio() {
  for (int attempt = 1;; attempt++) {
    PaError err = WithQuietStderr([] { return Pa_Initialize(); });
    if (err != paNoError || attempt == 5 || !JackCameUpWrong()) return err;
    WithQuietStderr([] { return Pa_Terminate(); });
    usleep(10000 << (attempt - 1));
  }
}

}  // namespace

PaError Acquire() {
  std::lock_guard<std::recursive_timed_mutex> lock(pa_mutex);
  if (!pa_initialized) {
    PaError err = InitializePortAudio();
    if (err != paNoError) return err;
    pa_initialized = true;
    bool has_jack = Pa_HostApiTypeIdToHostApiIndex(paJACK) >= 0;
    jack_server_at_init = has_jack ? JackServerSocket() : 0;
  }
  pa_refcount++;
  return paNoError;
}

// PortAudio stays initialised when the last reference goes: the next
// stream opens in a few ms instead of initialising it again (30-50 ms with
// JACK). ResetPortAudio lets go of it.
void Release() {
  std::lock_guard<std::recursive_timed_mutex> lock(pa_mutex);
  if (pa_refcount > 0) pa_refcount--;
}

ResetResult ResetPortAudio() {
  std::lock_guard<std::recursive_timed_mutex> lock(pa_mutex);
  if (pa_refcount > 0) return ResetResult::kInUse;
  if (pa_kept.load()) return ResetResult::kKept;
  if (!pa_initialized) return ResetResult::kDone;
  // PortAudio 19.6 asserts in Pa_Terminate when its JACK server went away
  if (jack_server_at_init != 0 && JackServerSocket() != jack_server_at_init) {
    pa_kept.store(true);
    return ResetResult::kKept;
  }
  WithQuietStderr([] { return Pa_Terminate(); });
  pa_initialized = false;
  return ResetResult::kDone;
}

bool JackServerGone() {
  std::lock_guard<std::recursive_timed_mutex> lock(pa_mutex);
  return pa_initialized && jack_server_at_init != 0 && JackServerSocket() != jack_server_at_init;
}

// Lock-free: the watchdog calls it while a blocked PortAudio call may hold pa_mutex.
void KeepPortAudioForever() { pa_kept.store(true); }

bool PortAudioKept() { return pa_kept.load(); }


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

// paReset(): lets go of PortAudio when nothing holds it, so the next use
// initialises it again and sees the devices as they are now. Throws
// ERR_PASTREAM_BUSY while a stream is open, ERR_PASTREAM_PORTAUDIO_KEPT
// when PortAudio cannot be terminated in this process (its JACK server
// went away: PortAudio 19.6 aborts the process in Pa_Terminate then).
Napi::Value PaReset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  switch (ResetPortAudio()) {
    case ResetResult::kInUse:
      throw MakeError(env, "ERR_PASTREAM_BUSY",
                      "PortAudio is in use by an open stream: close every stream before refreshing the devices");
    case ResetResult::kKept:
      throw MakeError(env, "ERR_PASTREAM_PORTAUDIO_KEPT",
                      "PortAudio cannot be re-initialised in this process: the JACK server it was connected to went away (start a new process to see the devices again)");
    case ResetResult::kDone:
      break;
  }
  return env.Undefined();
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
  PAS_EXPORT(PAS_RING_SIZE_OFFSET)
  PAS_EXPORT(PAS_RING_WRITER_OFFSET)
  PAS_EXPORT(PAS_RING_HEADER_BYTES)
  PAS_EXPORT(PAS_RING_MAX_SIZE)
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
  PAS_EXPORT(PAS_ASSUMED_BLOCKSIZE)
  PAS_EXPORT(PAS_FILL_WAKE_PARTS)
  PAS_EXPORT(PAS_MAX_FILL_WAKE_MS)
#undef PAS_EXPORT
  return o;
}
void RegisterQueries(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("hostApis", Napi::Function::New(env, HostApis));
  exports.Set("devices", Napi::Function::New(env, Devices));
  exports.Set("checkFormat", Napi::Function::New(env, CheckFormat));
  exports.Set("layout", Napi::Function::New(env, Layout));
  exports.Set("paAcquire", Napi::Function::New(env, PaAcquire));
  exports.Set("paRelease", Napi::Function::New(env, PaRelease));
  exports.Set("paReset", Napi::Function::New(env, PaReset));
}

}  // namespace pas_glue
