#include "engine/estimator/lag_test.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <utility>

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

LagTest RunLagTest(const Eigen::Ref<const MatrixXd>& sf, const Eigen::Ref<const MatrixXd>& sr,
                   const std::vector<Index>& runs, const TestOptions& t, int min_shift) {
  // The test targets the reported effect.
  // Diagonal correction: effect rows are μ̂ rows scaled by −1/E[s_f,j²]; at a null pair μ̂ = 0, so
  // the product test of μ̂ is the test of the effect. Full correction: effect = −M⁻¹μ̂ with M = E[s_f
  // s_fᵀ] estimated from the same scores. By the delta method its influence function is s̃_f,t r_tᵀ
  // with s̃_f = s_f M⁻¹ and r = s_r − (M⁻¹μ̂)ᵀ s_f (s_r with its projection on s_f removed; this
  // removes, e.g., the part carried by large self-lag effects), so the product test on (s̃_f, r)
  // gives the HAC variance of the effect itself. With exact Gaussian scores s̃_f is minus the
  // innovation, and the test asks whether A_r[j,i] = 0 given the past rather than whether
  // (Σ⁻¹A_r)[j,i] = 0 (which mixes targets when innovations are correlated).
  MatrixXd a = sf, b = sr;
  if (t.centred) {
    a.rowwise() -= a.colwise().mean();
    b.rowwise() -= b.colwise().mean();
  }
  const double n = static_cast<double>(sf.rows());
  LagTest out;
  out.mu = a.transpose() * b / n;
  HacOptions hac;
  hac.centred = false;  // centred above when requested; the influence series below have mean zero
  hac.bandwidth = t.bandwidth;
  MatrixXd future, past;
  if (t.correction == Correction::kFull) {
    MatrixXd m = a.transpose() * a / n;
    m.diagonal().array() += 1e-12 * m.diagonal().mean();  // guards an exactly singular M only
    const Eigen::LLT<MatrixXd> llt(m);
    const MatrixXd minv_mu = llt.solve(out.mu);     // M⁻¹μ̂ = −effect
    future = llt.solve(a.transpose()).transpose();  // s̃_f = s_f M⁻¹ (M symmetric)
    past = b - a * minv_mu;                         // r = s_r − s_f M⁻¹μ̂
    out.effect_std = -minv_mu;
    a.resize(0, 0);  // no longer needed: keeps the peak at three N × n matrices
  } else {
    const Eigen::VectorXd m = a.colwise().squaredNorm().transpose() / n;
    out.effect_std = -(m.cwiseInverse().asDiagonal() * out.mu);
    future = std::move(a);
    past = std::move(b);
  }
  const ProductMoments pm = ProductTest(future, past, runs, hac);
  out.bandwidth = pm.bandwidth;
  // z has the sign of μ̂ (positive = inhibitory-like), for both corrections.
  const MatrixXd estimate = t.correction == Correction::kFull ? MatrixXd(-out.effect_std) : out.mu;
  if (t.pvalue == PValueMode::kShift) {
    // Null variance of the estimate from circular shifts of the past scores against the future
    // ones.
    const MatrixXd& shifted = t.correction == Correction::kFull ? b : past;
    const MatrixXd sd = ShiftNullSd(future, shifted, runs, t.shifts, min_shift, 0x5b7e5b7eULL);
    out.z = (estimate.array() / sd.array().max(1e-300)).matrix();
  } else {
    out.z = (estimate.array() / pm.variance.array().sqrt()).matrix();
  }
  if (t.pvalue == PValueMode::kHacNull) {
    out.null_scale = EmpiricalNullScale(out.z);
    out.z /= out.null_scale;
  }
  out.p = NormalTwoSidedP(out.z);
  return out;
}

}  // namespace sbtg::est
