// Internal CSV helpers shared by the readers and writers of engine/io.
//
// CsvReader splits lines into fields (RFC 4180 quoting within one line), skips blank lines and a
// UTF-8 byte-order mark, and keeps the 1-based line number so every error can name file, line and
// column. ParseDouble parses numbers strictly; FormatDouble writes the shortest text that reads
// back to the same double; CsvField quotes a field only when it has to. Not thread-safe per object;
// no shared state.
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
  // Opens `file`; ok() is false (with status()) when it is missing, a directory, or unreadable.
  explicit CsvReader(const std::filesystem::path& file, char delimiter = ',');

  [[nodiscard]] bool ok() const { return status_.ok(); }
  [[nodiscard]] const Status& status() const { return status_; }
  // Reads the next non-blank line into `fields`; false at end of file or on error (check status()).
  // A quoted field may not span lines (an unterminated quote is an error naming the line).
  bool Next(std::vector<std::string>& fields);
  [[nodiscard]] long line() const { return line_; }  // 1-based number of the line last read
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // "<file>: line N: <message>" as a ParseError.
  [[nodiscard]] Status Error(const std::string& message) const;

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  char delimiter_;
  long line_ = 0;
  Status status_;
};

// Parses a whole field (surrounding blanks allowed) as a double; false when it is not a number.
// Accepts "nan", "inf", "-inf" in any case (callers decide whether non-finite values are allowed).
bool ParseDouble(std::string_view field, double& value);

// The field without leading and trailing blanks (spaces and tabs).
std::string_view Trim(std::string_view field);

// Shortest decimal text that parses back to exactly `value`; "nan", "inf", "-inf" for non-finite
// values.
std::string FormatDouble(double value);

// `field` as one CSV field: quoted (with doubled quotes) when it holds the delimiter, a quote, a
// line break or leading/trailing blanks, verbatim otherwise.
std::string CsvField(std::string_view field, char delimiter = ',');

}  // namespace sbtg::io
