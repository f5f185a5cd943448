// WriteCsvRecording: the CSV layout ReadCsvRecording reads back to the same values, bit for bit.
//
// Header: "time_s" when the segments have time stamps, "segment" when there is more than one
// segment, then the neuron names. Anything that would not read back the same (a neuron called "t"
// or "segment", repeated segment labels, names with surrounding blanks) is refused with a message.
#include <cctype>
#include <fstream>
#include <set>
#include <string>

#include "engine/io/csv.hpp"
#include "sbtg/io.hpp"

namespace sbtg {

namespace {

bool IsReservedName(const std::string& name, bool segment_column) {
  std::string lower;
  for (const char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "time" || lower == "time_s" || lower == "t" || lower == "timestamp" ||
         (segment_column && name == "segment");
}

bool HasSurroundingBlanks(const std::string& s) { return io::Trim(s).size() != s.size(); }

Status CheckNames(const Recording& rec, bool segment_column) {
  for (const auto& name : rec.names) {
    if (name.empty() || HasSurroundingBlanks(name)) {
      return Status::InvalidArgument("neuron name '" + name +
                                     "' is empty or has surrounding blanks");
    }
    if (IsReservedName(name, segment_column)) {
      return Status::InvalidArgument("neuron name '" + name +
                                     "' would be read back as a time or segment column");
    }
  }
  if (std::set<std::string>(rec.names.begin(), rec.names.end()).size() != rec.names.size()) {
    return Status::InvalidArgument("neuron names are not unique");
  }
  return Status::Ok();
}

Status CheckSegments(const Recording& rec, bool segment_column) {
  const bool timed = !rec.segments.front().time.empty();
  std::set<std::string> labels;
  for (size_t k = 0; k < rec.segments.size(); ++k) {
    const Segment& s = rec.segments[k];
    const std::string where = "segment " + std::to_string(k) + " ('" + s.label + "')";
    if (s.time.empty() == timed) {
      return Status::InvalidArgument(where + (timed ? " has no time stamps but segment 0 has"
                                                    : " has time stamps but segment 0 has none"));
    }
    if (!segment_column) continue;
    if (s.label.empty() || HasSurroundingBlanks(s.label) || !labels.insert(s.label).second) {
      return Status::InvalidArgument(where +
                                     ": segment labels must be non-empty, unique and without "
                                     "surrounding blanks to be written as a segment column");
    }
  }
  return Status::Ok();
}

std::string HeaderLine(const Recording& rec, bool timed, bool segment_column) {
  std::string line;
  if (timed) line += "time_s,";
  if (segment_column) line += "segment,";
  for (size_t i = 0; i < rec.names.size(); ++i) line += (i ? "," : "") + io::CsvField(rec.names[i]);
  return line + "\n";
}

void WriteSegment(const Segment& s, bool segment_column, std::ofstream& out) {
  const std::string label = segment_column ? io::CsvField(s.label) + "," : std::string();
  std::string line;
  for (Eigen::Index t = 0; t < s.x.rows(); ++t) {
    line.clear();
    if (!s.time.empty()) line += io::FormatDouble(s.time[static_cast<size_t>(t)]) + ",";
    line += label;
    for (Eigen::Index i = 0; i < s.x.cols(); ++i) {
      if (i > 0) line += ',';
      line += io::FormatDouble(s.x(t, i));
    }
    line += '\n';
    out << line;
  }
}

}  // namespace

Status WriteCsvRecording(const std::filesystem::path& file, const Recording& rec) {
  const std::string context = file.string() + ": cannot write the recording";
  SBTG_RETURN_IF_ERROR(rec.Validate().WithContext(context));
  const bool segment_column = rec.segments.size() > 1;
  SBTG_RETURN_IF_ERROR(CheckNames(rec, segment_column).WithContext(context));
  SBTG_RETURN_IF_ERROR(CheckSegments(rec, segment_column).WithContext(context));
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(file.string() + ": cannot open for writing");
  out << HeaderLine(rec, !rec.segments.front().time.empty(), segment_column);
  for (const auto& s : rec.segments) WriteSegment(s, segment_column, out);
  out.close();
  if (!out) return Status::IoError(file.string() + ": write failed");
  return Status::Ok();
}

}  // namespace sbtg
