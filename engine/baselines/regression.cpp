// Ridge VAR(P) and conditional Granger: one multi-target regression of the future block on all n·P
// lagged regressors, solved once for every target from the Gram matrix.
#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/baselines/methods.hpp"

namespace sbtg::baselines {
namespace {

// Granger tests need OLS; this ridge (relative to the mean Gram diagonal) only keeps the Cholesky
// factorisation stable and moves F-statistics by ~1e-10 relative.
constexpr double kGrangerStabilityRidge = 1e-10;
// Below this reciprocal condition number the coefficients are numerically meaningless.
constexpr double kMinReciprocalCondition = 1e-12;

struct RegressionFit {
  Eigen::MatrixXd beta;      // [regressor, target], nP × n
  Eigen::MatrixXd inverse;   // H = (G + λI)⁻¹
  Eigen::VectorXd rss;       // residual sum of squares per target
  Eigen::VectorXd var_diag;  // diag(H G H): coefficient variance / σ_j² (ridge sandwich)
  double lambda = 0;
  double df = 0;  // N − nP − 1
};

Result<RegressionFit> SolveRidge(const LaggedMoments& m, double lambda) {
  const Eigen::Index p = m.gram.rows();
  RegressionFit fit;
  fit.lambda = lambda;
  fit.df = static_cast<double>(m.windows - p - 1);
  if (fit.df < 1) {
    return Status::InvalidArgument(std::to_string(m.windows) + " windows are too few for " +
                                   std::to_string(p) + " lagged regressors plus an intercept");
  }
  Eigen::MatrixXd regularised = m.gram;
  regularised.diagonal().array() += lambda;
  const Eigen::LLT<Eigen::MatrixXd> llt(regularised);
  if (llt.info() != Eigen::Success || !(llt.rcond() > kMinReciprocalCondition)) {
    return Status::InvalidArgument(
        "the lagged design matrix is singular (collinear or duplicated neurons?); "
        "remove them or fit 'var' with a larger ridge");
  }
  fit.inverse = llt.solve(Eigen::MatrixXd::Identity(p, p));
  fit.beta.noalias() = fit.inverse * m.cross;
  const Eigen::MatrixXd gram_beta = m.gram * fit.beta;
  // RSS = yᵀy − 2βᵀXᵀy + βᵀXᵀXβ, exact for any β (ridge or not), from the sufficient statistics.
  fit.rss = m.target_ss - 2.0 * m.cross.cwiseProduct(fit.beta).colwise().sum().transpose() +
            fit.beta.cwiseProduct(gram_beta).colwise().sum().transpose();
  // H G H = H (G + λI − λI) H = H − λH², and diag(H²) is the row sums of H ⊙ H (H symmetric).
  fit.var_diag = fit.inverse.diagonal() - lambda * fit.inverse.cwiseAbs2().rowwise().sum();
  return fit;
}

// Rows of a [regressor, target] matrix for lag r, as [target, source].
Eigen::MatrixXd LagBlock(const Eigen::MatrixXd& by_regressor, Eigen::Index n, int r) {
  return by_regressor.middleRows(DesignColumn(n, r, 0), n).transpose();
}

double RelativeLambda(const LaggedMoments& m, double relative) {
  return relative * m.gram.diagonal().mean();
}

// Joint ΔRSS of dropping all P lags of source i from target j: β_iᵀ (H_ii)⁻¹ β_i, [target, source].
Eigen::MatrixXd JointDeltaRss(const RegressionFit& fit, const LaggedMoments& m) {
  Eigen::MatrixXd delta(m.n, m.n);
  Eigen::MatrixXd block(m.lags, m.lags);
  Eigen::MatrixXd beta_i(m.lags, m.n);
  for (Eigen::Index i = 0; i < m.n; ++i) {
    for (int a = 1; a <= m.lags; ++a) {
      beta_i.row(a - 1) = fit.beta.row(DesignColumn(m.n, a, i));
      for (int b = 1; b <= m.lags; ++b) {
        block(a - 1, b - 1) = fit.inverse(DesignColumn(m.n, a, i), DesignColumn(m.n, b, i));
      }
    }
    const Eigen::MatrixXd weighted = block.llt().solve(beta_i);
    delta.col(i) = beta_i.cwiseProduct(weighted).colwise().sum().transpose();
  }
  return delta;
}

// Conditional level tests are anti-conservative when the n·P regressors approach the number of
// effectively independent windows N/τ (persistent neurons: the own-lag coefficients are biased down
// and the cross-coefficients absorb the rest; see docs/baselines-methods.md for measurements). τ is
// the median AR(1) integrated autocorrelation time (1 + ρ₁)/(1 − ρ₁) from the lag-1
// autocorrelations.
constexpr double kMinEffectiveWindowsPerRegressor = 10;

void AddPersistenceDiagnostic(const LaggedMoments& m, MethodOutput& out) {
  std::vector<double> tau(static_cast<size_t>(m.n));
  for (Eigen::Index j = 0; j < m.n; ++j) {
    const double rho = m.cross(j, j) / std::sqrt(m.regressor_ss[j] * m.target_ss[j]);
    const double clamped = std::clamp(rho, 0.0, 0.999);
    tau[static_cast<size_t>(j)] = (1 + clamped) / (1 - clamped);
  }
  std::nth_element(tau.begin(), tau.begin() + static_cast<std::ptrdiff_t>(tau.size() / 2),
                   tau.end());
  const double tau_median = tau[tau.size() / 2];
  const double per_regressor =
      static_cast<double>(m.windows) / (tau_median * static_cast<double>(m.gram.rows()));
  out.settings["autocorrelation_time_median"] = tau_median;
  out.settings["effective_windows_per_regressor"] = per_regressor;
  if (per_regressor < kMinEffectiveWindowsPerRegressor) {
    out.settings["warnings"].push_back(
        "only " + std::to_string(per_regressor) +
        " effectively independent windows per regressor " +
        "(N / (tau * n * P)): conditional p-values are likely anti-conservative, see "
        "docs/baselines-methods.md; prefer granger_pairwise or pearson, lags >= 2, or more frames");
  }
}

}  // namespace

Result<MethodOutput> FitVar(const LaggedMoments& m, double relative_ridge) {
  Result<RegressionFit> solved = SolveRidge(m, RelativeLambda(m, relative_ridge));
  if (!solved.ok()) return solved.status();
  const RegressionFit& fit = *solved;
  const Eigen::VectorXd sigma2 = fit.rss / fit.df;
  const Eigen::MatrixXd se = (fit.var_diag * sigma2.transpose()).cwiseSqrt();
  const Eigen::MatrixXd t = fit.beta.cwiseQuotient(se);
  MethodOutput out;
  for (int r = 1; r <= m.lags; ++r) {
    LagResult lag;
    lag.lag = r;
    lag.effect = LagBlock(fit.beta, m.n, r);
    lag.p = StudentTwoSidedP(LagBlock(t, m.n, r), fit.df);
    out.lags.push_back(std::move(lag));
  }
  out.settings["ridge_lambda"] = fit.lambda;
  out.settings["df"] = fit.df;
  AddPersistenceDiagnostic(m, out);
  return out;
}

Result<MethodOutput> FitGranger(const LaggedMoments& m) {
  Result<RegressionFit> solved = SolveRidge(m, RelativeLambda(m, kGrangerStabilityRidge));
  if (!solved.ok()) return solved.status();
  const RegressionFit& fit = *solved;
  // Per regressor k: RSS_restricted − RSS_full = β_k² / H_kk (the OLS drop-one-column identity).
  const Eigen::MatrixXd delta =
      fit.beta.cwiseAbs2().array().colwise() / fit.inverse.diagonal().array();
  const Eigen::MatrixXd rss_by_regressor = fit.rss.transpose().replicate(fit.beta.rows(), 1);
  const Eigen::MatrixXd f = delta.cwiseQuotient(rss_by_regressor / fit.df);
  const Eigen::MatrixXd rss_by_target = fit.rss.replicate(1, m.n);
  const Eigen::MatrixXd joint = JointDeltaRss(fit, m);
  const Eigen::MatrixXd f_joint = (joint / m.lags).cwiseQuotient(rss_by_target / fit.df);
  const Eigen::MatrixXd gc_joint = joint.cwiseQuotient(rss_by_target).array().log1p().matrix();
  const Eigen::MatrixXd gc = SignedLogRatio(fit.beta, delta, rss_by_regressor);
  MethodOutput out;
  for (int r = 1; r <= m.lags; ++r) {
    LagResult lag;
    lag.lag = r;
    lag.effect = LagBlock(gc, m.n, r);
    lag.p = FisherUpperP(LagBlock(f, m.n, r), 1, fit.df);
    out.lags.push_back(std::move(lag));
  }
  // With one lag the joint test is the per-lag test; the F tail costs microseconds per pair.
  const Eigen::MatrixXd p_joint =
      m.lags == 1 ? out.lags.front().p : FisherUpperP(f_joint, m.lags, fit.df);
  for (LagResult& lag : out.lags) {
    lag.extra["p_joint"] = p_joint;
    lag.extra["gc_joint"] = gc_joint;
  }
  out.settings["stability_ridge"] = kGrangerStabilityRidge;
  out.settings["df"] = fit.df;
  AddPersistenceDiagnostic(m, out);
  return out;
}

}  // namespace sbtg::baselines
