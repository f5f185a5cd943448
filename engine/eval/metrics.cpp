// Rank metrics (AUROC, AUPRC) and the per-lag evaluation of a FitResult against a Truth.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "engine/eval/internal.hpp"
#include "sbtg/eval.hpp"

namespace sbtg {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void CheckSizes(const char* function, const Eigen::VectorXd& scores,
                const Eigen::VectorXi& labels) {
  if (scores.size() != labels.size()) {
    throw SetupError(std::string(function) + ": " + std::to_string(scores.size()) + " scores but " +
                     std::to_string(labels.size()) + " labels");
  }
}

// NaN ranks below every score: replacing it by −inf makes the order total and ties NaNs together.
Eigen::VectorXd RankKeys(const Eigen::VectorXd& scores) {
  return scores.unaryExpr([](double v) { return std::isnan(v) ? -kInf : v; });
}

// Indices sorted by key, descending when `descending`.
std::vector<Eigen::Index> Order(const Eigen::VectorXd& key, bool descending) {
  std::vector<Eigen::Index> order(static_cast<size_t>(key.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return descending ? key[a] > key[b] : key[a] < key[b];
  });
  return order;
}

// End (exclusive) of the group of equal keys that starts at order[begin].
size_t TieGroupEnd(const std::vector<Eigen::Index>& order, const Eigen::VectorXd& key,
                   size_t begin) {
  size_t end = begin + 1;
  while (end < order.size() && key[order[end]] == key[order[begin]]) ++end;
  return end;
}

}  // namespace

double Auroc(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels) {
  CheckSizes("Auroc", scores, labels);
  const Eigen::VectorXd key = RankKeys(scores);
  const std::vector<Eigen::Index> order = Order(key, /*descending=*/false);
  // Mann–Whitney via mid-ranks: a tie between a positive and a negative contributes 1/2.
  double positive_rank_sum = 0.0;
  double positives = 0.0;
  for (size_t begin = 0; begin < order.size();) {
    const size_t end = TieGroupEnd(order, key, begin);
    const double mid_rank =
        0.5 * static_cast<double>(begin + 1 + end);  // mean of ranks begin+1..end
    for (size_t k = begin; k < end; ++k) {
      if (labels[order[k]] != 0) {
        positive_rank_sum += mid_rank;
        positives += 1.0;
      }
    }
    begin = end;
  }
  const double negatives = static_cast<double>(order.size()) - positives;
  if (positives == 0.0 || negatives == 0.0) return kNaN;
  return (positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives);
}

double Auprc(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels) {
  CheckSizes("Auprc", scores, labels);
  const double positives = static_cast<double>((labels.array() != 0).count());
  if (positives == 0.0) return kNaN;
  const Eigen::VectorXd key = RankKeys(scores);
  const std::vector<Eigen::Index> order = Order(key, /*descending=*/true);
  double true_pos = 0.0, false_pos = 0.0, previous_recall = 0.0, average_precision = 0.0;
  for (size_t begin = 0; begin < order.size();) {
    const size_t end = TieGroupEnd(order, key, begin);
    for (size_t k = begin; k < end; ++k) (labels[order[k]] != 0 ? true_pos : false_pos) += 1.0;
    const double recall = true_pos / positives;
    average_precision += (recall - previous_recall) * true_pos / (true_pos + false_pos);
    previous_recall = recall;
    begin = end;
  }
  return average_precision;
}

namespace eval_internal {

namespace {
template <typename Matrix>
Status CheckShape(const Matrix& m, Eigen::Index n, int lag, const char* name, bool required) {
  if (m.size() == 0 && !required) return Status::Ok();
  if (m.rows() == n && m.cols() == n) return Status::Ok();
  return Status::InvalidArgument("lag " + std::to_string(lag) + ": " + name + " is " +
                                 std::to_string(m.rows()) + "x" + std::to_string(m.cols()) +
                                 ", expected " + std::to_string(n) + "x" + std::to_string(n) +
                                 " (one row and column per neuron name)");
}
}  // namespace

Status CheckResultShapes(const FitResult& result) {
  const Eigen::Index n = result.n();
  for (const LagResult& lag : result.lags) {
    if (lag.lag < 1)
      return Status::InvalidArgument("lag " + std::to_string(lag.lag) + " is not >= 1");
    SBTG_RETURN_IF_ERROR(CheckShape(lag.effect, n, lag.lag, "effect", /*required=*/true));
    SBTG_RETURN_IF_ERROR(CheckShape(lag.p, n, lag.lag, "p", /*required=*/false));
    SBTG_RETURN_IF_ERROR(CheckShape(lag.q, n, lag.lag, "q", /*required=*/false));
    SBTG_RETURN_IF_ERROR(CheckShape(lag.selected, n, lag.lag, "selected", /*required=*/false));
  }
  return Status::Ok();
}

}  // namespace eval_internal

namespace {

// Column-major linear indices of the evaluated pairs: off-diagonal and truth defined.
std::vector<Eigen::Index> EvaluatedPairs(const Eigen::MatrixXd& truth) {
  std::vector<Eigen::Index> pairs;
  for (Eigen::Index i = 0; i < truth.cols(); ++i) {
    for (Eigen::Index j = 0; j < truth.rows(); ++j) {
      if (j != i && !std::isnan(truth(j, i))) pairs.push_back(i * truth.rows() + j);
    }
  }
  return pairs;
}

template <typename Matrix>
Eigen::Matrix<typename Matrix::Scalar, Eigen::Dynamic, 1> Gather(
    const Matrix& m, const std::vector<Eigen::Index>& at) {
  Eigen::Matrix<typename Matrix::Scalar, Eigen::Dynamic, 1> out(
      static_cast<Eigen::Index>(at.size()));
  for (size_t k = 0; k < at.size(); ++k) out[static_cast<Eigen::Index>(k)] = m.data()[at[k]];
  return out;
}

double Ratio(Eigen::Index num, Eigen::Index den) {
  return den == 0 ? kNaN : static_cast<double>(num) / static_cast<double>(den);
}

// Precision, recall, F1 and realized FDR of the selected set (selected != 0) among evaluated pairs.
void SelectedSetMetrics(const Eigen::VectorXi& selected, const Eigen::VectorXi& edge,
                        LagMetrics& m) {
  m.selected = (selected.array() != 0).count();
  m.true_selected = ((selected.array() != 0) && (edge.array() != 0)).count();
  m.precision = Ratio(m.true_selected, m.selected);
  m.recall = Ratio(m.true_selected, m.positives);
  // F1 = 2TP / (selected + positives): equal to 2PR/(P+R), and 0 (not undefined) when nothing is
  // selected although edges exist.
  m.f1 = Ratio(2 * m.true_selected, m.selected + m.positives);
  // FDR = V / max(R, 1): 0 when nothing is selected, as in Benjamini–Hochberg's definition.
  m.realized_fdr = m.selected == 0 ? 0.0 : Ratio(m.selected - m.true_selected, m.selected);
}

void SignMetrics(const Eigen::VectorXd& effect, const Eigen::VectorXd& truth, LagMetrics& m) {
  const auto evaluated = (truth.array() != 0) && (effect.array() != 0) && !effect.array().isNaN();
  const auto agree = evaluated && ((effect.array() > 0) == (truth.array() > 0));
  m.sign_evaluated = evaluated.count();
  m.sign_accuracy = Ratio(agree.count(), m.sign_evaluated);
}

void PValueMetrics(const Eigen::VectorXd& p, const Eigen::VectorXi& edge, LagMetrics& m) {
  const auto defined = !p.array().isNaN();
  m.p_defined = defined.count();
  m.frac_p05 = Ratio((defined && (p.array() < 0.05)).count(), m.p_defined);
  m.frac_p01 = Ratio((defined && (p.array() < 0.01)).count(), m.p_defined);
  if (m.p_defined == 0) return;
  const Eigen::VectorXd score = -p.array().log();  // p = 0 → +inf (ranks first), NaN stays NaN
  m.auroc_logp = Auroc(score, edge);
  m.auprc_logp = Auprc(score, edge);
}

LagMetrics EvaluateLag(const LagResult& lag, const Eigen::MatrixXd& truth_matrix,
                       bool signed_truth) {
  LagMetrics m;
  m.lag = lag.lag;
  const std::vector<Eigen::Index> at = EvaluatedPairs(truth_matrix);
  const Eigen::VectorXd truth = Gather(truth_matrix, at);
  const Eigen::VectorXi edge = (truth.array() != 0).cast<int>();
  const Eigen::VectorXd effect = Gather(lag.effect, at);
  m.pairs = truth.size();
  m.positives = edge.sum();
  m.auroc_effect = Auroc(effect.cwiseAbs(), edge);
  m.auprc_effect = Auprc(effect.cwiseAbs(), edge);
  m.auroc_logp = m.auprc_logp = m.frac_p05 = m.frac_p01 = kNaN;
  if (lag.p.size() > 0) PValueMetrics(Gather(lag.p, at), edge, m);
  m.precision = m.recall = m.f1 = m.realized_fdr = kNaN;
  if (lag.selected.size() > 0) SelectedSetMetrics(Gather(lag.selected, at).cast<int>(), edge, m);
  m.sign_accuracy = kNaN;
  if (signed_truth) SignMetrics(effect, truth, m);
  return m;
}

Status CheckTruth(const Truth& truth, const FitResult& result) {
  const size_t n = result.names.size();
  if (truth.names.size() != n) {
    return Status::InvalidArgument("the truth has " + std::to_string(truth.names.size()) +
                                   " neurons, the result " + std::to_string(n));
  }
  for (size_t k = 0; k < n; ++k) {
    if (truth.names[k] != result.names[k]) {
      return Status::InvalidArgument("neuron " + std::to_string(k) + " is '" + result.names[k] +
                                     "' in the result but '" + truth.names[k] + "' in the truth");
    }
  }
  const auto bad = [&](const Eigen::MatrixXd& m) {
    return m.rows() != static_cast<Eigen::Index>(n) || m.cols() != static_cast<Eigen::Index>(n);
  };
  for (size_t r = 0; r < truth.lags.size(); ++r) {
    if (bad(truth.lags[r])) {
      return Status::InvalidArgument("truth at lag " + std::to_string(r + 1) + " is not " +
                                     std::to_string(n) + "x" + std::to_string(n));
    }
  }
  if (truth.any_lag && bad(*truth.any_lag)) {
    return Status::InvalidArgument("lag-agnostic truth is not " + std::to_string(n) + "x" +
                                   std::to_string(n));
  }
  return Status::Ok();
}

}  // namespace

Result<EvalReport> Evaluate(const FitResult& result, const Truth& truth) {
  SBTG_RETURN_IF_ERROR(eval_internal::CheckResultShapes(result));
  SBTG_RETURN_IF_ERROR(CheckTruth(truth, result));
  EvalReport report;
  report.method = result.method;
  report.truth = truth.description;
  report.signed_truth = truth.signed_truth;
  for (const LagResult& lag : result.lags) {
    report.lags.push_back(EvaluateLag(lag, truth.AtLag(lag.lag, result.n()), truth.signed_truth));
  }
  return report;
}

}  // namespace sbtg
