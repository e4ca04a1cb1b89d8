// The device-loss watchdog: one thread for the process that looks at every
// running stream's callback count ten times a second. A stream whose first
// callback does not come within its start timeout, or whose callbacks stop
// for longer than its stall timeout while it runs, is marked lost: its
// callback returns at once from then on, no PortAudio call is made on it
// again (a dead JACK server makes stop, abort, close and terminate block for
// minutes), and JS hears why. The thread sleeps while no stream runs; it
// touches no JS value and never calls PortAudio.
#include <chrono>
#include <condition_variable>
#include <map>
#include <thread>

#include "stream_wrap.h"

namespace pas_glue {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(100);

struct Watch {
  Clock::duration start_timeout, stall_timeout;
  uint32_t seen = 0;        // progress at the last look
  bool called_back = false;  // a callback came since the start
  Clock::time_point since;   // when `seen` was first seen
};

// Never destroyed: the thread waits on them until the process ends, and a
// condition variable destroyed at exit while waited on blocks the exit.
struct Shared {
  std::mutex mutex;
  std::condition_variable wake;
  std::map<StreamWrap*, Watch> watched;  // under mutex
  bool thread_started = false;           // under mutex
};
Shared& shared = *new Shared();
std::mutex& watch_mutex = shared.mutex;
std::condition_variable& watch_wake = shared.wake;
std::map<StreamWrap*, Watch>& watched = shared.watched;

Clock::duration Milliseconds(double ms) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

// Under watch_mutex: the device is gone.
void MarkLost(StreamWrap* w, LossReason reason) {
  {
    // an operation waiting on PortAudio gives up now
    std::lock_guard<std::mutex> lock(w->op_wait_mutex);
    w->loss_reason.store(reason);
    w->lost.store(true);
  }
  w->op_wait.notify_all();
  w->running.store(false);
  KeepPortAudioForever();
  NotifyFinished(w, reason);
}

// Under watch_mutex: one look at every watched stream.
void Look(Clock::time_point now) {
  for (auto it = watched.begin(); it != watched.end();) {
    StreamWrap* w = it->first;
    Watch& watch = it->second;
    uint32_t progress = w->progress.load(std::memory_order_relaxed);
    LossReason reason = LossReason::kNone;
    if (!w->running.load() || w->lost.load()) {
      it = watched.erase(it);  // finished, stopped, or lost already
      continue;
    }
    if (progress != watch.seen) {
      watch.seen = progress;
      watch.called_back = true;
      watch.since = now;
    } else if (!watch.called_back && now - watch.since > watch.start_timeout) {
      reason = LossReason::kStartTimeout;
    } else if (watch.called_back && now - watch.since > watch.stall_timeout) {
      reason = LossReason::kStalled;
    }
    if (reason == LossReason::kNone) {
      ++it;
      continue;
    }
    MarkLost(w, reason);
    it = watched.erase(it);
  }
}

void Run() {
  std::unique_lock<std::mutex> lock(watch_mutex);
  for (;;) {
    if (watched.empty()) watch_wake.wait(lock);
    else watch_wake.wait_for(lock, kTick);
    Look(Clock::now());
  }
}

}  // namespace

const char* LossReasonName(LossReason reason) {
  switch (reason) {
    case LossReason::kStartTimeout:
      return "startTimeout";
    case LossReason::kStalled:
      return "stalled";
    case LossReason::kEnded:
      return "ended";
    default:
      return "";
  }
}

void WatchStream(StreamWrap* w, double start_timeout_ms, double stall_timeout_ms) {
  std::lock_guard<std::mutex> lock(watch_mutex);
  Watch watch;
  watch.start_timeout = Milliseconds(start_timeout_ms);
  watch.stall_timeout = Milliseconds(stall_timeout_ms);
  watch.seen = w->progress.load();
  watch.since = Clock::now();
  watched[w] = watch;
  if (!shared.thread_started) {
    // detached: it holds no resource a process exit or a Worker's end must free
    std::thread(Run).detach();
    shared.thread_started = true;
  }
  watch_wake.notify_one();
}

void UnwatchStream(StreamWrap* w) {
  std::lock_guard<std::mutex> lock(watch_mutex);
  watched.erase(w);
}

void LoseNow(StreamWrap* w, LossReason reason) {
  std::lock_guard<std::mutex> lock(watch_mutex);
  if (w->lost.load()) return;
  watched.erase(w);
  MarkLost(w, reason);
}

bool CheckLostNow(StreamWrap* w, double stalled_ms) {
  if (w->lost.load()) return true;
  if (!w->running.load()) return false;
  // a live device calls back within a few periods: wait that long for a sign of life
  uint32_t before = w->progress.load();
  auto deadline = Clock::now() + Milliseconds(stalled_ms);
  while (Clock::now() < deadline) {
    if (w->progress.load() != before || !w->running.load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::lock_guard<std::mutex> lock(watch_mutex);
  if (!w->running.load() || w->lost.load()) return w->lost.load();
  watched.erase(w);
  MarkLost(w, LossReason::kStalled);
  return true;
}

}  // namespace pas_glue
