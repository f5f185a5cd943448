#include "engine/estimator/lag_test.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>

#include "sbtg/cross_block.hpp"
#include "sbtg/distributions.hpp"

namespace sbtg::est {

using Eigen::Index;
using Eigen::MatrixXd;

double EmpiricalNullScale(const MatrixXd& z) {
  std::vector<double> absz;
  absz.reserve(static_cast<size_t>(z.size()));
  for (Index i = 0; i < z.cols(); ++i) {
    for (Index j = 0; j < z.rows(); ++j) {
      if (i != j && std::isfinite(z(j, i))) absz.push_back(std::abs(z(j, i)));
    }
  }
  if (absz.size() < 10) return 1.0;  // too few pairs to estimate a null scale
  const auto mid = absz.begin() + static_cast<long>(absz.size() / 2);
  std::nth_element(absz.begin(), mid, absz.end());
  // For z ~ N(0, σ₀²), median |z| = 0.6745 σ₀; the median is robust to a minority of true edges.
  return std::max(1.0, *mid / 0.6744897501960817);
}

LagTest RunLagTest(const MatrixXd& sf, const MatrixXd& sr, const std::vector<Index>& runs, const TestOptions& t,
                   int min_shift) {
  HacOptions hac;
  hac.centred = t.centred;
  hac.bandwidth = t.bandwidth;
  const ProductMoments pm = ProductTest(sf, sr, runs, hac);
  LagTest out;
  out.mu = pm.mean;
  out.bandwidth = pm.bandwidth;
  if (t.pvalue == PValueMode::kShift) {
    MatrixXd a = sf, b = sr;
    if (t.centred) {
      a.rowwise() -= a.colwise().mean();
      b.rowwise() -= b.colwise().mean();
    }
    const MatrixXd sd = ShiftNullSd(a, b, runs, t.shifts, min_shift, 0x5b7e5b7eULL);
    out.z = (pm.mean.array() / sd.array().max(1e-300)).matrix();
  } else {
    out.z = pm.ZScores();
  }
  if (t.pvalue == PValueMode::kHacNull) {
    out.null_scale = EmpiricalNullScale(out.z);
    out.z /= out.null_scale;
  }
  out.p = NormalTwoSidedP(out.z);
  // Precision correction: Ĵ = −(E[s_f s_fᵀ])⁻¹ μ̂ (full) or its diagonal version.
  MatrixXd a = sf;
  if (t.centred) a.rowwise() -= a.colwise().mean();
  if (t.correction == Correction::kFull) {
    const MatrixXd mff = a.transpose() * a / static_cast<double>(a.rows());
    out.effect_std = -mff.ldlt().solve(pm.mean);
  } else {
    const Eigen::VectorXd mff = a.colwise().squaredNorm().transpose() / static_cast<double>(a.rows());
    out.effect_std = -(mff.cwiseInverse().asDiagonal() * pm.mean);
  }
  return out;
}

}  // namespace sbtg::est
