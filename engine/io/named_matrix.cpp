// ReadNamedMatrixCsv: dense matrices with names on both axes (connectomes, the signal-propagation
// atlas).
//
// The layout is decided from the first data line against the header (see io.hpp): a corner cell
// (Cook et al.), no corner cell with named rows (R's write.table), or no row names at all, which is
// only accepted for a square matrix whose rows follow the column order (the Randi atlas matrix).
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "engine/io/csv.hpp"
#include "sbtg/io.hpp"

namespace sbtg {

namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class Layout { kCorner, kNoCorner, kNoRowNames };

bool AllNumeric(const std::vector<std::string>& fields) {
  double v = 0;
  for (const auto& f : fields) {
    if (!io::ParseDouble(f, v)) return false;
  }
  return true;
}

Result<Layout> DetectLayout(size_t header_fields, const std::vector<std::string>& first_row,
                            const io::CsvReader& csv) {
  if (first_row.size() == header_fields + 1) return Layout::kNoCorner;
  if (first_row.size() == header_fields)
    return AllNumeric(first_row) ? Layout::kNoRowNames : Layout::kCorner;
  return csv.Error("first data line has " + std::to_string(first_row.size()) +
                   " fields, the header has " + std::to_string(header_fields) +
                   "; expected the same count (header with a corner cell, " +
                   "or no row names) or one more (header without a corner cell)");
}

Status CheckUnique(const std::vector<std::string>& names, const std::string& axis,
                   const std::filesystem::path& file) {
  std::map<std::string, size_t> seen;
  for (size_t k = 0; k < names.size(); ++k) {
    if (names[k].empty()) {
      return Status::ParseError(file.string() + ": " + axis + " name " + std::to_string(k + 1) +
                                " is empty");
    }
    const auto [it, inserted] = seen.emplace(names[k], k);
    if (!inserted) {
      return Status::ParseError(file.string() + ": " + axis + " name '" + names[k] +
                                "' appears twice (" + axis + "s " + std::to_string(it->second + 1) +
                                " and " + std::to_string(k + 1) + ")");
    }
  }
  return Status::Ok();
}

// Parses one data line: an optional row name, then one finite value per column.
Status ParseRow(const std::vector<std::string>& fields, size_t expected, bool named,
                const NamedMatrix& out, const io::CsvReader& csv,
                std::vector<std::string>& row_names, std::vector<double>& values) {
  if (fields.size() != expected) {
    return csv.Error("expected " + std::to_string(expected) +
                     " fields (as on the first data line), found " + std::to_string(fields.size()));
  }
  const size_t first = named ? 1 : 0;
  if (named) row_names.emplace_back(io::Trim(fields[0]));
  for (size_t c = first; c < fields.size(); ++c) {
    double v = 0;
    if (!io::ParseDouble(fields[c], v) || !std::isfinite(v)) {
      return csv.Error("column " + std::to_string(c + 1) + " ('" + out.col_names[c - first] +
                       "'): not a finite number: '" + fields[c] + "'");
    }
    values.push_back(v);
  }
  return Status::Ok();
}

}  // namespace

Result<NamedMatrix> ReadNamedMatrixCsv(const std::filesystem::path& file) {
  io::CsvReader csv(file);
  std::vector<std::string> header, fields;
  if (!csv.Next(header)) {
    if (!csv.ok()) return csv.status();
    return Status::ParseError(file.string() + ": empty file");
  }
  if (!csv.Next(fields)) {
    if (!csv.ok()) return csv.status();
    return Status::ParseError(file.string() + ": header but no data rows");
  }
  auto layout = DetectLayout(header.size(), fields, csv);
  if (!layout.ok()) return layout.status();
  NamedMatrix out;
  const size_t skip = *layout == Layout::kCorner ? 1 : 0;
  for (size_t c = skip; c < header.size(); ++c) out.col_names.emplace_back(io::Trim(header[c]));
  if (out.col_names.empty())
    return Status::ParseError(file.string() + ": the header has no column names");
  SBTG_RETURN_IF_ERROR(CheckUnique(out.col_names, "column", file));

  const size_t expected = fields.size();
  const bool named = *layout != Layout::kNoRowNames;
  std::vector<double> values;
  do {
    SBTG_RETURN_IF_ERROR(ParseRow(fields, expected, named, out, csv, out.row_names, values));
  } while (csv.Next(fields));
  if (!csv.ok()) return csv.status();

  const auto cols = static_cast<Eigen::Index>(out.col_names.size());
  const auto rows = static_cast<Eigen::Index>(values.size()) / cols;
  if (!named) {
    if (rows != cols) {
      return Status::ParseError(file.string() + ": no row names and " + std::to_string(rows) +
                                " rows for " + std::to_string(cols) +
                                " columns; a matrix without row names must be " +
                                "square (its rows are taken in the column order)");
    }
    out.row_names = out.col_names;
  }
  SBTG_RETURN_IF_ERROR(CheckUnique(out.row_names, "row", file));
  out.values = Eigen::Map<const RowMajorMatrix>(values.data(), rows, cols);
  return out;
}

}  // namespace sbtg
