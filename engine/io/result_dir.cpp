// The result directory (docs/output-format.md): per-lag NPY matrices, edges.csv and summary.json,
// and the simulation truth directory (truth_lag{r}.npy + names.txt).
//
// The writer validates the result against the FitResult contract first (shapes, diagonal
// convention, file-safe extra names) so that a directory on disk always satisfies the documented
// format, and writes summary.json last: a directory without it is incomplete.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "engine/io/csv.hpp"
#include "engine/io/npy.hpp"
#include "sbtg/io.hpp"

namespace sbtg {

namespace {

constexpr const char* kFormatTag = "sbtg-result/1";
using Json = nlohmann::json;

std::string LagFile(const std::string& name, int lag) {
  return name + "_lag" + std::to_string(lag) + ".npy";
}

std::string ShapeText(Eigen::Index rows, Eigen::Index cols) {
  return std::to_string(rows) + "×" + std::to_string(cols);
}

template <typename M>
Status CheckSquare(const M& m, Eigen::Index n, const std::string& field) {
  if (m.rows() == n && m.cols() == n) return Status::Ok();
  return Status::InvalidArgument(field + " is " + ShapeText(m.rows(), m.cols()) + ", expected " +
                                 ShapeText(n, n) + " (one row and column per name)");
}

Status CheckDiagonalConvention(const LagResult& lag, const std::string& field) {
  for (Eigen::Index j = 0; j < lag.selected.rows(); ++j) {
    for (Eigen::Index i = 0; i < lag.selected.cols(); ++i) {
      const int s = lag.selected(j, i);
      if (s < -1 || s > 1) {
        return Status::InvalidArgument(field + ".selected(" + std::to_string(j) + ", " +
                                       std::to_string(i) + ") = " + std::to_string(s) +
                                       ", expected -1, 0 or 1");
      }
    }
    if (lag.selected(j, j) != 0 || !std::isnan(lag.q(j, j))) {
      return Status::InvalidArgument(
          field + ": diagonal entry " + std::to_string(j) +
          " must have q = NaN and selected = 0 (self-effects are not tested)");
    }
  }
  return Status::Ok();
}

// Extra names become file names: keep them to one safe path component that cannot shadow a core
// array.
bool IsSafeExtraName(const std::string& name) {
  static const std::regex kSafeName("[A-Za-z0-9_]+");
  static const std::set<std::string> kReserved = {"effect", "p", "q", "selected"};
  return std::regex_match(name, kSafeName) && !kReserved.contains(name);
}

Status CheckExtras(const LagResult& lag, Eigen::Index n, const std::string& field) {
  for (const auto& [name, m] : lag.extra) {
    const std::string where = field + ".extra['" + name + "']";
    if (!IsSafeExtraName(name)) {
      return Status::InvalidArgument(where +
                                     ": the name must be letters, digits and '_' and not one of "
                                     "effect, p, q, selected");
    }
    SBTG_RETURN_IF_ERROR(CheckSquare(m, n, where));
  }
  return Status::Ok();
}

Status CheckLag(const LagResult& lag, Eigen::Index n, const std::string& field) {
  if (lag.lag < 0) return Status::InvalidArgument(field + ".lag is negative");
  SBTG_RETURN_IF_ERROR(CheckSquare(lag.effect, n, field + ".effect"));
  SBTG_RETURN_IF_ERROR(CheckSquare(lag.p, n, field + ".p"));
  SBTG_RETURN_IF_ERROR(CheckSquare(lag.q, n, field + ".q"));
  SBTG_RETURN_IF_ERROR(CheckSquare(lag.selected, n, field + ".selected"));
  SBTG_RETURN_IF_ERROR(CheckDiagonalConvention(lag, field));
  return CheckExtras(lag, n, field);
}

Status CheckResult(const FitResult& r) {
  if (r.names.empty()) return Status::InvalidArgument("FitResult.names is empty");
  if (!std::isfinite(r.frame_period) || r.frame_period < 0) {
    return Status::InvalidArgument("FitResult.frame_period must be finite and >= 0");
  }
  for (const auto& [field, value] :
       {std::pair{"settings", &r.settings}, std::pair{"timings", &r.timings},
        std::pair{"counts", &r.counts}}) {
    if (!value->is_object())
      return Status::InvalidArgument(std::string("FitResult.") + field + " must be a JSON object");
  }
  std::set<int> seen;
  for (size_t k = 0; k < r.lags.size(); ++k) {
    const std::string field = "FitResult.lags[" + std::to_string(k) + "]";
    if (!seen.insert(r.lags[k].lag).second) {
      return Status::InvalidArgument(field + ".lag = " + std::to_string(r.lags[k].lag) +
                                     " repeats");
    }
    SBTG_RETURN_IF_ERROR(CheckLag(r.lags[k], r.n(), field));
  }
  return Status::Ok();
}

Status WriteLagArrays(const std::filesystem::path& dir, const LagResult& lag) {
  SBTG_RETURN_IF_ERROR(WriteNpy(dir / LagFile("effect", lag.lag), lag.effect));
  SBTG_RETURN_IF_ERROR(WriteNpy(dir / LagFile("p", lag.lag), lag.p));
  SBTG_RETURN_IF_ERROR(WriteNpy(dir / LagFile("q", lag.lag), lag.q));
  SBTG_RETURN_IF_ERROR(WriteNpy(dir / LagFile("selected", lag.lag), lag.selected));
  for (const auto& [name, m] : lag.extra)
    SBTG_RETURN_IF_ERROR(WriteNpy(dir / LagFile(name, lag.lag), m));
  return Status::Ok();
}

// Off-diagonal pairs of one lag as (target, source), by p ascending with NaN last; ties keep
// target-major order so the file is deterministic.
std::vector<std::pair<Eigen::Index, Eigen::Index>> SortedPairs(const Eigen::MatrixXd& p) {
  std::vector<std::pair<Eigen::Index, Eigen::Index>> pairs;
  for (Eigen::Index j = 0; j < p.rows(); ++j) {
    for (Eigen::Index i = 0; i < p.cols(); ++i) {
      if (i != j) pairs.emplace_back(j, i);
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(), [&p](const auto& a, const auto& b) {
    const double pa = p(a.first, a.second), pb = p(b.first, b.second);
    if (std::isnan(pa) || std::isnan(pb)) return !std::isnan(pa) && std::isnan(pb);
    return pa < pb;
  });
  return pairs;
}

Status WriteEdges(const std::filesystem::path& file, const FitResult& r) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(file.string() + ": cannot open for writing");
  out << "lag,target,source,target_name,source_name,effect,p,q,selected\n";
  std::string line;
  for (const LagResult& lag : r.lags) {
    for (const auto& [j, i] : SortedPairs(lag.p)) {
      line = std::to_string(lag.lag) + "," + std::to_string(j) + "," + std::to_string(i) + "," +
             io::CsvField(r.names[j]) + "," + io::CsvField(r.names[i]) + "," +
             io::FormatDouble(lag.effect(j, i)) + "," + io::FormatDouble(lag.p(j, i)) + "," +
             io::FormatDouble(lag.q(j, i)) + "," + std::to_string(lag.selected(j, i)) + "\n";
      out << line;
    }
  }
  out.close();
  if (!out) return Status::IoError(file.string() + ": write failed");
  return Status::Ok();
}

Json LagCounts(const LagResult& lag, Eigen::Index n) {
  const auto excitatory = static_cast<std::int64_t>((lag.selected.array() == 1).count());
  const auto inhibitory = static_cast<std::int64_t>((lag.selected.array() == -1).count());
  return {{"tested", static_cast<std::int64_t>(n * (n - 1))},
          {"selected", excitatory + inhibitory},
          {"excitatory", excitatory},
          {"inhibitory", inhibitory}};
}

Json SummaryJson(const FitResult& r) {
  Json lags = Json::array(), extras = Json::object(), per_lag = Json::object();
  for (const LagResult& lag : r.lags) {
    lags.push_back(lag.lag);
    Json names = Json::array();
    for (const auto& entry : lag.extra) names.push_back(entry.first);
    extras[std::to_string(lag.lag)] = names;
    per_lag[std::to_string(lag.lag)] = LagCounts(lag, r.n());
  }
  Json counts = r.counts;
  counts["per_lag"] = per_lag;
  return {{"format", kFormatTag},
          {"method", r.method},
          {"orientation", "[target, source]"},
          {"names", r.names},
          {"n", static_cast<std::int64_t>(r.n())},
          {"frames", static_cast<std::int64_t>(r.frames)},
          {"segments", static_cast<std::int64_t>(r.segments)},
          {"windows", static_cast<std::int64_t>(r.windows)},
          {"frame_period", r.frame_period},
          {"lags", lags},
          {"extras", extras},
          {"settings", r.settings},
          {"timings", r.timings},
          {"counts", counts}};
}

Status WriteText(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(file.string() + ": cannot open for writing");
  out << text;
  out.close();
  if (!out) return Status::IoError(file.string() + ": write failed");
  return Status::Ok();
}

Status MakeDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return Status::IoError(dir.string() + ": cannot create the directory" +
                           (ec ? ": " + ec.message() : ""));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------------------------------------
// Reading

Result<Json> ReadJson(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return Status::NotFound(file.string() + ": no such file (not a complete result directory)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError(file.string() + ": cannot open for reading");
  Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::ParseError(file.string() + ": not valid JSON");
  if (!j.is_object()) return Status::ParseError(file.string() + ": expected a JSON object");
  return j;
}

// Typed access to one summary.json field; the error names the file and the field.
class SummaryReader {
 public:
  SummaryReader(const Json& j, std::filesystem::path file) : j_(j), file_(std::move(file)) {}

  template <typename T>
  Status Get(const char* key, T& out) const {
    const auto it = j_.find(key);
    if (it == j_.end()) return Error(key, "is missing");
    if (!Fits<T>(*it)) return Error(key, "has the wrong type");
    out = it->template get<T>();
    return Status::Ok();
  }
  Status Error(const std::string& key, const std::string& what) const {
    return Status::ParseError(file_.string() + ": field '" + key + "' " + what);
  }

 private:
  template <typename T>
  static bool Fits(const Json& v) {
    if constexpr (std::is_same_v<T, std::string>)
      return v.is_string();
    else if constexpr (std::is_same_v<T, double>)
      return v.is_number();
    else if constexpr (std::is_integral_v<T>)
      return v.is_number_integer();
    else if constexpr (std::is_same_v<T, Json>)
      return v.is_object();
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      return v.is_array() &&
             std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_string(); });
    } else {
      return v.is_array() &&
             std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_number_integer(); });
    }
  }

  const Json& j_;
  std::filesystem::path file_;
};

Status ReadSummary(const Json& j, const std::filesystem::path& file, FitResult& r,
                   std::vector<int>& lags) {
  const SummaryReader s(j, file);
  std::string format;
  SBTG_RETURN_IF_ERROR(s.Get("format", format));
  if (format != kFormatTag) {
    return s.Error("format", "is '" + format + "', expected '" + std::string(kFormatTag) + "'");
  }
  std::int64_t n = 0, frames = 0, segments = 0, windows = 0;
  SBTG_RETURN_IF_ERROR(s.Get("method", r.method));
  SBTG_RETURN_IF_ERROR(s.Get("names", r.names));
  SBTG_RETURN_IF_ERROR(s.Get("n", n));
  SBTG_RETURN_IF_ERROR(s.Get("frames", frames));
  SBTG_RETURN_IF_ERROR(s.Get("segments", segments));
  SBTG_RETURN_IF_ERROR(s.Get("windows", windows));
  SBTG_RETURN_IF_ERROR(s.Get("frame_period", r.frame_period));
  SBTG_RETURN_IF_ERROR(s.Get("lags", lags));
  SBTG_RETURN_IF_ERROR(s.Get("settings", r.settings));
  SBTG_RETURN_IF_ERROR(s.Get("timings", r.timings));
  SBTG_RETURN_IF_ERROR(s.Get("counts", r.counts));
  if (n != static_cast<std::int64_t>(r.names.size())) {
    return s.Error(
        "n", "is " + std::to_string(n) + " but 'names' has " + std::to_string(r.names.size()));
  }
  r.frames = frames;
  r.segments = segments;
  r.windows = windows;
  return Status::Ok();
}

template <typename M>
Status CheckFileShape(const M& m, Eigen::Index n, const std::filesystem::path& file) {
  if (m.rows() == n && m.cols() == n) return Status::Ok();
  return Status::ParseError(file.string() + ": shape " + ShapeText(m.rows(), m.cols()) +
                            ", expected " + ShapeText(n, n) + " (n in summary.json)");
}

Status ReadMatrixFile(const std::filesystem::path& file, Eigen::Index n, Eigen::MatrixXd& out) {
  auto m = ReadNpyMatrix(file);
  if (!m.ok()) return m.status();
  SBTG_RETURN_IF_ERROR(CheckFileShape(*m, n, file));
  out = std::move(*m);
  return Status::Ok();
}

// `extras` is summary.json's "extras" object: lag (as text) → list of extra matrix names.
Status ReadLag(const std::filesystem::path& dir, const Json& extras, Eigen::Index n,
               LagResult& lag) {
  SBTG_RETURN_IF_ERROR(ReadMatrixFile(dir / LagFile("effect", lag.lag), n, lag.effect));
  SBTG_RETURN_IF_ERROR(ReadMatrixFile(dir / LagFile("p", lag.lag), n, lag.p));
  SBTG_RETURN_IF_ERROR(ReadMatrixFile(dir / LagFile("q", lag.lag), n, lag.q));
  const std::filesystem::path selected_file = dir / LagFile("selected", lag.lag);
  auto selected = io::ReadNpyInt8(selected_file);
  if (!selected.ok()) return selected.status();
  SBTG_RETURN_IF_ERROR(CheckFileShape(*selected, n, selected_file));
  lag.selected = std::move(*selected);
  const auto entry = extras.find(std::to_string(lag.lag));
  if (entry == extras.end()) return Status::Ok();
  const bool names_ok =
      entry->is_array() && std::all_of(entry->begin(), entry->end(), [](const Json& e) {
        return e.is_string() && IsSafeExtraName(e.get<std::string>());
      });
  if (!names_ok) {
    return Status::ParseError((dir / "summary.json").string() + ": field 'extras' entry for lag " +
                              std::to_string(lag.lag) +
                              " must be a list of names made of letters, digits and '_'");
  }
  for (const auto& name : entry->get<std::vector<std::string>>()) {
    SBTG_RETURN_IF_ERROR(ReadMatrixFile(dir / LagFile(name, lag.lag), n, lag.extra[name]));
  }
  return Status::Ok();
}

}  // namespace

Status WriteFitResult(const std::filesystem::path& dir, const FitResult& result) {
  SBTG_RETURN_IF_ERROR(CheckResult(result).WithContext(dir.string() + ": cannot write the result"));
  SBTG_RETURN_IF_ERROR(MakeDirectory(dir));
  for (const LagResult& lag : result.lags) SBTG_RETURN_IF_ERROR(WriteLagArrays(dir, lag));
  SBTG_RETURN_IF_ERROR(WriteEdges(dir / "edges.csv", result));
  return WriteText(dir / "summary.json", SummaryJson(result).dump(2) + "\n");
}

Result<FitResult> ReadFitResult(const std::filesystem::path& dir) {
  const std::filesystem::path summary_file = dir / "summary.json";
  auto summary = ReadJson(summary_file);
  if (!summary.ok()) return summary.status();
  FitResult r;
  std::vector<int> lags;
  SBTG_RETURN_IF_ERROR(ReadSummary(*summary, summary_file, r, lags));
  const auto extras = summary->find("extras");
  if (extras == summary->end() || !extras->is_object()) {
    return Status::ParseError(summary_file.string() +
                              ": field 'extras' is missing or not an object");
  }
  for (const int lag_value : lags) {
    LagResult lag;
    lag.lag = lag_value;
    SBTG_RETURN_IF_ERROR(ReadLag(dir, *extras, r.n(), lag));
    r.lags.push_back(std::move(lag));
  }
  return r;
}

Status WriteTruth(const std::filesystem::path& dir, const std::vector<Eigen::MatrixXd>& truth,
                  const std::vector<std::string>& names) {
  const std::string context = dir.string() + ": cannot write the truth";
  if (names.empty()) return Status::InvalidArgument(context + ": no names");
  if (truth.empty()) return Status::InvalidArgument(context + ": no lags");
  const auto n = static_cast<Eigen::Index>(names.size());
  std::string text;
  for (const auto& name : names) {
    if (name.empty() || name.find_first_of("\r\n") != std::string::npos) {
      return Status::InvalidArgument(context + ": neuron name '" + name +
                                     "' is empty or has a line break");
    }
    text += name + "\n";
  }
  for (size_t k = 0; k < truth.size(); ++k) {
    SBTG_RETURN_IF_ERROR(
        CheckSquare(truth[k], n, "truth[" + std::to_string(k) + "]").WithContext(context));
  }
  SBTG_RETURN_IF_ERROR(MakeDirectory(dir));
  for (size_t k = 0; k < truth.size(); ++k) {
    SBTG_RETURN_IF_ERROR(WriteNpy(dir / LagFile("truth", static_cast<int>(k + 1)), truth[k]));
  }
  return WriteText(dir / "names.txt", text);
}

}  // namespace sbtg
