// Internal header of the N-API glue, shared by its files (not installed):
// PortAudio's lifetime (one reference count for streams, queries and
// environments), the error objects the TS layer turns into its classes
// (errors.ts, fromNative), and small argument readers. Each glue file
// registers its own functions through its Register* function.
#pragma once

#include <napi.h>
#include <portaudio.h>

#include "pastream/platform.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace pas_glue {

// Serialises every PortAudio call that changes global state (initialise,
// terminate, open, start, stop, abort, close) across threads: PortAudio is
// not thread-safe there (its JACK backend asserts when a stream is opened
// while another closes). Recursive: Release() runs under it from close.
extern std::recursive_timed_mutex pa_mutex;

// Runs fn with fd 2 pointed at /dev/null unless PASTREAM_BACKEND_LOGS is set:
// ALSA and JACK print pages of noise while probing on machines without audio.
template <typename Fn>
auto WithQuietStderr(Fn fn) -> decltype(fn()) {
  if (std::getenv("PASTREAM_BACKEND_LOGS") != nullptr) return fn();
  fflush(stderr);
  int saved = dup(2);
  int devnull = open(PAS_NULL_DEVICE, O_WRONLY | PAS_O_FILE);
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

// Initialises PortAudio unless it is; paired with Release().
PaError Acquire();
// Drops a reference. PortAudio stays initialised for the next stream.
void Release();
// Terminates PortAudio when no reference holds it (the next Acquire
// initialises it again, with the devices as they are then).
enum class ResetResult { kDone, kInUse, kKept };
ResetResult ResetPortAudio();

// Holds PortAudio initialised for one query.
struct PaScope {
  PaError error;
  PaScope() : error(Acquire()) {}
  ~PaScope() {
    if (error == paNoError) Release();
  }
};

// A failure of ours (not PortAudio's), with one of the codes of errors.ts
// NativeErrorCode: ERR_PASTREAM_CLOSED, _BUSY, _ACTIVE, _CONFIG, _LOOPBACK.
Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message);
// A PortAudio failure: what failed, and PortAudio's code name, number and text.
Napi::Error MakePaError(Napi::Env env, const std::string& what, PaError code);
// PortAudio's name of an error code: "paInvalidSampleRate".
std::string PaErrorName(PaError code);
void ThrowIfPaError(Napi::Env env, const PaScope& scope);

double NumberOr(const Napi::Object& o, const char* key, double fallback);
// Reads {device, channels, format, deviceFormat, latency} into parameters; false if absent.
bool ReadDirection(Napi::Env env, const Napi::Object& options, const char* key,
                   PaStreamParameters* p, int* user_format, int* device_format);

void RegisterQueries(Napi::Env env, Napi::Object exports);
void RegisterStreams(Napi::Env env, Napi::Object exports);
void RegisterLoopback(Napi::Env env, Napi::Object exports);

}  // namespace pas_glue
