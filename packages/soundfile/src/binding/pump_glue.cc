// The file pumps' glue: pumpRecord / pumpPlay / pumpStatus / pumpStop over
// the core's pas_file_pump (pastream/file_pump.h), which owns the thread and
// its policy. This file gives the pump a libsndfile-backed pas_file_io_t
// and keeps the file handle and the ring's view alive while it runs.
#include "glue.h"

#include "pastream/convert.h"
#include "pastream/file_pump.h"
#include "pastream/ring.h"

#include <cerrno>
#include <memory>

namespace pastream_sndfile {

// ---- file pumps (native threads) ----
//
// A pump moves frames between a pastream ring (core-native's layout, in a
// SharedArrayBuffer) and an open file on its own thread, so recording to
// disk never waits for the event loop. The thread and all of its policy
// (waking, end of file, looping, header rewrites, errors) are the core's
// pas_file_pump (pastream/file_pump.h); this glue gives it the file through
// a libsndfile-backed pas_file_io_t and holds references to the file handle
// and the ring's view until stop() has joined the thread.

const napi_type_tag kPumpTag = {0x70617374'70756d70ULL, 0x00000000'00000001ULL};

// The file as the pump sees it: frames of the ring's sample format.
struct PumpFile {
  FileWrap* w = nullptr;
  int format = PAS_FORMAT_FLOAT32;
  // Why the pump stopped: the IoError of the short read or write, its text
  // a clause (libsndfile's text without its closing period, or "disk full
  // (...)"). Written on the pump's thread by the io's error() before the
  // pump publishes its error (release), read after pas_file_pump_error
  // returned it (acquire).
  IoError error;
};

int64_t PumpFileRead(void* user, void* dst, uint32_t frames) {
  auto* f = static_cast<PumpFile*>(user);
  if (f->w->sf == nullptr) return PAS_FILE_IO_CLOSED;
  errno = 0;  // error() reads it right after a short read
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

// Keeps error as why the pump stopped; its text is a clause, as the pump's
// message goes on after it ("...; kept N frames"): no period.
const char* Stopped(PumpFile* f, const IoError& error) {
  f->error = error;
  std::string& text = f->error.text;
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  return text.c_str();
}

// Record: the write that came up short (WriteFrames kept why).
const char* PumpFileWriteError(void* user) {
  auto* f = static_cast<PumpFile*>(user);
  if (f->w->sf == nullptr || f->w->short_write.sndfile_code == SF_ERR_NO_ERROR) return nullptr;
  return Stopped(f, f->w->short_write);
}

// Play: a short read is the end of the file unless libsndfile has an error.
const char* PumpFileReadError(void* user) {
  auto* f = static_cast<PumpFile*>(user);
  const IoError error = FileError(f->w->sf, f->w->wav, errno);
  return error.sndfile_code == SF_ERR_NO_ERROR ? nullptr : Stopped(f, error);
}

void PumpFileLock(void* user) { static_cast<PumpFile*>(user)->w->mutex.lock(); }
void PumpFileUnlock(void* user) { static_cast<PumpFile*>(user)->w->mutex.unlock(); }

struct PumpState;
void ReleaseEnd(PumpState* p);

struct PumpState {
  PumpFile file;
  pas_file_pump_t* pump = nullptr;
  Napi::ObjectReference file_ref;
  Napi::ObjectReference ring_ref;
  // Calls JS's onEnd when the thread ends, so nothing polls for it; held
  // until the thread is joined. Unreferenced: what runs the pump (a
  // stream's run, a stop's promise) keeps the event loop alive, not this.
  Napi::ThreadSafeFunction on_end;
  napi_env env = nullptr;
  bool hooked = false;  // the env cleanup hook that joins the thread first
  ~PumpState() {
    pas_file_pump_destroy(pump);  // stops the thread first
    ReleaseEnd(this);
  }
};

// The pump's `ended`, on its thread: never blocks.
void PumpEnded(void* user) {
  auto* p = static_cast<PumpState*>(user);
  if (p->on_end) p->on_end.NonBlockingCall();
}

// The env is going away: end the thread before the thread-safe function it
// calls is finalized (hooks run last-added first, so this runs before
// Node's own cleanup of on_end).
void CleanupPump(void* data) {
  auto* p = static_cast<PumpState*>(data);
  p->hooked = false;
  pas_file_pump_stop(p->pump);
  if (p->on_end) {
    p->on_end.Release();
    p->on_end = Napi::ThreadSafeFunction();
  }
}

// After the thread is joined: onEnd is not called again.
void ReleaseEnd(PumpState* p) {
  if (p->hooked) napi_remove_env_cleanup_hook(p->env, CleanupPump, p);
  p->hooked = false;
  if (p->on_end) {
    p->on_end.Release();
    p->on_end = Napi::ThreadSafeFunction();
  }
}

void FinalizePump(Napi::Env, PumpState* p) {
  // collected without stop(): end the thread before the memory goes
  delete p;
}

PumpState* UnwrapPump(Napi::Env env, const Napi::Value& value) {
  bool ok = false;
  if (value.IsExternal()) {
    if (napi_check_object_type_tag(env, value, &kPumpTag, &ok) != napi_ok) ok = false;
  }
  if (!ok) throw CodedTypeError(env, "expected a pump handle", kErrInvalidHandle);
  return value.As<Napi::External<PumpState>>().Data();
}

// pumpRecord / pumpPlay(handle, ringView, {format, samplerate, loop, name}, onEnd) -> pump handle;
// onEnd() is called once when the thread ends (by itself, or after pumpStop)
Napi::Value PumpStart(const Napi::CallbackInfo& info, int direction) {
  Napi::Env env = info.Env();
  FileWrap* w = Unwrap(env, info[0]);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw CodedTypeError(env, "ring must be a Uint8Array view of shared memory");
  if (!info[2].IsObject()) throw CodedTypeError(env, "options must be an object");
  if (!info[3].IsFunction()) throw CodedTypeError(env, "onEnd must be a function");
  Napi::Uint8Array view = info[1].As<Napi::Uint8Array>();
  Napi::Object o = info[2].As<Napi::Object>();
  auto p = std::make_unique<PumpState>();
  p->file.w = w;
  p->file.format = ParseFormat(env, o.Get("format"));
  pas_file_pump_config_t config{};
  config.direction = direction;
  config.loop = o.Get("loop").ToBoolean().Value() ? 1 : 0;
  config.samplerate = NumberOr(o, "samplerate", 48000);
  if (!(config.samplerate > 0)) throw CodedTypeError(env, "samplerate must be positive");
  Napi::Value name_value = o.Get("name");
  const std::string name = name_value.IsString() ? name_value.As<Napi::String>().Utf8Value() : "the sound file";
  config.name = name.c_str();
  pas_ring_t ring;
  int rc = pas_ring_attach(&ring, view.Data(), view.ByteLength());
  if (rc != PAS_RING_OK) throw CodedTypeError(env, std::string("ring: ") + pas_ring_strerror(rc));
  const size_t samplesize = pas_format_size(p->file.format);
  const size_t framebytes = static_cast<size_t>(w->channels) * samplesize;
  if (ring.elementsize != framebytes)
    throw CodedRangeError(env, "ring elementsize " + std::to_string(ring.elementsize) +
                                         " does not match the file's frame (" + std::to_string(w->channels) +
                                         " channels x " + std::to_string(samplesize) + " bytes)");
  pas_file_io_t io{};
  io.user = &p->file;
  io.read = PumpFileRead;
  io.write = PumpFileWrite;
  io.seek_start = PumpFileSeekStart;
  io.error = direction == PAS_FILE_PUMP_RECORD ? PumpFileWriteError : PumpFileReadError;
  io.lock = PumpFileLock;
  io.unlock = PumpFileUnlock;
  {
    std::lock_guard<std::mutex> lock(w->mutex);
    if (w->sf == nullptr) throw ClosedError(env);
    // Record: the header is rewritten after every write, so a killed
    // process leaves a file that opens with every frame written.
    SF_INFO current{};
    sf_command(w->sf, SFC_GET_CURRENT_SF_INFO, &current, sizeof current);
    if (HeaderCountsFrames(current.format)) io.rewrite_header = PumpFileRewriteHeader;
  }
  config.ended = PumpEnded;
  config.ended_user = p.get();
  rc = pas_file_pump_create(&p->pump, &config, &ring, &io);
  if (rc != PAS_FILE_PUMP_OK) throw CodedError(env, kErrPump, pas_file_pump_strerror(rc));
  // play: fill the ring before returning, so the stream starts with data
  if (direction == PAS_FILE_PUMP_PLAY && pas_file_pump_prefill(p->pump) == PAS_FILE_IO_CLOSED)
    throw ClosedError(env);
  p->file_ref = Napi::Persistent(info[0].As<Napi::Object>());
  p->ring_ref = Napi::Persistent(view.As<Napi::Object>());
  p->on_end = Napi::ThreadSafeFunction::New(env, info[3].As<Napi::Function>(), "pastream-sndfile-pump-end", 0, 1);
  p->on_end.Unref(env);
  // after the thread-safe function: hooks run last-added first
  p->env = env;
  p->hooked = napi_add_env_cleanup_hook(env, CleanupPump, p.get()) == napi_ok;
  rc = pas_file_pump_start(p->pump);
  if (rc != PAS_FILE_PUMP_OK) throw CodedError(env, kErrPump, pas_file_pump_strerror(rc));
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
  if (error != nullptr) {
    o.Set("error", Napi::String::New(env, error));
    SetSystemError(o, p->file.error);
  }
  return o;
}

// pumpStatus(pump) -> {running, frames, error?, errno?, code?}: errno of the
// failed system call (EPIPE, ENOSPC...), code ERR_SOUNDFILE_DISK_FULL when a
// record pump stopped because the disk was full
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
    ReleaseEnd(p_);
    deferred_.Resolve(PumpStatusObject(env, p_));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference handle_;
  PumpState* p_;
};

// pumpStop(pump) -> Promise<{running, frames, error?, errno?, code?}>: asks the thread to
// end (a record pump drains the ring first) and joins it off the event loop
Napi::Value PumpStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PumpState* p = UnwrapPump(env, info[0]);
  auto* worker = new PumpStopWorker(env, info[0], p);
  worker->Queue();
  return worker->Promise();
}

}  // namespace pastream_sndfile
