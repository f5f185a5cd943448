// Edge-list truth files, read into a NamedMatrix in file orientation (matrices use
// ReadNamedMatrixCsv); LoadEdgeListTruth orients and joins it.
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/eval/internal.hpp"
#include "engine/io/csv.hpp"

namespace sbtg::eval_internal {

Result<NamedMatrix> ReadEdgeList(const std::filesystem::path& file) {
  const char delimiter = file.extension() == ".tsv" ? '\t' : ',';
  io::CsvReader csv(file, delimiter);
  if (!csv.ok()) return csv.status();
  std::map<std::string, Eigen::Index> index;  // name → row/column
  std::vector<std::string> names;
  std::map<std::pair<Eigen::Index, Eigen::Index>, double> weights;
  std::map<std::pair<Eigen::Index, Eigen::Index>, long> first_line;
  const auto index_of = [&](const std::string& name) {
    auto [it, inserted] = index.emplace(name, static_cast<Eigen::Index>(names.size()));
    if (inserted) names.push_back(name);
    return it->second;
  };
  std::vector<std::string> fields;
  for (bool first_record = true; csv.Next(fields); first_record = false) {
    if (fields.size() != 3) {
      return csv.Error("expected 3 fields (name, name, weight), found " +
                       std::to_string(fields.size()));
    }
    double w = 0.0;
    if (!io::ParseDouble(fields[2], w)) {
      if (first_record) continue;  // header line
      return csv.Error("weight is not a number: '" + fields[2] + "'");
    }
    if (!std::isfinite(w)) return csv.Error("weight is not finite: '" + fields[2] + "'");
    const std::pair<Eigen::Index, Eigen::Index> pair{index_of(fields[0]), index_of(fields[1])};
    if (auto [it, inserted] = first_line.emplace(pair, csv.line()); !inserted) {
      return csv.Error("pair " + fields[0] + " -> " + fields[1] + " repeats line " +
                       std::to_string(it->second));
    }
    weights[pair] = w;
  }
  if (!csv.status().ok()) return csv.status();
  if (names.empty()) return Status::ParseError(file.string() + ": no edges");
  NamedMatrix out;
  out.row_names = names;
  out.col_names = names;
  const auto n = static_cast<Eigen::Index>(names.size());
  out.values = Eigen::MatrixXd::Zero(n, n);
  for (const auto& [pair, w] : weights) out.values(pair.first, pair.second) = w;
  return out;
}

}  // namespace sbtg::eval_internal
