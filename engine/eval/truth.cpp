// Truth::AtLag and the matrix / edge-list truths: orientation, name joining, class collapse.
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/eval/internal.hpp"
#include "sbtg/eval.hpp"

namespace sbtg {

Eigen::MatrixXd Truth::AtLag(int lag, Eigen::Index n) const {
  if (lag >= 1 && static_cast<size_t>(lag) <= lags.size())
    return lags[static_cast<size_t>(lag) - 1];
  if (any_lag) return *any_lag;
  return Eigen::MatrixXd::Zero(n, n);
}

namespace {

// One axis of a truth file: join key (normalised name or class) → indices along that axis.
using Axis = std::map<std::string, std::vector<Eigen::Index>>;

// The truth file oriented as [target, source], with both axes keyed for joining.
struct OrientedTruth {
  Eigen::MatrixXd values;
  Axis targets, sources;
};

Status ValidateOptions(const MatrixTruthOptions& options) {
  if (!std::isfinite(options.threshold) || options.threshold < 0.0) {
    return Status::InvalidArgument("MatrixTruthOptions.threshold must be finite and >= 0, got " +
                                   std::to_string(options.threshold));
  }
  return Status::Ok();
}

Result<Axis> BuildAxis(const std::vector<std::string>& names, bool class_level,
                       const std::string& what) {
  Axis axis;
  std::map<std::string, std::string> original;  // key → first name seen, for the error message
  for (size_t k = 0; k < names.size(); ++k) {
    const std::string key = class_level ? NeuronClass(names[k]) : NormalizeNeuronName(names[k]);
    if (key.empty())
      return Status::ParseError(what + " name " + std::to_string(k + 1) + " is empty");
    auto& members = axis[key];
    if (!class_level && !members.empty()) {
      return Status::ParseError(what + " names '" + original[key] + "' and '" + names[k] +
                                "' are the same neuron after normalisation ('" + key + "')");
    }
    original.emplace(key, names[k]);
    members.push_back(static_cast<Eigen::Index>(k));
  }
  return axis;
}

Result<OrientedTruth> Orient(const NamedMatrix& m, const MatrixTruthOptions& options,
                             const std::string& file) {
  const bool rows_src = options.rows_are_sources;
  OrientedTruth out;
  out.values = rows_src ? Eigen::MatrixXd(m.values.transpose()) : m.values;
  auto targets = BuildAxis(rows_src ? m.col_names : m.row_names, options.class_level,
                           file + ": " + (rows_src ? "column" : "row"));
  if (!targets.ok()) return targets.status();
  auto sources = BuildAxis(rows_src ? m.row_names : m.col_names, options.class_level,
                           file + ": " + (rows_src ? "row" : "column"));
  if (!sources.ok()) return sources.status();
  out.targets = std::move(*targets);
  out.sources = std::move(*sources);
  return out;
}

// Value for (target key, source key): the member entry of largest |value|; nullopt when either key
// is absent from the truth (undefined pair).
std::optional<double> Lookup(const OrientedTruth& t, const std::string& target,
                             const std::string& source) {
  const auto tj = t.targets.find(target);
  const auto si = t.sources.find(source);
  if (tj == t.targets.end() || si == t.sources.end()) return std::nullopt;
  double best = 0.0;
  for (const Eigen::Index j : tj->second) {
    for (const Eigen::Index i : si->second) {
      if (std::abs(t.values(j, i)) > std::abs(best)) best = t.values(j, i);
    }
  }
  return best;
}

std::optional<double> Larger(std::optional<double> a, std::optional<double> b) {
  if (!a) return b;
  if (!b) return a;
  return std::abs(*b) > std::abs(*a) ? b : a;
}

Eigen::MatrixXd Join(const OrientedTruth& t, const std::vector<std::string>& keys,
                     const MatrixTruthOptions& options) {
  const auto n = static_cast<Eigen::Index>(keys.size());
  Eigen::MatrixXd out = Eigen::MatrixXd::Constant(n, n, std::numeric_limits<double>::quiet_NaN());
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      const std::string& target = keys[static_cast<size_t>(j)];
      const std::string& source = keys[static_cast<size_t>(i)];
      // The diagonal, and two columns holding the same neuron (or class), are not pairs.
      if (j == i || target.empty() || target == source) continue;
      std::optional<double> v = Lookup(t, target, source);
      if (options.undirected) v = Larger(v, Lookup(t, source, target));
      if (v) out(j, i) = std::abs(*v) > options.threshold ? *v : 0.0;
    }
  }
  return out;
}

std::string Describe(const std::filesystem::path& file, const MatrixTruthOptions& options,
                     size_t joined, size_t n) {
  std::string d =
      file.string() + " (" + (options.rows_are_sources ? "rows are sources" : "rows are targets");
  if (options.class_level) d += ", class level";
  if (options.undirected) d += ", undirected";
  if (options.threshold > 0.0) d += ", edge if |value| > " + std::to_string(options.threshold);
  return d + "; " + std::to_string(joined) + "/" + std::to_string(n) + " names joined)";
}

std::string FirstNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t k = 0; k < names.size() && k < 3; ++k) out += (k ? ", '" : "'") + names[k] + "'";
  return out;
}

Result<Truth> BuildTruth(const NamedMatrix& m, const std::filesystem::path& file,
                         const std::vector<std::string>& recording_names,
                         const MatrixTruthOptions& options) {
  auto oriented = Orient(m, options, file.string());
  if (!oriented.ok()) return oriented.status();
  Truth truth;
  std::vector<std::string> keys;
  if (options.class_level) {
    truth.names = ClassNames(recording_names);
    keys = truth.names;  // NeuronClass is idempotent on class names
  } else {
    truth.names = recording_names;
    for (const std::string& name : recording_names) keys.push_back(NormalizeNeuronName(name));
  }
  size_t joined = 0;
  for (const std::string& key : keys) {
    joined += (oriented->targets.count(key) + oriented->sources.count(key)) > 0 ? 1 : 0;
  }
  if (joined == 0) {
    return Status::InvalidArgument(file.string() + ": none of the " + std::to_string(keys.size()) +
                                   " recording names (" + FirstNames(recording_names) +
                                   ", ...) matches a name in the truth (" +
                                   FirstNames(m.row_names) + ", ...)");
  }
  truth.any_lag = Join(*oriented, keys, options);
  truth.description = Describe(file, options, joined, keys.size());
  truth.signed_truth = options.signed_truth;
  return truth;
}

}  // namespace

Result<Truth> LoadMatrixTruth(const std::filesystem::path& file,
                              const std::vector<std::string>& recording_names,
                              const MatrixTruthOptions& options) {
  SBTG_RETURN_IF_ERROR(ValidateOptions(options));
  auto matrix = ReadNamedMatrixCsv(file);
  if (!matrix.ok()) return matrix.status();
  return BuildTruth(*matrix, file, recording_names, options);
}

Result<Truth> LoadEdgeListTruth(const std::filesystem::path& file,
                                const std::vector<std::string>& recording_names,
                                const MatrixTruthOptions& options) {
  SBTG_RETURN_IF_ERROR(ValidateOptions(options));
  auto matrix = eval_internal::ReadEdgeList(file);
  if (!matrix.ok()) return matrix.status();
  return BuildTruth(*matrix, file, recording_names, options);
}

}  // namespace sbtg
