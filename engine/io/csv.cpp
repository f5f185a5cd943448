#include "engine/io/csv.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string>

namespace sbtg::io {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Splits one physical line into fields; false when a quoted field is not closed on this line.
bool SplitLine(std::string_view raw, char delimiter, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (size_t k = 0; k < raw.size(); ++k) {
    const char c = raw[k];
    if (quoted) {
      if (c == '"' && k + 1 < raw.size() && raw[k + 1] == '"') {
        field += '"';
        ++k;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return !quoted;
}

}  // namespace

CsvReader::CsvReader(const std::filesystem::path& file, char delimiter)
    : path_(file), delimiter_(delimiter) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    status_ = Status::NotFound(file.string() + ": no such file");
  } else if (std::filesystem::is_directory(file, ec)) {
    // An ifstream opens a directory without complaint on Linux and then reads nothing.
    status_ = Status::IoError(file.string() + ": is a directory, expected a file");
  } else {
    in_.open(file, std::ios::binary);
    if (!in_) status_ = Status::IoError(file.string() + ": cannot open for reading");
  }
}

Status CsvReader::Error(const std::string& message) const {
  return Status::ParseError(path_.string() + ": line " + std::to_string(line_) + ": " + message);
}

bool CsvReader::Next(std::vector<std::string>& fields) {
  if (!status_.ok()) return false;
  std::string raw;
  while (std::getline(in_, raw)) {
    ++line_;
    if (line_ == 1 && raw.starts_with(kUtf8Bom)) raw.erase(0, kUtf8Bom.size());
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (raw.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
    if (!SplitLine(raw, delimiter_, fields)) {
      status_ = Error("unterminated quoted field");
      return false;
    }
    return true;
  }
  if (in_.bad()) {
    status_ = Status::IoError(path_.string() + ": read error after line " + std::to_string(line_));
  }
  return false;
}

std::string_view Trim(std::string_view field) {
  const size_t first = field.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const size_t last = field.find_last_not_of(" \t");
  return field.substr(first, last - first + 1);
}

bool ParseDouble(std::string_view field, double& value) {
  field = Trim(field);
  // from_chars rejects a leading '+', which other writers emit; strip exactly one, and only before
  // a digit or '.', so that "+-1" and "++1" stay errors.
  if (field.size() > 1 && field.front() == '+' && field[1] != '+' && field[1] != '-') {
    field.remove_prefix(1);
  }
  if (field.empty()) return false;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  return ec == std::errc() && ptr == field.data() + field.size();
}

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::array<char, 32> buffer{};
  // Without a precision argument to_chars writes the shortest text that round-trips exactly.
  const auto [ptr, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return ec == std::errc() ? std::string(buffer.data(), ptr) : std::string("nan");
}

std::string CsvField(std::string_view field, char delimiter) {
  const bool needs_quotes =
      field.find_first_of(std::string{delimiter, '"', '\n', '\r'}) != std::string_view::npos ||
      Trim(field).size() != field.size();
  if (!needs_quotes) return std::string(field);
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace sbtg::io
