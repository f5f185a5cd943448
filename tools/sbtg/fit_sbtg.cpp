#include "tools/sbtg/fit_sbtg.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

namespace sbtg::cli {

void AddSbtgOptions(CLI::App* sub, SbtgArgs& a) {
  SbtgOptions& o = a.options;
  auto* g = sub->add_option_group("sbtg", "options of --method sbtg (defaults shown)");
  g->add_option("--model", a.model, "score model: gaussian | linear | feature_bilinear | regime_gated")
      ->default_str(a.model);
  g->add_option("--objective", a.objective, "training: exact | dsm | dsm_multi")->default_str(a.objective);
  g->add_option("--scoring", a.scoring, "crossfit (honest held-out) | insample (reference behaviour)")
      ->default_str(a.scoring);
  g->add_option("--folds", o.folds, "cross-fit folds")->capture_default_str();
  g->add_option("--purge", o.purge, "frames purged around each held-out fold (-1 = lags + autocorrelation length)")
      ->capture_default_str();
  g->add_option("--hidden", o.model.hidden, "width of the SiLU MLPs' two hidden layers")->capture_default_str();
  g->add_option("--feature-hidden", o.model.feature_hidden, "feature_bilinear: hidden units per feature map")
      ->capture_default_str();
  g->add_option("--regimes", o.model.regimes, "regime_gated: coupling matrices per lag")->capture_default_str();
  g->add_option("--shrinkage", o.model.shrinkage,
                 "Gaussian closed form: covariance shrinkage toward μI in [0,1] (-1 = Ledoit-Wolf)")
      ->capture_default_str();
  g->add_option("--gaussian-ridge", o.model.ridge, "Gaussian closed form: ridge on the standardized window covariance")
      ->capture_default_str();
  g->add_option("--sigma", o.train.sigma, "DSM noise σ (standardized units)")->capture_default_str();
  g->add_option("--sigma-max", o.train.sigma_max, "dsm_multi: largest σ")->capture_default_str();
  g->add_option("--sigma-levels", o.train.sigma_levels, "dsm_multi: number of σ levels")->capture_default_str();
  g->add_option("--epochs", o.train.epochs, "maximum epochs per model")->capture_default_str();
  g->add_option("--batch", o.train.batch, "minibatch size")->capture_default_str();
  g->add_option("--lr", o.train.learning_rate, "Adam learning rate")->capture_default_str();
  g->add_option("--l1", o.train.l1, "L1 penalty on the couplings")->capture_default_str();
  g->add_flag("--freeze-quadratic", o.train.freeze_quadratic,
              "train only the nonlinear parts; keep the closed-form Gaussian part fixed");
  g->add_option("--patience", o.train.patience, "early-stopping patience in epochs (0 = off)")->capture_default_str();
  g->add_option("--validation-fraction", o.train.validation_fraction, "training windows held out for early stopping")
      ->capture_default_str();
  g->add_option("--seed", o.train.seed, "random seed")->capture_default_str();
  g->add_option("--pvalue", a.pvalue, "hac | hac_null | shift")->default_str(a.pvalue);
  g->add_option("--bandwidth", o.test.bandwidth, "HAC Bartlett bandwidth in windows (-1 = Andrews plug-in)")
      ->capture_default_str();
  g->add_option("--shifts", o.test.shifts, "shift p-values: number of circular shifts")->capture_default_str();
  g->add_option("--correction", a.correction, "precision correction of the effect: diagonal | full")
      ->default_str(a.correction);
  g->add_flag("--uncentred", a.uncentred, "do not subtract score means before forming products");
  g->add_flag("--no-volatility", a.no_volatility, "skip the volatility test");
  g->add_flag("!--no-progress", a.progress, "no progress bar");
}

namespace {

// One line, redrawn in place, only on a terminal.
void DrawProgress(const std::string& phase, int epoch, int epochs, double loss) {
  const int width = 30;
  const int done = epochs > 0 ? width * std::min(epoch, epochs) / epochs : width;
  fmt::print(stderr, "\r{:<10} [{:<{}}] epoch {:>4}/{:<4} held-out loss {:>11.5g}", phase, std::string(done, '#'),
             width, epoch, epochs, loss);
  std::fflush(stderr);
}

}  // namespace

Result<FitResult> RunSbtg(const Recording& rec, SbtgArgs a, int lags, FdrMethod fdr, double alpha) {
  SbtgOptions o = a.options;
  o.lags = lags;
  o.test.fdr = fdr;
  o.test.alpha = alpha;
  o.test.centred = !a.uncentred;
  o.test.volatility = !a.no_volatility;
  auto model = ParseScoreModelKind(a.model);
  if (!model.ok()) return model.status().WithContext("--model");
  auto objective = ParseObjective(a.objective);
  if (!objective.ok()) return objective.status().WithContext("--objective");
  auto scoring = ParseScoringMode(a.scoring);
  if (!scoring.ok()) return scoring.status().WithContext("--scoring");
  auto pvalue = ParsePValueMode(a.pvalue);
  if (!pvalue.ok()) return pvalue.status().WithContext("--pvalue");
  auto correction = ParseCorrection(a.correction);
  if (!correction.ok()) return correction.status().WithContext("--correction");
  o.model.kind = *model;
  o.train.objective = *objective;
  o.scoring = *scoring;
  o.test.pvalue = *pvalue;
  o.test.correction = *correction;
  const bool tty = a.progress && isatty(fileno(stderr)) != 0;
  ProgressCallback progress;
  if (tty) progress = DrawProgress;
  auto result = FitSbtg(rec, o, progress);
  if (tty) fmt::print(stderr, "\n");
  return result;
}

}  // namespace sbtg::cli
