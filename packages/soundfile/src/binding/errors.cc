// The soundfile addon's errors: each one it throws or rejects with carries
// a stable string `code` (the list is in glue.h); a failed open, read,
// write or close (an IoError) also carries libsndfile's error number as
// `sndfileErrorCode` and the failed system call's as `errno`, and is
// ERR_SOUNDFILE_DISK_FULL when that says no space. Messages stay as they
// were, but for a full disk's.
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

bool IsDiskFull(int sys_errno) {
#ifdef EDQUOT
  if (sys_errno == EDQUOT) return true;
#endif
  return sys_errno == ENOSPC;
}

namespace {
// Spelled out rather than strerror's: the same words on every platform and
// locale, and safe on the pump's thread.
std::string DiskFullText(int sys_errno) {
  return sys_errno == ENOSPC ? "disk full (No space left on device)" : "disk full (Disk quota exceeded)";
}
}  // namespace

IoError MakeIoError(int sndfile_code, int sys_errno, const std::string& text) {
  IoError error;
  error.sndfile_code = sndfile_code;
  error.sys_errno = sndfile_code == SF_ERR_SYSTEM ? sys_errno : 0;
  error.text = IsDiskFull(error.sys_errno) ? DiskFullText(error.sys_errno) : text;
  return error;
}

void SetSystemError(Napi::Object target, const IoError& error) {
  if (error.sys_errno == 0) return;
  target.Set("errno", Napi::Number::New(target.Env(), error.sys_errno));
  if (IsDiskFull(error.sys_errno)) target.Set("code", Napi::String::New(target.Env(), kErrDiskFull));
}

Napi::Error FileIoError(Napi::Env env, const IoError& error) {
  Napi::Error js = CodedError(env, kErrLibsndfile, error.text);
  js.Set("sndfileErrorCode", Napi::Number::New(env, error.sndfile_code));
  SetSystemError(js.Value(), error);
  return js;
}

Napi::Error CodedTypeError(Napi::Env env, const std::string& message, const char* code) {
  return WithCode(Napi::TypeError::New(env, message), code);
}

Napi::Error CodedRangeError(Napi::Env env, const std::string& message) {
  return WithCode(Napi::RangeError::New(env, message), kErrInvalidArg);
}

}  // namespace pastream_sndfile
