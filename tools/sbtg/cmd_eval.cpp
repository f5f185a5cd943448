// `sbtg eval`: scores a result directory against a ground truth (DESIGN §5, docs/evaluation.md).
#include <fmt/core.h>

#include <fstream>
#include <memory>
#include <string>

#include "sbtg/eval.hpp"
#include "sbtg/io.hpp"
#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

namespace {

struct EvalArgs {
  std::string result_dir;
  std::string truth_sim, truth_matrix, truth_edges;
  std::string orientation;  // "rows-are-sources" | "rows-are-targets"; required for file truths
  bool class_level = false, signed_truth = false, undirected = false;
  double threshold = 0.0;
  CLI::Option* threshold_option = nullptr;  // to tell "--threshold 0" from "not given"
  std::string json_out;
};

// Options that only make sense for a matrix or edge-list truth.
Status CheckFileTruthOptions(const EvalArgs& a, bool file_truth) {
  const bool used = !a.orientation.empty() || a.class_level || a.signed_truth || a.undirected ||
                    a.threshold_option->count() > 0;
  if (!file_truth && used) {
    return Status::InvalidArgument(
        "--orientation, --class-level, --threshold, --signed and --undirected apply only to "
        "--truth-matrix / --truth-edges");
  }
  if (file_truth && a.orientation.empty()) {
    return Status::InvalidArgument(
        "--orientation is required with a matrix or edge-list truth: rows-are-sources (Cook "
        "connectome: row = presynaptic; Randi atlas: row = stimulated) or rows-are-targets");
  }
  return Status::Ok();
}

Result<Truth> LoadTruth(const EvalArgs& a, const std::vector<std::string>& names) {
  const int given = !a.truth_sim.empty() + !a.truth_matrix.empty() + !a.truth_edges.empty();
  if (given != 1) {
    return Status::InvalidArgument(
        "give exactly one of --truth-sim, --truth-matrix, --truth-edges");
  }
  SBTG_RETURN_IF_ERROR(CheckFileTruthOptions(a, a.truth_sim.empty()));
  if (!a.truth_sim.empty()) return LoadSimulationTruth(a.truth_sim);
  MatrixTruthOptions o;
  o.rows_are_sources = a.orientation == "rows-are-sources";
  o.class_level = a.class_level;
  o.threshold = a.threshold;
  o.signed_truth = a.signed_truth;
  o.undirected = a.undirected;
  if (!a.truth_matrix.empty()) return LoadMatrixTruth(a.truth_matrix, names, o);
  return LoadEdgeListTruth(a.truth_edges, names, o);
}

Status WriteJson(const std::string& file, const nlohmann::json& j) {
  std::ofstream out(file);
  out << j.dump(2) << "\n";
  out.close();
  if (!out) return Status::IoError(file + ": cannot write the JSON report");
  return Status::Ok();
}

Status RunEval(const EvalArgs& a) {
  auto result = ReadFitResult(a.result_dir);
  if (!result.ok()) return result.status().WithContext("reading the result");
  FitResult evaluated = std::move(*result);
  if (a.class_level) {
    auto classes = AggregateToClasses(evaluated);
    if (!classes.ok()) return classes.status();
    evaluated = std::move(*classes);
  }
  auto truth = LoadTruth(a, evaluated.names);
  if (!truth.ok()) return truth.status().WithContext("loading the truth");
  auto report = Evaluate(evaluated, *truth);
  if (!report.ok()) {
    return report.status().WithContext("the truth does not fit the result in " + a.result_dir);
  }
  fmt::print("{}", report->ToTable());
  if (a.json_out.empty()) return Status::Ok();
  nlohmann::json j = report->ToJson();
  j["result"] = a.result_dir;
  j["class_level"] = a.class_level;
  return WriteJson(a.json_out, j);
}

}  // namespace

void RegisterEval(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  auto* sub = app.add_subcommand("eval", "Score a result directory against a ground truth");
  sub->add_option("--result", args->result_dir, "result directory written by `sbtg fit`")
      ->required();
  auto* sim = sub->add_option("--truth-sim", args->truth_sim, "simulation truth directory");
  auto* matrix = sub->add_option("--truth-matrix", args->truth_matrix,
                                 "matrix with names on both axes (Cook connectome, Randi atlas)");
  auto* edges = sub->add_option("--truth-edges", args->truth_edges,
                                "edge list: name,name,weight (.tsv: tab-separated)");
  sim->excludes(matrix)->excludes(edges);
  matrix->excludes(edges);
  sub->add_option(
         "--orientation", args->orientation,
         "rows-are-sources or rows-are-targets (edge lists: is the first name the source?)")
      ->check(CLI::IsMember({"rows-are-sources", "rows-are-targets"}));
  sub->add_flag(
      "--class-level", args->class_level,
      "compare neuron classes (AVAL/AVAR → AVA); the result is aggregated (max |effect|, min p)");
  args->threshold_option =
      sub->add_option("--threshold", args->threshold, "|truth| > threshold is an edge (default 0)");
  sub->add_flag("--signed", args->signed_truth,
                "the truth's sign is excitatory/inhibitory (Randi atlas)");
  sub->add_flag("--undirected", args->undirected, "symmetrize the truth (gap junctions)");
  sub->add_option("--json", args->json_out, "also write the report as JSON to this file");
  sub->callback([args, &exit_code] {
    const Status status = RunEval(*args);
    exit_code = status.ok() ? 0 : ReportError("eval", status);
  });
}

}  // namespace sbtg::cli
