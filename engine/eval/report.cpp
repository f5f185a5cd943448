// EvalReport rendering: JSON with stable keys (NaN → null) and a fixed-width table.
#include <cmath>
#include <cstdio>
#include <string>

#include "sbtg/eval.hpp"

namespace sbtg {

namespace {

constexpr const char* kSchema = "sbtg.eval/1";

nlohmann::json Number(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

nlohmann::json LagJson(const LagMetrics& m) {
  const double prevalence =
      m.pairs == 0 ? std::nan("") : static_cast<double>(m.positives) / static_cast<double>(m.pairs);
  return {{"lag", m.lag},
          {"pairs", m.pairs},
          {"positives", m.positives},
          {"prevalence", Number(prevalence)},
          {"auroc_effect", Number(m.auroc_effect)},
          {"auprc_effect", Number(m.auprc_effect)},
          {"auroc_logp", Number(m.auroc_logp)},
          {"auprc_logp", Number(m.auprc_logp)},
          {"selected", m.selected},
          {"true_selected", m.true_selected},
          {"precision", Number(m.precision)},
          {"recall", Number(m.recall)},
          {"f1", Number(m.f1)},
          {"realized_fdr", Number(m.realized_fdr)},
          {"sign_accuracy", Number(m.sign_accuracy)},
          {"sign_evaluated", m.sign_evaluated},
          {"frac_p05", Number(m.frac_p05)},
          {"frac_p01", Number(m.frac_p01)},
          {"p_defined", m.p_defined}};
}

// A metric in a fixed-width cell: 3 decimals, "n/a" when undefined.
std::string Cell(double v, int width) {
  char buffer[32];
  if (std::isnan(v)) {
    std::snprintf(buffer, sizeof buffer, "%*s", width, "n/a");
  } else {
    std::snprintf(buffer, sizeof buffer, "%*.3f", width, v);
  }
  return buffer;
}

std::string Cell(Eigen::Index v, int width) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%*lld", width, static_cast<long long>(v));
  return buffer;
}

}  // namespace

nlohmann::json EvalReport::ToJson() const {
  nlohmann::json lag_array = nlohmann::json::array();
  for (const LagMetrics& m : lags) lag_array.push_back(LagJson(m));
  return {{"schema", kSchema},
          {"method", method},
          {"truth", truth},
          {"signed_truth", signed_truth},
          {"lags", lag_array}};
}

std::string EvalReport::ToTable() const {
  std::string out = "method: " + method + "\ntruth:  " + truth + "\n";
  out +=
      "  lag   pairs    pos  AUROC|e| AUPRC|e| AUROC-lp AUPRC-lp    sel     TP   prec recall     F1"
      "    FDR   sign  p<.05  p<.01\n";
  for (const LagMetrics& m : lags) {
    out += Cell(static_cast<Eigen::Index>(m.lag), 5) + Cell(m.pairs, 8) + Cell(m.positives, 7);
    out += Cell(m.auroc_effect, 9) + Cell(m.auprc_effect, 9) + Cell(m.auroc_logp, 9) +
           Cell(m.auprc_logp, 9);
    out += Cell(m.selected, 7) + Cell(m.true_selected, 7);
    out += Cell(m.precision, 7) + Cell(m.recall, 7) + Cell(m.f1, 7) + Cell(m.realized_fdr, 7);
    out += Cell(m.sign_accuracy, 7) + Cell(m.frac_p05, 7) + Cell(m.frac_p01, 7) + "\n";
  }
  out +=
      "|e| = |effect|, lp = -log p; TP = selected true edges; FDR = realized false discovery rate";
  if (!signed_truth) out += "; sign n/a: unsigned truth";
  return out + "\n";
}

}  // namespace sbtg
