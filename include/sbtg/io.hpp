// Reading recordings and writing/reading results.
//
// Readers accept CSV (rows = time, header = neuron names, optional time column, optional segment
// column) and NPY (float32/float64, C or Fortran order, frames × neurons). Several files make
// several segments. Every malformed input is a Status naming the file, and where it applies the row
// and column: NaN/Inf, ragged rows, non-numeric cells, wrong shapes, empty files, mismatched neuron
// sets between files. The result layout (effect_lag{r}.npy, …, edges.csv, summary.json) is a stable
// contract documented in docs/output-format.md. Functions are reentrant; no shared state.
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
  // CSV: name of the time column; "" = auto-detect a column named time, time_s, t or timestamp
  // (case-insensitive; more than one such column is an error).
  std::string time_column;
  // CSV: name of a column whose value labels the segment; consecutive rows with equal labels form a
  // segment, and a label may not reappear after another one. "" = none.
  std::string segment_column;
  // CSV: the first line holds the column names. false = no header: every column is a neuron, named
  // DefaultNeuronNames(n) (then time_column and segment_column must be empty).
  bool has_header = true;
  // The array is neurons × frames instead of frames × neurons (NPY; CSV only without a header).
  bool transpose = false;
  // Seconds per frame; 0 = infer from the time column (median difference) or leave unknown.
  double frame_period = 0.0;
};

// Reads each file by its extension (.csv, .tsv = tab-separated, .npy) into one recording; each file
// gives one segment (or several with a segment column). Files must have the same neuron names in
// the same order. Segment labels are the file stems (disambiguated by the parent folder when two
// stems are equal), or "<stem>:<label>" for segment-column labels when several files are read.
Result<Recording> ReadRecording(const std::vector<std::filesystem::path>& files,
                                const ReadOptions& options = {});
// Read one file whatever its extension; CSV is comma-separated. Labels: the file stem, or the
// segment-column values.
Result<Recording> ReadCsvRecording(const std::filesystem::path& file,
                                   const ReadOptions& options = {});
Result<Recording> ReadNpyRecording(const std::filesystem::path& file,
                                   const ReadOptions& options = {});

// NPY arrays (versions 1.0, 2.0 and 3.0 read; 1.0 written). ReadNpyMatrix accepts 1-D (→ n × 1) or
// 2-D float32/float64 arrays in C or Fortran order and converts to double; NaN/Inf are kept.
Result<Eigen::MatrixXd> ReadNpyMatrix(const std::filesystem::path& file);
Status WriteNpy(const std::filesystem::path& file, const Eigen::MatrixXd& m);  // float64, C order
Status WriteNpy(const std::filesystem::path& file, const Int8Matrix& m);       // int8, C order

// Recording to CSV (header = names, optional time and segment columns).
Status WriteCsvRecording(const std::filesystem::path& file, const Recording& rec);

// Result directory: effect/p/q/selected (+ extra) per lag, edges.csv, summary.json.
Status WriteFitResult(const std::filesystem::path& dir, const FitResult& result);
Result<FitResult> ReadFitResult(const std::filesystem::path& dir);

// Ground truth of a simulation: truth_lag{r}.npy ([target, source]; truth[k] is lag r = k+1) +
// names.txt.
Status WriteTruth(const std::filesystem::path& dir, const std::vector<Eigen::MatrixXd>& truth,
                  const std::vector<std::string>& names);

}  // namespace sbtg

namespace sbtg {

// A dense matrix with names on both axes, as in the Cook et al. connectome CSVs and the Randi atlas
// matrix. Layouts accepted (decided from the first data line):
//   "<corner>,<col names…>" then "<row name>,<values…>"   (Cook et al.: corner "pre\post")
//   "<col names…>"          then "<row name>,<values…>"   (no corner cell: rows have one more
//   field)
//   "<col names…>"          then "<values…>"              (no row names: square, rows named as
//   columns;
//                                                           the Randi atlas matrix)
struct NamedMatrix {
  std::vector<std::string> row_names;
  std::vector<std::string> col_names;
  Eigen::MatrixXd values;  // rows × cols, in file orientation (no transposition applied)
};
Result<NamedMatrix> ReadNamedMatrixCsv(const std::filesystem::path& file);

}  // namespace sbtg
