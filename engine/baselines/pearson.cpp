// Lagged Pearson correlation with an autocorrelation-corrected effective sample size.
//
// Under independence of two stationary series, Var(r_ij) ≈ (1/N) Σ_k ρ_i(k) ρ_j(k) over all k
// (Bartlett 1935; Bayley & Hammersley 1946), i.e. N_eff = N / (1 + 2 Σ_{k≥1} ρ_i(k) ρ_j(k)). The
// sum over k is one product RᵀR of the K × n autocorrelation matrix R, for all pairs at once.
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/baselines/methods.hpp"

namespace sbtg::baselines {
namespace {

// Frames of every segment, centred by the pooled per-neuron mean (windows never cross segments, and
// neither do autocorrelation lags).
std::vector<Eigen::MatrixXd> CentredSegments(const Recording& rec) {
  Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(rec.n());
  for (const auto& s : rec.segments) sum += s.x.colwise().sum();
  const Eigen::RowVectorXd mean = sum / static_cast<double>(rec.total_frames());
  std::vector<Eigen::MatrixXd> out;
  out.reserve(rec.segments.size());
  for (const auto& s : rec.segments) out.emplace_back(s.x.rowwise() - mean);
  return out;
}

// Pooled lag-k autocovariance sum of neuron j (unnormalised).
double AutoCovariance(const std::vector<Eigen::MatrixXd>& segs, Eigen::Index j, Eigen::Index k) {
  double acc = 0.0;
  for (const auto& x : segs) {
    const Eigen::Index len = x.rows() - k;
    if (len > 0) acc += x.col(j).head(len).dot(x.col(j).tail(len));
  }
  return acc;
}

struct Autocorrelations {
  Eigen::MatrixXd rho;  // K × n, rho(k−1, j) = ρ_j(k)
  double threshold = 0;
  Eigen::Index max_lag = 0;
};

// Data-driven truncation: neuron j's sum runs until its first lag with |ρ̂_j(k)| below the
// white-noise band 2/√T (its autocorrelation is then indistinguishable from 0); the common K is the
// largest such lag over neurons, so slow neurons keep their whole tail, and the extra terms of fast
// neurons are products with ≈ 0 that add only negligible noise. K ≤ min(longest segment − 1, T/4).
Autocorrelations EstimateAutocorrelations(const Recording& rec) {
  const std::vector<Eigen::MatrixXd> segs = CentredSegments(rec);
  Eigen::Index longest = 0;
  for (const auto& x : segs) longest = std::max(longest, x.rows());
  const Eigen::Index total = rec.total_frames();
  Autocorrelations a;
  a.max_lag = std::max<Eigen::Index>(1, std::min(longest - 1, total / 4));
  a.threshold = 2.0 / std::sqrt(static_cast<double>(total));
  const Eigen::Index n = rec.n();
  Eigen::MatrixXd rho = Eigen::MatrixXd::Zero(a.max_lag, n);
  Eigen::VectorXd var(n);
  std::vector<Eigen::Index> computed(static_cast<size_t>(n), 0);
  Eigen::Index common = 1;
  for (Eigen::Index j = 0; j < n; ++j) {
    var[j] = AutoCovariance(segs, j, 0);
    Eigen::Index k = 1;
    for (; k <= a.max_lag; ++k) {
      rho(k - 1, j) = AutoCovariance(segs, j, k) / var[j];
      if (std::abs(rho(k - 1, j)) < a.threshold) break;
    }
    computed[static_cast<size_t>(j)] = std::min(k, a.max_lag);
    common = std::max(common, computed[static_cast<size_t>(j)]);
  }
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index k = computed[static_cast<size_t>(j)] + 1; k <= common; ++k) {
      rho(k - 1, j) = AutoCovariance(segs, j, k) / var[j];
    }
  }
  a.rho = rho.topRows(common);
  return a;
}

}  // namespace

MethodOutput FitPearson(const Recording& rec, const LaggedMoments& m) {
  const Autocorrelations acf = EstimateAutocorrelations(rec);
  const auto big_n = static_cast<double>(m.windows);
  // Capped at N: negative products would otherwise claim more information than the windows hold.
  const Eigen::ArrayXXd inflation = (1.0 + 2.0 * (acf.rho.transpose() * acf.rho).array()).max(1.0);
  const Eigen::MatrixXd n_eff = (big_n / inflation).max(3.0).matrix();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  MethodOutput out;
  for (int r = 1; r <= m.lags; ++r) {
    const Eigen::Index first = DesignColumn(m.n, r, 0);
    const Eigen::ArrayXXd scale =
        (m.target_ss * m.regressor_ss.segment(first, m.n).transpose()).array().sqrt();
    const Eigen::ArrayXXd corr = m.cross.middleRows(first, m.n).transpose().array() / scale;
    const Eigen::ArrayXXd one_minus = (1.0 - corr.square()).max(0.0);
    const Eigen::MatrixXd t_eff = (corr * ((n_eff.array() - 2.0) / one_minus).sqrt()).matrix();
    const Eigen::MatrixXd t_raw = (corr * ((big_n - 2.0) / one_minus).sqrt()).matrix();
    LagResult lag;
    lag.lag = r;
    lag.effect = corr.matrix();
    lag.p = StudentTwoSidedP(t_eff, (n_eff.array() - 2.0).matrix());
    Eigen::MatrixXd p_raw = StudentTwoSidedP(t_raw, big_n - 2.0);
    // A neuron's lagged correlation with itself is its autocorrelation: the independence test
    // above does not apply to it.
    lag.p.diagonal().setConstant(nan);
    p_raw.diagonal().setConstant(nan);
    lag.extra["p_uncorrected"] = std::move(p_raw);
    lag.extra["n_eff"] = n_eff;
    out.lags.push_back(std::move(lag));
  }
  out.settings["acf_lags"] = acf.rho.rows();
  out.settings["acf_max_lags"] = acf.max_lag;
  out.settings["acf_threshold"] = acf.threshold;
  out.settings["n_eff_median"] = [&] {
    std::vector<double> v(n_eff.data(), n_eff.data() + n_eff.size());
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  }();
  return out;
}

}  // namespace sbtg::baselines
