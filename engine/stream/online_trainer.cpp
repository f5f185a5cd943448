#include "engine/stream/online_trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

namespace sbtg::stream {

using Eigen::Index;

OnlineTrainer::OnlineTrainer(const EngineOptions& options, Index n, Counters& counters, ModelSlot& models,
                             WindowHandoff& handoff)
    : options_(options),
      n_(n),
      dim_(n * (options.estimator.lags + 1)),
      counters_(counters),
      models_(models),
      handoff_(handoff),
      reservoir_(dim_, options.trainer.reservoir),
      init_windows_(static_cast<std::size_t>(options.trainer.init_windows >= 0
                                                 ? options.trainer.init_windows
                                                 : std::max<Index>(200, 2 * (n * (options.estimator.lags + 1))))),
      rng_(options.trainer.train.seed) {
  if (auto initial = models.Get()) {
    model_ = initial->Clone();
    adam_ = std::make_unique<est::Adam>(model_->params().size(), est::AdamOptions{options.trainer.train.learning_rate});
    next_refit_count_ = std::numeric_limits<Index>::max();  // a warm start is never replaced by the closed form
    FindFrozenBlocks();
  }
  rate_start_ns_ = SteadyNanos();
}

void OnlineTrainer::FindFrozenBlocks() {
  // The same blocks as the offline trainer's freeze_quadratic: the closed-form Gaussian part.
  frozen_.clear();
  if (!options_.trainer.train.freeze_quadratic) return;
  for (const auto& b : model_->layout().blocks()) {
    if (b.name == "Q_f" || b.name == "Q_p" || b.name == "h_f" || b.name == "h_p" ||
        (model_->options().kind == ScoreModelKind::kLinear && b.name.rfind("W_lag", 0) == 0)) {
      frozen_.push_back(b);
    }
  }
}

std::size_t OnlineTrainer::Drain() {
  std::size_t k = 0;
  while (const auto slot = handoff_.slots.Front()) {
    reservoir_.col(reservoir_next_) = handoff_.windows.col(static_cast<Index>(*slot));
    handoff_.slots.Pop();
    reservoir_next_ = (reservoir_next_ + 1) % reservoir_.cols();
    reservoir_count_ = std::min<Index>(reservoir_count_ + 1, reservoir_.cols());
    ++k;
  }
  if (k > 0) Bump(counters_.trainer_windows, k);
  new_since_fit_ += k;
  return k;
}

void OnlineTrainer::InitialFit() {
  const Eigen::MatrixXd z = reservoir_.leftCols(reservoir_count_).transpose().cast<double>();
  if (!model_) {
    model_ = std::make_unique<est::ScoreModel>(options_.trainer.model, n_, options_.estimator.lags,
                                               options_.trainer.train.seed);
  }
  model_->FitGaussian(z, options_.trainer.model.ridge);
  adam_ = std::make_unique<est::Adam>(model_->params().size(), est::AdamOptions{options_.trainer.train.learning_rate});
  FindFrozenBlocks();
  new_since_fit_ = 0;
  next_refit_count_ = 2 * reservoir_count_;
  Publish();
}

void OnlineTrainer::AdamStep() {
  const auto& t = options_.trainer.train;
  const Index b = std::min<Index>(t.batch, reservoir_count_);
  batch_.resize(b, dim_);
  std::uniform_int_distribution<Index> pick(0, reservoir_count_ - 1);
  for (Index r = 0; r < b; ++r) batch_.row(r) = reservoir_.col(pick(rng_)).transpose();
  double loss = 0;
  if (t.objective == Objective::kExact) {
    loss = model_->ExactLoss(batch_, &grad_, ws_);
  } else {
    std::normal_distribution<float> nd;
    noise_.resize(b, dim_);
    for (Index k = 0; k < noise_.size(); ++k) noise_.data()[k] = nd(rng_);
    const auto sigma = static_cast<float>(t.sigma);
    noisy_ = batch_ + sigma * noise_;
    loss = model_->DenoisingLoss(noisy_, noise_, sigma, &grad_, ws_);
  }
  if (!std::isfinite(loss) || !grad_.allFinite()) return;
  for (const auto& b : frozen_) grad_.segment(b.offset, b.size()).setZero();  // skip a diverging step rather than poison the model
  adam_->Step(model_->params(), grad_, t.learning_rate);
  adam_->SoftThreshold(model_->params(), model_->layout(), t.l1, t.learning_rate);
  loss_ema_ = have_loss_ ? 0.95 * loss_ema_ + 0.05 * loss : loss;
  have_loss_ = true;
  counters_.trainer_loss.store(loss_ema_, std::memory_order_relaxed);
  Bump(counters_.trainer_steps);
  if (++steps_since_publish_ >= options_.trainer.publish_every_steps) Publish();
}

void OnlineTrainer::Publish() {
  models_.Publish(std::shared_ptr<const est::ScoreModel>(model_->Clone()));
  steps_since_publish_ = 0;
}

void OnlineTrainer::UpdateRate() {
  const std::int64_t now = SteadyNanos();
  if (now - rate_start_ns_ < 1'000'000'000) return;
  const std::uint64_t steps = counters_.trainer_steps.load(std::memory_order_relaxed);
  counters_.steps_per_second.store(static_cast<double>(steps - rate_start_steps_) * 1e9 /
                                       static_cast<double>(now - rate_start_ns_),
                                   std::memory_order_relaxed);
  rate_start_ns_ = now;
  rate_start_steps_ = steps;
}

bool OnlineTrainer::Step() {
  Drain();
  UpdateRate();
  const bool fitted = adam_ != nullptr;
  if (!fitted) {
    if (static_cast<std::size_t>(reservoir_count_) < init_windows_) return false;
    InitialFit();
    return true;
  }
  if (!model_->trainable()) {
    // Gaussian kind: exact score matching has a closed form; refit on the recent windows.
    if (new_since_fit_ < static_cast<std::uint64_t>(options_.trainer.refit_every_windows)) return false;
    InitialFit();
    return true;
  }
  if (reservoir_count_ < 2) return false;
  // A precision estimated from the first few hundred windows is noisy (dim is often a large fraction of
  // them); while the reservoir is still filling, restart from the closed form each time it doubles.
  if (reservoir_count_ >= next_refit_count_ && next_refit_count_ <= reservoir_.cols()) {
    InitialFit();
    return true;
  }
  AdamStep();
  return true;
}

void OnlineTrainer::Run(const std::atomic<bool>& stop) {
  const double max_rate = options_.trainer.max_steps_per_second;
  while (!stop.load(std::memory_order_relaxed)) {
    if (max_rate > 0) {
      const std::int64_t now = SteadyNanos();
      if (now < throttle_next_ns_) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(throttle_next_ns_ - now, 5'000'000)));
        continue;
      }
      throttle_next_ns_ = now + static_cast<std::int64_t>(1e9 / max_rate);
    }
    if (!Step()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace sbtg::stream
