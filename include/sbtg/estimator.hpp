// The SBTG estimator, offline: `FitSbtg` turns a recording into per-lag directed graphs.
//
// Pipeline (DESIGN §2): standardize → windows of P+1 blocks (never across segments) → score model
// trained by score matching on windows it will not score (cross-fit with a purge gap) → held-out
// scores s = −∇U → cross-block products μ̂^(r) = mean(s_f s_rᵀ) with HAC variances → p, BH/BY q →
// effect = precision-corrected Jacobian estimate in the data's original units (positive = excitatory).
// All options live in SbtgOptions with documented defaults; Validate() names a bad field.
// FitSbtg is a pure function of (recording, options): seeded and deterministic, single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sbtg/multitest.hpp"
#include "sbtg/recording.hpp"
#include "sbtg/result.hpp"
#include "sbtg/status.hpp"

namespace sbtg {

enum class ScoreModelKind {
  kGaussian,         // quadratic energy, fit in closed form (exact score matching = window precision)
  kLinear,           // Gaussian part + SiLU-MLP g_f(x_t), g_past(x_{t−P..t−1}) + Σ_r x_tᵀ W_r x_{t−r}
  kFeatureBilinear,  // coupling Σ_r ψ(x_t)ᵀ W_r φ_r(x_{t−r}) with learned element-wise features
  kRegimeGated,      // coupling Σ_r x_tᵀ (Σ_k α_k(x_past) W_{r,k}) x_{t−r}, softmax gate on the past
};
enum class Objective {
  kExact,        // Hyvärinen (implicit) score matching: E[½|∇U|² − ΔU]; deterministic, no σ bias
  kDenoising,    // DSM at a single σ: E ½|ε − σ∇U(z + σε)|²
  kDenoisingMulti,  // DSM annealed over a geometric σ schedule ending at `sigma`
};
enum class ScoringMode {
  kCrossfit,  // K contiguous folds with a purge gap: every score comes from a model that never saw it
  kInsample,  // train and score on all windows — reproduces the published reference behaviour only
};
enum class PValueMode {
  kHac,      // normal reference, Newey–West (Bartlett) variance with a data-driven bandwidth
  kHacNull,  // kHac z-scores divided by the empirical-null scale σ₀ = max(1, MAD of the off-diagonal
             // z-scores) (Efron 2004): absorbs the score model's own estimation noise, which the HAC
             // of held-out products cannot see; never makes a test less conservative than kHac
  kShift,    // normal reference, variance from circular time shifts of past scores against future scores
};
enum class Correction {
  kDiagonal,  // effect[j,i] = −μ̂[j,i] / mean(s_f,j²)
  kFull,      // effect = −(E[s_f s_fᵀ])⁻¹ μ̂
};

Result<ScoreModelKind> ParseScoreModelKind(std::string_view name);  // gaussian|linear|feature_bilinear|regime_gated
Result<Objective> ParseObjective(std::string_view name);            // exact|dsm|dsm_multi
Result<ScoringMode> ParseScoringMode(std::string_view name);        // crossfit|insample
Result<PValueMode> ParsePValueMode(std::string_view name);          // hac|hac_null|shift
Result<Correction> ParseCorrection(std::string_view name);          // diagonal|full
std::string_view ToString(ScoreModelKind v);
std::string_view ToString(Objective v);
std::string_view ToString(ScoringMode v);
std::string_view ToString(PValueMode v);
std::string_view ToString(Correction v);

struct ModelOptions {
  // Default: the quadratic energy in closed form. On the simulator suite (docs/accuracy.md) it matched or
  // beat the trained models on every family at a fraction of the cost; the trained kinds are options.
  ScoreModelKind kind = ScoreModelKind::kGaussian;
  int hidden = 64;          // width of both hidden layers of g_f and g_past (SiLU MLPs)
  int feature_hidden = 8;   // feature_bilinear: hidden units of each element-wise feature map
  int regimes = 2;          // regime_gated: number of coupling matrices per lag
  // Gaussian closed form: the window covariance S may be shrunk toward μI (μ = mean variance) before
  // inversion, (1−δ)S + δμI. 0 = none (default); (0, 1] = fixed δ; −1 = Ledoit–Wolf (2004) intensity
  // estimated from the data. Shrinkage biases the precision, and the tests do not account for that bias:
  // on VAR(2) at n = 20, T = 3000 Ledoit–Wolf raised the lag-1 realized FDR from 0.12 to 0.20 (4 seeds),
  // so it is opt-in, for recordings with few windows per window dimension.
  double shrinkage = 0;
  double ridge = 1e-3;      // added to the diagonal after shrinkage (numerical guard; standardized units)
};

struct TrainOptions {
  // For the trained kinds. Denoising was as accurate as exact score matching in docs/accuracy.md, 10–20×
  // cheaper per epoch, and better behaved on count data (where exact score matching lets the MLPs
  // concentrate density on the lattice of observed values).
  Objective objective = Objective::kDenoising;
  double sigma = 0.1;        // DSM noise level, standardized units (reported with every result)
  double sigma_max = 1.0;    // kDenoisingMulti: first σ of the geometric schedule
  int sigma_levels = 5;      // kDenoisingMulti: schedule length
  int epochs = 100;          // maximum passes over the training windows
  int batch = 128;           // windows per Adam step
  double learning_rate = 1e-3;
  double l1 = 0.0;           // L1 penalty on the couplings W (proximal step)
  // Keep the closed-form Gaussian part (Q, W, h) fixed and train only the nonlinear parts (MLPs,
  // features, gates): the quadratic part is already at its exact score-matching optimum, and minibatch
  // noise on its n² coupling entries otherwise costs accuracy.
  bool freeze_quadratic = false;
  double validation_fraction = 0.1;  // tail of the training windows held out for early stopping
  int patience = 10;         // epochs without held-out improvement before stopping (0 = never stop early)
  std::uint64_t seed = 1;
  bool progress = false;     // draw a progress bar on stderr (the CLI enables it on a terminal)
};

struct TestOptions {
  bool centred = true;       // subtract score means before forming products
  int bandwidth = -1;        // HAC Bartlett bandwidth in windows; −1 = Andrews (1991) AR(1) plug-in
  PValueMode pvalue = PValueMode::kHacNull;
  int shifts = 200;          // kShift: number of circular shifts
  int min_shift = -1;        // kShift: smallest shift in windows; −1 = the purge gap
  FdrMethod fdr = FdrMethod::kBH;
  double alpha = 0.1;        // FDR level for `selected`
  bool volatility = true;    // also test Cov(s_f², s_r²) on pairs the mean test did not select
  Correction correction = Correction::kFull;
};

struct SbtgOptions {
  int lags = 1;              // P: windows of P+1 blocks; results for every lag r ≤ P
  ScoringMode scoring = ScoringMode::kCrossfit;
  int folds = 5;             // K contiguous folds (crossfit)
  int purge = -1;            // frames dropped on each side of a held-out fold; −1 = P + autocorrelation length
  ModelOptions model;
  TrainOptions train;
  TestOptions test;

  [[nodiscard]] Status Validate() const;
};

// Progress of long fits: called with a phase name ("fold 2/5"), epoch, epochs and the held-out loss.
using ProgressCallback = std::function<void(const std::string& phase, int epoch, int epochs, double loss)>;

Result<FitResult> FitSbtg(const Recording& rec, const SbtgOptions& options,
                          const ProgressCallback& progress = {});

}  // namespace sbtg
