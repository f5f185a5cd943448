// FitBaseline: validation, the shared windows and moments, dispatch to one method, multiple
// testing.
#include "sbtg/baselines.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <string>

#include "engine/baselines/methods.hpp"
#include "sbtg/windows.hpp"

namespace sbtg {
namespace {

struct MethodName {
  BaselineMethod method;
  std::string_view name;
};
constexpr std::array<MethodName, 4> kMethodNames{
    {{BaselineMethod::kPearson, "pearson"},
     {BaselineMethod::kVar, "var"},
     {BaselineMethod::kGranger, "granger"},
     {BaselineMethod::kGrangerPairwise, "granger_pairwise"}}};

// A neuron whose variance over the windows is below this fraction of the average has no information
// (and would make the regressions singular).
constexpr double kMinRelativeVariance = 1e-14;

class Stopwatch {
 public:
  double Lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

Status ValidateOptions(const BaselineOptions& o) {
  if (o.lags < 1)
    return Status::InvalidArgument("lags must be >= 1, got " + std::to_string(o.lags));
  if (!std::isfinite(o.ridge) || o.ridge < 0) {
    return Status::InvalidArgument("ridge must be finite and >= 0, got " + std::to_string(o.ridge));
  }
  if (!(o.alpha > 0 && o.alpha < 1)) {
    return Status::InvalidArgument("alpha must be in (0, 1), got " + std::to_string(o.alpha));
  }
  return Status::Ok();
}

// Smallest window count for which the method's test has at least one residual degree of freedom.
Eigen::Index MinWindows(BaselineMethod method, Eigen::Index n, int lags) {
  switch (method) {
    case BaselineMethod::kPearson:
      return 4;
    case BaselineMethod::kVar:
    case BaselineMethod::kGranger:
      return n * lags + 2;
    case BaselineMethod::kGrangerPairwise:
      return 2 * static_cast<Eigen::Index>(lags) + 2;
  }
  return 0;
}

Status CheckWindows(const Recording& rec, const WindowBlocks& w, BaselineMethod method, int lags) {
  const Eigen::Index need = MinWindows(method, rec.n(), lags);
  if (w.count() >= need) return Status::Ok();
  return Status::InvalidArgument(
      std::string(ToString(method)) + " with lags = " + std::to_string(lags) + " on " +
      std::to_string(rec.n()) + " neurons needs at least " + std::to_string(need) +
      " windows, but the recording (" + std::to_string(rec.total_frames()) + " frames in " +
      std::to_string(rec.segments.size()) + " segments) has " + std::to_string(w.count()));
}

Status CheckNotConstant(const Recording& rec, const baselines::LaggedMoments& m) {
  const double floor = kMinRelativeVariance * m.target_ss.mean();
  for (Eigen::Index i = 0; i < m.regressor_ss.size(); ++i) {
    const Eigen::Index neuron = i % m.n;
    if (!(m.regressor_ss[i] > floor) || !(m.target_ss[neuron] > floor)) {
      return Status::InvalidArgument("neuron '" + rec.names[static_cast<size_t>(neuron)] +
                                     "' is constant over the analysis windows; remove it");
    }
  }
  return Status::Ok();
}

Result<baselines::MethodOutput> RunMethod(BaselineMethod method, const Recording& data,
                                          const baselines::LaggedMoments& m,
                                          const BaselineOptions& options) {
  switch (method) {
    case BaselineMethod::kPearson:
      return baselines::FitPearson(data, m);
    case BaselineMethod::kVar:
      return baselines::FitVar(m, options.ridge);
    case BaselineMethod::kGranger:
      return baselines::FitGranger(m);
    case BaselineMethod::kGrangerPairwise:
      return baselines::FitGrangerPairwise(m);
  }
  return Status::Internal("unhandled baseline method");
}

// counts["per_lag"] has the layout of docs/output-format.md (the writer recomputes the same
// values); counts["untestable_per_lag"] counts off-diagonal pairs whose p is NaN (e.g. collinear
// pairs).
void AddMultipleTesting(FitResult& result, const BaselineOptions& options) {
  const Eigen::Index n = result.n();
  nlohmann::json per_lag = nlohmann::json::object();
  nlohmann::json untestable = nlohmann::json::object();
  for (LagResult& lag : result.lags) {
    lag.q = AdjustOffDiagonal(lag.p, options.fdr);
    lag.selected = SelectEdges(lag.effect, lag.q, options.alpha);
    const auto positive = (lag.selected.array() > 0).count();
    const auto negative = (lag.selected.array() < 0).count();
    const std::string key = std::to_string(lag.lag);
    per_lag[key] = {{"tested", n * (n - 1)},
                    {"selected", positive + negative},
                    {"excitatory", positive},
                    {"inhibitory", negative}};
    untestable[key] = lag.p.array().isNaN().count() - lag.p.diagonal().array().isNaN().count();
  }
  result.counts["per_lag"] = per_lag;
  result.counts["untestable_per_lag"] = untestable;
}

nlohmann::json BaseSettings(BaselineMethod method, const BaselineOptions& options) {
  return {{"method", ToString(method)}, {"lags", options.lags},
          {"ridge", options.ridge},     {"fdr", ToString(options.fdr)},
          {"alpha", options.alpha},     {"standardize", options.standardize},
          {"intercept", true},          {"p_values", "two-sided"}};
}

}  // namespace

Result<BaselineMethod> ParseBaselineMethod(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string accepted;
  for (const MethodName& m : kMethodNames) {
    if (lower == m.name) return m.method;
    accepted += (accepted.empty() ? "" : ", ") + std::string(m.name);
  }
  return Status::InvalidArgument("unknown baseline method '" + std::string(name) +
                                 "' (accepted: " + accepted + ")");
}

std::string_view ToString(BaselineMethod method) {
  for (const MethodName& m : kMethodNames) {
    if (m.method == method) return m.name;
  }
  return "unknown";
}

Result<FitResult> FitBaseline(const Recording& rec, BaselineMethod method,
                              const BaselineOptions& options) {
  Stopwatch clock;
  SBTG_RETURN_IF_ERROR(ValidateOptions(options).WithContext(std::string(ToString(method))));
  SBTG_RETURN_IF_ERROR(rec.Validate());
  FitResult result;
  const Recording data = options.standardize ? Standardizer::Fit(rec).Apply(rec) : rec;
  result.timings["standardize"] = clock.Lap();
  const WindowBlocks windows = BuildWindows(data, options.lags);
  SBTG_RETURN_IF_ERROR(CheckWindows(rec, windows, method, options.lags));
  result.timings["windows"] = clock.Lap();
  const baselines::LaggedMoments moments =
      baselines::ComputeMoments(windows, method != BaselineMethod::kPearson);
  SBTG_RETURN_IF_ERROR(CheckNotConstant(rec, moments));
  result.timings["moments"] = clock.Lap();
  Result<baselines::MethodOutput> out = RunMethod(method, data, moments, options);
  if (!out.ok()) return out.status().WithContext(std::string(ToString(method)));
  result.timings["estimate"] = clock.Lap();

  result.method = std::string(ToString(method));
  result.names = rec.names;
  result.frame_period = rec.frame_period;
  result.frames = rec.total_frames();
  result.segments = static_cast<Eigen::Index>(rec.segments.size());
  result.windows = windows.count();
  result.settings = BaseSettings(method, options);
  result.settings.update(out->settings);
  result.lags = std::move(out->lags);
  AddMultipleTesting(result, options);
  result.timings["multiple_testing"] = clock.Lap();
  double total = 0;
  for (const auto& [phase, seconds] : result.timings.items()) total += seconds.get<double>();
  result.timings["total"] = total;
  return result;
}

}  // namespace sbtg
