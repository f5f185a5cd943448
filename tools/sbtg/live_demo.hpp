// Running a live engine from the command line: the status loop shared by `sbtg stream` and the live
// demo (status lines, rolling AUROC when the source knows its ground truth, SIGINT/SIGTERM → clean stop
// with a final snapshot, exit 0), and the demo itself: the simulator streams a network, the engine
// learns it live, the terminal shows the rolling graph's AUROC against the truth as frames arrive, and
// the run ends by itself with a summary (and the offline cross-fit AUROC on the same frames).
#pragma once

#include <cstdio>
#include <string>

#include "sbtg/stream.hpp"

namespace sbtg::cli {

struct LiveRunOptions {
  double duration = 0;          // seconds; 0 = until the source ends (or SIGINT/SIGTERM)
  double status_interval = 1.0; // seconds between status lines; 0 = quiet
  bool stay = false;            // keep serving after the source ended, until duration or a signal
  std::string save_checkpoint;  // write the final model here (with standardization)
  std::string stats_json;       // write the final stats (JSON) here
};

// Starts `engine`, prints status until done, stops it (final snapshot) and prints a summary.
// Returns the process exit code (0 also after SIGINT/SIGTERM).
int RunEngine(Engine& engine, const LiveRunOptions& run, std::FILE* out);

// AUROC of |effect| per lag of a snapshot against a truth ([target, source] per lag); NaN if undefined.
std::vector<double> SnapshotAuroc(const GraphSnapshot& snapshot, const std::vector<Eigen::MatrixXd>& truth);

struct LiveDemoOptions {
  Eigen::Index n = 50;            // neurons of the tanh network
  double rate = 20;               // simulated frames per second
  double speed = 40;              // × real time (0 = as fast as possible)
  Eigen::Index frames = 8000;     // simulated frames (the run's length: frames / rate / speed seconds)
  std::uint64_t seed = 1;
  std::string model = "gaussian"; // score model kind
  int window = 4000;              // sliding-window length in windows
  std::string publish;            // optional ZeroMQ endpoint to publish on while the demo runs
  bool compare_offline = true;    // finish with the offline cross-fit AUROC on the same frames
  double status_interval = 0.5;
};

int RunLiveDemo(const LiveDemoOptions& options, std::FILE* out);

}  // namespace sbtg::cli
