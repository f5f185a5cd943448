// Score-matching training of a ScoreModel: Adam on minibatches, exact or denoising objectives,
// optional L1 on the couplings, early stopping on a held-out loss, seeded and deterministic.
// Runs on the calling thread; the model is modified in place (best held-out parameters restored).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "engine/estimator/score_model.hpp"
#include "sbtg/estimator.hpp"

namespace sbtg::est {

struct TrainStats {
  int epochs_run = 0;
  std::int64_t steps = 0;
  double best_validation_loss = 0;   // NaN when no validation windows
  double final_train_loss = 0;       // mean minibatch loss of the last epoch
  double final_sigma = 0;            // σ of the last DSM level (0 for exact score matching)
  std::vector<double> validation_history;
  double seconds = 0;
};

// The σ levels an objective trains through, largest first (empty for exact score matching).
std::vector<double> SigmaSchedule(const TrainOptions& options);

TrainStats TrainModel(ScoreModel& model, const Eigen::MatrixXf& train, const Eigen::MatrixXf& validation,
                      const TrainOptions& options, const ProgressCallback& progress, const std::string& phase);

}  // namespace sbtg::est
