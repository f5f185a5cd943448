// Reading recordings and writing/reading results.
//
// Readers accept CSV (rows = time, header = neuron names, optional time column, optional segment
// column) and NPY (float32/float64, C or Fortran order, frames × neurons). Several files make several
// segments. Every malformed input is a Status naming the file, and where it applies the row and column:
// NaN/Inf, ragged rows, non-numeric cells, wrong shapes, empty files, mismatched neuron sets between
// files. The result layout (effect_lag{r}.npy, …, edges.csv, summary.json) is a stable contract
// documented in docs/output-format.md. Functions are reentrant; no shared state.
#pragma once

#include <Eigen/Core>
#include <filesystem>
#include <string>
#include <vector>

#include "sbtg/recording.hpp"
#include "sbtg/result.hpp"
#include "sbtg/status.hpp"

namespace sbtg {

struct ReadOptions {
  // CSV: name of the time column; "" = auto-detect a first column named time/time_s/t/timestamp.
  std::string time_column;
  // CSV: name of a column whose value labels the segment; consecutive rows with equal labels form a
  // segment. "" = none.
  std::string segment_column;
  // NPY: the array is neurons × frames instead of frames × neurons.
  bool transpose = false;
  // Seconds per frame; 0 = infer from the time column (median difference) or leave unknown.
  double frame_period = 0.0;
};

Result<Recording> ReadRecording(const std::vector<std::filesystem::path>& files,
                                const ReadOptions& options = {});
Result<Recording> ReadCsvRecording(const std::filesystem::path& file, const ReadOptions& options = {});
Result<Recording> ReadNpyRecording(const std::filesystem::path& file, const ReadOptions& options = {});

// NPY arrays (version 1.0/2.0 headers read; 1.0 written). Values are converted to double on read.
Result<Eigen::MatrixXd> ReadNpyMatrix(const std::filesystem::path& file);
Status WriteNpy(const std::filesystem::path& file, const Eigen::MatrixXd& m);  // float64, C order
Status WriteNpy(const std::filesystem::path& file, const Int8Matrix& m);       // int8, C order

// Recording to CSV (header = names, optional time and segment columns).
Status WriteCsvRecording(const std::filesystem::path& file, const Recording& rec);

// Result directory: effect/p/q/selected (+ extra) per lag, edges.csv, summary.json.
Status WriteFitResult(const std::filesystem::path& dir, const FitResult& result);
Result<FitResult> ReadFitResult(const std::filesystem::path& dir);

// Ground truth of a simulation: truth_lag{r}.npy ([target, source]) + names.txt.
Status WriteTruth(const std::filesystem::path& dir, const std::vector<Eigen::MatrixXd>& truth,
                  const std::vector<std::string>& names);

}  // namespace sbtg

namespace sbtg {

// A dense matrix with names on both axes, as in the Cook et al. connectome CSVs and the Randi atlas
// matrix: the first line is "<corner>,<col names…>", every other line "<row name>,<values…>".
struct NamedMatrix {
  std::vector<std::string> row_names;
  std::vector<std::string> col_names;
  Eigen::MatrixXd values;  // rows × cols, in file orientation (no transposition applied)
};
Result<NamedMatrix> ReadNamedMatrixCsv(const std::filesystem::path& file);

}  // namespace sbtg
