// The PortAudio calls on one stream, and when not to make them: an
// operation (RunOp) under the stream's locks, the synchronous close of a
// collected handle or a torn-down env (CloseNow), and abandoning a stream
// whose device or server is gone (Abandon): against a dead server PortAudio
// 19.6 blocks for minutes, or asserts.
#include <chrono>

#include "stream_wrap.h"

namespace pas_glue {
namespace {

// How long a blocked PortAudio call may hold up a synchronous close (a
// collected handle, an env's teardown) before the stream is abandoned.
constexpr auto kCloseWait = std::chrono::seconds(2);


}  // namespace

// Abandons a stream another thread's PortAudio call holds: it may never return.
void Abandon(StreamWrap* w) {
  UnwatchStream(w);
  {
    std::lock_guard<std::mutex> lock(w->op_wait_mutex);
    w->loss_reason.store(LossReason::kStalled);
    w->lost.store(true);
  }
  w->op_wait.notify_all();
  w->running.store(false);
  KeepPortAudioForever();
}


namespace {

// Under op_mutex and pa_mutex, before stop, abort or close: a JACK stream
// whose server went away is abandoned (Pa_CloseStream would assert, stop and
// abort wait for minutes); a running one is reported lost at once rather
// than when the watchdog next looks. True when abandoned.
bool AbandonIfServerGone(StreamWrap* w) {
  if (!w->jack || w->stream == nullptr || !JackServerGone()) return false;
  if (w->running.load()) LoseNow(w, LossReason::kStalled);
  Abandon(w);
  return true;
}


}  // namespace

// Closes the PortAudio stream synchronously; safe to call twice. A lost
// stream, or one whose lock a blocked call holds, is abandoned instead.
void CloseNow(StreamWrap* w) {
  if (w->lost.load()) return;
  std::unique_lock<std::timed_mutex> lock(w->op_mutex, kCloseWait);
  std::unique_lock<std::recursive_timed_mutex> global(pa_mutex, std::defer_lock);
  if (!lock.owns_lock() || !global.try_lock_for(kCloseWait)) return Abandon(w);
  if (AbandonIfServerGone(w)) return;
  if (w->stream != nullptr && !w->lost.load()) {
    w->owner_ending.store(true);
    if (Pa_IsStreamStopped(w->stream) == 0) Pa_AbortStream(w->stream);
    Pa_CloseStream(w->stream);
    w->stream = nullptr;
    w->running.store(false);
    Release();
  }
}

// One PortAudio operation on a stream, under its locks. Never called against
// a lost device (it returns at once).
PaError RunOp(StreamWrap* w, Op op) {
  std::lock_guard<std::timed_mutex> lock(w->op_mutex);
  std::lock_guard<std::recursive_timed_mutex> global(pa_mutex);
  if (w->lost.load()) return paNoError;
  if (w->stream == nullptr) return op == kClose ? paNoError : paBadStreamPtr;
  if (op != kStart && AbandonIfServerGone(w)) return paNoError;
  if (op != kStart) w->owner_ending.store(true);
  PaError error = paNoError;
  switch (op) {
    case kStart:
      // a stream that completed by itself is inactive but not yet stopped
      if (Pa_IsStreamStopped(w->stream) == 0) error = Pa_StopStream(w->stream);
      if (error == paNoError) error = Pa_StartStream(w->stream);
      break;
    case kStop:
      if (Pa_IsStreamStopped(w->stream) == 0) error = Pa_StopStream(w->stream);
      break;
    case kAbort:
      if (Pa_IsStreamStopped(w->stream) == 0) error = Pa_AbortStream(w->stream);
      break;
    case kClose:
      if (Pa_IsStreamStopped(w->stream) == 0) Pa_AbortStream(w->stream);
      error = Pa_CloseStream(w->stream);
      w->stream = nullptr;
      Release();
      break;
  }
  return error;
}

}  // namespace pas_glue
