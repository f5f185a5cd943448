// Helpers for adapter tests: a SourceContext that records what a source produces, and subprocesses.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sbtg/stream.hpp"

namespace sbtg::testing {

struct RecordedFrame {
  std::uint64_t sequence;
  double time;
  std::string segment;
  Eigen::VectorXf values;
};

// Runs a source synchronously on the calling thread and keeps a copy of every pushed frame.
class RecordingContext final : public SourceContext {
 public:
  explicit RecordingContext(Eigen::Index n) : pool_(n, 8) {}
  FrameHandle Acquire() override { return pool_.TryAcquire(); }
  Frame& frame(FrameHandle h) override { return pool_.at(h); }
  PushOutcome Push(FrameHandle h) override {
    const Frame& f = pool_.at(h);
    frames.push_back({f.sequence, f.source_time, std::string(f.segment_label()),
                      Eigen::Map<const Eigen::VectorXf>(f.values, pool_.n())});
    pool_.Release(h);
    return PushOutcome::kQueued;
  }
  void Discard(FrameHandle h) override { pool_.Release(h); }
  void Reject(IngestReject reason, std::string_view) override { ++rejected[static_cast<size_t>(reason)]; }
  bool stop_requested() const override { return false; }
  bool SleepUntil(std::chrono::steady_clock::time_point deadline) override {
    std::this_thread::sleep_until(deadline);
    return true;
  }
  void SetNames(std::vector<std::string> n) override { names = std::move(n); }

  std::vector<RecordedFrame> frames;
  std::array<int, kIngestRejectKinds> rejected{};
  std::vector<std::string> names;

 private:
  FramePool pool_;
};

// A child process (posix_spawn, no shell) with stdout/stderr redirected to a file.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  [[nodiscard]] bool started() const { return pid_ > 0; }
  void Signal(int sig) const { ::kill(pid_, sig); }
  // Exit code, or −1 on timeout / abnormal termination.
  int Wait(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Python with pyzmq and numpy, or nullopt with a MESSAGE (a failure when SBTG_REQUIRE_DATA=1, as in CI).
bool PythonWithZmqOrSkip();

// A loopback TCP port that is free right now (bound and released by ZeroMQ).
int FreePort();

}  // namespace sbtg::testing
