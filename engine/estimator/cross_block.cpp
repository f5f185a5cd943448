#include "sbtg/cross_block.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace sbtg {

using Eigen::Index;
using Eigen::MatrixXd;

namespace {

struct Run {
  Index start, length;
};

std::vector<Run> MakeRuns(const std::vector<Index>& starts, Index n) {
  std::vector<Run> runs;
  if (starts.empty()) {
    runs.push_back({0, n});
    return runs;
  }
  for (size_t k = 0; k < starts.size(); ++k) {
    const Index end = k + 1 < starts.size() ? starts[k + 1] : n;
    if (end > starts[k]) runs.push_back({starts[k], end - starts[k]});
  }
  return runs;
}

// Rows per block in the sums below: the temporaries stay a few MB whatever the recording length.
constexpr Index kChunkRows = 512;

// The score blocks, centred by fixed column means (zero when the test is uncentred), read a block
// of rows at a time into reused buffers.
class CentredRows {
 public:
  CentredRows(const MatrixXd& x, bool centred)
      : x_(x),
        mean_(centred ? Eigen::RowVectorXd(x.colwise().mean())
                      : Eigen::RowVectorXd::Zero(x.cols())) {}
  // Rows [start, start + m) of the centred block, written into `out` (resized by the assignment).
  void Read(Index start, Index m, MatrixXd& out) const {
    out = x_.middleRows(start, m).rowwise() - mean_;
  }

 private:
  const MatrixXd& x_;
  Eigen::RowVectorXd mean_;
};

// Σ over valid (t, t−ℓ) pairs of the products' cross moments, returned as
// (Σ Y_t Y_{t−ℓ}, Σ Y_t, Σ Y_{t−ℓ}, pair count), each sum an n × m matrix, where Y_t = a_tᵀ b_t.
struct LagSums {
  MatrixXd cross, lead, trail;
  Index pairs = 0;
};

LagSums LagProducts(const CentredRows& a, const CentredRows& b, Index cols_a, Index cols_b,
                    const std::vector<Run>& runs, Index lag) {
  LagSums s;
  s.cross = MatrixXd::Zero(cols_a, cols_b);
  s.lead = MatrixXd::Zero(cols_a, cols_b);
  s.trail = MatrixXd::Zero(cols_a, cols_b);
  MatrixXd a_now, b_now, a_then, b_then;
  for (const auto& r : runs) {
    const Index m_run = r.length - lag;
    for (Index k = 0; k < m_run; k += kChunkRows) {
      const Index m = std::min(kChunkRows, m_run - k);
      a.Read(r.start + lag + k, m, a_now);
      b.Read(r.start + lag + k, m, b_now);
      a.Read(r.start + k, m, a_then);
      b.Read(r.start + k, m, b_then);
      s.lead.noalias() += a_now.transpose() * b_now;
      s.trail.noalias() += a_then.transpose() * b_then;
      a_now.array() *= a_then.array();
      b_now.array() *= b_then.array();
      s.cross.noalias() += a_now.transpose() * b_now;
    }
    s.pairs += std::max<Index>(0, m_run);
  }
  return s;
}

// Autocovariance at lag ℓ of the centred product series Y − μ̂, for every pair (divided by N).
MatrixXd Autocovariance(const CentredRows& a, const CentredRows& b, const std::vector<Run>& runs,
                        Index lag, const MatrixXd& mu, double n) {
  const LagSums s = LagProducts(a, b, mu.rows(), mu.cols(), runs, lag);
  return (s.cross.array() - mu.array() * (s.lead.array() + s.trail.array()) +
          static_cast<double>(s.pairs) * mu.array().square())
             .matrix() /
         n;
}

}  // namespace

MatrixXd ProductMoments::ZScores() const {
  return (mean.array() / variance.array().sqrt()).matrix();
}

double AndrewsBartlettBandwidth(const MatrixXd& gamma0, const MatrixXd& gamma1, Index n) {
  // Per pair a: AR(1) ρ_a = γ1/γ0 (clamped away from ±1), innovation variance σ_a² = γ0(1 − ρ_a²).
  // α̂(1) = Σ 4ρ²σ⁴/((1−ρ)⁶(1+ρ)²) / Σ σ⁴/(1−ρ)⁴   (Andrews 1991, eq. 6.4, equal weights).
  const Eigen::ArrayXXd g0 = gamma0.array().max(1e-300);
  const Eigen::ArrayXXd rho = (gamma1.array() / g0).max(-0.97).min(0.97);
  const Eigen::ArrayXXd s4 = (g0 * (1.0 - rho.square())).square();
  const double num = (4.0 * rho.square() * s4 / ((1.0 - rho).pow(6) * (1.0 + rho).square())).sum();
  const double den = (s4 / (1.0 - rho).pow(4)).sum();
  if (!(den > 0)) return 0.0;
  return 1.1447 * std::cbrt(num / den * static_cast<double>(n));
}

ProductMoments ProductTest(const MatrixXd& a_in, const MatrixXd& b_in,
                           const std::vector<Index>& run_starts, const HacOptions& options) {
  const Index n = a_in.rows();
  const std::vector<Run> runs = MakeRuns(run_starts, n);
  const CentredRows a(a_in, options.centred), b(b_in, options.centred);
  ProductMoments out;
  out.count = n;
  const double dn = static_cast<double>(n);
  // Lag 0, a block of rows at a time: μ̂ = mean(AᵀB) and mean of (Y − μ̂)² = mean(A²)ᵀ(B²) − μ̂².
  MatrixXd sum_ab = MatrixXd::Zero(a_in.cols(), b_in.cols());
  MatrixXd sum_sq = MatrixXd::Zero(a_in.cols(), b_in.cols());
  {
    MatrixXd ac, bc;
    for (Index k = 0; k < n; k += kChunkRows) {
      const Index m = std::min(kChunkRows, n - k);
      a.Read(k, m, ac);
      b.Read(k, m, bc);
      sum_ab.noalias() += ac.transpose() * bc;
      ac = ac.cwiseAbs2();
      bc = bc.cwiseAbs2();
      sum_sq.noalias() += ac.transpose() * bc;
    }
  }
  out.mean = sum_ab / dn;
  const MatrixXd gamma0 = sum_sq / dn - out.mean.cwiseAbs2();
  double bandwidth = options.bandwidth;
  MatrixXd gamma1;
  if (bandwidth < 0) {
    gamma1 = Autocovariance(a, b, runs, 1, out.mean, dn);
    bandwidth = AndrewsBartlettBandwidth(gamma0, gamma1, n);
    const int cap = options.max_bandwidth > 0
                        ? options.max_bandwidth
                        : 4 * static_cast<int>(std::ceil(4.0 * std::pow(dn / 100.0, 2.0 / 9.0)));
    bandwidth = std::min(bandwidth, static_cast<double>(cap));
  }
  out.bandwidth = bandwidth;
  MatrixXd lrv = gamma0;  // long-run variance γ0 + 2 Σ w_ℓ γ_ℓ
  for (Index lag = 1; static_cast<double>(lag) < bandwidth; ++lag) {
    const double w = 1.0 - static_cast<double>(lag) / bandwidth;
    if (lag == 1 && gamma1.size() > 0) {
      lrv += 2.0 * w * gamma1;
    } else {
      lrv += 2.0 * w * Autocovariance(a, b, runs, lag, out.mean, dn);
    }
  }
  // The Bartlett-weighted sum is a non-negative quadratic form; clamp only round-off.
  out.variance = (lrv.array().max(gamma0.array() * 1e-12).max(1e-300) / dn).matrix();
  return out;
}

MatrixXd ShiftNullSd(const MatrixXd& a, const MatrixXd& b, const std::vector<Index>& run_starts,
                     int shifts, int min_shift, std::uint64_t seed) {
  const Index n = a.rows();
  const std::vector<Run> runs = MakeRuns(run_starts, n);
  std::mt19937_64 rng(seed);
  MatrixXd sum = MatrixXd::Zero(a.cols(), b.cols());
  MatrixXd sumsq = MatrixXd::Zero(a.cols(), b.cols());
  MatrixXd shifted(b.rows(), b.cols());
  const double dn = static_cast<double>(n);
  for (int k = 0; k < shifts; ++k) {
    for (const auto& r : runs) {
      const Index lo = std::min<Index>(std::max(min_shift, 1), r.length / 2);
      const Index hi = std::max<Index>(lo, r.length - lo);
      std::uniform_int_distribution<Index> pick(lo, hi);
      const Index d = r.length > 1 ? pick(rng) % r.length : 0;
      // Row t of the shifted run takes row (t − d) mod L of the original.
      shifted.middleRows(r.start + d, r.length - d) = b.middleRows(r.start, r.length - d);
      shifted.middleRows(r.start, d) = b.middleRows(r.start + r.length - d, d);
    }
    const MatrixXd mu = a.transpose() * shifted / dn;
    sum += mu;
    sumsq += mu.cwiseAbs2();
  }
  const double s = static_cast<double>(shifts);
  return ((sumsq / s - (sum / s).cwiseAbs2()) * s / std::max(1.0, s - 1.0))
      .cwiseMax(0.0)
      .cwiseSqrt();
}

}  // namespace sbtg
