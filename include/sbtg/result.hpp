// FitResult: what every method (SBTG and the baselines) produces, and what `sbtg eval` consumes.
//
// Every matrix is n × n and indexed [target, source]: M(j, i) is the effect of source neuron i at
// lag r on target neuron j. "effect" is signed with positive = excitatory. Diagonal entries
// (self-effects) are reported in `effect` and `p` but are not tested: q = NaN and selected = 0 there.
// The on-disk layout is documented in docs/output-format.md. Plain value type.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sbtg {

using Int8Matrix = Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic>;

struct LagResult {
  int lag = 1;               // frames
  Eigen::MatrixXd effect;    // [target, source], positive = excitatory
  Eigen::MatrixXd p;         // two-sided p-value of the method's test
  Eigen::MatrixXd q;         // multiple-testing adjusted (per lag, off-diagonal pairs)
  Int8Matrix selected;       // sign(effect) where q <= alpha, else 0
  // Further named n × n matrices written as <name>_lag<r>.npy, e.g. "mu" for SBTG's raw μ̂.
  std::map<std::string, Eigen::MatrixXd> extra;
};

struct FitResult {
  std::string method;               // "pearson", "var", "granger", "granger_pairwise", "sbtg", ...
  std::vector<std::string> names;   // neuron names, index = matrix row/column
  double frame_period = 0.0;        // seconds; 0 = unknown
  Eigen::Index frames = 0;          // total frames used
  Eigen::Index segments = 0;
  Eigen::Index windows = 0;         // samples that entered the estimator
  nlohmann::json settings = nlohmann::json::object();  // every setting, for reproducibility
  nlohmann::json timings = nlohmann::json::object();   // seconds per phase
  nlohmann::json counts = nlohmann::json::object();    // selected edges per lag, etc.
  std::vector<LagResult> lags;

  [[nodiscard]] Eigen::Index n() const { return static_cast<Eigen::Index>(names.size()); }
};

}  // namespace sbtg
