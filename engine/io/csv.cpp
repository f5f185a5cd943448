#include "engine/io/csv.hpp"

#include <cctype>
#include <charconv>
#include <string>

namespace sbtg::io {

CsvReader::CsvReader(const std::filesystem::path& file, char delimiter)
    : path_(file), in_(file), delimiter_(delimiter) {
  if (!std::filesystem::exists(file)) {
    status_ = Status::NotFound(file.string() + ": no such file");
  } else if (!in_) {
    status_ = Status::IoError(file.string() + ": cannot open for reading");
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
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (raw.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
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
      } else if (c == delimiter_) {
        fields.push_back(std::move(field));
        field.clear();
      } else {
        field += c;
      }
    }
    if (quoted) {
      status_ = Error("unterminated quoted field");
      return false;
    }
    fields.push_back(std::move(field));
    return true;
  }
  if (in_.bad()) status_ = Status::IoError(path_.string() + ": read error after line " + std::to_string(line_));
  return false;
}

bool ParseDouble(std::string_view field, double& value) {
  while (!field.empty() && std::isspace(static_cast<unsigned char>(field.front()))) field.remove_prefix(1);
  while (!field.empty() && std::isspace(static_cast<unsigned char>(field.back()))) field.remove_suffix(1);
  if (field.empty()) return false;
  if (field.front() == '+') field.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  return ec == std::errc() && ptr == field.data() + field.size();
}

}  // namespace sbtg::io
