// Neuron-name normalisation, class collapse, and class-level aggregation of a FitResult.
//
// Rules checked against the three sources the project joins (see docs/evaluation.md): Cook et al.
// 2019 (DA01, VB01, CEPshDL), the Randi atlas nodes (DA1, VB1) and Flavell NeuroPAL labels (VB02,
// "RMF?").
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/eval/internal.hpp"
#include "sbtg/eval.hpp"

namespace sbtg {

namespace {

// Classes whose own name ends in L or R (singletons such as AVL, or classes like OLL whose members
// are OLLL/OLLR): the trailing letter is not a side, so NeuronClass must not strip it.
constexpr std::array<std::string_view, 8> kClassesEndingInLR = {"ADL", "AQR", "AVL", "GLR",
                                                                "OLL", "PQR", "PVR", "RIR"};
// Classes with dorsal/ventral members (RMDDL, RMED, SABD, IL1VR, ...).
constexpr std::array<std::string_view, 16> kDorsoVentralClasses = {
    "CEP", "CEPSH", "GLR", "IL1", "IL2", "OLQ", "RMD", "RME",
    "SAA", "SAB",   "SIA", "SIB", "SMB", "SMD", "URA", "URY"};
// Numbered ventral-cord motor neurons (AS1..AS11, DA1..DA9, ..., VC1..VC6).
constexpr std::array<std::string_view, 8> kVentralCordClasses = {"AS", "DA", "DB", "DD",
                                                                 "VA", "VB", "VC", "VD"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

std::string_view TrimSpace(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Removes leading zeros of a trailing number preceded by a non-digit: VB01 → VB1, AS10 unchanged.
std::string StripZeroPadding(std::string name) {
  size_t start = name.size();
  while (start > 0 && IsDigit(name[start - 1])) --start;
  if (start == 0 || start == name.size()) return name;
  size_t first_nonzero = start;
  while (first_nonzero + 1 < name.size() && name[first_nonzero] == '0') ++first_nonzero;
  name.erase(start, first_nonzero - start);
  return name;
}

// "VB1" → "VB" when the letters are a ventral-cord class and the rest is a number.
std::string VentralCordClass(const std::string& name) {
  const size_t digits = name.find_first_of("0123456789");
  if (digits == std::string::npos || digits == 0) return {};
  const std::string letters = name.substr(0, digits);
  const bool all_digits =
      std::all_of(name.begin() + static_cast<long>(digits), name.end(), IsDigit);
  return all_digits && Contains(kVentralCordClasses, letters) ? letters : std::string{};
}

}  // namespace

std::string NormalizeNeuronName(const std::string& name) {
  std::string_view trimmed = TrimSpace(name);
  while (!trimmed.empty() && trimmed.back() == '?') trimmed.remove_suffix(1);
  std::string out(TrimSpace(trimmed));
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return StripZeroPadding(std::move(out));
}

std::string NeuronClass(const std::string& name) {
  std::string n = NormalizeNeuronName(name);
  if (std::string vc = VentralCordClass(n); !vc.empty()) return vc;
  if (Contains(kClassesEndingInLR, n)) return n;
  if (n.size() >= 3 && (n.back() == 'L' || n.back() == 'R')) n.pop_back();
  if (n.size() >= 2 && (n.back() == 'D' || n.back() == 'V') &&
      Contains(kDorsoVentralClasses, std::string_view(n).substr(0, n.size() - 1))) {
    n.pop_back();
  }
  return n;
}

namespace eval_internal {

ClassGroups GroupByClass(const std::vector<std::string>& names) {
  ClassGroups groups;
  std::map<std::string, size_t> index;
  for (size_t k = 0; k < names.size(); ++k) {
    const std::string cls = NeuronClass(names[k]);
    auto it = cls.empty() ? index.end() : index.find(cls);
    if (it == index.end()) {
      if (!cls.empty()) index.emplace(cls, groups.classes.size());
      groups.classes.push_back(cls);
      groups.members.emplace_back();
      groups.members.back().push_back(static_cast<Eigen::Index>(k));
    } else {
      groups.members[it->second].push_back(static_cast<Eigen::Index>(k));
    }
  }
  return groups;
}

}  // namespace eval_internal

std::vector<std::string> ClassNames(const std::vector<std::string>& names) {
  return eval_internal::GroupByClass(names).classes;
}

namespace {

using eval_internal::ClassGroups;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// |v| for ranking members; NaN ranks below every real value.
double Magnitude(double v) { return std::isnan(v) ? -1.0 : std::abs(v); }

double MinIgnoringNaN(double current, double v) {
  if (std::isnan(v)) return current;
  return std::isnan(current) ? v : std::min(current, v);
}

// One class pair of one lag: the member pairs (target j in A, source i in B, j ≠ i) folded
// together.
struct ClassCell {
  double effect = kNaN, p = kNaN, q = kNaN;
  std::int8_t selected = 0;
  double selected_magnitude = -2.0;  // |effect| of the member whose sign `selected` holds

  void Add(const LagResult& lag, Eigen::Index j, Eigen::Index i) {
    const double e = lag.effect(j, i);
    if (Magnitude(e) > Magnitude(effect)) effect = e;
    if (lag.p.size() > 0) p = MinIgnoringNaN(p, lag.p(j, i));
    if (lag.q.size() > 0) q = MinIgnoringNaN(q, lag.q(j, i));
    if (lag.selected.size() > 0 && lag.selected(j, i) != 0 && Magnitude(e) > selected_magnitude) {
      selected = lag.selected(j, i);
      selected_magnitude = Magnitude(e);
    }
  }
};

LagResult AggregateLag(const LagResult& lag, const ClassGroups& groups) {
  const auto m = static_cast<Eigen::Index>(groups.classes.size());
  LagResult out;
  out.lag = lag.lag;
  out.effect = Eigen::MatrixXd::Constant(m, m, kNaN);
  if (lag.p.size() > 0) out.p = Eigen::MatrixXd::Constant(m, m, kNaN);
  if (lag.q.size() > 0) out.q = Eigen::MatrixXd::Constant(m, m, kNaN);
  if (lag.selected.size() > 0) out.selected = Int8Matrix::Zero(m, m);
  for (Eigen::Index a = 0; a < m; ++a) {
    for (Eigen::Index b = 0; b < m; ++b) {
      ClassCell cell;
      for (const Eigen::Index j : groups.members[static_cast<size_t>(a)]) {
        for (const Eigen::Index i : groups.members[static_cast<size_t>(b)]) {
          if (j != i) cell.Add(lag, j, i);
        }
      }
      out.effect(a, b) = cell.effect;
      if (out.p.size() > 0) out.p(a, b) = cell.p;
      if (out.q.size() > 0) out.q(a, b) = cell.q;
      if (out.selected.size() > 0) out.selected(a, b) = cell.selected;
    }
  }
  return out;
}

}  // namespace

Result<FitResult> AggregateToClasses(const FitResult& result) {
  SBTG_RETURN_IF_ERROR(eval_internal::CheckResultShapes(result));
  const ClassGroups groups = eval_internal::GroupByClass(result.names);
  FitResult out = result;
  out.names = groups.classes;
  out.lags.clear();
  for (const LagResult& lag : result.lags) out.lags.push_back(AggregateLag(lag, groups));
  return out;
}

}  // namespace sbtg
