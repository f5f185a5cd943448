#include "tools/sbtg/live_demo.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>

#include "adapters/sim/sim_source.hpp"
#include "engine/estimator/checkpoint.hpp"
#include "sbtg/estimator.hpp"
#include "sbtg/eval.hpp"
#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

namespace {

volatile std::sig_atomic_t g_signal = 0;  // set by SIGINT/SIGTERM; polled by the status loop
extern "C" void OnSignal(int sig) { g_signal = sig; }

// Installs SIGINT/SIGTERM handlers for the lifetime of the object and restores the previous ones.
class SignalGuard {
 public:
  SignalGuard() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

std::string Bar(double v, int width) {
  if (!std::isfinite(v)) return std::string(static_cast<size_t>(width), ' ');
  const double x = std::clamp((v - 0.5) / 0.5, 0.0, 1.0) * width;  // AUROC 0.5 (chance) … 1.0
  std::string s;
  for (int k = 0; k < width; ++k) s += (k < static_cast<int>(x)) ? "█" : "░";
  return s;
}

void PrintStatus(const Engine& engine, std::FILE* out) {
  const EngineStats s = engine.Stats();
  std::string line = fmt::format("{:7.1f} s | frames {:>7} ({:>6.0f}/s) | windows {:>7} | model v{:<3}", s.uptime_s,
                                 s.frames_processed, s.frames_per_second, s.windows, s.model_version);
  if (s.trainer_steps > 0) line += fmt::format(" ({} steps, loss {:.3g})", s.trainer_steps, s.trainer_loss);
  const auto snap = engine.Latest();
  const auto* truth = engine.source().truth();
  if (snap && truth != nullptr) {
    const std::vector<double> au = SnapshotAuroc(*snap, *truth);
    for (size_t r = 0; r < au.size(); ++r) line += fmt::format(" | AUROC lag{} {:.3f} {}", r + 1, au[r], Bar(au[r], 12));
  } else if (snap) {
    for (const auto& g : snap->lags) line += fmt::format(" | lag{}: {} edges", g.lag, (g.selected.array() != 0).count());
  }
  const std::uint64_t lost = s.dropped_oldest + s.dropped_newest + s.pool_exhausted;
  if (lost + s.gaps + s.time_gaps + s.rejected_total() > 0) {
    line += fmt::format(" | dropped {} gaps {} time gaps {} rejected {}", lost, s.gaps, s.time_gaps, s.rejected_total());
  }
  fmt::print(out, "{}\n", line);
  std::fflush(out);
}

void PrintSummary(const Engine& engine, std::FILE* out) {
  const EngineStats s = engine.Stats();
  // A Gaussian model is refitted in closed form (no gradient steps); trained kinds take Adam steps.
  const std::string training = s.trainer_steps > 0 ? fmt::format("{} trainer steps", s.trainer_steps)
                                                   : std::string("closed-form refits, no gradient steps");
  fmt::print(out, "\nsummary: {} frames processed in {:.1f} s; {} windows; model v{} ({})\n", s.frames_processed,
             s.uptime_s, s.windows, s.model_version, training);
  fmt::print(out, "  lost: {} dropped (oldest {}, newest {}), {} gaps ({} frames), {} time gaps, {} duplicates, "
                  "{} out of order, {} rejected\n",
             s.dropped_oldest + s.dropped_newest + s.pool_exhausted, s.dropped_oldest, s.dropped_newest, s.gaps,
             s.missing_frames, s.time_gaps, s.duplicates, s.out_of_order, s.rejected_total());
  const auto snap = engine.Latest();
  if (!snap) {
    fmt::print(out, "  no graph snapshot was produced (too few windows for a model?)\n");
    return;
  }
  for (const auto& g : snap->lags) {
    fmt::print(out, "  lag {}: {} edges selected at FDR {} (bandwidth {:.1f}{}, null scale {:.2f})\n", g.lag,
               (g.selected.array() != 0).count(), snap->test.alpha, g.bandwidth, g.bandwidth_capped ? ", capped" : "",
               g.null_scale);
  }
  if (const auto* truth = engine.source().truth()) {
    const auto au = SnapshotAuroc(*snap, *truth);
    for (size_t r = 0; r < au.size(); ++r) fmt::print(out, "  final streamed AUROC lag {}: {:.3f}\n", r + 1, au[r]);
  }
}

}  // namespace

std::vector<double> SnapshotAuroc(const GraphSnapshot& snapshot, const std::vector<Eigen::MatrixXd>& truth) {
  Truth t;
  t.names = snapshot.names;
  t.lags = truth;
  std::vector<double> out;
  const auto report = Evaluate(snapshot.ToFitResult(), t);
  if (!report.ok()) return out;
  for (const auto& lag : report->lags) out.push_back(lag.auroc_effect);
  return out;
}

int RunEngine(Engine& engine, const LiveRunOptions& run, std::FILE* out) {
  const SignalGuard guard;
  if (const Status s = engine.Start(); !s.ok()) return ReportError("stream", s);
  const auto& info = engine.source().info();
  fmt::print(out, "sbtg stream: {} — n = {}, frame period {} s{}\n", info.description, info.n,
             info.frame_period > 0 ? fmt::format("{:.4g}", info.frame_period) : std::string("unknown"),
             engine.publish_endpoint().empty() ? "" : ", publishing on " + engine.publish_endpoint());
  std::fflush(out);
  const auto start = std::chrono::steady_clock::now();
  auto next_status = start;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    if (g_signal != 0) {
      fmt::print(out, "sbtg stream: {} received, stopping\n", g_signal == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (run.duration > 0 && elapsed >= run.duration) break;
    if (!run.stay && engine.WaitUntilDrained(std::chrono::milliseconds(0))) break;
    if (run.status_interval > 0 && now >= next_status) {
      PrintStatus(engine, out);
      next_status = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(run.status_interval));
    }
  }
  engine.Stop();
  if (run.status_interval > 0) PrintStatus(engine, out);
  PrintSummary(engine, out);
  const Status src = engine.source_status();
  if (!run.save_checkpoint.empty()) {
    const Status s = engine.SaveCheckpoint(run.save_checkpoint);
    if (!s.ok()) return ReportError("stream", s);
    fmt::print(out, "  checkpoint written to {}\n", run.save_checkpoint);
  }
  if (!run.stats_json.empty()) {
    std::ofstream f(run.stats_json);
    f << engine.Stats().ToJson().dump(2) << "\n";
    if (!f) return ReportError("stream", Status::IoError(run.stats_json + ": cannot write stats"));
  }
  if (!src.ok()) return ReportError("stream", src);
  return 0;
}

int RunLiveDemo(const LiveDemoOptions& o, std::FILE* out) {
  SimOptions sim;
  sim.family = SimFamily::kTanh;
  sim.n = o.n;
  sim.frames = o.frames;
  sim.frame_period = 1.0 / o.rate;
  sim.seed = o.seed;
  adapters::ReplayOptions play;
  play.speed = o.speed;
  auto source = adapters::SimSource::Create(sim, play);
  if (!source.ok()) return ReportError("demo", source.status());
  const Recording recording = (*source)->recording();  // kept for the offline comparison
  const std::vector<Eigen::MatrixXd> truth = *(*source)->truth();
  EngineOptions e;
  auto kind = ParseScoreModelKind(o.model);
  if (!kind.ok()) return ReportError("demo", kind.status());
  e.trainer.model.kind = *kind;
  e.trainer.model.hidden = 32;
  e.trainer.refit_every_windows = 200;
  e.trainer.max_steps_per_second = 50;  // leave the second core to the pipeline and the terminal
  e.estimator.window = o.window;
  e.publish.endpoint = o.publish;
  e.publish.interval = 0.25;
  fmt::print(out,
             "SBTG live demo: a tanh rate network (n = {}, {:.0f} Hz) streams {} frames at {}x real time; the engine\n"
             "standardizes, windows and scores each frame, learns a {} score model on a trainer thread, and keeps\n"
             "sliding-window HAC tests over the last {} windows. AUROC of |effect| against the simulator's truth:\n\n",
             o.n, o.rate, o.frames, o.speed > 0 ? fmt::format("{:g}", o.speed) : std::string("max"), o.model, o.window);
  auto engine = Engine::Create(e, std::move(*source));
  if (!engine.ok()) return ReportError("demo", engine.status());
  LiveRunOptions run;
  run.status_interval = o.status_interval;
  const int rc = RunEngine(**engine, run, out);
  if (rc != 0 || !o.compare_offline) return rc;
  // The offline estimator on exactly the frames the engine saw (cross-fit, same model kind).
  SbtgOptions offline;
  offline.model.kind = *kind;
  offline.model.hidden = 32;
  offline.test.correction = Correction::kDiagonal;  // as streamed
  offline.train.epochs = 30;
  const auto t0 = std::chrono::steady_clock::now();
  auto fit = FitSbtg(recording, offline);
  if (!fit.ok()) return ReportError("demo", fit.status());
  Truth t;
  t.names = recording.names;
  t.lags = truth;
  const auto report = Evaluate(*fit, t);
  if (report.ok() && !report->lags.empty()) {
    fmt::print(out, "  offline cross-fit AUROC on the same frames: {:.3f} ({:.1f} s)\n", report->lags[0].auroc_effect,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return 0;
}

}  // namespace sbtg::cli
