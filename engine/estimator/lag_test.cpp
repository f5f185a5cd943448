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
  // The test targets the reported effect. Diagonal correction: effect rows are μ̂ rows scaled by
  // −1/E[s_f,j²], so testing μ̂ tests the effect. Full correction: effect = −M⁻¹μ̂ with M = E[s_f s_fᵀ],
  // the mean of products of the transformed future scores s̃_f = s_f M⁻¹ with s_r; running the product
  // test on (s̃_f, s_r) gives the effect's own HAC z-scores (M treated as fixed). With exact Gaussian
  // scores s̃_f is minus the innovation, so the full-correction test asks whether A_r[j,i] = 0 given the
  // past, rather than whether (Σ⁻¹A_r)[j,i] = 0 (which mixes targets when innovations are correlated).
  MatrixXd a = sf;
  if (t.centred) a.rowwise() -= a.colwise().mean();
  const double n = static_cast<double>(sf.rows());
  LagTest out;
  out.mu = a.transpose() * (t.centred ? MatrixXd(sr.rowwise() - sr.colwise().mean()) : sr) / n;
  MatrixXd future;  // the scores whose products with s_r estimate −effect (up to a row scaling)
  Eigen::VectorXd row_scale;
  if (t.correction == Correction::kFull) {
    MatrixXd m = a.transpose() * a / n;
    m.diagonal().array() += 1e-12 * m.diagonal().mean();  // guards an exactly singular M only
    future = m.llt().solve(sf.transpose()).transpose();  // s_f M⁻¹ (M symmetric)
    row_scale = Eigen::VectorXd::Ones(sf.cols());
  } else {
    future = sf;
    row_scale = (a.colwise().squaredNorm().transpose() / n).cwiseInverse();
  }
  HacOptions hac;
  hac.centred = t.centred;
  hac.bandwidth = t.bandwidth;
  const ProductMoments pm = ProductTest(future, sr, runs, hac);
  out.bandwidth = pm.bandwidth;
  out.effect_std = -(row_scale.asDiagonal() * pm.mean);
  if (t.pvalue == PValueMode::kShift) {
    MatrixXd fa = future, b = sr;
    if (t.centred) {
      fa.rowwise() -= fa.colwise().mean();
      b.rowwise() -= b.colwise().mean();
    }
    const MatrixXd sd = ShiftNullSd(fa, b, runs, t.shifts, min_shift, 0x5b7e5b7eULL);
    out.z = (pm.mean.array() / sd.array().max(1e-300)).matrix();
  } else {
    out.z = pm.ZScores();
  }
  if (t.pvalue == PValueMode::kHacNull) {
    out.null_scale = EmpiricalNullScale(out.z);
    out.z /= out.null_scale;
  }
  out.p = NormalTwoSidedP(out.z);
  return out;
}

}  // namespace sbtg::est
