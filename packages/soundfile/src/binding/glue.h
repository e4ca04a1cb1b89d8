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

// The I/O under a WAV being written (wav_writer.cc): libsndfile reaches the
// descriptor through it, and the header it writes is made plain on the way.
// Touched only under the file's mutex.
struct WavWriter {
  int fd = -1;
  bool owns_fd = false;  // close fd with the file
  sf_count_t base = 0;   // where the file starts in fd
  sf_count_t position = 0;
  int error = 0;         // errno of the last failed system call, 0 = none
  std::string message;   // libsndfile's wording of it: "System error : ..."
};

struct FileWrap {
  std::mutex mutex;  // held around every libsndfile call on sf
  SNDFILE* sf = nullptr;
  WavWriter* wav = nullptr;  // owned; a WAV being written, else null
  int channels = 1;
  int format = 0;
  EnvState* env_state = nullptr;
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
//                                `sndfileErrorCode` (sf_error's number),
//                                and `errno` when a system call failed
//   ERR_SOUNDFILE_INVALID_HANDLE TypeError: not a sound file / pump handle
//   ERR_SOUNDFILE_INVALID_ARG    TypeError or RangeError: an argument of the
//                                wrong type, size or range (dtype, frames,
//                                samples, target, mode, ring, options)
//   ERR_SOUNDFILE_DETACHED       Error: the output array of a read was
//                                detached or shrunk while the read ran
//   ERR_SOUNDFILE_PUMP           Error: a pump thread could not be set up
//                                (out of memory, no thread)
inline constexpr const char* kErrClosed = "ERR_SOUNDFILE_CLOSED";
inline constexpr const char* kErrLibsndfile = "ERR_SOUNDFILE_LIBSNDFILE";
inline constexpr const char* kErrInvalidHandle = "ERR_SOUNDFILE_INVALID_HANDLE";
inline constexpr const char* kErrInvalidArg = "ERR_SOUNDFILE_INVALID_ARG";
inline constexpr const char* kErrDetached = "ERR_SOUNDFILE_DETACHED";
inline constexpr const char* kErrPump = "ERR_SOUNDFILE_PUMP";

// An Error with message and code.
Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message);
// Error "sound file is closed", ERR_SOUNDFILE_CLOSED.
Napi::Error ClosedError(Napi::Env env);
// libsndfile's text and error number, ERR_SOUNDFILE_LIBSNDFILE; with the
// errno of a failed system call as `errno` when one is given (not 0).
Napi::Error SndfileError(Napi::Env env, const std::string& message, int sndfile_code, int sys_errno = 0);
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
// Writes `frames` frames from src. Caller holds w->mutex. Returns the frames written.
int64_t WriteFrames(FileWrap* w, int format, const uint8_t* src, int64_t frames);

// ---- sndfile.cc: the handle's lifetime ----

// Closes w's file (libsndfile finishes the header) and the I/O under it.
// Caller holds w->mutex. Returns 0, or libsndfile's error number with its
// text in *message. Closing a closed file returns 0.
int CloseFile(FileWrap* w, std::string* message);
// The error of the last failed call on w's open file: libsndfile's, else
// the WAV writer's I/O's; SF_ERR_NO_ERROR (0) and no text when neither
// failed. Caller holds w->mutex. The text stays valid until the next call on
// the file.
int FileError(FileWrap* w, const char** text);

// ---- wav_writer.cc: WAV files being written ----

// Rewrites, in place and at the same length, a RIFF/WAVE header whose fmt
// chunk is WAVE_FORMAT_EXTENSIBLE into the plain form (WAVE_FORMAT_PCM,
// IEEE_FLOAT, ALAW, MULAW) for 1 or 2 channels; the bytes freed become JUNK.
// Anything else (RF64, more channels, a header cut short) is left alone.
// Returns true when it changed the header.
bool PlainWavHeader(uint8_t* header, size_t size);
// Opens `path` (fd < 0) or fd for writing an RF64 file (info->format) with
// SFC_RF64_AUTO_DOWNGRADE, through a WavWriter whose header writes come out
// plain (PlainWavHeader). On success *writer is the I/O to keep with the
// file (null when fd is not seekable and libsndfile's own I/O took it); on
// failure returns null with libsndfile's error number and text.
SNDFILE* OpenWavWriter(const std::string& path, int fd, bool closefd, SF_INFO* info, WavWriter** writer, int* code,
                       std::string* message);
// Closes the descriptor when owned and frees the writer: after sf_close.
// Returns close()'s errno, or 0.
int CloseWavWriter(WavWriter* writer);

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
