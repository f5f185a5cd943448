// Internal helpers of the eval subsystem shared between its translation units (not public API).
#pragma once

#include <Eigen/Core>
#include <filesystem>
#include <string>
#include <vector>

#include "sbtg/io.hpp"
#include "sbtg/result.hpp"
#include "sbtg/status.hpp"

namespace sbtg::eval_internal {

// Names grouped by NeuronClass, classes in order of first appearance; members are indices into the
// input. A name whose class is empty (an unlabelled column) stays a group of its own.
struct ClassGroups {
  std::vector<std::string> classes;
  std::vector<std::vector<Eigen::Index>> members;
};
ClassGroups GroupByClass(const std::vector<std::string>& names);

// Every lag has an n × n effect and p, q, selected that are n × n or empty; the message names the
// lag and the matrix.
Status CheckResultShapes(const FitResult& result);

// Reads an edge list "<first>,<second>,<weight>" into a square matrix over every name in the file
// (rows = first-column names, absent pairs = 0).
Result<NamedMatrix> ReadEdgeList(const std::filesystem::path& file);

}  // namespace sbtg::eval_internal
