#include "engine/stream/sliding_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "sbtg/status.hpp"

namespace sbtg::stream {

using Eigen::Index;
using Eigen::MatrixXd;

namespace {

// Tile sizes that keep Eigen's GEMM packing buffers under its stack-allocation limit (128 KiB).
constexpr Index kTile = 128;
constexpr Index kInner = 64;

using ConstCol = Eigen::Map<const Eigen::VectorXd>;

}  // namespace

void AddOuterProducts(MatrixXd& c, const MatrixXd& x, const MatrixXd& y, Index k0, Index k) {
  if (k <= 0) return;
  const Index rows = c.rows(), cols = c.cols();
  for (Index j = 0; j < cols; j += kTile) {
    const Index w = std::min(kTile, cols - j);
    for (Index i = 0; i < rows; i += kTile) {
      const Index h = std::min(kTile, rows - i);
      for (Index p = 0; p < k; p += kInner) {
        const Index kk = std::min(kInner, k - p);
        c.block(i, j, h, w).noalias() += x.block(i, k0 + p, h, kk) * y.block(j, k0 + p, w, kk).transpose();
      }
    }
  }
}

int DefaultBandwidthCap(Index windows) {
  return 4 * static_cast<int>(std::ceil(4.0 * std::pow(static_cast<double>(windows) / 100.0, 2.0 / 9.0)));
}

double AndrewsBandwidthNoAlloc(const MatrixXd& gamma0, const MatrixXd& gamma1, Index n) {
  // Andrews (1991) eq. 6.4 with equal weights, exactly as AndrewsBartlettBandwidth, as lazy expressions.
  const auto g0 = gamma0.array().max(1e-300);
  const auto rho = (gamma1.array() / g0).max(-0.97).min(0.97);
  const auto s4 = (g0 * (1.0 - rho.square())).square();
  const double num = (4.0 * rho.square() * s4 / ((1.0 - rho).pow(6) * (1.0 + rho).square())).sum();
  const double den = (s4 / (1.0 - rho).pow(4)).sum();
  if (!(den > 0)) return 0.0;
  return 1.1447 * std::cbrt(num / den * static_cast<double>(n));
}

Status SlidingOptions::Validate() const {
  auto bad = [](const std::string& field, const std::string& why) {
    return Status::InvalidArgument("sliding estimator: " + field + " " + why);
  };
  if (n < 1) return bad("n", "must be >= 1");
  if (lags < 1) return bad("lags", "must be >= 1");
  if (max_lag < 1) return bad("max_lag", "must be >= 1");
  if (capacity < std::max(2 * (max_lag + 1), 10)) {
    return bad("capacity", "must be >= max(10, 2·(max_lag + 1)) windows, got " + std::to_string(capacity));
  }
  if (max_batch < 1 || max_batch > capacity) return bad("max_batch", "must be in [1, capacity]");
  return Status::Ok();
}

void SlidingMoments::Resize(Index n, int lag_count, bool full_correction) {
  lags.resize(static_cast<size_t>(lag_count));
  for (int r = 0; r < lag_count; ++r) {
    auto& lm = lags[static_cast<size_t>(r)];
    lm.lag = r + 1;
    lm.mean.resize(n, n);
    lm.variance.resize(n, n);
  }
  sf_moment.resize(n, full_correction ? n : 1);
}

struct SlidingEstimator::Staged {
  const Eigen::Ref<const MatrixXd>* scores = nullptr;  // new windows (dim × k), not yet in the ring
  const std::uint64_t* runs = nullptr;
  Index k = 0;
  std::int64_t old_oldest = 0, new_oldest = 0;
};

SlidingEstimator::SlidingEstimator(const SlidingOptions& options)
    : options_(options), n_(options.n), dim_(options.n * (options.lags + 1)) {
  const Status s = options.Validate();
  if (!s.ok()) throw SetupError(s.message());
  for (int r = 1; r <= options.lags; ++r) {
    specs_.push_back({0, r, 0, false});
    for (int ell = 0; ell <= options.max_lag; ++ell) specs_.push_back({0, r, ell, true});
  }
  if (options.full_correction) specs_.push_back({0, 0, 0, false});
  sums_.assign(specs_.size(), MatrixXd::Zero(n_, n_));
  ring_ = MatrixXd::Zero(dim_, options.capacity);
  run_ids_.assign(static_cast<size_t>(options.capacity), 0);
  gx_.resize(n_, 2 * options.max_batch);
  gy_.resize(n_, 2 * options.max_batch);
  shadow_ = MatrixXd::Zero(n_, n_);
  for (MatrixXd* m : {&gamma0_, &gamma_, &head_sum_, &tail_sum_, &lrv_}) m->resize(n_, n_);
  run_start_.reserve(static_cast<size_t>(options.capacity));
  run_len_.reserve(static_cast<size_t>(options.capacity));
}

void SlidingEstimator::Clear() {
  for (auto& m : sums_) m.setZero();
  shadow_.setZero();
  head_ = 0;
  count_ = 0;
  shadow_start_ = 0;
  reanchor_target_ = 0;
}

void SlidingEstimator::GatherTerm(const Spec& spec, std::int64_t t, std::int64_t q, const Staged& st, Index col,
                                  double sign) {
  auto column = [&](std::int64_t g) -> const double* {
    if (g >= head_) return st.scores->data() + (g - head_) * st.scores->outerStride();
    return ring_.data() + static_cast<Index>(SlotOf(g)) * dim_;
  };
  const double* zt = column(t);
  const ConstCol at(zt + spec.a * n_, n_), bt(zt + spec.b * n_, n_);
  if (!spec.product) {
    gx_.col(col) = sign * at;
    gy_.col(col) = bt;
    return;
  }
  const double* zq = column(q);
  const ConstCol aq(zq + spec.a * n_, n_), bq(zq + spec.b * n_, n_);
  gx_.col(col) = sign * at.cwiseProduct(aq);
  gy_.col(col) = bt.cwiseProduct(bq);
}

void SlidingEstimator::UpdateMatrix(std::size_t m, const Staged& st) {
  const Spec& spec = specs_[m];
  const std::int64_t ell = spec.product ? spec.ell : 0;
  auto run_of = [&](std::int64_t g) {
    return g >= head_ ? st.runs[g - head_] : run_ids_[SlotOf(g)];
  };
  // Terms in two groups: those the shadow must not see (a row older than the shadow's start) first.
  Index cols = 0;
  Index first_eligible = 0;
  for (int pass = 0; pass < 2; ++pass) {
    const bool eligible = pass == 1;
    if (eligible) first_eligible = cols;
    // Evicted windows o with their partner o + ℓ still in the old ring: subtract.
    for (std::int64_t o = st.old_oldest; o < st.new_oldest; ++o) {
      const std::int64_t p = o + ell;
      if (p >= head_ || run_of(p) != run_of(o) || (o >= shadow_start_) != eligible) continue;
      GatherTerm(spec, p, o, st, cols++, -1.0);
    }
    // New windows t with their partner t − ℓ in the new ring: add.
    for (std::int64_t t = head_; t < head_ + st.k; ++t) {
      const std::int64_t q = t - ell;
      if (q < st.new_oldest || run_of(q) != run_of(t) || (q >= shadow_start_) != eligible) continue;
      GatherTerm(spec, t, q, st, cols++, 1.0);
    }
  }
  AddOuterProducts(sums_[m], gx_, gy_, 0, cols);
  if (m == reanchor_target_) AddOuterProducts(shadow_, gx_, gy_, first_eligible, cols - first_eligible);
}

void SlidingEstimator::Add(const Eigen::Ref<const MatrixXd>& scores, const std::uint64_t* runs) {
  const Index k = scores.cols();
  if (k == 0) return;
  if (k > options_.max_batch || scores.rows() != dim_) {
    throw SetupError("SlidingEstimator::Add: batch of " + std::to_string(k) + " windows × " +
                     std::to_string(scores.rows()) + " rows exceeds max_batch or mismatches dim");
  }
  Staged st;
  st.scores = &scores;
  st.runs = runs;
  st.k = k;
  const Index new_count = std::min<Index>(count_ + k, options_.capacity);
  st.old_oldest = head_ - count_;
  st.new_oldest = head_ + k - new_count;
  for (std::size_t m = 0; m < specs_.size(); ++m) UpdateMatrix(m, st);
  for (Index c = 0; c < k; ++c) {
    const std::size_t slot = SlotOf(head_ + c);
    ring_.col(static_cast<Index>(slot)) = scores.col(c);
    run_ids_[slot] = runs[c];
  }
  head_ += k;
  count_ = new_count;
  AdvanceReanchor();
}

void SlidingEstimator::AdvanceReanchor() {
  // The shadow holds exactly the pairs among windows added since shadow_start_; once every window
  // in the ring is such a window it equals the true sum and replaces the drifting one.
  if (head_ - count_ < shadow_start_) return;
  std::swap(sums_[reanchor_target_], shadow_);
  ++reanchors_;
  reanchor_target_ = (reanchor_target_ + 1) % specs_.size();
  shadow_.setZero();
  shadow_start_ = head_;
}

void SlidingEstimator::Recompute() {
  Staged st;
  st.old_oldest = st.new_oldest = head_ - count_;
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    const Spec& spec = specs_[m];
    const std::int64_t ell = spec.product ? spec.ell : 0;
    sums_[m].setZero();
    Index cols = 0;
    for (std::int64_t t = head_ - count_; t < head_; ++t) {
      const std::int64_t q = t - ell;
      if (q < head_ - count_ || run_ids_[SlotOf(q)] != run_ids_[SlotOf(t)]) continue;
      GatherTerm(spec, t, q, st, cols++, 1.0);
      if (cols == gx_.cols()) {
        AddOuterProducts(sums_[m], gx_, gy_, 0, cols);
        cols = 0;
      }
    }
    AddOuterProducts(sums_[m], gx_, gy_, 0, cols);
  }
  // Restart the rolling re-anchor from the rebuilt sums.
  shadow_.setZero();
  shadow_start_ = head_;
}

void SlidingEstimator::RebuildRuns() {
  run_start_.clear();
  run_len_.clear();
  const std::int64_t oldest = head_ - count_;
  for (std::int64_t g = oldest; g < head_; ++g) {
    if (g == oldest || run_ids_[SlotOf(g)] != run_ids_[SlotOf(g - 1)]) {
      run_start_.push_back(static_cast<Index>(g - oldest));
      run_len_.push_back(0);
    }
    ++run_len_.back();
  }
}

// head_sum_ += the ℓ-th window of every run with at least ℓ windows (so head_sum_ = H_ℓ, the sum of
// A Bᵀ over the first ℓ windows of each run, capped at its length); tail_sum_ likewise from the end.
void SlidingEstimator::AccumulateBoundary(std::size_t lag_base, int ell) {
  const Spec& plain = specs_[lag_base];
  Staged st;
  const std::int64_t oldest = head_ - count_;
  for (int side = 0; side < 2; ++side) {
    MatrixXd& target = side == 0 ? head_sum_ : tail_sum_;
    Index cols = 0;
    for (std::size_t k = 0; k < run_start_.size(); ++k) {
      if (run_len_[k] < ell) continue;
      const Index pos = side == 0 ? run_start_[k] + ell - 1 : run_start_[k] + run_len_[k] - ell;
      GatherTerm(plain, oldest + pos, oldest + pos, st, cols++, 1.0);
      if (cols == gx_.cols()) {
        AddOuterProducts(target, gx_, gy_, 0, cols);
        cols = 0;
      }
    }
    AddOuterProducts(target, gx_, gy_, 0, cols);
  }
}

void SlidingEstimator::Compute(double bandwidth_option, SlidingMoments& out) {
  const Index count = count_;
  out.count = count;
  RebuildRuns();
  out.runs = static_cast<Index>(run_start_.size());
  if (count == 0) return;
  const double dn = static_cast<double>(count);
  const int lmax = options_.max_lag;
  for (int r = 1; r <= options_.lags; ++r) {
    const std::size_t base = static_cast<std::size_t>(r - 1) * static_cast<std::size_t>(lmax + 2);
    LagMoments& lm = out.lags[static_cast<size_t>(r - 1)];
    const MatrixXd& s0 = sums_[base];
    lm.mean = s0 / dn;
    gamma0_ = sums_[base + 1] / dn - lm.mean.cwiseAbs2();
    head_sum_.setZero();
    tail_sum_.setZero();
    int boundary_done = 0;
    // γ_ℓ = (C_ℓ − μ̂ ⊙ (lead + trail) + pairs·μ̂²)/N with lead = S0 − H_ℓ, trail = S0 − T_ℓ.
    auto autocov = [&](int ell) {
      for (; boundary_done < ell; ++boundary_done) AccumulateBoundary(base, boundary_done + 1);
      Index pairs = 0;
      for (Index len : run_len_) pairs += std::max<Index>(0, len - ell);
      gamma_ = ((sums_[base + 1 + static_cast<size_t>(ell)].array() -
                 lm.mean.array() * (2.0 * s0.array() - head_sum_.array() - tail_sum_.array()) +
                 static_cast<double>(pairs) * lm.mean.array().square()) /
                dn)
                   .matrix();
    };
    double bw = bandwidth_option;
    lm.bandwidth_capped = false;
    bool have_gamma1 = false;
    if (bw < 0) {
      autocov(1);
      have_gamma1 = true;
      bw = AndrewsBandwidthNoAlloc(gamma0_, gamma_, count);
      const double cap = std::min(DefaultBandwidthCap(count), lmax + 1);
      lm.bandwidth_capped = bw > cap;
      bw = std::min(bw, cap);
    }
    lm.bandwidth = bw;
    lrv_ = gamma0_;
    for (int ell = 1; static_cast<double>(ell) < bw && ell <= lmax; ++ell) {
      if (!(ell == 1 && have_gamma1)) autocov(ell);
      lrv_ += 2.0 * (1.0 - static_cast<double>(ell) / bw) * gamma_;
    }
    lm.variance = (lrv_.array().max(gamma0_.array() * 1e-12).max(1e-300) / dn).matrix();
  }
  const auto sf = ring_.topRows(n_).leftCols(count);
  if (options_.full_correction) {
    out.sf_moment = sums_.back() / dn;
  } else {
    out.sf_moment.col(0) = sf.rowwise().squaredNorm() / dn;
  }
}

MatrixXd SlidingEstimator::OrderedScores() const {
  MatrixXd out(count_, dim_);
  for (Index k = 0; k < count_; ++k) {
    out.row(k) = ring_.col(static_cast<Index>(SlotOf(head_ - count_ + k))).transpose();
  }
  return out;
}

std::vector<Index> SlidingEstimator::RunStarts() const {
  std::vector<Index> starts;
  const std::int64_t oldest = head_ - count_;
  for (std::int64_t g = oldest; g < head_; ++g) {
    if (g == oldest || run_ids_[SlotOf(g)] != run_ids_[SlotOf(g - 1)]) starts.push_back(static_cast<Index>(g - oldest));
  }
  return starts;
}

}  // namespace sbtg::stream
