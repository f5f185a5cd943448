// Baseline estimators users already trust: lagged Pearson correlation, ridge VAR(P), Granger
// causality.
//
// Each produces a FitResult with the same files as SBTG: effect, p, q (BH/BY per lag over
// off-diagonal pairs) and selected, all [target, source]. Everything is computed with Eigen matrix
// products on the windows of sbtg/windows.hpp (never across segments), not per-pair loops.
// Regressions include an intercept (the windows are centred). Method definitions, p-value
// assumptions and failure modes are in docs/baselines-methods.md. Pure functions; thread-safe (no
// shared state).
//
// Extra matrices per lag (LagResult::extra):
//   pearson: "p_uncorrected" (t-test with the raw window count: anti-conservative for
//     autocorrelated data, kept for comparison) and "n_eff" (the test's effective sample size).
//   granger, granger_pairwise: "p_joint" and "gc_joint" (joint test of all P lags of the source,
//     and its unsigned Geweke measure ln(RSS_restricted/RSS_full); the same matrix at every lag).
// var and granger add settings["warnings"] when their p-values are likely anti-conservative.
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

// pearson|var|granger|granger_pairwise (case-insensitive); anything else is an InvalidArgument
// listing the accepted names.
Result<BaselineMethod> ParseBaselineMethod(std::string_view name);
std::string_view ToString(BaselineMethod method);

struct BaselineOptions {
  int lags = 1;  // P (frames); every method uses the windows of P+1 frames
  // VAR ridge λ relative to the mean diagonal of the lagged Gram matrix (≥ 0). Larger values shrink
  // coefficients and stabilise n·P close to the window count; 0 = OLS. Granger methods ignore it
  // and use OLS with a fixed 1e-10 stability ridge so their F-tests keep their exact null
  // distribution.
  double ridge = 1e-3;
  FdrMethod fdr = FdrMethod::kBH;
  double alpha = 0.1;       // FDR level for `selected`, in (0, 1)
  bool standardize = true;  // z-score each neuron first (effects then in standardized units)
};

// Fits one baseline. Errors (InvalidArgument): invalid options (field named), an invalid recording,
// a constant neuron, too few windows for the parameters, or a (near-)singular design.
Result<FitResult> FitBaseline(const Recording& rec, BaselineMethod method,
                              const BaselineOptions& options);

}  // namespace sbtg
