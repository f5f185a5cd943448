// The truth of a simulation directory, as written by WriteTruth: names.txt (one name per line) and
// truth_lag1.npy, truth_lag2.npy, ... ([target, source]) for consecutive lags from 1.
#include <fstream>
#include <string>
#include <vector>

#include "sbtg/eval.hpp"
#include "sbtg/io.hpp"

namespace sbtg {

namespace {

Result<std::vector<std::string>> ReadNames(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    return Status::NotFound(file.string() + ": cannot open (a simulation truth needs names.txt)");
  std::vector<std::string> names;
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (in.peek() == std::ifstream::traits_type::eof()) break;  // a trailing blank line is fine
      return Status::ParseError(file.string() + ": line " + std::to_string(number) +
                                ": empty name");
    }
    names.push_back(line);
  }
  if (names.empty()) return Status::ParseError(file.string() + ": no names");
  return names;
}

}  // namespace

Result<Truth> LoadSimulationTruth(const std::filesystem::path& dir) {
  auto names = ReadNames(dir / "names.txt");
  if (!names.ok()) return names.status();
  Truth truth;
  truth.names = std::move(*names);
  const auto n = static_cast<Eigen::Index>(truth.names.size());
  for (int lag = 1;; ++lag) {
    const std::filesystem::path file = dir / ("truth_lag" + std::to_string(lag) + ".npy");
    if (!std::filesystem::exists(file)) break;
    auto m = ReadNpyMatrix(file);
    if (!m.ok()) return m.status();
    if (m->rows() != n || m->cols() != n) {
      return Status::ParseError(file.string() + ": shape " + std::to_string(m->rows()) + "x" +
                                std::to_string(m->cols()) + ", expected " + std::to_string(n) +
                                "x" + std::to_string(n) + " (one per name in names.txt)");
    }
    truth.lags.push_back(std::move(*m));
  }
  if (truth.lags.empty()) {
    return Status::NotFound((dir / "truth_lag1.npy").string() +
                            ": no such file (not a simulation truth?)");
  }
  const std::string lags =
      truth.lags.size() == 1 ? "lag 1" : "lags 1-" + std::to_string(truth.lags.size());
  truth.description = dir.string() + " (simulation, " + lags + "; no edges beyond)";
  truth.signed_truth = true;
  return truth;
}

}  // namespace sbtg
