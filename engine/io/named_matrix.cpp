#include <cmath>
#include <string>
#include <vector>

#include "engine/io/csv.hpp"
#include "sbtg/io.hpp"

namespace sbtg {

Result<NamedMatrix> ReadNamedMatrixCsv(const std::filesystem::path& file) {
  io::CsvReader csv(file);
  if (!csv.ok()) return csv.status();
  std::vector<std::string> fields;
  if (!csv.Next(fields)) {
    if (!csv.status().ok()) return csv.status();
    return Status::ParseError(file.string() + ": empty file");
  }
  NamedMatrix out;
  out.col_names.assign(fields.begin() + 1, fields.end());
  if (out.col_names.empty()) return csv.Error("header has no column names");
  std::vector<std::vector<double>> rows;
  while (csv.Next(fields)) {
    if (fields.size() != out.col_names.size() + 1) {
      return csv.Error("row has " + std::to_string(fields.size() - 1) + " values, header has " +
                       std::to_string(out.col_names.size()) + " columns");
    }
    out.row_names.push_back(fields[0]);
    std::vector<double> row(out.col_names.size());
    for (size_t c = 0; c < row.size(); ++c) {
      if (!io::ParseDouble(fields[c + 1], row[c]) || !std::isfinite(row[c])) {
        return csv.Error("column " + std::to_string(c + 2) + " ('" + out.col_names[c] +
                         "'): not a finite number: '" + fields[c + 1] + "'");
      }
    }
    rows.push_back(std::move(row));
  }
  if (!csv.status().ok()) return csv.status();
  if (rows.empty()) return Status::ParseError(file.string() + ": header but no rows");
  out.values.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(out.col_names.size()));
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      out.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c];
    }
  }
  return out;
}

}  // namespace sbtg
