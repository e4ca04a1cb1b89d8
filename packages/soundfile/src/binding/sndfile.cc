// The soundfile addon's module: Init (the exported functions), the file
// handle's lifecycle (open, the finalizer, closing what is left open when an
// env or the process ends) and the registry of open files.
//
// N-API glue over libsndfile: unpack arguments, call libsndfile, map errors.
// No policy lives here: TypeScript picks formats, validates options and
// refuses what libsndfile cannot do on a pipe; the glue checks only handles,
// types and buffer sizes. No SNDFILE pointer reaches JS: an open file is an
// External with a type tag, and every call on a closed file throws
// "sound file is closed". The pump thread's policy is the core's
// (file_pump.c), the sample conversions too (convert.h).
#include "glue.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace pastream_sndfile {

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
    if (lock.owns_lock()) CloseFile(w);  // the process is ending: nobody to tell of an error
  }
}

IoError CloseFile(FileWrap* w) {
  if (w->sf == nullptr) return IoError{};
  // an error is the close's, not the last write's
  if (w->wav != nullptr) w->wav->sys_errno = 0;
  errno = 0;
  const int rc = sf_close(w->sf);
  const int close_errno = errno;
  IoError error;
  if (rc != 0) error = MakeIoError(rc, close_errno, sf_error_number(rc));
  else if (w->wav != nullptr && w->wav->sys_errno != 0) error = MakeIoError(SF_ERR_SYSTEM, w->wav->sys_errno, w->wav->message);
  w->sf = nullptr;
  if (w->wav != nullptr) {
    const int closed = CloseWavWriter(w->wav);
    w->wav = nullptr;
    if (closed != 0 && error.sndfile_code == SF_ERR_NO_ERROR)
      error = MakeIoError(SF_ERR_SYSTEM, closed, std::string("System error : ") + std::strerror(closed) + ".");
  }
  return error;
}

IoError FileError(SNDFILE* sf, const WavWriter* wav, int sys_errno) {
  if (sf == nullptr) return IoError{};
  if (wav != nullptr && wav->sys_errno != 0) sys_errno = wav->sys_errno;
  const int code = sf_error(sf);
  if (code != SF_ERR_NO_ERROR) return MakeIoError(code, sys_errno, sf_strerror(sf));
  if (wav != nullptr && wav->sys_errno != 0) return MakeIoError(SF_ERR_SYSTEM, sys_errno, wav->message);
  return IoError{};
}

// atexit: runs on exit() (process.exit(), the end of the event loop), on the
// thread that exits.
void CloseAllAtExit() {
  std::lock_guard<std::mutex> lock(registry->mutex);
  CloseIdle(registry->files);
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

  // Runs on any thread. On failure sf stays null and error says why.
  // libsndfile keeps the error of a failed open in a global, so two opens
  // failing at the same moment on two threads may swap their messages.
  SNDFILE* sf = nullptr;
  WavWriter* wav = nullptr;  // handed to the FileWrap
  IoError error;

  void Run() {
    if (use_fd && blocking) {
      // A pipe Node has set to non-blocking would make libsndfile's reads
      // and writes fail with EAGAIN halfway through a file.
      pas_fd_set_blocking(fd);
    }
    int sf_fd = fd;
    if (use_fd && !closefd) {
      // libsndfile closes the descriptor of an open that fails, whatever
      // close_desc says (stdout closed under node when a pipe's reader has
      // gone): it gets a duplicate to close, on failure or at sf_close
      sf_fd = dup(fd);
      if (sf_fd < 0) {
        const int dup_errno = errno;
        error = MakeIoError(SF_ERR_SYSTEM, dup_errno, std::string("System error : ") + std::strerror(dup_errno) + ".");
        return;
      }
    }
    if (rf64_downgrade && mode == SFM_WRITE) {
      // a WAV: RF64 past 4 GiB, a plain WAV header below (wav_writer.cc)
      sf = OpenWavWriter(path, use_fd ? sf_fd : -1, true, &info, &wav, &error);
    } else {
      errno = 0;
      sf = use_fd ? sf_open_fd(sf_fd, mode, &info, SF_TRUE) : sf_open(path.c_str(), mode, &info);
      const int open_errno = errno;
      if (sf == nullptr) error = MakeIoError(sf_error(nullptr), open_errno, sf_strerror(nullptr));
    }
    if (sf == nullptr) return;
    // A new file's first header says "length unknown" (RF64: sizes of -1,
    // which sox reads as endless; libsndfile writes it before it knows to
    // downgrade): one counting zero frames goes out now (for a WAV the plain
    // one, through wav_writer.cc), so a file the process is killed with
    // before its first write opens as an empty file of its type. Not on a
    // pipe, where a second header would follow the first.
    if (mode == SFM_WRITE && HeaderCountsFrames(info.format) && (!use_fd || lseek(sf_fd, 0, SEEK_CUR) >= 0)) {
      // an error is the header's (sf_command clears libsndfile's own)
      if (wav != nullptr) wav->sys_errno = 0;
      errno = 0;
      sf_command(sf, SFC_UPDATE_HEADER_NOW, nullptr, 0);
      error = FileError(sf, wav, errno);
      if (error.sndfile_code != SF_ERR_NO_ERROR) {
        // no room for the header: libsndfile's own I/O fails the open then
        sf_close(sf);
        sf = nullptr;
        if (wav != nullptr) CloseWavWriter(wav);
        wav = nullptr;
        return;
      }
    }
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
    throw CodedTypeError(env, "target must be a path or a file descriptor");
  }
  if (!info[1].IsNumber()) throw CodedTypeError(env, "mode must be a number");
  r->mode = info[1].As<Napi::Number>().Int32Value();
  if (r->mode != SFM_READ && r->mode != SFM_WRITE && r->mode != SFM_RDWR)
    throw CodedTypeError(env, "mode must be SFM_READ, SFM_WRITE or SFM_RDWR");
  if (!info[2].IsObject()) throw CodedTypeError(env, "info must be an object");
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
    CloseFile(w);  // no one left to tell of an error
  }
  if (w->env_state) w->env_state->files.erase(w);
  Unregister(w);
  delete w;
}

// Wraps an opened SNDFILE: {handle, info}.
Napi::Object MakeHandle(Napi::Env env, OpenRequest& r) {
  auto* w = new FileWrap();
  w->sf = r.sf;
  w->wav = r.wav;
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
//   -> {handle, info}; throws FileIoError's Error (libsndfile's message, sndfileErrorCode, errno)
Napi::Value OpenSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpenRequest r;
  ReadOpenRequest(info, &r);
  r.Run();
  if (r.sf == nullptr) throw FileIoError(env, r.error);
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
      deferred_.Reject(FileIoError(env, request.error).Value());
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

}  // namespace pastream_sndfile

namespace {
Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return pastream_sndfile::Init(env, exports); }
}  // namespace

NODE_API_MODULE(pastream_sndfile, InitModule)
