// Operations on an open file handle: info, read, write, seek, close, each
// as a Promise (libuv worker) and, but for info and seek, a *Sync variant.
// Async calls copy samples into and out of native memory on the main
// thread, so a worker never touches JS memory.
#include "glue.h"

#include "pastream/convert.h"

#include <cerrno>
#include <cstring>
#include <vector>

namespace pastream_sndfile {

// info(handle) -> {frames, samplerate, channels, format, sections, seekable}, current
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  std::lock_guard<std::mutex> lock(w->mutex);
  if (w->sf == nullptr) throw ClosedError(env);
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
  // After a short read: libsndfile's error (or none, at the end of the file).
  void RecordReadError(int sys_errno) { error_ = FileError(w_->sf, w_->wav, sys_errno); }
  // Rejects when closed or failed; returns true if it did.
  bool RejectIfFailed(Napi::Env env) {
    if (closed_) {
      deferred_.Reject(ClosedError(env).Value());
      return true;
    }
    if (error_.sndfile_code != SF_ERR_NO_ERROR) {
      deferred_.Reject(FileIoError(env, error_).Value());
      return true;
    }
    return false;
  }

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference handle_;
  FileWrap* w_;
  bool closed_ = false;
  IoError error_;
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
      errno = 0;
      got_ = ReadFrames(w_, format_, buffer_.data(), frames_);
      if (got_ < frames_) RecordReadError(errno);
    });
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (RejectIfFailed(env)) return;
    Napi::TypedArray out = out_.Value().As<Napi::TypedArray>();
    const size_t bytes = static_cast<size_t>(got_) * w_->channels * pas_format_size(format_);
    // the array may have been transferred (detached) meanwhile
    if (out.ByteLength() < bytes) {
      deferred_.Reject(CodedError(env, kErrDetached, "the output array was detached or shrunk during read").Value());
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
      if (put_ < frames_) error_ = w_->short_write;
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
  if (w->sf == nullptr) throw ClosedError(env);
  errno = 0;
  int64_t got = ReadFrames(w, format, DataOf(out), frames);
  if (got < frames) {
    const IoError error = FileError(w->sf, w->wav, errno);
    if (error.sndfile_code != SF_ERR_NO_ERROR) throw FileIoError(env, error);
  }
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
  if (w->sf == nullptr) throw ClosedError(env);
  int64_t put = WriteFrames(w, format, DataOf(data), frames);
  if (put < frames) {
  if (put < frames) throw FileIoError(env, w->short_write);
  }
  return Napi::Number::New(env, static_cast<double>(put));
}

// seek(handle, frames, whence) -> new position in frames (whence may carry SFM_READ/SFM_WRITE)
Napi::Value Seek(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  if (!info[1].IsNumber() || !info[2].IsNumber()) throw CodedTypeError(env, "seek(handle, frames, whence)");
  sf_count_t frames = static_cast<sf_count_t>(info[1].As<Napi::Number>().Int64Value());
  int whence = info[2].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> lock(w->mutex);
  if (w->sf == nullptr) throw ClosedError(env);
  errno = 0;
  sf_count_t position = sf_seek(w->sf, frames, whence);
  if (position < 0) {
    IoError error = FileError(w->sf, w->wav, errno);
    if (error.sndfile_code == SF_ERR_NO_ERROR) error.text = sf_strerror(w->sf);
    throw FileIoError(env, error);
  }
  return Napi::Number::New(env, static_cast<double>(position));
}

// Closes under the mutex; returns what CloseFile says failed.
IoError CloseNow(FileWrap* w) {
  std::lock_guard<std::mutex> lock(w->mutex);
  return CloseFile(w);
}

class CloseWorker : public FileWorker {
 public:
  CloseWorker(Napi::Env env, const Napi::Value& handle, FileWrap* w)
      : FileWorker(env, handle, w, "pastream-sndfile-close") {}
  void Execute() override { error_ = CloseNow(w_); }
  void OnOK() override {
    Napi::Env env = Env();
    if (w_->env_state) w_->env_state->files.erase(w_);
    if (error_.sndfile_code != SF_ERR_NO_ERROR) {
      deferred_.Reject(FileIoError(env, error_).Value());
      return;
    }
    deferred_.Resolve(env.Undefined());
  }
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
  const IoError error = CloseNow(w);
  if (w->env_state) w->env_state->files.erase(w);
  if (error.sndfile_code != SF_ERR_NO_ERROR) throw FileIoError(env, error);
  return env.Undefined();
}

}  // namespace pastream_sndfile
