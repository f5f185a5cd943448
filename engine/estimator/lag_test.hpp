// The per-lag mean test of SBTG on score blocks (shared by FitSbtg, the streaming engine's offline
// twin, and the exact-identity tests): μ̂ = mean(s_f s_rᵀ), HAC (or shift-null) z-scores, two-sided
// p-values, and the precision-corrected Jacobian estimate in standardized units. Pure function.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "sbtg/estimator.hpp"

namespace sbtg::est {

struct LagTest {
  Eigen::MatrixXd mu;          // [target, source], raw μ̂ (positive = inhibitory-like)
  Eigen::MatrixXd z;           // −effect / standard error (for diagonal: sign as μ̂)
  Eigen::MatrixXd p;           // two-sided
  Eigen::MatrixXd effect_std;  // −(E s_f s_fᵀ)⁻¹ μ̂ (or its diagonal version), standardized units
  double bandwidth = 0;   // HAC bandwidth used
  double null_scale = 1;  // σ₀ the z-scores were divided by (kHacNull), else 1
};

// Efron's empirical-null scale of off-diagonal z-scores, floored at 1: max(1, median|z| / 0.6745).
double EmpiricalNullScale(const Eigen::MatrixXd& z);

// sf: future-block scores (N × n); sr: lag-r scores (N × n); run_starts as in ProductTest.
LagTest RunLagTest(const Eigen::Ref<const Eigen::MatrixXd>& sf,
                   const Eigen::Ref<const Eigen::MatrixXd>& sr,
                   const std::vector<Eigen::Index>& run_starts, const TestOptions& options,
                   int min_shift);

}  // namespace sbtg::est
