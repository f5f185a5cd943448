// Internal CSV tokenizer shared by the readers: splits lines into fields (RFC 4180 quoting), parses
// numbers strictly, and keeps the 1-based line number so every error can name file, row and column.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "sbtg/status.hpp"

namespace sbtg::io {

class CsvReader {
 public:
  // Opens `file`; ok() is false (with status()) when it cannot be opened.
  explicit CsvReader(const std::filesystem::path& file, char delimiter = ',');

  [[nodiscard]] bool ok() const { return status_.ok(); }
  [[nodiscard]] const Status& status() const { return status_; }
  // Reads the next non-empty line into `fields`; false at end of file or on error (check status()).
  bool Next(std::vector<std::string>& fields);
  [[nodiscard]] long line() const { return line_; }  // 1-based number of the line last read
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // "file:line N: <message>" as a ParseError.
  [[nodiscard]] Status Error(const std::string& message) const;

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  char delimiter_;
  long line_ = 0;
  Status status_;
};

// Parses a whole field as a finite or non-finite double; false when it is not a number.
// Accepts "nan", "inf", "-inf" (callers decide whether non-finite values are allowed).
bool ParseDouble(std::string_view field, double& value);

}  // namespace sbtg::io
