// OnlineTrainer: the trainer thread's work. It drains windows from the pipeline (already older than
// the purge gap, so never windows the current snapshot still has to score), keeps the most recent ones
// in a reservoir, starts from the Gaussian closed form once enough have arrived (or from a given
// model), then takes minibatch Adam steps with the estimator's objective (exact score matching by
// default; DSM at one σ) and publishes an immutable clone every k steps. The Gaussian kind is refitted
// in closed form every k new windows instead. Loss and step rate go to the counters.
// Thread safety: Run() on one thread; everything else it touches is in shared.hpp.
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <memory>
#include <random>
#include <vector>

#include "engine/estimator/params.hpp"
#include "engine/estimator/score_model.hpp"
#include "engine/stream/shared.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::stream {

class OnlineTrainer {
 public:
  OnlineTrainer(const EngineOptions& options, Eigen::Index n, Counters& counters, ModelSlot& models,
                WindowHandoff& handoff);
  // Thread body: returns when `stop` is set.
  void Run(const std::atomic<bool>& stop);
  // One unit of work (drain + fit/step); false when there was nothing to do. Public for tests.
  bool Step();

 private:
  std::size_t Drain();
  void FindFrozenBlocks();
  void InitialFit();
  void AdamStep();
  void Publish();
  void UpdateRate();

  EngineOptions options_;
  Eigen::Index n_, dim_;
  Counters& counters_;
  ModelSlot& models_;
  WindowHandoff& handoff_;
  std::unique_ptr<est::ScoreModel> model_;
  std::unique_ptr<est::Adam> adam_;
  est::Workspace ws_;
  Eigen::MatrixXf reservoir_;  // dim × capacity, most recent windows (ring)
  Eigen::Index reservoir_count_ = 0, reservoir_next_ = 0;
  std::size_t init_windows_;
  std::uint64_t new_since_fit_ = 0;
  Eigen::Index next_refit_count_ = 0;  // trainable kinds: redo the closed-form start as the reservoir doubles
  std::mt19937_64 rng_;
  Eigen::MatrixXf batch_, noise_, noisy_;
  Eigen::VectorXf grad_;
  std::vector<est::ParamBlock> frozen_;  // train.freeze_quadratic: blocks whose gradient is zeroed
  std::int64_t steps_since_publish_ = 0;
  double loss_ema_ = 0;
  bool have_loss_ = false;
  // Step rate over ~1 s windows.
  std::int64_t rate_start_ns_ = 0;
  std::uint64_t rate_start_steps_ = 0;
  std::int64_t throttle_next_ns_ = 0;
};

}  // namespace sbtg::stream
