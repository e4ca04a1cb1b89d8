// Shared by the soundfile addon's files: the open-file handle (FileWrap),
// the per-env state, and the declarations each file exports to the others
// (argument helpers in args.cc, sample I/O in samples.cc, and the JS
// functions that sndfile.cc's Init registers).
//
// Threads: libsndfile handles are not thread-safe. Each file has a mutex held
// around every libsndfile call on it, whether that call runs on the main
// thread (the *Sync functions), on a libuv worker (the Promise ones) or on a
// file pump's thread.
#ifndef PASTREAM_SNDFILE_GLUE_H
#define PASTREAM_SNDFILE_GLUE_H

#include <napi.h>
#include <sndfile.h>

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

namespace pastream_sndfile {

const napi_type_tag kFileTag = {0x70617374'736e6466ULL, 0x696c6500'00000001ULL};

struct EnvState;

// The last write that came up short (disk full, an I/O error), as
// WriteFrames saw it: kept here because trimming the partial frame it left
// clears libsndfile's error state.
struct ShortWrite {
  int sndfile_code = SF_ERR_NO_ERROR;  // sf_error's number (SF_ERR_SYSTEM when it gave none)
  int system_error = 0;                // errno of the failing write(2), 0 when unknown
  std::string text;                    // what to report: DiskFullText, or libsndfile's
};

struct FileWrap {
  std::mutex mutex;  // held around every libsndfile call on sf
  SNDFILE* sf = nullptr;
  int channels = 1;
  int format = 0;
  EnvState* env_state = nullptr;
  ShortWrite short_write;  // under mutex, like sf
};

struct EnvState {
  std::set<FileWrap*> files;  // main thread only
};

// ---- errors.cc: every error the addon throws carries a stable `code` ----
//
// The codes (exported as NativeErrorCode from src/binding.ts; TypeScript
// maps them to its error classes, never parses a message):
//   ERR_SOUNDFILE_CLOSED         Error "sound file is closed": a call on a
//                                closed file (or closed under a pump)
//   ERR_SOUNDFILE_LIBSNDFILE     Error with libsndfile's text and
//                                `sndfileErrorCode` (sf_error's number)
//   ERR_SOUNDFILE_INVALID_HANDLE TypeError: not a sound file / pump handle
//   ERR_SOUNDFILE_INVALID_ARG    TypeError or RangeError: an argument of the
//                                wrong type, size or range (dtype, frames,
//                                samples, target, mode, ring, options)
//   ERR_SOUNDFILE_DETACHED       Error: the output array of a read was
//                                detached or shrunk while the read ran
//   ERR_SOUNDFILE_PUMP           Error: a pump thread could not be set up
//                                (out of memory, no thread)
//   ERR_SOUNDFILE_DISK_FULL      Error "disk full (...)": an open, a write or
//                                a record pump failed for want of space
//                                (ENOSPC, EDQUOT); also `sndfileErrorCode`
inline constexpr const char* kErrClosed = "ERR_SOUNDFILE_CLOSED";
inline constexpr const char* kErrLibsndfile = "ERR_SOUNDFILE_LIBSNDFILE";
inline constexpr const char* kErrInvalidHandle = "ERR_SOUNDFILE_INVALID_HANDLE";
inline constexpr const char* kErrInvalidArg = "ERR_SOUNDFILE_INVALID_ARG";
inline constexpr const char* kErrDetached = "ERR_SOUNDFILE_DETACHED";
inline constexpr const char* kErrPump = "ERR_SOUNDFILE_PUMP";
inline constexpr const char* kErrDiskFull = "ERR_SOUNDFILE_DISK_FULL";

// An Error with message and code.
Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message);
// Error "sound file is closed", ERR_SOUNDFILE_CLOSED.
Napi::Error ClosedError(Napi::Env env);
// libsndfile's text and error number, ERR_SOUNDFILE_LIBSNDFILE.
Napi::Error SndfileError(Napi::Env env, const std::string& message, int sndfile_code);
// True for the system errors that mean "no space": ENOSPC, EDQUOT.
bool IsDiskFull(int system_error);
// The text of a disk-full error: "disk full (No space left on device)".
std::string DiskFullText(int system_error);
// An open or write that failed: ERR_SOUNDFILE_DISK_FULL when system_error
// says so, else as SndfileError; both carry sndfileErrorCode.
Napi::Error FileIoError(Napi::Env env, const std::string& message, int sndfile_code, int system_error);
// TypeError / RangeError with code (ERR_SOUNDFILE_INVALID_ARG or _HANDLE).
Napi::Error CodedTypeError(Napi::Env env, const std::string& message, const char* code = kErrInvalidArg);
Napi::Error CodedRangeError(Napi::Env env, const std::string& message);

// ---- args.cc: arguments and results ----

// A dtype argument: core-native's format code (pas_format_t).
int ParseFormat(Napi::Env env, const Napi::Value& value);
// The typed array type that holds samples of format (int24: bytes).
napi_typedarray_type ArrayTypeOf(int format);
// The FileWrap of a type-tagged file handle; TypeError otherwise.
FileWrap* Unwrap(Napi::Env env, const Napi::Value& value);
double NumberOr(const Napi::Object& o, const char* key, double fallback);
int64_t FramesArg(Napi::Env env, const Napi::Value& value);
// The typed array for `frames` frames of format: checked for type and size.
Napi::TypedArray SamplesArg(Napi::Env env, const Napi::Value& value, int format, int64_t frames, int channels);
uint8_t* DataOf(const Napi::TypedArray& array);
Napi::Object InfoObject(Napi::Env env, const SF_INFO& info);

// ---- samples.cc: frames in and out of a file, converted ----

// Reads up to `frames` frames into dst (frames * channels samples of
// format). Caller holds w->mutex. Returns the frames read.
int64_t ReadFrames(FileWrap* w, int format, uint8_t* dst, int64_t frames);
// True when the header of a file of this format (SF_INFO.format) can be
// rewritten to count the frames written so far (SFC_UPDATE_HEADER_NOW), so
// a killed process leaves a file that opens with them. Not the streamed
// containers, which have no length in a header: libsndfile's header
// rewrite breaks an Ogg stream (the file then reads with no length).
bool HeaderCountsFrames(int format);
// Writes `frames` frames from src. Caller holds w->mutex. Returns the frames
// written; fewer on an error, which w->short_write then describes (and the
// file keeps only whole frames: see samples.cc).
int64_t WriteFrames(FileWrap* w, int format, const uint8_t* src, int64_t frames);

// ---- the JS functions ----

// formats.cc
Napi::Value Version(const Napi::CallbackInfo& info);
Napi::Value MajorFormats(const Napi::CallbackInfo& info);
Napi::Value Subtypes(const Napi::CallbackInfo& info);
Napi::Value FormatCheck(const Napi::CallbackInfo& info);
// sndfile.cc
Napi::Value Open(const Napi::CallbackInfo& info);
Napi::Value OpenSync(const Napi::CallbackInfo& info);
// file_ops.cc
Napi::Value Info(const Napi::CallbackInfo& info);
Napi::Value Read(const Napi::CallbackInfo& info);
Napi::Value ReadSync(const Napi::CallbackInfo& info);
Napi::Value Write(const Napi::CallbackInfo& info);
Napi::Value WriteSync(const Napi::CallbackInfo& info);
Napi::Value Seek(const Napi::CallbackInfo& info);
Napi::Value Close(const Napi::CallbackInfo& info);
Napi::Value CloseSync(const Napi::CallbackInfo& info);
// pump_glue.cc
Napi::Value PumpRecord(const Napi::CallbackInfo& info);
Napi::Value PumpPlay(const Napi::CallbackInfo& info);
Napi::Value PumpStatus(const Napi::CallbackInfo& info);
Napi::Value PumpStop(const Napi::CallbackInfo& info);

}  // namespace pastream_sndfile

#endif
