// Evaluation of a FitResult against a ground truth, with the metrics of DESIGN §5.
//
// Truth matrices are [target, source]; pairs where the truth is undefined (NaN) and the diagonal are
// excluded. Per lag: AUROC and AUPRC of |effect| and of −log p, precision/recall/F1 and realized FDR of
// the selected set, sign accuracy on true edges, and the fraction of p < 0.05 and < 0.01 (on null truth
// this is the calibration check). "Best F1 over thresholds" is deliberately not offered. Pure functions.
#pragma once

#include <Eigen/Core>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sbtg/result.hpp"
#include "sbtg/status.hpp"

namespace sbtg {

struct Truth {
  std::vector<std::string> names;      // neuron names matching the result's names (after joining)
  std::vector<Eigen::MatrixXd> lags;   // [target, source]; NaN = undefined pair. Empty → lag-agnostic
  std::optional<Eigen::MatrixXd> any_lag;  // one matrix applied to every lag (connectomes, atlases)
  std::string description;

  // The truth at lag r: lags[r-1] if present, any_lag if set, else zeros (no lag-r edges).
  [[nodiscard]] Eigen::MatrixXd AtLag(int lag, Eigen::Index n) const;
};

// Rank metrics on scores (higher = more confident) against binary labels.
// AUROC counts ties as 1/2; AUPRC is average precision (step-wise, ties grouped).
double Auroc(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels);
double Auprc(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels);

struct LagMetrics {
  int lag = 1;
  Eigen::Index pairs = 0;       // evaluated pairs (off-diagonal, truth defined)
  Eigen::Index positives = 0;   // true edges among them
  double auroc_effect = 0, auprc_effect = 0;    // score = |effect|
  double auroc_logp = 0, auprc_logp = 0;        // score = −log p
  Eigen::Index selected = 0, true_selected = 0;
  double precision = 0, recall = 0, f1 = 0, realized_fdr = 0;
  double sign_accuracy = 0;      // among true edges with nonzero estimated effect
  Eigen::Index sign_evaluated = 0;
  double frac_p05 = 0, frac_p01 = 0;  // over evaluated pairs
};

struct EvalReport {
  std::string method;
  std::string truth;
  std::vector<LagMetrics> lags;
  [[nodiscard]] nlohmann::json ToJson() const;
  [[nodiscard]] std::string ToTable() const;  // readable fixed-width table
};

// Evaluates every lag of `result`. The truth must have the same names (same order) as the result.
Result<EvalReport> Evaluate(const FitResult& result, const Truth& truth);

// Truth from a simulation directory (truth_lag{r}.npy + names.txt written by WriteTruth).
Result<Truth> LoadSimulationTruth(const std::filesystem::path& dir);

// Truth from an n_src × n_tgt (or transposed) matrix file with names on both axes (Cook et al. layout or
// the Randi atlas matrix), joined to `recording_names` after name normalisation. `rows_are_sources`
// is an explicit orientation flag: true for the Cook connectome (row = presynaptic) and the Randi atlas
// (row = stimulated). Pairs whose names are absent from the truth are NaN (undefined).
struct MatrixTruthOptions {
  bool rows_are_sources = true;
  bool class_level = false;  // collapse names to classes (e.g. AVAL/AVAR → AVA) before joining
  double threshold = 0.0;    // |value| > threshold counts as an edge
};
Result<Truth> LoadMatrixTruth(const std::filesystem::path& file,
                              const std::vector<std::string>& recording_names,
                              const MatrixTruthOptions& options);

// Name normalisation used when joining: upper-case except the lower-case fragments of the standard
// nomenclature, trailing '?' removed, zero-padding of numbered classes removed (VB01 → VB1, DA09 → DA9).
std::string NormalizeNeuronName(const std::string& name);

}  // namespace sbtg
