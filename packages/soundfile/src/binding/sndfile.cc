// N-API glue over libsndfile: unpack arguments, call libsndfile, map errors.
// No policy lives here: TypeScript picks formats, validates options and
// refuses what libsndfile cannot do on a pipe; this file checks only handles,
// types and buffer sizes. No SNDFILE pointer reaches JS: an open file is an
// External with a type tag, and every call on a closed file throws
// "sound file is closed".
//
// Threads: libsndfile handles are not thread-safe. Each file has a mutex held
// around every libsndfile call on it, whether that call runs on the main
// thread (the *Sync functions) or on a libuv worker (the Promise ones).
// Async calls copy samples into and out of native memory on the main thread,
// so a worker never touches JS memory.
#include <napi.h>
#include <sndfile.h>

#include <fcntl.h>

#include "pastream/convert.h"
#include "pastream/file_pump.h"
#include "pastream/ring.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <cstdlib>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

// ---- sample formats ----
//
// dtypes arrive as core-native's format codes (pas_format_t, formatCodes in
// TypeScript), the same numbers core-native's addon takes. Sizes, scaling
// and int24 packing are the core's (pastream/convert.h).

int ParseFormat(Napi::Env env, const Napi::Value& value) {
  if (value.IsNumber()) {
    const int format = value.As<Napi::Number>().Int32Value();
    if (pas_format_size(format) != 0 && value.As<Napi::Number>().DoubleValue() == format) return format;
  }
  throw Napi::TypeError::New(env, "dtype must be a format code (formatCodes: float32 1 ... uint8 6)");
}

napi_typedarray_type ArrayTypeOf(int format) {
  switch (format) {
    case PAS_FORMAT_FLOAT32:
      return napi_float32_array;
    case PAS_FORMAT_INT32:
      return napi_int32_array;
    case PAS_FORMAT_INT16:
      return napi_int16_array;
    case PAS_FORMAT_INT8:
      return napi_int8_array;
    default:  // int24 (packed bytes), uint8
      return napi_uint8_array;
  }
}

// Subtypes whose samples are integers of a known width: float32 data is
// converted to them here, symmetrically (x * 2^(bits-1), rounded and
// clamped), because libsndfile scales float -> int by 2^(bits-1) - 1 but
// int -> float by 2^(bits-1), so its own round trip is not exact. 0 for
// every other subtype.
int IntegerWidth(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
      return 8;
    case SF_FORMAT_PCM_16:
    case SF_FORMAT_ALAC_16:
      return 16;
    case SF_FORMAT_ALAC_20:
      return 20;
    case SF_FORMAT_PCM_24:
    case SF_FORMAT_ALAC_24:
      return 24;
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_ALAC_32:
      return 32;
    default:
      return 0;
  }
}

// FLOAT and DOUBLE files: libsndfile neither scales ints written to them nor
// floats read from them as ints (0.5 reads as int16 0), so integer dtypes go
// through doubles here with the same symmetric scaling.
bool IsFloatFile(int format) {
  int sub = format & SF_FORMAT_SUBMASK;
  return sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE;
}

// ---- files ----

const napi_type_tag kFileTag = {0x70617374'736e6466ULL, 0x696c6500'00000001ULL};

struct EnvState;

struct FileWrap {
  std::mutex mutex;  // held around every libsndfile call on sf
  SNDFILE* sf = nullptr;
  int channels = 1;
  int format = 0;
  EnvState* env_state = nullptr;
};

struct EnvState {
  std::set<FileWrap*> files;  // main thread only
};

// Every open file of every env, for the exit handler: process.exit() ends
// the process without tearing the env down, so neither finalizers nor the
// env's cleanup run, and a file being written would keep a header that says
// it holds no frames. Leaked on purpose: it must outlive static destructors.
struct Registry {
  std::mutex mutex;
  std::set<FileWrap*> files;
};
Registry* registry = new Registry();

void Register(FileWrap* w) {
  std::lock_guard<std::mutex> lock(registry->mutex);
  registry->files.insert(w);
}

void Unregister(FileWrap* w) {
  std::lock_guard<std::mutex> lock(registry->mutex);
  registry->files.erase(w);
}

// Closes what is still open so that written files get their headers. A file
// whose mutex is held is mid-operation on a worker (maybe blocked on a pipe):
// leave it rather than hang the exit.
void CloseIdle(const std::set<FileWrap*>& files) {
  for (FileWrap* w : files) {
    std::unique_lock<std::mutex> lock(w->mutex, std::try_to_lock);
    if (lock.owns_lock() && w->sf != nullptr) {
      sf_close(w->sf);
      w->sf = nullptr;
    }
  }
}

// atexit: runs on exit() (process.exit(), the end of the event loop), on the
// thread that exits.
void CloseAllAtExit() {
  std::lock_guard<std::mutex> lock(registry->mutex);
  CloseIdle(registry->files);
}

// Reads up to `frames` frames into dst (frames * channels samples of format).
// Caller holds w->mutex. Returns the frames read.
int64_t ReadFrames(FileWrap* w, int format, uint8_t* dst, int64_t frames) {
  SNDFILE* sf = w->sf;
  const bool float_file = IsFloatFile(w->format);
  if (format == PAS_FORMAT_FLOAT32) return sf_readf_float(sf, reinterpret_cast<float*>(dst), frames);
  if (!float_file && format == PAS_FORMAT_INT32) return sf_readf_int(sf, reinterpret_cast<int*>(dst), frames);
  if (!float_file && format == PAS_FORMAT_INT16) return sf_readf_short(sf, reinterpret_cast<short*>(dst), frames);
  const int ch = w->channels;
  const int64_t chunk = std::max<int64_t>(1, 65536 / ch);
  const size_t bytes = pas_format_size(format);
  std::vector<double> dbuf(float_file ? chunk * ch : 0);
  std::vector<int32_t> ibuf(float_file ? 0 : chunk * ch);
  int64_t done = 0;
  while (done < frames) {
    const int64_t want = std::min(chunk, frames - done);
    const int64_t got = float_file ? sf_readf_double(sf, dbuf.data(), want) : sf_readf_int(sf, ibuf.data(), want);
    if (got <= 0) break;
    uint8_t* out = dst + static_cast<size_t>(done) * ch * bytes;
    const size_t n = static_cast<size_t>(got) * ch;
    if (float_file) pas_convert_from_double(format, dbuf.data(), out, n);
    else pas_convert_from_i32(format, ibuf.data(), out, n);
    done += got;
    if (got < want) break;
  }
  return done;
}

// Writes `frames` frames from src. Caller holds w->mutex. Returns the frames written.
int64_t WriteFrames(FileWrap* w, int format, const uint8_t* src, int64_t frames) {
  SNDFILE* sf = w->sf;
  const bool float_file = IsFloatFile(w->format);
  const int width = IntegerWidth(w->format);
  if (format == PAS_FORMAT_FLOAT32 && (float_file || width == 0))
    return sf_writef_float(sf, reinterpret_cast<const float*>(src), frames);
  if (!float_file && format == PAS_FORMAT_INT32) return sf_writef_int(sf, reinterpret_cast<const int*>(src), frames);
  if (!float_file && format == PAS_FORMAT_INT16) return sf_writef_short(sf, reinterpret_cast<const short*>(src), frames);
  const int ch = w->channels;
  const int64_t chunk = std::max<int64_t>(1, 65536 / ch);
  const size_t bytes = pas_format_size(format);
  std::vector<double> dbuf(float_file ? chunk * ch : 0);
  std::vector<int32_t> ibuf(float_file ? 0 : chunk * ch);
  int64_t done = 0;
  while (done < frames) {
    const int64_t want = std::min(chunk, frames - done);
    const uint8_t* in = src + static_cast<size_t>(done) * ch * bytes;
    const size_t n = static_cast<size_t>(want) * ch;
    int64_t put;
    if (float_file) {
      pas_convert_to_double(format, in, dbuf.data(), n);
      put = sf_writef_double(sf, dbuf.data(), want);
    } else {
      pas_convert_to_i32(format, in, ibuf.data(), n, width == 0 ? 32 : width);
      put = sf_writef_int(sf, ibuf.data(), want);
    }
    if (put > 0) done += put;
    if (put < want) break;
  }
  return done;
}

// ---- argument helpers ----

FileWrap* Unwrap(Napi::Env env, const Napi::Value& value) {
  bool ok = false;
  if (value.IsExternal()) {
    if (napi_check_object_type_tag(env, value, &kFileTag, &ok) != napi_ok) ok = false;
  }
  if (!ok) throw Napi::TypeError::New(env, "expected a sound file handle");
  return value.As<Napi::External<FileWrap>>().Data();
}

Napi::Error MakeSndfileError(Napi::Env env, const std::string& message, int code) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("sndfileErrorCode", Napi::Number::New(env, code));
  return error;
}

double NumberOr(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

int64_t FramesArg(Napi::Env env, const Napi::Value& value) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, "frames must be a number");
  double f = value.As<Napi::Number>().DoubleValue();
  if (!(f >= 0) || f > 9007199254740991.0 || std::floor(f) != f)
    throw Napi::TypeError::New(env, "frames must be a non-negative integer");
  return static_cast<int64_t>(f);
}

// The typed array for `frames` frames of format: checked for type and size.
Napi::TypedArray SamplesArg(Napi::Env env, const Napi::Value& value, int format, int64_t frames, int channels) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != ArrayTypeOf(format))
    throw Napi::TypeError::New(env, "samples must be the typed array of the dtype");
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  const double need = static_cast<double>(frames) * channels * pas_format_size(format);
  if (need > static_cast<double>(array.ByteLength()))
    throw Napi::RangeError::New(env, "samples array is too small for the frames");
  return array;
}

uint8_t* DataOf(const Napi::TypedArray& array) {
  return static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

Napi::Object InfoObject(Napi::Env env, const SF_INFO& info) {
  Napi::Object o = Napi::Object::New(env);
  // libsndfile says SF_COUNT_MAX when it does not know (a pipe)
  const bool unknown = info.frames < 0 || info.frames >= (static_cast<sf_count_t>(1) << 53);
  o.Set("frames", Napi::Number::New(env, unknown ? -1.0 : static_cast<double>(info.frames)));
  o.Set("samplerate", Napi::Number::New(env, info.samplerate));
  o.Set("channels", Napi::Number::New(env, info.channels));
  o.Set("format", Napi::Number::New(env, info.format));
  o.Set("sections", Napi::Number::New(env, info.sections));
  o.Set("seekable", Napi::Boolean::New(env, info.seekable != 0));
  return o;
}

// ---- library queries ----

Napi::Value Version(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), sf_version_string()); }

Napi::Value FormatList(const Napi::CallbackInfo& info, int count_cmd, int item_cmd) {
  Napi::Env env = info.Env();
  int count = 0;
  sf_command(nullptr, count_cmd, &count, sizeof count);
  Napi::Array list = Napi::Array::New(env);
  for (int i = 0; i < count; i++) {
    SF_FORMAT_INFO f;
    std::memset(&f, 0, sizeof f);
    f.format = i;
    if (sf_command(nullptr, item_cmd, &f, sizeof f) != 0) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("format", f.format);
    o.Set("name", f.name ? f.name : "");
    o.Set("extension", f.extension ? f.extension : "");
    list.Set(list.Length(), o);
  }
  return list;
}

// majorFormats() -> [{format, name, extension}]: SFC_GET_FORMAT_MAJOR
Napi::Value MajorFormats(const Napi::CallbackInfo& info) {
  return FormatList(info, SFC_GET_FORMAT_MAJOR_COUNT, SFC_GET_FORMAT_MAJOR);
}

// subtypes() -> [{format, name}]: SFC_GET_FORMAT_SUBTYPE
Napi::Value Subtypes(const Napi::CallbackInfo& info) {
  return FormatList(info, SFC_GET_FORMAT_SUBTYPE_COUNT, SFC_GET_FORMAT_SUBTYPE);
}

// formatCheck(format, samplerate, channels) -> boolean: sf_format_check
Napi::Value FormatCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "formatCheck(format, samplerate, channels)");
  SF_INFO sfinfo;
  std::memset(&sfinfo, 0, sizeof sfinfo);
  sfinfo.format = info[0].As<Napi::Number>().Int32Value();
  sfinfo.samplerate = info[1].As<Napi::Number>().Int32Value();
  sfinfo.channels = info[2].As<Napi::Number>().Int32Value();
  return Napi::Boolean::New(env, sf_format_check(&sfinfo) != 0);
}

// ---- open ----

struct OpenRequest {
  std::string path;
  int fd = -1;
  bool use_fd = false;
  int mode = SFM_READ;
  SF_INFO info;
  bool closefd = true;
  bool rf64_downgrade = false;
  bool blocking = false;

  // Runs on any thread. On failure sf stays null and code/message say why.
  // libsndfile keeps the error of a failed open in a global, so two opens
  // failing at the same moment on two threads may swap their messages.
  SNDFILE* sf = nullptr;
  int code = 0;
  std::string message;

  void Run() {
    if (use_fd && blocking) {
      // A pipe Node has set to non-blocking would make libsndfile's reads
      // and writes fail with EAGAIN halfway through a file.
      int flags = fcntl(fd, F_GETFL);
      if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    sf = use_fd ? sf_open_fd(fd, mode, &info, closefd ? SF_TRUE : SF_FALSE) : sf_open(path.c_str(), mode, &info);
    if (sf == nullptr) {
      code = sf_error(nullptr);
      message = sf_strerror(nullptr);
      return;
    }
    // must come before the first write: the header is finished at close
    if (rf64_downgrade) sf_command(sf, SFC_RF64_AUTO_DOWNGRADE, nullptr, SF_TRUE);
    // out-of-range floats clip instead of wrapping around
    sf_command(sf, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  }
};

void ReadOpenRequest(const Napi::CallbackInfo& info, OpenRequest* r) {
  Napi::Env env = info.Env();
  if (info[0].IsString()) {
    r->path = info[0].As<Napi::String>().Utf8Value();
  } else if (info[0].IsNumber()) {
    r->fd = info[0].As<Napi::Number>().Int32Value();
    r->use_fd = true;
  } else {
    throw Napi::TypeError::New(env, "target must be a path or a file descriptor");
  }
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "mode must be a number");
  r->mode = info[1].As<Napi::Number>().Int32Value();
  if (r->mode != SFM_READ && r->mode != SFM_WRITE && r->mode != SFM_RDWR)
    throw Napi::TypeError::New(env, "mode must be SFM_READ, SFM_WRITE or SFM_RDWR");
  if (!info[2].IsObject()) throw Napi::TypeError::New(env, "info must be an object");
  Napi::Object o = info[2].As<Napi::Object>();
  std::memset(&r->info, 0, sizeof r->info);
  r->info.samplerate = static_cast<int>(NumberOr(o, "samplerate", 0));
  r->info.channels = static_cast<int>(NumberOr(o, "channels", 0));
  r->info.format = static_cast<int>(NumberOr(o, "format", 0));
  if (info[3].IsObject()) {
    Napi::Object options = info[3].As<Napi::Object>();
    r->closefd = options.Get("closefd").ToBoolean().Value();
    r->rf64_downgrade = options.Get("rf64Downgrade").ToBoolean().Value();
    r->blocking = options.Get("blocking").ToBoolean().Value();
  }
}

void FinalizeFile(Napi::Env, FileWrap* w) {
  // Garbage collected while open (async operations hold a reference, so none
  // is in flight): close it so that a written file gets its header.
  {
    std::lock_guard<std::mutex> lock(w->mutex);
    if (w->sf != nullptr) sf_close(w->sf);
    w->sf = nullptr;
  }
  if (w->env_state) w->env_state->files.erase(w);
  Unregister(w);
  delete w;
}

// Wraps an opened SNDFILE: {handle, info}.
Napi::Object MakeHandle(Napi::Env env, OpenRequest& r) {
  auto* w = new FileWrap();
  w->sf = r.sf;
  w->channels = r.info.channels;
  w->format = r.info.format;
  EnvState* state = env.GetInstanceData<EnvState>();
  w->env_state = state;
  if (state) state->files.insert(w);
  Register(w);
  Napi::External<FileWrap> handle = Napi::External<FileWrap>::New(env, w, FinalizeFile);
  napi_type_tag_object(env, handle, &kFileTag);
  Napi::Object result = Napi::Object::New(env);
  result.Set("handle", handle);
  result.Set("info", InfoObject(env, r.info));
  return result;
}

// openSync(target, mode, {samplerate, channels, format}, {closefd, rf64Downgrade, blocking})
//   -> {handle, info}; throws an Error with libsndfile's message and sndfileErrorCode
Napi::Value OpenSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpenRequest r;
  ReadOpenRequest(info, &r);
  r.Run();
  if (r.sf == nullptr) throw MakeSndfileError(env, r.message, r.code);
  return MakeHandle(env, r);
}

class OpenWorker : public Napi::AsyncWorker {
 public:
  explicit OpenWorker(Napi::Env env)
      : Napi::AsyncWorker(env, "pastream-sndfile-open"), deferred_(Napi::Promise::Deferred::New(env)) {}
  OpenRequest request;
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { request.Run(); }
  void OnOK() override {
    Napi::Env env = Env();
    if (request.sf == nullptr) {
      deferred_.Reject(MakeSndfileError(env, request.message, request.code).Value());
      return;
    }
    deferred_.Resolve(MakeHandle(env, request));
  }

 private:
  Napi::Promise::Deferred deferred_;
};

// open(...) -> Promise<{handle, info}>: openSync off the event loop
// (opening stdin waits for the header to arrive).
Napi::Value Open(const Napi::CallbackInfo& info) {
  auto* worker = new OpenWorker(info.Env());
  ReadOpenRequest(info, &worker->request);
  worker->Queue();
  return worker->Promise();
}

// ---- per-file operations ----

// info(handle) -> {frames, samplerate, channels, format, sections, seekable}, current
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  std::lock_guard<std::mutex> lock(w->mutex);
  if (w->sf == nullptr) throw Napi::Error::New(env, "sound file is closed");
  SF_INFO sfinfo;
  std::memset(&sfinfo, 0, sizeof sfinfo);
  sf_command(w->sf, SFC_GET_CURRENT_SF_INFO, &sfinfo, sizeof sfinfo);
  return InfoObject(env, sfinfo);
}

// Holds the handle (so the External outlives the operation) and the native
// copy of the samples.
class FileWorker : public Napi::AsyncWorker {
 public:
  FileWorker(Napi::Env env, const Napi::Value& handle, FileWrap* w, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)),
        handle_(Napi::Persistent(handle.As<Napi::Object>())), w_(w) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  // Runs fn under the file's mutex; records "closed" or libsndfile's error.
  template <typename Fn>
  void Locked(Fn fn) {
    std::lock_guard<std::mutex> lock(w_->mutex);
    if (w_->sf == nullptr) {
      closed_ = true;
      return;
    }
    fn();
  }
  void RecordError(SNDFILE* sf) {
    code_ = sf_error(sf);
    if (code_ != SF_ERR_NO_ERROR) message_ = sf_strerror(sf);
  }
  // Rejects when closed or failed; returns true if it did.
  bool RejectIfFailed(Napi::Env env) {
    if (closed_) {
      deferred_.Reject(Napi::Error::New(env, "sound file is closed").Value());
      return true;
    }
    if (code_ != SF_ERR_NO_ERROR) {
      deferred_.Reject(MakeSndfileError(env, message_, code_).Value());
      return true;
    }
    return false;
  }

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference handle_;
  FileWrap* w_;
  bool closed_ = false;
  int code_ = SF_ERR_NO_ERROR;
  std::string message_;
};

class ReadWorker : public FileWorker {
 public:
  ReadWorker(Napi::Env env, const Napi::Value& handle, FileWrap* w, int format, int64_t frames,
             const Napi::TypedArray& out)
      : FileWorker(env, handle, w, "pastream-sndfile-read"), format_(format), frames_(frames),
        out_(Napi::Persistent(out.As<Napi::Object>())) {}

  void Execute() override {
    Locked([&] {
      buffer_.resize(static_cast<size_t>(frames_) * w_->channels * pas_format_size(format_));
      got_ = ReadFrames(w_, format_, buffer_.data(), frames_);
      if (got_ < frames_) RecordError(w_->sf);
    });
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (RejectIfFailed(env)) return;
    Napi::TypedArray out = out_.Value().As<Napi::TypedArray>();
    const size_t bytes = static_cast<size_t>(got_) * w_->channels * pas_format_size(format_);
    // the array may have been transferred (detached) meanwhile
    if (out.ByteLength() < bytes) {
      deferred_.Reject(Napi::Error::New(env, "the output array was detached or shrunk during read").Value());
      return;
    }
    if (bytes > 0) std::memcpy(DataOf(out), buffer_.data(), bytes);
    deferred_.Resolve(Napi::Number::New(env, static_cast<double>(got_)));
  }

 private:
  int format_;
  int64_t frames_;
  int64_t got_ = 0;
  Napi::ObjectReference out_;
  std::vector<uint8_t> buffer_;
};

class WriteWorker : public FileWorker {
 public:
  WriteWorker(Napi::Env env, const Napi::Value& handle, FileWrap* w, int format, int64_t frames,
              const Napi::TypedArray& data)
      : FileWorker(env, handle, w, "pastream-sndfile-write"), format_(format), frames_(frames) {
    const uint8_t* src = DataOf(data);
    buffer_.assign(src, src + static_cast<size_t>(frames) * w->channels * pas_format_size(format));
  }

  void Execute() override {
    Locked([&] {
      put_ = WriteFrames(w_, format_, buffer_.data(), frames_);
      if (put_ < frames_) {
        RecordError(w_->sf);
        if (code_ == SF_ERR_NO_ERROR) {
          code_ = SF_ERR_SYSTEM;
          message_ = "wrote " + std::to_string(put_) + " of " + std::to_string(frames_) + " frames";
        }
      }
    });
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (RejectIfFailed(env)) return;
    deferred_.Resolve(Napi::Number::New(env, static_cast<double>(put_)));
  }

 private:
  int format_;
  int64_t frames_;
  int64_t put_ = 0;
  std::vector<uint8_t> buffer_;
};

// The arguments read/write and their sync variants share: (handle, dtype, frames, samples).
struct IoArgs {
  FileWrap* w;
  int format;
  int64_t frames;
  Napi::TypedArray samples;
};

IoArgs ParseIoArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  int format = ParseFormat(env, info[1]);
  int64_t frames = FramesArg(env, info[2]);
  return {w, format, frames, SamplesArg(env, info[3], format, frames, w->channels)};
}

// read(handle, dtype, frames, out) -> Promise<frames read>
Napi::Value Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  IoArgs a = ParseIoArgs(info);
  auto* worker = new ReadWorker(env, info[0], a.w, a.format, a.frames, a.samples);
  worker->Queue();
  return worker->Promise();
}

// readSync(handle, dtype, frames, out) -> frames read
Napi::Value ReadSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto [w, format, frames, out] = ParseIoArgs(info);
  std::lock_guard<std::mutex> lock(w->mutex);
  if (w->sf == nullptr) throw Napi::Error::New(env, "sound file is closed");
  int64_t got = ReadFrames(w, format, DataOf(out), frames);
  if (got < frames && sf_error(w->sf) != SF_ERR_NO_ERROR)
    throw MakeSndfileError(env, sf_strerror(w->sf), sf_error(w->sf));
  return Napi::Number::New(env, static_cast<double>(got));
}

// write(handle, dtype, frames, data) -> Promise<frames written>; data is copied first
Napi::Value Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  IoArgs a = ParseIoArgs(info);
  auto* worker = new WriteWorker(env, info[0], a.w, a.format, a.frames, a.samples);
  worker->Queue();
  return worker->Promise();
}

// writeSync(handle, dtype, frames, data) -> frames written
Napi::Value WriteSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto [w, format, frames, data] = ParseIoArgs(info);
  std::lock_guard<std::mutex> lock(w->mutex);
  if (w->sf == nullptr) throw Napi::Error::New(env, "sound file is closed");
  int64_t put = WriteFrames(w, format, DataOf(data), frames);
  if (put < frames) {
    int code = sf_error(w->sf);
    if (code != SF_ERR_NO_ERROR) throw MakeSndfileError(env, sf_strerror(w->sf), code);
    throw MakeSndfileError(env, "wrote " + std::to_string(put) + " of " + std::to_string(frames) + " frames",
                           SF_ERR_SYSTEM);
  }
  return Napi::Number::New(env, static_cast<double>(put));
}

// seek(handle, frames, whence) -> new position in frames (whence may carry SFM_READ/SFM_WRITE)
Napi::Value Seek(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  if (!info[1].IsNumber() || !info[2].IsNumber()) throw Napi::TypeError::New(env, "seek(handle, frames, whence)");
  sf_count_t frames = static_cast<sf_count_t>(info[1].As<Napi::Number>().Int64Value());
  int whence = info[2].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> lock(w->mutex);
  if (w->sf == nullptr) throw Napi::Error::New(env, "sound file is closed");
  sf_count_t position = sf_seek(w->sf, frames, whence);
  if (position < 0) throw MakeSndfileError(env, sf_strerror(w->sf), sf_error(w->sf));
  return Napi::Number::New(env, static_cast<double>(position));
}

// Closes under the mutex; returns sf_close's error code (0 = fine).
int CloseNow(FileWrap* w) {
  std::lock_guard<std::mutex> lock(w->mutex);
  if (w->sf == nullptr) return 0;
  int rc = sf_close(w->sf);
  w->sf = nullptr;
  return rc;
}

class CloseWorker : public FileWorker {
 public:
  CloseWorker(Napi::Env env, const Napi::Value& handle, FileWrap* w)
      : FileWorker(env, handle, w, "pastream-sndfile-close") {}
  void Execute() override { rc_ = CloseNow(w_); }
  void OnOK() override {
    Napi::Env env = Env();
    if (w_->env_state) w_->env_state->files.erase(w_);
    if (rc_ != 0) {
      deferred_.Reject(MakeSndfileError(env, sf_error_number(rc_), rc_).Value());
      return;
    }
    deferred_.Resolve(env.Undefined());
  }

 private:
  int rc_ = 0;
};

// close(handle) -> Promise<void>: finishes the header; closing twice is a no-op
Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  auto* worker = new CloseWorker(env, info[0], w);
  worker->Queue();
  return worker->Promise();
}

// closeSync(handle)
Napi::Value CloseSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  int rc = CloseNow(w);
  if (w->env_state) w->env_state->files.erase(w);
  if (rc != 0) throw MakeSndfileError(env, sf_error_number(rc), rc);
  return env.Undefined();
}

// ---- file pumps (native threads) ----
//
// A pump moves frames between a pastream ring (core-native's layout, in a
// SharedArrayBuffer) and an open file on its own thread, so recording to
// disk never waits for the event loop. The thread and all of its policy
// (polling, end of file, looping, header rewrites, errors) are the core's
// pas_file_pump (pastream/file_pump.h); this glue gives it the file through
// a libsndfile-backed pas_file_io_t and holds references to the file handle
// and the ring's view until stop() has joined the thread.

const napi_type_tag kPumpTag = {0x70617374'70756d70ULL, 0x00000000'00000001ULL};

// The file as the pump sees it: frames of the ring's sample format.
struct PumpFile {
  FileWrap* w = nullptr;
  int format = PAS_FORMAT_FLOAT32;
};

int64_t PumpFileRead(void* user, void* dst, uint32_t frames) {
  auto* f = static_cast<PumpFile*>(user);
  if (f->w->sf == nullptr) return PAS_FILE_IO_CLOSED;
  return ReadFrames(f->w, f->format, static_cast<uint8_t*>(dst), frames);
}

int64_t PumpFileWrite(void* user, const void* src, uint32_t frames) {
  auto* f = static_cast<PumpFile*>(user);
  if (f->w->sf == nullptr) return PAS_FILE_IO_CLOSED;
  return WriteFrames(f->w, f->format, static_cast<const uint8_t*>(src), frames);
}

int PumpFileSeekStart(void* user) {
  auto* f = static_cast<PumpFile*>(user);
  return f->w->sf != nullptr && sf_seek(f->w->sf, 0, SEEK_SET) >= 0 ? 0 : -1;
}

int PumpFileRewriteHeader(void* user) {
  auto* f = static_cast<PumpFile*>(user);
  if (f->w->sf != nullptr) sf_command(f->w->sf, SFC_UPDATE_HEADER_NOW, nullptr, 0);
  return 0;
}

const char* PumpFileError(void* user) {
  auto* f = static_cast<PumpFile*>(user);
  if (f->w->sf == nullptr || sf_error(f->w->sf) == SF_ERR_NO_ERROR) return nullptr;
  return sf_strerror(f->w->sf);
}

void PumpFileLock(void* user) { static_cast<PumpFile*>(user)->w->mutex.lock(); }
void PumpFileUnlock(void* user) { static_cast<PumpFile*>(user)->w->mutex.unlock(); }

struct PumpState {
  PumpFile file;
  pas_file_pump_t* pump = nullptr;
  Napi::ObjectReference file_ref;
  Napi::ObjectReference ring_ref;
  ~PumpState() { pas_file_pump_destroy(pump); }  // stops the thread first
};

void FinalizePump(Napi::Env, PumpState* p) {
  // collected without stop(): end the thread before the memory goes
  delete p;
}

PumpState* UnwrapPump(Napi::Env env, const Napi::Value& value) {
  bool ok = false;
  if (value.IsExternal()) {
    if (napi_check_object_type_tag(env, value, &kPumpTag, &ok) != napi_ok) ok = false;
  }
  if (!ok) throw Napi::TypeError::New(env, "expected a pump handle");
  return value.As<Napi::External<PumpState>>().Data();
}

// pumpRecord / pumpPlay(handle, ringView, {format, samplerate, blocksize, loop, name}) -> pump handle
Napi::Value PumpStart(const Napi::CallbackInfo& info, int direction) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "ring must be a Uint8Array view of shared memory");
  if (!info[2].IsObject()) throw Napi::TypeError::New(env, "options must be an object");
  Napi::Uint8Array view = info[1].As<Napi::Uint8Array>();
  Napi::Object o = info[2].As<Napi::Object>();
  auto p = std::make_unique<PumpState>();
  p->file.w = w;
  p->file.format = ParseFormat(env, o.Get("format"));
  pas_file_pump_config_t config{};
  config.direction = direction;
  config.loop = o.Get("loop").ToBoolean().Value() ? 1 : 0;
  config.samplerate = NumberOr(o, "samplerate", 48000);
  config.blocksize = NumberOr(o, "blocksize", 0);
  if (!(config.samplerate > 0)) throw Napi::TypeError::New(env, "samplerate must be positive");
  Napi::Value name_value = o.Get("name");
  const std::string name = name_value.IsString() ? name_value.As<Napi::String>().Utf8Value() : "the sound file";
  config.name = name.c_str();
  pas_ring_t ring;
  int rc = pas_ring_attach(&ring, view.Data(), view.ByteLength());
  if (rc != PAS_RING_OK) throw Napi::TypeError::New(env, std::string("ring: ") + pas_ring_strerror(rc));
  const size_t samplesize = pas_format_size(p->file.format);
  const size_t framebytes = static_cast<size_t>(w->channels) * samplesize;
  if (ring.elementsize != framebytes)
    throw Napi::RangeError::New(env, "ring elementsize " + std::to_string(ring.elementsize) +
                                         " does not match the file's frame (" + std::to_string(w->channels) +
                                         " channels x " + std::to_string(samplesize) + " bytes)");
  pas_file_io_t io{};
  io.user = &p->file;
  io.read = PumpFileRead;
  io.write = PumpFileWrite;
  io.seek_start = PumpFileSeekStart;
  io.error = PumpFileError;
  io.lock = PumpFileLock;
  io.unlock = PumpFileUnlock;
  {
    std::lock_guard<std::mutex> lock(w->mutex);
    if (w->sf == nullptr) throw Napi::Error::New(env, "sound file is closed");
    // Record: the header is rewritten after every write, so a killed
    // process leaves a file that opens with every frame written. Not for
    // the streamed containers, which have no length in a header:
    // libsndfile's header rewrite breaks an Ogg stream (the file then reads
    // with no length).
    SF_INFO current{};
    sf_command(w->sf, SFC_GET_CURRENT_SF_INFO, &current, sizeof current);
    const int major = current.format & SF_FORMAT_TYPEMASK;
    if (major != SF_FORMAT_OGG && major != SF_FORMAT_MPEG) io.rewrite_header = PumpFileRewriteHeader;
  }
  rc = pas_file_pump_create(&p->pump, &config, &ring, &io);
  if (rc != PAS_FILE_PUMP_OK) throw Napi::Error::New(env, pas_file_pump_strerror(rc));
  // play: fill the ring before returning, so the stream starts with data
  if (direction == PAS_FILE_PUMP_PLAY && pas_file_pump_prefill(p->pump) == PAS_FILE_IO_CLOSED)
    throw Napi::Error::New(env, "sound file is closed");
  p->file_ref = Napi::Persistent(info[0].As<Napi::Object>());
  p->ring_ref = Napi::Persistent(view.As<Napi::Object>());
  rc = pas_file_pump_start(p->pump);
  if (rc != PAS_FILE_PUMP_OK) throw Napi::Error::New(env, pas_file_pump_strerror(rc));
  PumpState* raw = p.release();
  Napi::External<PumpState> handle = Napi::External<PumpState>::New(env, raw, FinalizePump);
  napi_type_tag_object(env, handle, &kPumpTag);
  return handle;
}

Napi::Value PumpRecord(const Napi::CallbackInfo& info) { return PumpStart(info, PAS_FILE_PUMP_RECORD); }
Napi::Value PumpPlay(const Napi::CallbackInfo& info) { return PumpStart(info, PAS_FILE_PUMP_PLAY); }

Napi::Object PumpStatusObject(Napi::Env env, PumpState* p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("running", Napi::Boolean::New(env, pas_file_pump_running(p->pump) != 0));
  o.Set("frames", Napi::Number::New(env, static_cast<double>(pas_file_pump_frames(p->pump))));
  const char* error = pas_file_pump_error(p->pump);
  if (error != nullptr) o.Set("error", Napi::String::New(env, error));
  return o;
}

// pumpStatus(pump) -> {running, frames, error?}
Napi::Value PumpStatus(const Napi::CallbackInfo& info) {
  return PumpStatusObject(info.Env(), UnwrapPump(info.Env(), info[0]));
}

class PumpStopWorker : public Napi::AsyncWorker {
 public:
  PumpStopWorker(Napi::Env env, const Napi::Value& handle, PumpState* p)
      : Napi::AsyncWorker(env, "pastream-sndfile-pump-stop"), deferred_(Napi::Promise::Deferred::New(env)),
        handle_(Napi::Persistent(handle.As<Napi::Object>())), p_(p) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { pas_file_pump_stop(p_->pump); }
  void OnOK() override {
    Napi::Env env = Env();
    if (!p_->file_ref.IsEmpty()) p_->file_ref.Reset();
    if (!p_->ring_ref.IsEmpty()) p_->ring_ref.Reset();
    deferred_.Resolve(PumpStatusObject(env, p_));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference handle_;
  PumpState* p_;
};

// pumpStop(pump) -> Promise<{running, frames, error?}>: asks the thread to
// end (a record pump drains the ring first) and joins it off the event loop
Napi::Value PumpStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PumpState* p = UnwrapPump(env, info[0]);
  auto* worker = new PumpStopWorker(env, info[0], p);
  worker->Queue();
  return worker->Promise();
}

void FinalizeEnvState(Napi::Env, EnvState* state) {
  // The environment is going away (a Worker ends, or the main thread returns
  // from its event loop): close what it still has open.
  CloseIdle(state->files);
  for (FileWrap* w : state->files) w->env_state = nullptr;
  delete state;
}

std::once_flag at_exit_once;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  std::call_once(at_exit_once, [] { std::atexit(CloseAllAtExit); });
  env.SetInstanceData<EnvState, FinalizeEnvState>(new EnvState());
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("majorFormats", Napi::Function::New(env, MajorFormats));
  exports.Set("subtypes", Napi::Function::New(env, Subtypes));
  exports.Set("formatCheck", Napi::Function::New(env, FormatCheck));
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("openSync", Napi::Function::New(env, OpenSync));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("readSync", Napi::Function::New(env, ReadSync));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("writeSync", Napi::Function::New(env, WriteSync));
  exports.Set("seek", Napi::Function::New(env, Seek));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("closeSync", Napi::Function::New(env, CloseSync));
  exports.Set("pumpRecord", Napi::Function::New(env, PumpRecord));
  exports.Set("pumpPlay", Napi::Function::New(env, PumpPlay));
  exports.Set("pumpStatus", Napi::Function::New(env, PumpStatus));
  exports.Set("pumpStop", Napi::Function::New(env, PumpStop));
  Napi::Object modes = Napi::Object::New(env);
  modes.Set("READ", static_cast<int>(SFM_READ));
  modes.Set("WRITE", static_cast<int>(SFM_WRITE));
  modes.Set("RDWR", static_cast<int>(SFM_RDWR));
  exports.Set("modes", modes);
  return exports;
}

}  // namespace

NODE_API_MODULE(pastream_sndfile, Init)
