#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

#include "sbtg/estimator.hpp"

namespace sbtg {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// One table per enum: the accepted names in order; parsing is case-insensitive and exact.
template <typename E, size_t N>
Result<E> ParseEnum(std::string_view name, const std::array<std::pair<std::string_view, E>, N>& table,
                    std::string_view what) {
  const std::string lower = Lower(name);
  std::string accepted;
  for (const auto& [key, value] : table) {
    if (lower == key) return value;
    accepted += (accepted.empty() ? "" : ", ") + std::string(key);
  }
  return Status::InvalidArgument("unknown " + std::string(what) + " '" + std::string(name) + "' (expected one of: " +
                                 accepted + ")");
}

template <typename E, size_t N>
std::string_view Name(E value, const std::array<std::pair<std::string_view, E>, N>& table) {
  for (const auto& [key, v] : table) {
    if (v == value) return key;
  }
  return "?";
}

constexpr std::array<std::pair<std::string_view, ScoreModelKind>, 4> kModels{{
    {"gaussian", ScoreModelKind::kGaussian},
    {"linear", ScoreModelKind::kLinear},
    {"feature_bilinear", ScoreModelKind::kFeatureBilinear},
    {"regime_gated", ScoreModelKind::kRegimeGated},
}};
constexpr std::array<std::pair<std::string_view, Objective>, 3> kObjectives{{
    {"exact", Objective::kExact},
    {"dsm", Objective::kDenoising},
    {"dsm_multi", Objective::kDenoisingMulti},
}};
constexpr std::array<std::pair<std::string_view, ScoringMode>, 2> kScoring{{
    {"crossfit", ScoringMode::kCrossfit},
    {"insample", ScoringMode::kInsample},
}};
constexpr std::array<std::pair<std::string_view, PValueMode>, 3> kPValues{{
    {"hac", PValueMode::kHac},
    {"hac_null", PValueMode::kHacNull},
    {"shift", PValueMode::kShift},
}};
constexpr std::array<std::pair<std::string_view, Correction>, 2> kCorrections{{
    {"diagonal", Correction::kDiagonal},
    {"full", Correction::kFull},
}};

}  // namespace

Result<ScoreModelKind> ParseScoreModelKind(std::string_view name) { return ParseEnum(name, kModels, "score model"); }
Result<Objective> ParseObjective(std::string_view name) { return ParseEnum(name, kObjectives, "objective"); }
Result<ScoringMode> ParseScoringMode(std::string_view name) { return ParseEnum(name, kScoring, "scoring mode"); }
Result<PValueMode> ParsePValueMode(std::string_view name) { return ParseEnum(name, kPValues, "p-value mode"); }
Result<Correction> ParseCorrection(std::string_view name) { return ParseEnum(name, kCorrections, "correction"); }
std::string_view ToString(ScoreModelKind v) { return Name(v, kModels); }
std::string_view ToString(Objective v) { return Name(v, kObjectives); }
std::string_view ToString(ScoringMode v) { return Name(v, kScoring); }
std::string_view ToString(PValueMode v) { return Name(v, kPValues); }
std::string_view ToString(Correction v) { return Name(v, kCorrections); }

Status SbtgOptions::Validate() const {
  auto bad = [](const std::string& field, const std::string& why) {
    return Status::InvalidArgument("option '" + field + "': " + why);
  };
  if (lags < 1) return bad("lags", "must be >= 1");
  if (scoring == ScoringMode::kCrossfit && folds < 2) return bad("folds", "cross-fitting needs at least 2 folds");
  if (purge < -1) return bad("purge", "must be >= 0, or -1 for automatic");
  if (model.hidden < 1) return bad("hidden", "must be >= 1");
  if (model.feature_hidden < 1) return bad("feature_hidden", "must be >= 1");
  if (model.regimes < 1) return bad("regimes", "must be >= 1");
  if (!(model.ridge >= 0)) return bad("ridge", "must be >= 0");
  if (!(model.shrinkage == -1 || (model.shrinkage >= 0 && model.shrinkage <= 1))) {
    return bad("shrinkage", "must be in [0, 1], or -1 for Ledoit-Wolf");
  }
  if (!(train.sigma > 0)) return bad("sigma", "must be > 0");
  if (train.objective == Objective::kDenoisingMulti && !(train.sigma_max > train.sigma)) {
    return bad("sigma_max", "must exceed sigma for an annealed schedule");
  }
  if (train.sigma_levels < 1) return bad("sigma_levels", "must be >= 1");
  if (train.epochs < 0) return bad("epochs", "must be >= 0");
  if (train.batch < 1) return bad("batch", "must be >= 1");
  if (!(train.learning_rate > 0)) return bad("learning_rate", "must be > 0");
  if (!(train.l1 >= 0)) return bad("l1", "must be >= 0");
  if (!(train.validation_fraction >= 0 && train.validation_fraction < 0.5)) {
    return bad("validation_fraction", "must be in [0, 0.5)");
  }
  if (train.patience < 0) return bad("patience", "must be >= 0");
  if (model.kind == ScoreModelKind::kRegimeGated && train.objective == Objective::kExact) {
    return bad("objective", "exact score matching is not available for regime_gated (its gate's Laplacian "
                            "terms are not implemented); use dsm or dsm_multi");
  }
  if (test.bandwidth < -1) return bad("bandwidth", "must be >= 0, or -1 for automatic");
  if (test.shifts < 2) return bad("shifts", "must be >= 2");
  if (!(test.alpha > 0 && test.alpha < 1)) return bad("alpha", "must be in (0, 1)");
  return Status::Ok();
}

}  // namespace sbtg
