// `sbtg fit`: fits one method on a recording and writes the result directory
// (docs/output-format.md).
//
// One dispatch point: kMethods maps each --method name to its runner. Options every method shares
// (input, output, lags, multiple testing) live in CommonArgs; a method family's own options live in
// its own struct, registered by its Add*Options. `--method sbtg` slots in as one more kMethods
// entry with an SbtgArgs member and an AddSbtgOptions call.
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sbtg/baselines.hpp"
#include "sbtg/io.hpp"
#include "tools/sbtg/commands.hpp"
#include "tools/sbtg/fit_sbtg.hpp"

namespace sbtg::cli {

namespace {

struct CommonArgs {
  std::string method;
  std::vector<std::string> inputs;
  std::string out;
  ReadOptions read;
  bool no_header = false;
  int lags = 1;
  std::string fdr = "bh";
  double alpha = 0.1;
};

struct BaselineArgs {
  double ridge = BaselineOptions{}.ridge;
  bool no_standardize = false;
};

struct FitArgs {
  CommonArgs common;
  BaselineArgs baseline;
  SbtgArgs sbtg;
};

using Runner = Result<FitResult> (*)(const Recording&, const FitArgs&, FdrMethod);

Result<FitResult> RunBaseline(const Recording& rec, const FitArgs& a, FdrMethod fdr) {
  auto method = ParseBaselineMethod(a.common.method);
  if (!method.ok()) return method.status();
  BaselineOptions o;
  o.lags = a.common.lags;
  o.fdr = fdr;
  o.alpha = a.common.alpha;
  o.ridge = a.baseline.ridge;
  o.standardize = !a.baseline.no_standardize;
  return FitBaseline(rec, *method, o);
}

Result<FitResult> RunSbtgMethod(const Recording& rec, const FitArgs& a, FdrMethod fdr) {
  return RunSbtg(rec, a.sbtg, a.common.lags, fdr, a.common.alpha);
}

struct MethodEntry {
  std::string_view name;
  Runner run;
};
constexpr std::array<MethodEntry, 5> kMethods{{{"sbtg", RunSbtgMethod},
                                               {"pearson", RunBaseline},
                                               {"var", RunBaseline},
                                               {"granger", RunBaseline},
                                               {"granger_pairwise", RunBaseline}}};

Result<Runner> FindMethod(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string accepted;
  for (const MethodEntry& m : kMethods) {
    if (lower == m.name) return m.run;
    accepted += (accepted.empty() ? "" : ", ") + std::string(m.name);
  }
  return Status::InvalidArgument("unknown --method '" + name + "' (accepted: " + accepted + ")");
}

// What was read and how, so that the result directory alone says how to reproduce it.
void RecordInputs(const CommonArgs& a, FitResult& result) {
  result.settings["input_files"] = a.inputs;
  result.settings["time_column"] = a.read.time_column;
  result.settings["segment_column"] = a.read.segment_column;
  result.settings["transpose"] = a.read.transpose;
  result.settings["has_header"] = a.read.has_header;
  result.settings["frame_period_option"] = a.read.frame_period;
}

void PrintSummary(const FitResult& r, const CommonArgs& a, double seconds) {
  fmt::print("sbtg fit: method {}, {} neurons, {} frames in {} segment(s), {} windows\n", r.method,
             r.n(), r.frames, r.segments, r.windows);
  for (const LagResult& lag : r.lags) {
    const auto positive = (lag.selected.array() > 0).count();
    const auto negative = (lag.selected.array() < 0).count();
    fmt::print("  lag {}: {} selected ({} excitatory, {} inhibitory) of {} pairs at q <= {} ({})\n",
               lag.lag, positive + negative, positive, negative, r.n() * (r.n() - 1), a.alpha,
               a.fdr);
  }
  const auto warnings = r.settings.find("warnings");
  if (warnings != r.settings.end()) {
    for (const auto& w : *warnings)
      fmt::print(stderr, "sbtg fit: warning: {}\n", w.get<std::string>());
  }
  fmt::print("  fitted in {:.3f} s ({:.3f} s in all); wrote {}\n", r.timings.value("total", 0.0),
             seconds, a.out);
}

Status RunFit(FitArgs a) {
  const auto start = std::chrono::steady_clock::now();
  auto runner = FindMethod(a.common.method);
  if (!runner.ok()) return runner.status();
  auto fdr = ParseFdrMethod(a.common.fdr);
  if (!fdr.ok()) return fdr.status().WithContext("--fdr");
  a.common.read.has_header = !a.common.no_header;
  const std::vector<std::filesystem::path> files(a.common.inputs.begin(), a.common.inputs.end());
  auto rec = ReadRecording(files, a.common.read);
  if (!rec.ok()) return rec.status();
  auto result = (*runner)(*rec, a, *fdr);
  if (!result.ok()) return result.status();
  RecordInputs(a.common, *result);
  SBTG_RETURN_IF_ERROR(WriteFitResult(a.common.out, *result));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintSummary(*result, a.common, seconds);
  return Status::Ok();
}

void AddCommonOptions(CLI::App* sub, CommonArgs& a) {
  sub->add_option("--method", a.method, "sbtg | pearson | var | granger | granger_pairwise")->required();
  sub->add_option("--out", a.out, "result directory to write")->required();
  sub->add_option("inputs", a.inputs, "recording files (.csv, .tsv, .npy); each is a segment")
      ->required();
  sub->add_option("--lags", a.lags, "P: lags 1..P are estimated, in frames (default 1)");
  sub->add_option("--fdr", a.fdr, "multiple testing per lag: bh | by (default bh)");
  sub->add_option("--alpha", a.alpha, "FDR level for selected edges, in (0, 1) (default 0.1)");
  sub->add_option("--time-column", a.read.time_column, "CSV time column (default: auto-detect)");
  sub->add_option("--segment-column", a.read.segment_column, "CSV column labelling segments");
  sub->add_option("--frame-period", a.read.frame_period,
                  "seconds per frame (default: from the time column, else unknown)");
  sub->add_flag("--transpose", a.read.transpose, "the array is neurons × frames");
  sub->add_flag("--no-header", a.no_header, "CSV without a header line (neurons named n000, …)");
}

void AddBaselineOptions(CLI::App* sub, BaselineArgs& a) {
  sub->add_option("--ridge", a.ridge,
                  "var: ridge relative to the mean Gram diagonal, >= 0 (default 1e-3)");
  sub->add_flag("--no-standardize", a.no_standardize,
                "fit raw values instead of z-scored neurons (effects then in data units)");
}

}  // namespace

void RegisterFit(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<FitArgs>();
  auto* sub =
      app.add_subcommand("fit", "Fit a method on a recording and write the result directory");
  AddCommonOptions(sub, args->common);
  AddBaselineOptions(sub, args->baseline);
  AddSbtgOptions(sub, args->sbtg);
  sub->callback([args, &exit_code] {
    const Status status = RunFit(*args);
    exit_code = status.ok() ? 0 : ReportError("fit", status);
  });
}

}  // namespace sbtg::cli
