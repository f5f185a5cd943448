// Internal to sbtg::baselines: the shared lagged moments and one function per method.
//
// Every method reads the same centred windows through LaggedMoments (sufficient statistics computed
// by GEMMs), so the per-method code never loops over data. Methods fill effect, p and extra of each
// LagResult; FitBaseline adds q and selected. Pure functions.
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <vector>

#include "sbtg/recording.hpp"
#include "sbtg/result.hpp"
#include "sbtg/status.hpp"
#include "sbtg/windows.hpp"

namespace sbtg::baselines {

// Column of the past design holding neuron i at lag r (1-based): lag-1 block first.
inline Eigen::Index DesignColumn(Eigen::Index n, int r, Eigen::Index i) { return (r - 1) * n + i; }

// Moments of the window-centred past design X (N × nP, see WindowBlocks::PastDesign) and future Y
// (N × n). Centring the windows is the same as fitting an intercept.
struct LaggedMoments {
  Eigen::Index n = 0;
  int lags = 1;
  Eigen::Index windows = 0;
  Eigen::MatrixXd gram;          // XᵀX, nP × nP; empty when not requested
  Eigen::VectorXd regressor_ss;  // diag(XᵀX), nP
  Eigen::MatrixXd cross;         // XᵀY: [regressor, target], nP × n
  Eigen::VectorXd target_ss;     // diag(YᵀY), n
};
LaggedMoments ComputeMoments(const WindowBlocks& windows, bool with_gram);

// Per-method outputs: one LagResult per lag (effect, p, extra) and method-specific settings.
struct MethodOutput {
  std::vector<LagResult> lags;
  nlohmann::json settings = nlohmann::json::object();
};

// `rec` is the (standardized) recording the windows were built from; Pearson needs its frames for
// the autocorrelations that set the effective sample size.
MethodOutput FitPearson(const Recording& rec, const LaggedMoments& m);
Result<MethodOutput> FitVar(const LaggedMoments& m, double relative_ridge);
Result<MethodOutput> FitGranger(const LaggedMoments& m);
MethodOutput FitGrangerPairwise(const LaggedMoments& m);

// Element-wise p-values (NaN stays NaN).
Eigen::MatrixXd StudentTwoSidedP(const Eigen::MatrixXd& t, double df);
Eigen::MatrixXd StudentTwoSidedP(const Eigen::MatrixXd& t, const Eigen::MatrixXd& df);
Eigen::MatrixXd FisherUpperP(const Eigen::MatrixXd& f, double d1, double d2);

// sign(β)·ln(1 + ΔRSS/RSS_full) computed without cancellation: Geweke's measure with the sign of β.
Eigen::MatrixXd SignedLogRatio(const Eigen::MatrixXd& beta, const Eigen::MatrixXd& delta_rss,
                               const Eigen::MatrixXd& rss_full);

}  // namespace sbtg::baselines
