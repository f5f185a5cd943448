#include "engine/estimator/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace sbtg::est {

using Eigen::Index;
using Eigen::MatrixXf;
using Eigen::VectorXf;

std::vector<double> SigmaSchedule(const TrainOptions& options) {
  switch (options.objective) {
    case Objective::kExact: return {};
    case Objective::kDenoising: return {options.sigma};
    case Objective::kDenoisingMulti: {
      std::vector<double> levels;
      const int l = options.sigma_levels;
      for (int k = 0; k < l; ++k) {
        const double frac = l == 1 ? 1.0 : static_cast<double>(k) / (l - 1);
        levels.push_back(options.sigma_max * std::pow(options.sigma / options.sigma_max, frac));
      }
      return levels;
    }
  }
  return {};
}

namespace {

// Standard normal draws, vectorised Box–Muller on uniform floats from the seeded engine: the DSM
// noise is drawn for every training step, and std::normal_distribution dominated the step's cost.
void FillNormal(MatrixXf& m, std::mt19937_64& rng) {
  const Index half = (m.size() + 1) / 2;
  Eigen::ArrayXf u1(half), u2(half);
  for (Index k = 0; k < half; ++k) {
    const std::uint64_t bits = rng();
    // Two 24-bit uniforms per draw; u1 in (0, 1] so the logarithm is finite.
    u1[k] = (static_cast<float>(bits >> 40) + 1.0f) * (1.0f / 16777216.0f);
    u2[k] = static_cast<float>((bits >> 16) & 0xFFFFFFu) * (1.0f / 16777216.0f);
  }
  const Eigen::ArrayXf radius = (-2.0f * u1.log()).sqrt();
  const Eigen::ArrayXf angle = 6.2831853071795864f * u2;
  Eigen::Map<Eigen::ArrayXf> out(m.data(), m.size());
  out.head(half) = radius * angle.cos();
  out.tail(m.size() - half) = (radius * angle.sin()).head(m.size() - half);
}

// Held-out criterion: the training objective itself, with noise drawn once (DSM) so it is deterministic.
class Validator {
 public:
  Validator(const ScoreModel& model, const MatrixXf& val, std::uint64_t seed) : val_(val) {
    if (val.rows() == 0) return;
    std::mt19937_64 rng(seed);
    eps_.resize(val.rows(), val.cols());
    FillNormal(eps_, rng);
    (void)model;
  }
  [[nodiscard]] bool active() const { return val_.rows() > 0; }
  double Loss(const ScoreModel& model, double sigma, Workspace& ws) const {
    if (sigma <= 0) return model.ExactLoss(val_, nullptr, ws);
    const auto s = static_cast<float>(sigma);
    const MatrixXf y = val_ + s * eps_;
    return model.DenoisingLoss(y, eps_, s, nullptr, ws);
  }

 private:
  const MatrixXf& val_;
  MatrixXf eps_;
};

}  // namespace

TrainStats TrainModel(ScoreModel& model, const MatrixXf& train, const MatrixXf& validation,
                      const TrainOptions& options, const ProgressCallback& progress, const std::string& phase) {
  TrainStats stats;
  stats.best_validation_loss = std::numeric_limits<double>::quiet_NaN();
  if (!model.trainable() || options.epochs == 0 || train.rows() == 0) return stats;
  const auto start = std::chrono::steady_clock::now();
  std::mt19937_64 rng(options.seed);
  Adam adam(model.params().size(), AdamOptions{options.learning_rate});
  const Validator validator(model, validation, options.seed ^ 0x9e3779b97f4a7c15ULL);
  Workspace ws;
  std::vector<double> sigmas = SigmaSchedule(options);
  if (sigmas.empty()) sigmas.push_back(0.0);  // 0 = exact score matching
  const int levels = static_cast<int>(sigmas.size());
  const int epochs_per_level = std::max(1, (options.epochs + levels - 1) / levels);
  const Index batch = std::min<Index>(options.batch, train.rows());
  std::vector<Index> order(static_cast<size_t>(train.rows()));
  std::iota(order.begin(), order.end(), 0);
  MatrixXf shuffled(train.rows(), train.cols());
  MatrixXf xb(batch, train.cols()), eps(batch, train.cols()), y;
  VectorXf grad;
  std::vector<ParamBlock> frozen;
  if (options.freeze_quadratic) {
    for (const auto& b : model.layout().blocks()) {
      if (b.name == "Q_f" || b.name == "Q_p" || b.name == "h_f" || b.name == "h_p" ||
          (model.options().kind == ScoreModelKind::kLinear && b.name.rfind("W_lag", 0) == 0)) {
        frozen.push_back(b);
      }
    }
  }
  int total_epochs = 0;
  for (int level = 0; level < levels; ++level) {
    const double sigma = sigmas[static_cast<size_t>(level)];
    const bool last = level + 1 == levels;
    double lr = options.learning_rate;
    double best = std::numeric_limits<double>::infinity();
    VectorXf best_theta = model.params();
    int since_best = 0;
    if (validator.active()) {  // the starting point (e.g. the Gaussian warm start) competes too
      best = validator.Loss(model, sigma, ws);
      stats.validation_history.push_back(best);
    }
    for (int epoch = 0; epoch < epochs_per_level; ++epoch) {
      std::shuffle(order.begin(), order.end(), rng);
      // Column-wise gather (contiguous reads per column), then contiguous row blocks per minibatch.
      for (Index c = 0; c < train.cols(); ++c) shuffled.col(c) = train.col(c)(order);
      double loss_sum = 0;
      Index batches = 0;
      for (Index start_row = 0; start_row + batch <= train.rows(); start_row += batch) {
        xb = shuffled.middleRows(start_row, batch);
        double loss = 0;
        if (sigma <= 0) {
          loss = model.ExactLoss(xb, &grad, ws);
        } else {
          FillNormal(eps, rng);
          const auto s = static_cast<float>(sigma);
          y = xb + s * eps;
          loss = model.DenoisingLoss(y, eps, s, &grad, ws);
        }
        for (const auto& b : frozen) grad.segment(b.offset, b.size()).setZero();
        adam.Step(model.params(), grad, lr);
        adam.SoftThreshold(model.params(), model.layout(), options.l1, lr);
        loss_sum += loss;
        ++batches;
      }
      ++total_epochs;
      stats.final_train_loss = batches > 0 ? loss_sum / static_cast<double>(batches) : 0.0;
      if (!validator.active()) {
        if (progress) progress(phase, total_epochs, options.epochs, stats.final_train_loss);
        continue;
      }
      const double val = validator.Loss(model, sigma, ws);
      stats.validation_history.push_back(val);
      if (progress) progress(phase, total_epochs, options.epochs, val);
      if (std::isfinite(val) && (!std::isfinite(best) || val < best - 1e-7 * std::abs(best))) {
        best = val;
        best_theta = model.params();
        since_best = 0;
      } else {
        ++since_best;
        // Halve the step on a plateau so the fit settles at the objective's minimum.
        if (since_best % std::max(2, options.patience / 2) == 0) lr *= 0.5;
        if (last && options.patience > 0 && since_best >= options.patience) break;
      }
    }
    if (validator.active() && std::isfinite(best)) {
      model.params() = best_theta;
      stats.best_validation_loss = best;
    }
  }
  stats.epochs_run = total_epochs;
  stats.steps = adam.steps();
  stats.final_sigma = sigmas.back();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace sbtg::est
