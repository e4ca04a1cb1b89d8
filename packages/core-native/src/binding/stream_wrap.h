// Internal header of the N-API glue: one open PortAudio stream as the glue
// holds it (StreamWrap), shared by the stream operations (stream.cc) and the
// watchdog that tells a lost device from a quiet one (watchdog.cc).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <set>
#include <string>

#include "glue.h"

extern "C" {
#include "pastream/callback.h"
}

namespace pas_glue {

// A view of JS memory (a Uint8Array over a SharedArrayBuffer) kept alive by a reference.
struct SharedView {
  Napi::ObjectReference ref;
  uint8_t* data = nullptr;
  size_t bytes = 0;

  void Set(Napi::Env env, Napi::Value value, const char* what) {
    Reset();
    if (value.IsNull() || value.IsUndefined()) return;
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      throw Napi::TypeError::New(env, std::string(what) + " must be a Uint8Array view of shared memory");
    Napi::Uint8Array view = value.As<Napi::Uint8Array>();
    data = view.Data();
    bytes = view.ByteLength();
    ref = Napi::Persistent(view.As<Napi::Object>());
  }
  void Reset() {
    if (!ref.IsEmpty()) ref.Reset();
    data = nullptr;
    bytes = 0;
  }
};

struct StreamWrap;
struct EnvState {
  std::set<StreamWrap*> streams;
};

// Why a device counts as lost (the JS side's `DeviceLostReason`).
enum class LossReason {
  kNone,
  kStartTimeout,  // started, but no callback came within the start timeout
  kStalled,       // callbacks came, then stopped for longer than the stall timeout
  kEnded,         // the host API ended the stream by itself (a device error)
};
const char* LossReasonName(LossReason reason);

struct StreamWrap {
  // Everything the audio thread reads: configured while the stream is stopped.
  pas_engine_t engine;
  PaStream* stream = nullptr;
  EnvState* env_state = nullptr;
  std::timed_mutex op_mutex;  // serialises PortAudio calls on this stream across threads
  // Operations run in the order JS asked for them: the thread pool may pick
  // up two at once (an abort() right after start()), so each takes a ticket
  // on the JS thread and waits for its turn (OpTurn below).
  std::mutex turn_mutex;
  std::condition_variable turn_wake;
  uint64_t tickets = 0;  // JS thread only
  uint64_t serving = 0;  // under turn_mutex
  std::atomic<bool> closed{false};
  std::atomic<bool> running{false};
  std::atomic<int> pending{0};  // async operations in flight
  // Callbacks so far: the watchdog's sign of life (the audio thread adds 1).
  std::atomic<uint32_t> progress{0};
  // The device went away under the stream: no PortAudio call is made on it
  // again, the callback returns at once, and the wrap is never freed (the
  // host API may still hold its pointer).
  std::atomic<bool> lost{false};
  std::atomic<LossReason> loss_reason{LossReason::kNone};  // set before `lost`
  // stop/abort/close asked PortAudio to end the stream (not a device error).
  std::atomic<bool> owner_ending{false};
  // An operation's waiter sleeps here until its PortAudio call returns or
  // the watchdog marks the device lost.
  std::mutex op_wait_mutex;
  std::condition_variable op_wait;
  SharedView stats, tx, rx;
  Napi::ThreadSafeFunction on_finished;
  bool tsfn_referenced = false;
  bool env_gone = false;  // the env was torn down: its references are invalid
  napi_env env = nullptr;  // the env of the handle (for its cleanup hook)
  bool hooked = false;     // CleanupStream is registered as an env cleanup hook
  bool has_input = false, has_output = false;
  bool jack = false;  // opened through PortAudio's JACK host API
  int user_format = 0, device_format = 0;
  unsigned in_channels = 0, out_channels = 0;
  double samplerate = 0;
  unsigned long blocksize = 0;
};

// One operation's turn on its stream (StreamWrap::tickets): waits until the
// operations asked for before it ended, or until the stream is lost (no
// PortAudio call is made then, so order no longer matters). Its end lets
// the next one go.
class OpTurn {
 public:
  OpTurn(StreamWrap* w, uint64_t ticket) : w_(w), ticket_(ticket) {
    std::unique_lock<std::mutex> lock(w->turn_mutex);
    // the watchdog marks a stream lost without waking us: look now and then
    while (w->serving != ticket && !w->lost.load())
      w->turn_wake.wait_for(lock, std::chrono::milliseconds(50));
  }
  ~OpTurn() {
    std::lock_guard<std::mutex> lock(w_->turn_mutex);
    if (w_->serving == ticket_) w_->serving++;
    w_->turn_wake.notify_all();
  }
  OpTurn(const OpTurn&) = delete;
  OpTurn& operator=(const OpTurn&) = delete;

 private:
  StreamWrap* w_;
  uint64_t ticket_;
};

// The operations JS asks for, run by RunOp.
enum Op { kStart, kStop, kAbort, kClose };

// What an operation's PortAudio call returned, for the waiter (stream.cc).
struct OpResult {
  bool done = false;  // under the stream's op_wait_mutex
  PaError error = paNoError;
};

// One PortAudio operation on a stream, under its locks (stream_calls.cc).
// Never calls PortAudio against a lost device or a JACK server that went away.
PaError RunOp(StreamWrap* w, Op op);
// Closes the PortAudio stream synchronously; safe to call twice. A lost
// stream, or one whose lock a blocked call holds for 2 s, is abandoned.
void CloseNow(StreamWrap* w);
// Marks a stream lost without notifying JS (its env is going, or another
// thread's PortAudio call holds it): no PortAudio call is made on it again.
void Abandon(StreamWrap* w);

// Tells JS the stream finished ("" = normally, else a LossReasonName).
void NotifyFinished(StreamWrap* w, LossReason reason);

// Watches a stream that is starting: a missing first callback within
// start_timeout_ms, or a gap of stall_timeout_ms between callbacks, marks it
// lost and notifies JS. Stops watching by itself once `running` is false.
void WatchStream(StreamWrap* w, double start_timeout_ms, double stall_timeout_ms);
// Stops watching (before the stream's JS resources are released).
void UnwatchStream(StreamWrap* w);
// Marks a running stream lost now and tells JS why (unless it is lost already).
void LoseNow(StreamWrap* w, LossReason reason);
// The JS thread of a stream whose env goes away: if it stopped calling back
// (stalled_ms or more since its last callback while running), marks it lost
// now rather than let an abort wait on a dead server. Returns `lost`.
bool CheckLostNow(StreamWrap* w, double stalled_ms);

// PortAudio is left initialised for the rest of the process: a host API
// whose server died cannot be terminated (PortAudio 19.6's JACK host API
// asserts in Pa_Terminate, and blocks while a stream of it is open).
void KeepPortAudioForever();
// KeepPortAudioForever was called: the device list is the one of before the loss.
bool PortAudioKept();
// The JACK server PortAudio's JACK host API connected to at initialisation
// is gone (died, or died and came back): a PortAudio call that unregisters a
// port of it asserts (Pa_CloseStream) or waits for minutes (stop, abort).
// Takes pa_mutex; reads /proc/net/unix (Linux; elsewhere always false).
bool JackServerGone();

}  // namespace pas_glue
