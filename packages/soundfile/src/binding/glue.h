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

#include "pastream/platform.h"

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

namespace pastream_sndfile {

const napi_type_tag kFileTag = {0x70617374'736e6466ULL, 0x696c6500'00000001ULL};

struct EnvState;

// A failed open, read, write or close, from the system call up to the JS
// error: libsndfile's error number, the errno of the system call that failed
// under it, and the text to report. FileIoError makes the JS error of it
// (`code`, `sndfileErrorCode`, `errno`: SoundFileError.systemCode in
// TypeScript); a pump's status carries the same parts. Made by MakeIoError
// (one rule for which errno is kept and for the text of a full disk).
struct IoError {
  int sndfile_code = SF_ERR_NO_ERROR;  // sf_error's number; SF_ERR_NO_ERROR: no error
  int sys_errno = 0;                   // errno of the failed system call (EPIPE, ENOSPC...), 0 when none
  std::string text;                    // libsndfile's text, or DiskFullText
};

// The I/O under a WAV being written (wav_writer.cc): libsndfile reaches the
// descriptor through it, and the header it writes is made plain on the way.
// Touched only under the file's mutex.
struct WavWriter {
  int fd = -1;
  bool owns_fd = false;  // close fd with the file
  sf_count_t base = 0;   // where the file starts in fd
  sf_count_t position = 0;
  // The last failed system call: libsndfile's virtual I/O keeps no error of
  // its own (a short write is only a short count), so FileError reads it here.
  int sys_errno = 0;     // its errno, 0 = none
  std::string message;   // libsndfile's wording of it: "System error : ..."
};

struct FileWrap {
  std::mutex mutex;  // held around every libsndfile call on sf
  SNDFILE* sf = nullptr;
  WavWriter* wav = nullptr;  // owned; a WAV being written, else null
  int channels = 1;
  int format = 0;
  EnvState* env_state = nullptr;
  IoError short_write;  // the last write that came up short (WriteFrames); under mutex, like sf
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
//                                (FileIoError)
//   ERR_SOUNDFILE_INVALID_HANDLE TypeError: not a sound file / pump handle
//   ERR_SOUNDFILE_INVALID_ARG    TypeError or RangeError: an argument of the
//                                wrong type, size or range (dtype, frames,
//                                samples, target, mode, ring, options)
//   ERR_SOUNDFILE_DETACHED       Error: the output array of a read was
//                                detached or shrunk while the read ran
//   ERR_SOUNDFILE_PUMP           Error: a pump thread could not be set up
//                                (out of memory, no thread)
//   ERR_SOUNDFILE_DISK_FULL      Error "disk full (...)": an open, a write,
//                                a close or a record pump failed for want of
//                                space (`errno` ENOSPC, EDQUOT); also
//                                `sndfileErrorCode` (FileIoError)
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
// True for the system errors that mean "no space": ENOSPC, EDQUOT.
bool IsDiskFull(int sys_errno);
// The IoError of a failure: errno is kept only with SF_ERR_SYSTEM (a system
// call failed; otherwise errno is whatever the last call left); a full disk
// reads "disk full (No space left on device)" whatever libsndfile said.
IoError MakeIoError(int sndfile_code, int sys_errno, const std::string& text);
// Puts error's system error on a JS object (an error, a pump's status):
// `errno` when there is one, and `code` ERR_SOUNDFILE_DISK_FULL when it
// means no space.
void SetSystemError(Napi::Object target, const IoError& error);
// The Error of a failed open, read, write, seek or close: error's text,
// ERR_SOUNDFILE_LIBSNDFILE (ERR_SOUNDFILE_DISK_FULL for no space) with
// `sndfileErrorCode`, and `errno` when a system call failed.
Napi::Error FileIoError(Napi::Env env, const IoError& error);
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
// written; fewer on an error, which w->short_write then describes, errno
// included (and the file keeps only whole frames: see samples.cc).
int64_t WriteFrames(FileWrap* w, int format, const uint8_t* src, int64_t frames);

// ---- sndfile.cc: the handle's lifetime ----

// Closes w's file (libsndfile finishes the header) and the I/O under it.
// Caller holds w->mutex. Returns what failed (sndfile_code SF_ERR_NO_ERROR
// when nothing did). Closing a closed file succeeds.
IoError CloseFile(FileWrap* w);
// The error of the last failed call on an open file: libsndfile's, else the
// WAV writer's I/O's (wav may be null); sndfile_code SF_ERR_NO_ERROR when
// neither failed. sys_errno: errno as the call left it, for libsndfile's own
// I/O (which keeps only its text); the WAV writer's own record wins. Caller
// holds the file's mutex.
IoError FileError(SNDFILE* sf, const WavWriter* wav, int sys_errno);

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
// failure returns null and says why in *error.
SNDFILE* OpenWavWriter(const std::string& path, int fd, bool closefd, SF_INFO* info, WavWriter** writer,
                       IoError* error);
// Cuts the file at the writer's position (where sf_seek put it): libsndfile
// cannot truncate a file under virtual I/O (SFC_FILE_TRUNCATE ftruncates
// its own descriptor, which it has none of). Returns ftruncate's errno, or 0.
int TruncateWavWriter(WavWriter* writer);
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
