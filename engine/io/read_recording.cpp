// Recording readers: CSV/TSV (header, time and segment columns) and NPY, one file or several.
//
// Every error names the file, and where it applies the 1-based line of the CSV file (or frame of
// the NPY array) and the column number with its header name. Each reader fills a FileTable;
// ReadFiles joins the tables of several files (same neuron names required), labels the segments and
// infers the frame period once over all of them.
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/io/csv.hpp"
#include "engine/io/npy.hpp"
#include "sbtg/io.hpp"

namespace sbtg {

namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class Format { kByExtension, kCsv, kTsv, kNpy };

// What one file contributes before the files are joined.
struct FileTable {
  std::vector<std::string> names;
  std::vector<std::string> name_where;  // where each neuron sits in the file, e.g. "column 4"
  std::vector<Segment> segments;        // labels set only when they come from a segment column
  bool labelled_segments = false;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

Status ValidateOptions(const ReadOptions& o) {
  if (!std::isfinite(o.frame_period) || o.frame_period < 0) {
    return Status::InvalidArgument("ReadOptions.frame_period must be a finite number >= 0 (got " +
                                   io::FormatDouble(o.frame_period) + ")");
  }
  if (!o.has_header && (!o.time_column.empty() || !o.segment_column.empty())) {
    return Status::InvalidArgument(
        "ReadOptions.time_column and ReadOptions.segment_column name header columns, but "
        "ReadOptions.has_header is false");
  }
  if (!o.time_column.empty() && o.time_column == o.segment_column) {
    return Status::InvalidArgument(
        "ReadOptions.time_column and ReadOptions.segment_column are both '" + o.time_column + "'");
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------
// CSV

// Which file column plays which role.
struct CsvLayout {
  size_t width = 0;      // fields per line
  int time_col = -1;     // 0-based, -1 = none
  int segment_col = -1;  // 0-based, -1 = none
  std::vector<int> neuron_cols;
  std::vector<std::string> header;  // trimmed names of all columns ("" without a header)
};

std::string ColumnText(const CsvLayout& layout, size_t col) {
  std::string out = "column " + std::to_string(col + 1);
  if (!layout.header.empty()) out += " (" + Quoted(layout.header[col]) + ")";
  return out;
}

bool IsTimeAlias(const std::string& name) {
  const std::string lower = Lower(name);
  return lower == "time" || lower == "time_s" || lower == "t" || lower == "timestamp";
}

// A line of real numbers (e.g. "0.19,0.17") read as a header is almost surely a file without one;
// integer-only headers stay allowed because ROI numbers are plausible neuron names.
bool LooksLikeDataLine(const std::vector<std::string>& fields) {
  bool any_fraction = false;
  for (const auto& f : fields) {
    double v = 0;
    if (!io::ParseDouble(f, v)) return false;
    any_fraction = any_fraction || f.find_first_of(".eE") != std::string::npos;
  }
  return any_fraction;
}

Result<int> FindColumn(const CsvLayout& layout, const std::string& name, const std::string& field,
                       const io::CsvReader& csv) {
  const auto it = std::find(layout.header.begin(), layout.header.end(), name);
  if (it == layout.header.end()) {
    return csv.Error(field + " '" + name + "' is not a column of the header");
  }
  return static_cast<int>(it - layout.header.begin());
}

Result<int> DetectTimeColumn(const CsvLayout& layout, const ReadOptions& o,
                             const io::CsvReader& csv) {
  if (!o.time_column.empty())
    return FindColumn(layout, o.time_column, "ReadOptions.time_column", csv);
  int found = -1;
  for (size_t c = 0; c < layout.header.size(); ++c) {
    if (!IsTimeAlias(layout.header[c]) || static_cast<int>(c) == layout.segment_col) continue;
    if (found >= 0) {
      return csv.Error("two columns look like time columns, " + ColumnText(layout, found) +
                       " and " + ColumnText(layout, c) + "; name one with ReadOptions.time_column");
    }
    found = static_cast<int>(c);
  }
  return found;
}

Status CheckNeuronNames(const CsvLayout& layout, const io::CsvReader& csv) {
  if (layout.neuron_cols.empty()) return csv.Error("the header has no neuron columns");
  std::map<std::string, int> seen;
  for (const int c : layout.neuron_cols) {
    const std::string& name = layout.header[c];
    if (name.empty()) return csv.Error("column " + std::to_string(c + 1) + " has an empty name");
    const auto [it, inserted] = seen.emplace(name, c);
    if (!inserted) {
      return csv.Error("duplicate neuron name: " + ColumnText(layout, c) + " repeats " +
                       ColumnText(layout, it->second));
    }
  }
  return Status::Ok();
}

Result<CsvLayout> AnalyzeHeader(const std::vector<std::string>& fields, const ReadOptions& o,
                                const io::CsvReader& csv) {
  CsvLayout layout;
  layout.width = fields.size();
  for (const auto& f : fields) layout.header.emplace_back(io::Trim(f));
  if (LooksLikeDataLine(layout.header)) {
    return csv.Error(
        "the header line holds numbers, not names; for a file without a header set "
        "ReadOptions.has_header = false");
  }
  if (!o.segment_column.empty()) {
    auto col = FindColumn(layout, o.segment_column, "ReadOptions.segment_column", csv);
    if (!col.ok()) return col.status();
    layout.segment_col = *col;
  }
  auto time_col = DetectTimeColumn(layout, o, csv);
  if (!time_col.ok()) return time_col.status();
  layout.time_col = *time_col;
  for (size_t c = 0; c < layout.width; ++c) {
    const int col = static_cast<int>(c);
    if (col != layout.time_col && col != layout.segment_col) layout.neuron_cols.push_back(col);
  }
  SBTG_RETURN_IF_ERROR(CheckNeuronNames(layout, csv));
  return layout;
}

CsvLayout HeaderlessLayout(size_t width) {
  CsvLayout layout;
  layout.width = width;
  for (size_t c = 0; c < width; ++c) layout.neuron_cols.push_back(static_cast<int>(c));
  return layout;
}

Status ParseCell(const std::string& field, const CsvLayout& layout, size_t col,
                 const io::CsvReader& csv, double& value) {
  const std::string_view trimmed = io::Trim(field);
  std::string problem;
  if (trimmed.empty()) {
    problem = "empty cell (missing values are not allowed)";
  } else if (!io::ParseDouble(trimmed, value)) {
    problem = "not a number: '" + std::string(trimmed) + "'";
  } else if (std::isnan(value)) {
    problem = "NaN value ('" + std::string(trimmed) + "')";
  } else if (std::isinf(value)) {
    problem = "infinite value ('" + std::string(trimmed) + "')";
  }
  if (problem.empty()) return Status::Ok();
  return csv.Error(ColumnText(layout, col) + ": " + problem);
}

// Accumulates rows into segments: a new segment starts whenever the segment label changes.
class SegmentBuilder {
 public:
  SegmentBuilder(const CsvLayout& layout, const io::CsvReader& csv) : layout_(layout), csv_(csv) {}

  Status AddRow(const std::vector<std::string>& fields) {
    if (fields.size() != layout_.width) {
      return csv_.Error("expected " + std::to_string(layout_.width) + " fields (" +
                        (layout_.header.empty() ? "as on the first line" : "as in the header") +
                        "), found " + std::to_string(fields.size()));
    }
    if (layout_.segment_col >= 0) SBTG_RETURN_IF_ERROR(StartSegmentIfNew(fields));
    if (layout_.time_col >= 0) SBTG_RETURN_IF_ERROR(AddTime(fields));
    for (const int c : layout_.neuron_cols) {
      double v = 0;
      SBTG_RETURN_IF_ERROR(ParseCell(fields[c], layout_, c, csv_, v));
      values_.push_back(v);
    }
    ++rows_;
    last_line_ = csv_.line();
    return Status::Ok();
  }

  std::vector<Segment> Finish() {
    Flush();
    return std::move(segments_);
  }

 private:
  Status StartSegmentIfNew(const std::vector<std::string>& fields) {
    const std::string label(io::Trim(fields[layout_.segment_col]));
    if (label.empty())
      return csv_.Error(ColumnText(layout_, layout_.segment_col) + ": empty segment label");
    if (rows_ > 0 && label == label_) return Status::Ok();
    if (rows_ > 0) {
      ended_at_[label_] = last_line_;
      Flush();
    }
    if (const auto it = ended_at_.find(label); it != ended_at_.end()) {
      return csv_.Error(ColumnText(layout_, layout_.segment_col) + ": segment label '" + label +
                        "' reappears after other labels (its rows ended at line " +
                        std::to_string(it->second) +
                        "); the rows of one segment must be contiguous");
    }
    label_ = label;
    return Status::Ok();
  }

  Status AddTime(const std::vector<std::string>& fields) {
    double t = 0;
    SBTG_RETURN_IF_ERROR(ParseCell(fields[layout_.time_col], layout_, layout_.time_col, csv_, t));
    if (!times_.empty() && !(t > times_.back())) {
      return csv_.Error(ColumnText(layout_, layout_.time_col) + ": time " + io::FormatDouble(t) +
                        " is not after the previous time " + io::FormatDouble(times_.back()) +
                        " (line " + std::to_string(last_line_) + "); time stamps must increase");
    }
    times_.push_back(t);
    return Status::Ok();
  }

  void Flush() {
    if (rows_ == 0) return;
    const auto n = static_cast<Eigen::Index>(layout_.neuron_cols.size());
    Segment s;
    s.label = label_;
    s.x = Eigen::Map<const RowMajorMatrix>(values_.data(), rows_, n);
    s.time = std::move(times_);
    segments_.push_back(std::move(s));
    values_.clear();
    times_.clear();
    rows_ = 0;
  }

  const CsvLayout& layout_;
  const io::CsvReader& csv_;
  std::string label_;
  std::vector<double> values_;  // row-major, rows_ × n
  std::vector<double> times_;
  Eigen::Index rows_ = 0;
  long last_line_ = 0;
  std::map<std::string, long> ended_at_;  // finished segment label → its last line
  std::vector<Segment> segments_;
};

// Names and their file positions; a transposed file has one neuron per data row.
FileTable MakeCsvTable(std::vector<Segment> segments, const CsvLayout& layout,
                       const ReadOptions& o) {
  FileTable table;
  table.segments = std::move(segments);
  table.labelled_segments = layout.segment_col >= 0;
  if (o.transpose) table.segments.front().x.transposeInPlace();
  const Eigen::Index n = table.segments.front().x.cols();
  if (!o.has_header) table.names = DefaultNeuronNames(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int col = o.transpose ? -1 : layout.neuron_cols[static_cast<size_t>(i)];
    if (o.has_header) table.names.push_back(layout.header[col]);
    table.name_where.push_back(o.transpose ? "data row " + std::to_string(i + 1)
                                           : "column " + std::to_string(col + 1));
  }
  return table;
}

Result<FileTable> ReadCsvTable(const std::filesystem::path& file, const ReadOptions& o,
                               char delimiter) {
  if (o.transpose && o.has_header) {
    return Status::InvalidArgument(
        file.string() +
        ": ReadOptions.transpose applies to a CSV file only when "
        "ReadOptions.has_header is false (a transposed CSV has no name header)");
  }
  io::CsvReader csv(file, delimiter);
  std::vector<std::string> fields;
  if (!csv.Next(fields)) {
    if (!csv.ok()) return csv.status();
    return Status::ParseError(file.string() + ": empty file");
  }
  CsvLayout layout = HeaderlessLayout(fields.size());
  if (o.has_header) {
    auto analyzed = AnalyzeHeader(fields, o, csv);
    if (!analyzed.ok()) return analyzed.status();
    layout = std::move(*analyzed);
  }
  SegmentBuilder builder(layout, csv);
  // Without a header the first line is already data.
  bool any_row = !o.has_header;
  if (any_row) SBTG_RETURN_IF_ERROR(builder.AddRow(fields));
  while (csv.Next(fields)) {
    SBTG_RETURN_IF_ERROR(builder.AddRow(fields));
    any_row = true;
  }
  if (!csv.ok()) return csv.status();
  if (!any_row) return Status::ParseError(file.string() + ": header but no data rows");
  return MakeCsvTable(builder.Finish(), layout, o);
}

// ------------------------------------------------------------------------------------------------
// NPY

Status CheckFinite(const Eigen::MatrixXd& x, const std::vector<std::string>& names, bool transposed,
                   const std::filesystem::path& file) {
  if (x.allFinite()) return Status::Ok();
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    for (Eigen::Index i = 0; i < x.cols(); ++i) {
      const double v = x(t, i);
      if (std::isfinite(v)) continue;
      const Eigen::Index a = transposed ? i : t, b = transposed ? t : i;
      return Status::ParseError(
          file.string() + ": frame " + std::to_string(t + 1) + ", neuron " + std::to_string(i + 1) +
          " (" + Quoted(names[i]) + ") at numpy index [" + std::to_string(a) + ", " +
          std::to_string(b) + "]: " + (std::isnan(v) ? "NaN value" : "infinite value"));
    }
  }
  return Status::Ok();
}

Result<FileTable> ReadNpyTable(const std::filesystem::path& file, const ReadOptions& o) {
  if (!o.time_column.empty() || !o.segment_column.empty()) {
    return Status::InvalidArgument(
        file.string() +
        ": ReadOptions.time_column and ReadOptions.segment_column apply to "
        "CSV files only; an NPY file holds values only");
  }
  auto array = io::ReadNpy(file);
  if (!array.ok()) return array.status();
  if (array->shape.size() != 2) {
    return Status::ParseError(file.string() + ": array is " + std::to_string(array->shape.size()) +
                              "-D; expected a 2-D array of frames × neurons (neurons × frames with "
                              "ReadOptions.transpose)");
  }
  auto m = io::NpyToMatrix(*array, file);
  if (!m.ok()) return m.status();
  Segment s;
  s.x = o.transpose ? Eigen::MatrixXd(m->transpose()) : std::move(*m);
  if (s.x.rows() == 0) return Status::ParseError(file.string() + ": the array has no frames");
  if (s.x.cols() == 0) return Status::ParseError(file.string() + ": the array has no neurons");
  FileTable table;
  table.names = DefaultNeuronNames(s.x.cols());
  SBTG_RETURN_IF_ERROR(CheckFinite(s.x, table.names, o.transpose, file));
  for (Eigen::Index i = 0; i < s.x.cols(); ++i)
    table.name_where.push_back("neuron " + std::to_string(i + 1));
  table.segments.push_back(std::move(s));
  return table;
}

// ------------------------------------------------------------------------------------------------
// Joining files

Result<FileTable> ReadTable(const std::filesystem::path& file, const ReadOptions& o,
                            Format format) {
  if (format == Format::kByExtension) {
    const std::string ext = Lower(file.extension().string());
    if (ext == ".npy") return ReadNpyTable(file, o);
    if (ext == ".csv") return ReadCsvTable(file, o, ',');
    if (ext == ".tsv") return ReadCsvTable(file, o, '\t');
    return Status::InvalidArgument(file.string() + ": unsupported file extension '" + ext +
                                   "' (expected .csv, .tsv or .npy)");
  }
  if (format == Format::kNpy) return ReadNpyTable(file, o);
  return ReadCsvTable(file, o, format == Format::kTsv ? '\t' : ',');
}

// One unique label per file: its stem, else "<parent folder>/<stem>", else the path as given.
Result<std::vector<std::string>> FileLabels(const std::vector<std::filesystem::path>& files) {
  const std::array<std::string (*)(const std::filesystem::path&), 3> rules = {
      [](const std::filesystem::path& p) { return p.stem().string(); },
      [](const std::filesystem::path& p) {
        return (p.parent_path().filename() / p.stem()).string();
      },
      [](const std::filesystem::path& p) { return p.lexically_normal().string(); }};
  for (const auto& rule : rules) {
    std::vector<std::string> labels;
    for (const auto& f : files) labels.push_back(rule(f));
    if (std::set<std::string>(labels.begin(), labels.end()).size() == labels.size()) return labels;
  }
  for (size_t a = 0; a < files.size(); ++a) {
    for (size_t b = a + 1; b < files.size(); ++b) {
      if (files[a].lexically_normal() == files[b].lexically_normal()) {
        return Status::InvalidArgument(files[a].string() + ": the file is given more than once");
      }
    }
  }
  return Status::InvalidArgument("input files have indistinguishable labels");
}

Status CheckSameNeurons(const std::filesystem::path& file_a, const FileTable& a,
                        const std::filesystem::path& file_b, const FileTable& b) {
  const size_t common = std::min(a.names.size(), b.names.size());
  for (size_t k = 0; k < common; ++k) {
    if (a.names[k] == b.names[k]) continue;
    return Status::InvalidArgument("neuron names differ between files: " + file_a.string() + " " +
                                   a.name_where[k] + " is " + Quoted(a.names[k]) + " but " +
                                   file_b.string() + " " + b.name_where[k] + " is " +
                                   Quoted(b.names[k]) + " (neuron " + std::to_string(k + 1) + ")");
  }
  if (a.names.size() == b.names.size()) return Status::Ok();
  return Status::InvalidArgument("neuron counts differ between files: " + file_a.string() +
                                 " has " + std::to_string(a.names.size()) + " neuron columns, " +
                                 file_b.string() + " has " + std::to_string(b.names.size()) +
                                 " (the first " + std::to_string(common) + " names agree)");
}

// Median frame-to-frame time difference pooled over all segments with time stamps; 0 if none.
double InferFramePeriod(const std::vector<Segment>& segments) {
  std::vector<double> diffs;
  for (const auto& s : segments) {
    for (size_t k = 1; k < s.time.size(); ++k) diffs.push_back(s.time[k] - s.time[k - 1]);
  }
  if (diffs.empty()) return 0.0;
  const size_t mid = diffs.size() / 2;
  std::nth_element(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(mid), diffs.end());
  const double upper = diffs[mid];
  if (diffs.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

void AppendSegments(FileTable& table, const std::string& file_label, bool several_files,
                    Recording& rec) {
  for (auto& s : table.segments) {
    if (!table.labelled_segments) {
      s.label = file_label;
    } else if (several_files) {
      s.label = file_label + ":" + s.label;
    }
    rec.segments.push_back(std::move(s));
  }
}

Result<Recording> ReadFiles(const std::vector<std::filesystem::path>& files, const ReadOptions& o,
                            Format format) {
  SBTG_RETURN_IF_ERROR(ValidateOptions(o));
  if (files.empty()) return Status::InvalidArgument("no input files");
  auto labels = FileLabels(files);
  if (!labels.ok()) return labels.status();
  Recording rec;
  FileTable first;
  for (size_t k = 0; k < files.size(); ++k) {
    auto table = ReadTable(files[k], o, format);
    if (!table.ok()) return table.status();
    if (k == 0) {
      first.names = table->names;
      first.name_where = table->name_where;
      rec.names = table->names;
    } else {
      SBTG_RETURN_IF_ERROR(CheckSameNeurons(files[0], first, files[k], *table));
    }
    AppendSegments(*table, (*labels)[k], files.size() > 1, rec);
  }
  rec.frame_period = o.frame_period > 0 ? o.frame_period : InferFramePeriod(rec.segments);
  SBTG_RETURN_IF_ERROR(rec.Validate());
  return rec;
}

}  // namespace

Result<Recording> ReadRecording(const std::vector<std::filesystem::path>& files,
                                const ReadOptions& options) {
  return ReadFiles(files, options, Format::kByExtension);
}

Result<Recording> ReadCsvRecording(const std::filesystem::path& file, const ReadOptions& options) {
  return ReadFiles({file}, options, Format::kCsv);
}

Result<Recording> ReadNpyRecording(const std::filesystem::path& file, const ReadOptions& options) {
  return ReadFiles({file}, options, Format::kNpy);
}

}  // namespace sbtg
