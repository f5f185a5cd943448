#include "engine/stream/preprocess.hpp"

#include <algorithm>
#include <cmath>

namespace sbtg::stream {

OnlineStandardizer::OnlineStandardizer(Eigen::Index n, const PreprocessOptions& options)
    : options_(options),
      mean_(Eigen::VectorXd::Zero(n)),
      m2_(Eigen::VectorXd::Zero(n)),
      scale_(Eigen::VectorXd::Ones(n)),
      delta_(n) {
  if (options.standardize == StandardizeMode::kFixed) {
    mean_ = options.fixed_mean;
    scale_ = options.fixed_scale;
  }
  if (options.standardize == StandardizeMode::kExponential) {
    decay_ = 1.0 - std::exp2(-1.0 / options.halflife_frames);
  }
}

void OnlineStandardizer::UpdateScale() {
  // Population variance, like the offline Standardizer; constant neurons keep scale 1.
  const double denom = static_cast<double>(std::max<std::uint64_t>(count_, 1));
  for (Eigen::Index j = 0; j < scale_.size(); ++j) {
    const double var = options_.standardize == StandardizeMode::kExponential && count_ > options_.halflife_frames
                           ? m2_[j]
                           : m2_[j] / denom;
    scale_[j] = var > 1e-24 ? std::sqrt(var) : 1.0;
  }
}

bool OnlineStandardizer::Apply(const Eigen::Ref<const Eigen::VectorXf>& x, Eigen::Ref<Eigen::VectorXf> out) {
  const StandardizeMode mode = options_.standardize;
  if (mode == StandardizeMode::kNone) {
    out = x;
    ++count_;
    return true;
  }
  if (mode != StandardizeMode::kFixed) {
    ++count_;
    delta_ = x.cast<double>() - mean_;
    const bool forgetting = mode == StandardizeMode::kExponential && count_ > options_.halflife_frames;
    if (forgetting) {
      // West (1979) exponentially weighted mean/variance; m2_ holds the variance itself here.
      mean_ += decay_ * delta_;
      m2_ = (1.0 - decay_) * (m2_ + decay_ * delta_.cwiseAbs2());
    } else {
      // Welford; at the switch to forgetting m2_ is converted to a variance (UpdateScale handles both).
      mean_ += delta_ / static_cast<double>(count_);
      m2_ += delta_.cwiseProduct(x.cast<double>() - mean_);
      if (mode == StandardizeMode::kExponential && count_ == static_cast<std::uint64_t>(options_.halflife_frames)) {
        m2_ /= static_cast<double>(count_);
      }
    }
    UpdateScale();
  }
  out = ((x.cast<double>() - mean_).cwiseQuotient(scale_)).cast<float>();
  if (mode == StandardizeMode::kFixed) return true;
  return count_ > static_cast<std::uint64_t>(options_.warmup_frames);
}

void CausalSmoother::Apply(Eigen::Ref<Eigen::VectorXf> x) {
  if (weight_ <= 0.0f) return;
  if (primed_) {
    state_ = (1.0f - weight_) * x + weight_ * state_;
  } else {
    state_ = x;
    primed_ = true;
  }
  x = state_;
}

bool WindowAssembler::Push(const Eigen::Ref<const Eigen::VectorXf>& x) {
  frames_.col(next_) = x;
  next_ = (next_ + 1) % (lags_ + 1);
  filled_ = std::min(filled_ + 1, lags_ + 1);
  return filled_ == lags_ + 1;
}

void WindowAssembler::Window(Eigen::Ref<Eigen::VectorXf> z) const {
  // The newest frame sits just before next_.
  for (int r = 0; r <= lags_; ++r) {
    const int col = ((next_ - 1 - r) % (lags_ + 1) + (lags_ + 1)) % (lags_ + 1);
    z.segment(r * n_, n_) = frames_.col(col);
  }
}

}  // namespace sbtg::stream
