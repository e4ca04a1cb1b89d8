// The soundfile addon's errors: each one it throws or rejects with carries
// a stable string `code` (the list is in glue.h); libsndfile's also carry
// its error number as `sndfileErrorCode`. Messages stay as they were.
#include "glue.h"

#include <cerrno>

namespace pastream_sndfile {

namespace {
template <typename E>
Napi::Error WithCode(E error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  return error;
}
}  // namespace

Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message) {
  return WithCode(Napi::Error::New(env, message), code);
}

Napi::Error ClosedError(Napi::Env env) { return CodedError(env, kErrClosed, "sound file is closed"); }

Napi::Error SndfileError(Napi::Env env, const std::string& message, int sndfile_code) {
  Napi::Error error = CodedError(env, kErrLibsndfile, message);
  error.Set("sndfileErrorCode", Napi::Number::New(env, sndfile_code));
  return error;
}

bool IsDiskFull(int system_error) {
#ifdef EDQUOT
  if (system_error == EDQUOT) return true;
#endif
  return system_error == ENOSPC;
}

// Spelled out rather than strerror's: the same words on every platform and
// locale, and safe on the pump's thread.
std::string DiskFullText(int system_error) {
  return system_error == ENOSPC ? "disk full (No space left on device)" : "disk full (Disk quota exceeded)";
}

Napi::Error FileIoError(Napi::Env env, const std::string& message, int sndfile_code, int system_error) {
  if (!IsDiskFull(system_error)) return SndfileError(env, message, sndfile_code);
  Napi::Error error = CodedError(env, kErrDiskFull, message);
  error.Set("sndfileErrorCode", Napi::Number::New(env, sndfile_code));
  return error;
}

Napi::Error CodedTypeError(Napi::Env env, const std::string& message, const char* code) {
  return WithCode(Napi::TypeError::New(env, message), code);
}

Napi::Error CodedRangeError(Napi::Env env, const std::string& message) {
  return WithCode(Napi::RangeError::New(env, message), kErrInvalidArg);
}

}  // namespace pastream_sndfile
