// Baseline estimators users already trust: lagged Pearson correlation, ridge VAR(P), Granger causality.
//
// Each produces a FitResult with the same files as SBTG: effect, p, q (BH/BY per lag over off-diagonal
// pairs) and selected, all [target, source]. Everything is computed with Eigen matrix products on the
// windows of sbtg/windows.hpp (never across segments), not per-pair loops. Pure functions.
#pragma once

#include <string_view>

#include "sbtg/multitest.hpp"
#include "sbtg/recording.hpp"
#include "sbtg/result.hpp"
#include "sbtg/status.hpp"

namespace sbtg {

enum class BaselineMethod {
  kPearson,          // corr(x_{t,j}, x_{t−r,i}); t-test with effective sample size
  kVar,              // ridge VAR(P) coefficient A_r[j,i]; Wald t-test
  kGranger,          // conditional F-test: drop source i's P lags from target j's full regression
  kGrangerPairwise,  // bivariate F-test: j's own lags vs j's and i's lags
};

Result<BaselineMethod> ParseBaselineMethod(std::string_view name);  // pearson|var|granger|granger_pairwise
std::string_view ToString(BaselineMethod method);

struct BaselineOptions {
  int lags = 1;               // P
  double ridge = 1e-3;        // VAR/Granger ridge, relative to the mean diagonal of the Gram matrix
  FdrMethod fdr = FdrMethod::kBH;
  double alpha = 0.1;         // FDR level for `selected`
  bool standardize = true;    // z-score each neuron first (effects then in standardized units)
};

Result<FitResult> FitBaseline(const Recording& rec, BaselineMethod method, const BaselineOptions& options);

}  // namespace sbtg
