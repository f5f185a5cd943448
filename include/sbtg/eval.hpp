// Evaluation of a FitResult against a ground truth, with the metrics of DESIGN §5.
//
// Truth matrices are [target, source]; pairs where the truth is undefined (NaN) and the diagonal
// are excluded. Per lag: AUROC and AUPRC of |effect| and of −log p, precision/recall/F1 and
// realized FDR of the selected set, sign accuracy on true edges (signed truths only), and the
// fraction of p < 0.05 and < 0.01 (on null truth this is the calibration check). "Best F1 over
// thresholds" is deliberately not offered: predicting every pair can win it. Undefined metrics are
// NaN (JSON null, "n/a" in the table). The exact definitions, tie and NaN rules are in
// docs/evaluation.md.
//
// Every function here is pure (or only reads the files it is given) and safe to call from any
// thread.
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
  std::vector<std::string> names;  // neuron names matching the result's names (after joining)
  // [target, source] per lag (lags[r-1] = lag r); NaN = undefined pair. Empty → lag-agnostic.
  std::vector<Eigen::MatrixXd> lags;
  std::optional<Eigen::MatrixXd> any_lag;  // one matrix applied to every lag (connectomes, atlases)
  std::string description;
  // Whether the sign of a truth entry means excitatory (+) / inhibitory (−). Sign accuracy is only
  // reported for signed truths (simulations, the Randi atlas), not for synapse weights (Cook).
  bool signed_truth = true;

  // The truth at lag r: lags[r-1] if present, any_lag if set, else zeros (no lag-r edges).
  [[nodiscard]] Eigen::MatrixXd AtLag(int lag, Eigen::Index n) const;
};

// Rank metrics on scores (higher = more confident) against binary labels (nonzero = positive).
// AUROC is the Mann–Whitney statistic with ties counted 1/2; NaN when there is no positive or no
// negative. AUPRC is average precision Σ_k (R_k − R_{k−1}) P_k over distinct score thresholds, tied
// scores entering as one group; NaN without positives. NaN scores rank below every other score
// (tied with each other and with −inf); +inf ranks above every finite score. Sizes must agree
// (SetupError).
double Auroc(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels);
double Auprc(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels);

struct LagMetrics {
  int lag = 1;
  Eigen::Index pairs = 0;                        // evaluated pairs (off-diagonal, truth defined)
  Eigen::Index positives = 0;                    // true edges among them
  double auroc_effect = 0, auprc_effect = 0;     // score = |effect|
  double auroc_logp = 0, auprc_logp = 0;         // score = −log p
  Eigen::Index selected = 0, true_selected = 0;  // among evaluated pairs
  double precision = 0, recall = 0, f1 = 0, realized_fdr = 0;
  double sign_accuracy = 0;  // among true edges with nonzero estimated effect
  Eigen::Index sign_evaluated = 0;
  double frac_p05 = 0, frac_p01 = 0;  // over evaluated pairs whose p is not NaN
  Eigen::Index p_defined = 0;         // evaluated pairs whose p is not NaN (denominator of frac_p*)
};

struct EvalReport {
  std::string method;
  std::string truth;
  bool signed_truth = true;
  std::vector<LagMetrics> lags;
  [[nodiscard]] nlohmann::json ToJson() const;  // stable keys, NaN → null; see docs/evaluation.md
  [[nodiscard]] std::string ToTable() const;    // readable fixed-width table, one row per lag
};

// Evaluates every lag of `result`. The truth must have the same names (same order) as the result.
// Each lag needs an n × n effect; p and selected may be empty (their metrics are then NaN).
Result<EvalReport> Evaluate(const FitResult& result, const Truth& truth);

// Truth from a simulation directory (truth_lag{r}.npy + names.txt written by WriteTruth).
Result<Truth> LoadSimulationTruth(const std::filesystem::path& dir);

// Truth from an n_src × n_tgt (or transposed) matrix file with names on both axes, read by
// ReadNamedMatrixCsv (Cook et al. layout, or the Randi atlas matrix without row names), joined to
// `recording_names` after name normalisation. `rows_are_sources` is an explicit orientation flag:
// true for the Cook connectome (row = presynaptic) and the Randi atlas (row = stimulated). The
// truth is [target, source] over `recording_names`; pairs whose names are absent from the truth are
// NaN (undefined), and so are pairs of two recording columns with the same normalised name (one
// neuron recorded twice). Two truth names that normalise alike on one axis are an error.
struct MatrixTruthOptions {
  bool rows_are_sources = true;
  // Collapse names to classes (NeuronClass, e.g. AVAL/AVAR → AVA) before joining. The returned
  // truth is over ClassNames(recording_names); evaluate it against AggregateToClasses(result). A
  // class pair is defined if any member pair is and its value is the member value of largest
  // |value|, so it is an edge iff any member pair is one.
  bool class_level = false;
  double threshold = 0.0;     // |value| > threshold counts as an edge; smaller values are set to 0
  bool signed_truth = false;  // see Truth::signed_truth; true for the Randi atlas
  // Undirected truth (gap junctions): entry (j,i) and (i,j) both take the one of larger |value|.
  bool undirected = false;
};
Result<Truth> LoadMatrixTruth(const std::filesystem::path& file,
                              const std::vector<std::string>& recording_names,
                              const MatrixTruthOptions& options);

// Truth from an edge list: one line per pair "<name>,<name>,<weight>" (".tsv": tab-separated), with
// an optional header line (recognised by a non-numeric weight field). With rows_are_sources the
// first name is the source (Randi: pre_stimulated,post_responding,weight), else the target. Only
// names that appear in the file are defined, so a list of non-zero edges leaves
// unmeasured-but-silent neurons undefined; prefer a complete list (funconn_wt_pairs.tsv) or the
// matrix. A repeated pair is an error.
Result<Truth> LoadEdgeListTruth(const std::filesystem::path& file,
                                const std::vector<std::string>& recording_names,
                                const MatrixTruthOptions& options);

// Name normalisation used when joining (a join key, not a display name): surrounding whitespace and
// trailing '?' removed, upper-cased, zero-padding of a trailing number removed (VB01 → VB1, DA09 →
// DA9, AS10 unchanged). NeuroPAL's "RMF?" (side unknown) becomes "RMF", which only joins at class
// level.
std::string NormalizeNeuronName(const std::string& name);

// The neuron class of a (normalised) name: L/R members collapse (AVAL → AVA, I1L → I1), D/V members
// of the classes that have them too (RMDDL → RMD, IL1VR → IL1, RMED → RME, SABD → SAB), numbered
// ventral cord neurons to their letters (VB01 → VB, AS10 → AS). Idempotent on class names (OLL,
// ADL, AVL, PVR stay). Covers the 302 hermaphrodite neurons; other cells are only normalised.
std::string NeuronClass(const std::string& name);

// Distinct classes of `names` in order of first appearance (an empty name stays its own entry).
std::vector<std::string> ClassNames(const std::vector<std::string>& names);

// The result aggregated to ClassNames(result.names): for each class pair (A ≠ B or A = B) over the
// member pairs with different neurons, effect = the member effect of largest |effect| (sign kept),
// p = min p, q = min q, selected = sign of the largest-|effect| selected member (0 if none); extra
// matrices are dropped. Min-p makes class-level p-values anti-conservative: class-level calibration
// fractions are not a calibration check. Needed for `class_level` evaluation. Fails on matrices
// whose shape does not match the names.
Result<FitResult> AggregateToClasses(const FitResult& result);

}  // namespace sbtg
