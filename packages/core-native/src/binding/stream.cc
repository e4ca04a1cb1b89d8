// Streams: open a PortAudio stream whose callback is the C engine, start,
// stop, abort and close it off the event loop, and the finished
// notification. No PortAudio pointer reaches JS: a stream is an External
// with a type tag, and every call on a closed stream throws "stream is
// closed" (ERR_PASTREAM_CLOSED). Environment teardown closes what is open.
// A stream whose device went away (watchdog.cc) is abandoned, never closed:
// its operations answer at once without PortAudio.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "stream_wrap.h"

extern "C" {
#include "pastream/callback.h"
#include "pastream/layout.h"
#include "pastream/ring.h"
}

namespace pas_glue {
namespace {

// ---- streams ----

const napi_type_tag kStreamTag = {0x70617374'7265616dULL, 0x6e617469'76650001ULL};

// PortAudio's callback: the audio thread. Only the engine runs here.
int AudioCallback(const void* input, void* output, unsigned long frames,
                  const PaStreamCallbackTimeInfo* time, PaStreamCallbackFlags flags, void* user) {
  StreamWrap* w = static_cast<StreamWrap*>(user);
  // abandoned: the memory the engine writes may be gone
  if (w->lost.load(std::memory_order_relaxed)) return paAbort;
  // one writer: a plain add, no read-modify-write
  w->progress.store(w->progress.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  pas_time_info_t t = {time ? time->inputBufferAdcTime : 0, time ? time->currentTime : 0,
                       time ? time->outputBufferDacTime : 0};
  return pas_engine_process(&w->engine, input, output, frames, &t, static_cast<uint32_t>(flags));
}

// PortAudio's finished callback (a JACK/ALSA thread, or the thread calling
// Pa_StopStream). Queues a call to JS; never waits for it. A stream that
// ends while its engine still runs and nobody asked it to stop was ended by
// the host API: a device error.
void FinishedCallback(void* user) {
  StreamWrap* w = static_cast<StreamWrap*>(user);
  if (w->lost.load()) return;
  bool host_ended = !w->owner_ending.load() && w->engine.state == PAS_STATE_RUNNING;
  w->running.store(false);
  NotifyFinished(w, host_ended ? LossReason::kEnded : LossReason::kNone);
}

// A device that starts but never calls back is lost after this long.
constexpr double kStartTimeoutMs = 2000;

// A running device whose callbacks stop for this long is lost: four blocks
// (or PortAudio's assumed 256 frames), never less than half a second.
double StallTimeoutMs(const StreamWrap* w) {
  double frames = w->blocksize > 0 ? static_cast<double>(w->blocksize) : PAS_ASSUMED_BLOCKSIZE;
  double block_ms = w->samplerate > 0 ? 1000.0 * frames / w->samplerate : 0;
  return std::max(500.0, 4 * block_ms);
}

// The error of an operation on a lost device: `reason` says why it counts as lost.
Napi::Error LostError(Napi::Env env, StreamWrap* w) {
  const char* reason = LossReasonName(w->loss_reason.load());
  Napi::Error error = MakeError(env, "ERR_PASTREAM_DEVICE_LOST", std::string("the device was lost (") + reason + ")");
  error.Set("reason", Napi::String::New(env, reason));
  return error;
}

StreamWrap* Unwrap(Napi::Env env, Napi::Value value, bool allow_closed = false) {
  bool ok = false;
  if (value.IsExternal()) {
    napi_status status = napi_check_object_type_tag(env, value, &kStreamTag, &ok);
    if (status != napi_ok) ok = false;
  }
  if (!ok) throw Napi::TypeError::New(env, "expected a stream handle");
  StreamWrap* w = value.As<Napi::External<StreamWrap>>().Data();
  if (w == nullptr || (!allow_closed && w->closed.load()))
    throw MakeError(env, "ERR_PASTREAM_CLOSED", "stream is closed");
  return w;
}

void CleanupStream(void* data);

void ReleaseJsResources(StreamWrap* w) {
  if (w->env_gone) return;
  UnwatchStream(w);  // the watchdog no longer uses on_finished
  if (w->hooked) napi_remove_env_cleanup_hook(w->env, CleanupStream, w);
  w->hooked = false;
  w->stats.Reset();
  w->tx.Reset();
  w->rx.Reset();
  if (w->on_finished) {
    w->on_finished.Release();
    w->on_finished = Napi::ThreadSafeFunction();
  }
  if (w->env_state) w->env_state->streams.erase(w);
}

void FinalizeStream(Napi::Env, StreamWrap* w) {
  // The handle was garbage collected (async operations hold a reference, so
  // none is in flight): stop the callback before freeing its memory.
  UnwatchStream(w);
  CloseNow(w);
  w->closed.store(true);
  ReleaseJsResources(w);
  if (!w->lost.load()) delete w;  // a lost stream's host API may still hold it
}

Napi::Value StreamOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "options must be an object");
  if (!info[2].IsFunction()) throw Napi::TypeError::New(env, "onFinished must be a function");
  Napi::Object options = info[0].As<Napi::Object>();

  PaStreamParameters in, out;
  int in_uf = 0, in_df = 0, out_uf = 0, out_df = 0;
  bool has_in = ReadDirection(env, options, "input", &in, &in_uf, &in_df);
  bool has_out = ReadDirection(env, options, "output", &out, &out_uf, &out_df);
  if (!has_in && !has_out) throw Napi::TypeError::New(env, "a stream needs input or output");
  if (has_in && has_out && (in_uf != out_uf || in_df != out_df))
    throw Napi::TypeError::New(env, "input and output must share one format");
  double samplerate = NumberOr(options, "samplerate", 0);
  unsigned long blocksize = static_cast<unsigned long>(NumberOr(options, "blocksize", 0));
  PaStreamFlags flags = static_cast<PaStreamFlags>(NumberOr(options, "flags", 0));

  auto* w = new StreamWrap();
  std::memset(&w->engine, 0, sizeof w->engine);
  w->has_input = has_in;
  w->has_output = has_out;
  w->user_format = has_in ? in_uf : out_uf;
  w->device_format = has_in ? in_df : out_df;
  w->in_channels = has_in ? static_cast<unsigned>(in.channelCount) : 0;
  w->out_channels = has_out ? static_cast<unsigned>(out.channelCount) : 0;
  w->samplerate = samplerate;
  w->blocksize = blocksize;
  try {
    w->stats.Set(env, info[1], "stats");
    if (w->stats.bytes < PAS_STATS_BYTES) throw Napi::TypeError::New(env, "stats block is too small");
  } catch (...) {
    delete w;
    throw;
  }

  PaError err = Acquire();
  if (err != paNoError) {
    delete w;
    throw MakePaError(env, "Error initializing PortAudio", err);
  }
  {
    std::lock_guard<std::recursive_timed_mutex> global(pa_mutex);
    err = WithQuietStderr([&] {
      return Pa_OpenStream(&w->stream, has_in ? &in : nullptr, has_out ? &out : nullptr, samplerate,
                           blocksize, flags, AudioCallback, w);
    });
  }
  if (err != paNoError) {
    Release();
    delete w;
    std::string what = has_in && has_out ? "Error opening DuplexStream"
                       : has_in         ? "Error opening InputStream"
                                        : "Error opening OutputStream";
    // PortAudio cannot re-initialise once a device of this process was lost
    if (PortAudioKept())
      what += " (a device was lost earlier in this process, and PortAudio cannot reconnect to a restarted server: start a new process)";
    throw MakePaError(env, what, err);
  }
  const PaDeviceInfo* device = Pa_GetDeviceInfo(has_in ? in.device : out.device);
  const PaHostApiInfo* api = device ? Pa_GetHostApiInfo(device->hostApi) : nullptr;
  w->jack = api != nullptr && api->type == paJACK;
  Pa_SetStreamFinishedCallback(w->stream, FinishedCallback);
  w->on_finished = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(),
                                                 "pastream-finished", 0, 1);
  w->on_finished.Unref(env);

  EnvState* state = env.GetInstanceData<EnvState>();
  w->env_state = state;
  if (state) state->streams.insert(w);
  // after the thread-safe function: hooks run last-added first
  w->env = env;
  w->hooked = napi_add_env_cleanup_hook(env, CleanupStream, w) == napi_ok;

  Napi::External<StreamWrap> handle = Napi::External<StreamWrap>::New(env, w, FinalizeStream);
  napi_type_tag_object(env, handle, &kStreamTag);
  return handle;
}

Napi::Value StreamInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StreamWrap* w = Unwrap(env, info[0]);
  // before the lock: a call blocked on a lost device may hold it for minutes
  if (w->lost.load()) throw MakeError(env, "ERR_PASTREAM_CLOSED", "stream is closed");
  std::lock_guard<std::timed_mutex> lock(w->op_mutex);
  Napi::Object o = Napi::Object::New(env);
  if (w->stream == nullptr || w->lost.load()) throw MakeError(env, "ERR_PASTREAM_CLOSED", "stream is closed");
  const PaStreamInfo* si = Pa_GetStreamInfo(w->stream);
  o.Set("inputLatency", si ? si->inputLatency : 0);
  o.Set("outputLatency", si ? si->outputLatency : 0);
  o.Set("samplerate", si ? si->sampleRate : 0);
  o.Set("active", Pa_IsStreamActive(w->stream) == 1);
  o.Set("stopped", Pa_IsStreamStopped(w->stream) == 1);
  o.Set("cpuLoad", Pa_GetStreamCpuLoad(w->stream));
  o.Set("time", Pa_GetStreamTime(w->stream));
  return o;
}

// Reads the engine config from a JS object; TS has validated every value.
void ReadEngineConfig(Napi::Env env, StreamWrap* w, const Napi::Object& o, pas_engine_config_t* c) {
  std::memset(c, 0, sizeof *c);
  pas_engine_config_defaults(c);
  c->in_channels = w->in_channels;
  c->out_channels = w->out_channels;
  c->rx_channels = static_cast<uint32_t>(NumberOr(o, "rxChannels", w->in_channels));
  c->tx_channels = static_cast<uint32_t>(NumberOr(o, "txChannels", w->out_channels));
  c->format = w->user_format;
  c->device_format = w->device_format;
  c->frames = static_cast<int64_t>(NumberOr(o, "frames", -1));
  c->pad = static_cast<int64_t>(NumberOr(o, "pad", 0));
  c->offset = static_cast<int64_t>(NumberOr(o, "offset", 0));
  c->loop = o.Get("loop").ToBoolean().Value() ? 1 : 0;
  auto read_map = [&](const char* key, int32_t* dst, uint32_t count) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return;
    if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(key) + " must be an array");
    Napi::Array a = v.As<Napi::Array>();
    if (a.Length() != count)
      throw Napi::TypeError::New(env, std::string(key) + " must have " + std::to_string(count) + " entries");
    for (uint32_t k = 0; k < count && k < PAS_MAX_CHANNELS; k++)
      dst[k] = static_cast<int32_t>(a.Get(k).ToNumber().Int32Value());
  };
  read_map("txmapping", c->txmapping, c->out_channels);
  read_map("rxmapping", c->rxmapping, c->rx_channels);
}

class StreamOpWorker : public Napi::AsyncWorker {
 public:
  StreamOpWorker(Napi::Env env, Napi::Value handle, StreamWrap* w, Op op)
      : Napi::AsyncWorker(env, "pastream-stream-op"), deferred_(Napi::Promise::Deferred::New(env)),
        handle_(Napi::Persistent(handle.As<Napi::Object>())), w_(w), op_(op), ticket_(w->tickets++) {
    // handle_ keeps the External (and so w) alive until OnOK/OnError
    w_->pending++;
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  // The PortAudio call runs on a thread of its own and this pool thread
  // waits for it or for the device's loss, whichever comes first: against a
  // dead or hung server PortAudio blocks for minutes, and a pool thread
  // stuck that long would keep the process alive. The abandoned call's
  // thread touches only the StreamWrap, which a lost stream never frees.
  void Execute() override {
    // operations run in the order JS asked for them (a lost stream's in any order)
    OpTurn turn(w_, ticket_);
    if (w_->lost.load()) return;  // never call PortAudio against a lost device
    auto result = std::make_shared<OpResult>();
    StreamWrap* w = w_;
    Op op = op_;
    std::thread([w, op, result] {
      PaError error = RunOp(w, op);
      std::lock_guard<std::mutex> lock(w->op_wait_mutex);
      result->error = error;
      result->done = true;
      w->op_wait.notify_all();  // under the lock: the waiter may free w once it has it
    }).detach();
    std::unique_lock<std::mutex> lock(w->op_wait_mutex);
    w->op_wait.wait(lock, [&] { return result->done || w->lost.load(); });
    if (result->done) error_ = result->error;
  }

  void OnOK() override {
    Napi::Env env = Env();
    w_->pending--;
    if (op_ != kStart) SetReferenced(env, false);
    if (op_ == kClose) {
      ReleaseJsResources(w_);
      deferred_.Resolve(env.Undefined());
      return;
    }
    if (w_->lost.load()) {
      // the device went away before or during the call: a start fails, a
      // stop or abort is done (the device stopped for good)
      if (op_ == kStart) {
        SetReferenced(env, false);
        deferred_.Reject(LostError(env, w_).Value());
      } else {
        deferred_.Resolve(env.Undefined());
      }
      return;
    }
    if (error_ != paNoError) {
      if (op_ == kStart) {
        w_->running.store(false);
        SetReferenced(env, false);
      }
      const char* what = op_ == kStart ? "Error starting stream" : op_ == kStop ? "Error stopping stream" : "Error aborting stream";
      deferred_.Reject(MakePaError(env, what, error_).Value());
      return;
    }
    deferred_.Resolve(env.Undefined());
  }

  void SetReferenced(Napi::Env env, bool on) {
    if (!w_->on_finished || w_->tsfn_referenced == on) return;
    if (on) w_->on_finished.Ref(env);
    else w_->on_finished.Unref(env);
    w_->tsfn_referenced = on;
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference handle_;
  StreamWrap* w_;
  Op op_;
  uint64_t ticket_;
  PaError error_ = paNoError;
};

// streamStart(handle, config, txView|null, rxView|null) -> Promise<void>
// Configures the engine (the stream must be stopped), then starts the device
// off the event loop.
Napi::Value StreamStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StreamWrap* w = Unwrap(env, info[0]);
  if (!info[1].IsObject()) throw Napi::TypeError::New(env, "config must be an object");
  if (w->lost.load()) throw LostError(env, w);
  if (w->pending.load() > 0) throw MakeError(env, "ERR_PASTREAM_BUSY", "another operation on this stream is in progress");
  {
    std::lock_guard<std::timed_mutex> lock(w->op_mutex);
    if (w->stream == nullptr) throw MakeError(env, "ERR_PASTREAM_CLOSED", "stream is closed");
    if (Pa_IsStreamActive(w->stream) == 1) throw MakeError(env, "ERR_PASTREAM_ACTIVE", "stream is already active");
  }
  pas_engine_config_t config;
  ReadEngineConfig(env, w, info[1].As<Napi::Object>(), &config);
  // The stream is stopped: the audio thread cannot read these now.
  w->tx.Set(env, info[2], "tx ring");
  w->rx.Set(env, info[3], "rx ring");
  int rc = pas_engine_configure(&w->engine, &config, w->tx.data, w->tx.bytes, w->rx.data,
                                w->rx.bytes, w->stats.data, w->stats.bytes);
  if (rc != PAS_ENGINE_OK) {
    Napi::Error e = MakeError(env, "ERR_PASTREAM_CONFIG", std::string("Invalid stream configuration: ") + pas_engine_strerror(rc));
    e.Set("engineError", Napi::Number::New(env, rc));
    throw e;
  }
  pas_engine_start(&w->engine);
  w->owner_ending.store(false);
  w->running.store(true);
  WatchStream(w, NumberOr(info[1].As<Napi::Object>(), "startTimeoutMs", kStartTimeoutMs),
              NumberOr(info[1].As<Napi::Object>(), "stallTimeoutMs", StallTimeoutMs(w)));
  auto* worker = new StreamOpWorker(env, info[0], w, kStart);
  worker->SetReferenced(env, true);  // a running stream keeps the process alive
  worker->Queue();
  return worker->Promise();
}

Napi::Value Resolved(Napi::Env env) {
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  d.Resolve(env.Undefined());
  return d.Promise();
}

Napi::Value StreamOp(const Napi::CallbackInfo& info, Op op) {
  Napi::Env env = info.Env();
  StreamWrap* w = Unwrap(env, info[0], op == kClose);
  // closing twice is a no-op
  if (op == kClose && w->closed.exchange(true)) return Resolved(env);
  if (w->lost.load()) {
    // a lost device's stream has stopped for good; closing abandons it
    if (op == kClose) ReleaseJsResources(w);
    return Resolved(env);
  }
  auto* worker = new StreamOpWorker(env, info[0], w, op);
  worker->Queue();
  return worker->Promise();
}

Napi::Value StreamStop(const Napi::CallbackInfo& info) { return StreamOp(info, kStop); }
Napi::Value StreamAbort(const Napi::CallbackInfo& info) { return StreamOp(info, kAbort); }
Napi::Value StreamClose(const Napi::CallbackInfo& info) { return StreamOp(info, kClose); }

// Any thread may ask the callback to abort: used when a reader or writer fails.
Napi::Value StreamRequestAbort(const Napi::CallbackInfo& info) {
  StreamWrap* w = Unwrap(info.Env(), info[0]);
  pas_engine_request_abort(&w->engine);
  return info.Env().Undefined();
}

// Called by the finished TSFN's JS side so that a finished stream no longer
// keeps the process alive.
Napi::Value StreamUnref(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StreamWrap* w = Unwrap(env, info[0], true);
  if (w->on_finished && w->tsfn_referenced && !w->running.load()) {
    w->on_finished.Unref(env);
    w->tsfn_referenced = false;
  }
  return env.Undefined();
}
// The stream's env is going away (the main thread's natural end, a Worker's
// end; process.exit() ends the process without it): stop the callback
// before the memory it uses disappears. A running stream that stopped
// calling back is lost: aborting it would wait on a dead server. Each
// stream's own env cleanup hook, added after its thread-safe function, so
// it runs before that function is torn down; the env's teardown then runs
// the handle's finalizer, which must leave the torn-down JS resources alone.
void CleanupStream(void* data) {
  StreamWrap* w = static_cast<StreamWrap*>(data);
  UnwatchStream(w);
  if (!CheckLostNow(w, std::min(StallTimeoutMs(w), 200.0))) CloseNow(w);
  w->closed.store(true);
  if (w->env_state) w->env_state->streams.erase(w);
  w->env_state = nullptr;
  w->env_gone = true;
  w->hooked = false;
}

void FinalizeEnvState(Napi::Env, EnvState* state) {
  // every stream's hook ran before; this is a last resort
  for (StreamWrap* w : std::set<StreamWrap*>(state->streams)) CleanupStream(w);
  delete state;
}

}  // namespace

void NotifyFinished(StreamWrap* w, LossReason reason) {
  // static: the audio thread allocates nothing
  static LossReason reasons[] = {LossReason::kNone, LossReason::kStartTimeout, LossReason::kStalled,
                                 LossReason::kEnded};
  if (!w->on_finished) return;
  w->on_finished.NonBlockingCall(&reasons[static_cast<int>(reason)],
                                 [](Napi::Env env, Napi::Function callback, LossReason* r) {
                                   callback.Call({Napi::String::New(env, LossReasonName(*r))});
                                 });
}

void RegisterStreams(Napi::Env env, Napi::Object exports) {
  auto* state = new EnvState();
  env.SetInstanceData<EnvState, FinalizeEnvState>(state);
  exports.Set("streamOpen", Napi::Function::New(env, StreamOpen));
  exports.Set("streamInfo", Napi::Function::New(env, StreamInfo));
  exports.Set("streamStart", Napi::Function::New(env, StreamStart));
  exports.Set("streamStop", Napi::Function::New(env, StreamStop));
  exports.Set("streamAbort", Napi::Function::New(env, StreamAbort));
  exports.Set("streamClose", Napi::Function::New(env, StreamClose));
  exports.Set("streamRequestAbort", Napi::Function::New(env, StreamRequestAbort));
  exports.Set("streamUnref", Napi::Function::New(env, StreamUnref));
}

}  // namespace pas_glue
