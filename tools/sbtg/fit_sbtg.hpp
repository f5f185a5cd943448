// `sbtg fit --method sbtg`: the SBTG estimator's command-line options and runner.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "sbtg/estimator.hpp"
#include "sbtg/recording.hpp"
#include "sbtg/result.hpp"

namespace sbtg::cli {

struct SbtgArgs {
  std::string model = std::string(ToString(ModelOptions{}.kind));
  std::string objective = std::string(ToString(TrainOptions{}.objective));
  std::string scoring = std::string(ToString(SbtgOptions{}.scoring));
  std::string pvalue = std::string(ToString(TestOptions{}.pvalue));
  std::string correction = std::string(ToString(TestOptions{}.correction));
  bool uncentred = false;
  bool no_volatility = false;
  bool progress = true;
  SbtgOptions options;  // numeric fields bound directly
};

void AddSbtgOptions(CLI::App* sub, SbtgArgs& args);

// Parses the named options into args.options (lags, fdr and alpha come from the common options) and fits.
Result<FitResult> RunSbtg(const Recording& rec, SbtgArgs args, int lags, FdrMethod fdr, double alpha);

}  // namespace sbtg::cli
