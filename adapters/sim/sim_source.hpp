// Simulator adapter: a seeded sbtg::Simulate network played live at a given frame rate, with its
// ground truth available for scoring the live graph (e.g. rolling AUROC in the demo).
//
// The simulator is a batch function, so the frames are generated once at construction (deterministic
// for a seed) and then paced like a replay: `rate` frames per simulated second, `speed` × real time
// (0 / "fast" = as fast as the queue accepts). Source spec (docs/streaming.md):
//   sim:FAMILY[?n=50&rate=20&speed=K|fast&frames=20000&seed=1&density=0.05&gain=3&leak=0.5&noise=1
//               &order=1&spectral_radius=0.9&segments=1]
// Thread safety: Run() on the engine's adapter thread; otherwise immutable.
#pragma once

#include <memory>
#include <vector>

#include "adapters/replay/replay_source.hpp"
#include "sbtg/simulate.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::adapters {

class SimSource final : public Source {
 public:
  static Result<std::unique_ptr<SimSource>> Create(const SimOptions& sim, const ReplayOptions& play);
  static Result<std::unique_ptr<SimSource>> FromSpec(const SourceSpec& spec);

  [[nodiscard]] const SourceInfo& info() const override { return player_->info(); }
  Status Run(SourceContext& ctx) override { return player_->Run(ctx); }
  [[nodiscard]] const std::vector<Eigen::MatrixXd>* truth() const override { return &truth_; }
  [[nodiscard]] const Recording& recording() const { return player_->recording(); }
  [[nodiscard]] const SimOptions& sim_options() const { return options_; }

 private:
  SimSource(SimOptions options, std::vector<Eigen::MatrixXd> truth, std::unique_ptr<ReplaySource> player)
      : options_(std::move(options)), truth_(std::move(truth)), player_(std::move(player)) {}
  SimOptions options_;
  std::vector<Eigen::MatrixXd> truth_;
  std::unique_ptr<ReplaySource> player_;
};

}  // namespace sbtg::adapters
