#include "adapters/replay/replay_source.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sbtg/io.hpp"

namespace sbtg::adapters {

namespace {

std::vector<std::filesystem::path> SplitFiles(const std::string& target) {
  std::vector<std::filesystem::path> files;
  size_t start = 0;
  while (start <= target.size()) {
    const size_t comma = target.find(',', start);
    const std::string item = target.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) files.emplace_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return files;
}

Result<Recording> LoadForSpec(const SourceSpec& spec, double period) {
  const std::vector<std::filesystem::path> files = SplitFiles(spec.target);
  if (files.empty()) return Status::InvalidArgument("--source replay: no file given");
  std::string format = spec.Get("format", "auto");
  if (format == "auto") {
    const auto ext = files.front().extension().string();
    if (std::filesystem::is_directory(files.front()) || files.front().filename() == "F.npy") {
      format = "suite2p";
    } else if (ext == ".nwb" || ext == ".h5" || ext == ".hdf5") {
      format = "nwb";
    } else {
      format = "table";
    }
  }
  if (format != "table" && files.size() != 1) {
    return Status::InvalidArgument("--source replay: format " + format + " reads exactly one path");
  }
  if (format == "suite2p") return ReadSuite2p(files.front(), spec.Get("all_rois", "0") == "1", period);
  if (format == "nwb") {
    auto rec = ReadNwbRoiResponseSeries(files.front(), spec.Get("series"));
    if (rec.ok() && period > 0) rec->frame_period = period;
    return rec;
  }
  if (format != "table") {
    return Status::InvalidArgument("--source replay: unknown format '" + format + "' (auto, table, suite2p, nwb)");
  }
  ReadOptions ro;
  ro.frame_period = period;
  ro.transpose = spec.Get("transpose", "0") == "1";
  ro.time_column = spec.Get("time_column");
  ro.segment_column = spec.Get("segment_column");
  return ReadRecording(files, ro);
}

}  // namespace

ReplaySource::ReplaySource(Recording rec, const ReplayOptions& options) : rec_(std::move(rec)), options_(options) {
  info_.n = rec_.n();
  info_.names = rec_.names;
  info_.frame_period = rec_.frame_period;
  info_.description = options.description.empty() ? "replay" : options.description;
}

Result<std::unique_ptr<ReplaySource>> ReplaySource::Create(Recording rec, const ReplayOptions& options) {
  SBTG_RETURN_IF_ERROR(rec.Validate());
  if (!(options.speed >= 0) || !std::isfinite(options.speed)) {
    return Status::InvalidArgument("replay: speed must be >= 0 (0 = as fast as possible)");
  }
  if (options.speed > 0 && !(rec.frame_period > 0)) {
    return Status::InvalidArgument("replay: the recording's frame period is unknown; give period=SECONDS or speed=fast");
  }
  if (options.loops < 1) return Status::InvalidArgument("replay: loop must be >= 1");
  return std::unique_ptr<ReplaySource>(new ReplaySource(std::move(rec), options));
}

Result<std::unique_ptr<ReplaySource>> ReplaySource::FromSpec(const SourceSpec& spec) {
  SBTG_RETURN_IF_ERROR(spec.CheckKeys(
      {"speed", "period", "loop", "format", "series", "transpose", "time_column", "segment_column", "all_rois"}));
  auto period = SpecDouble(spec, "period", 0.0);
  if (!period.ok()) return period.status();
  ReplayOptions o;
  const std::string speed = spec.Get("speed", "1");
  if (speed == "fast") {
    o.speed = 0;
  } else {
    auto v = SpecDouble(spec, "speed", 1.0);
    if (!v.ok()) return v.status();
    o.speed = *v;
  }
  auto loops = SpecInt(spec, "loop", 1);
  if (!loops.ok()) return loops.status();
  o.loops = static_cast<int>(*loops);
  auto rec = LoadForSpec(spec, *period);
  if (!rec.ok()) return rec.status();
  o.description = "replay " + spec.target + (o.speed == 0 ? " (as fast as possible)" : " at " + speed + "x");
  return Create(std::move(*rec), o);
}

Status ReplaySource::PlaySegment(SourceContext& ctx, const Segment& seg, const std::string& label) {
  const Eigen::Index n = rec_.n();
  const double period = rec_.frame_period;
  for (Eigen::Index t = 0; t < seg.x.rows(); ++t) {
    if (options_.speed > 0) {
      const double due = static_cast<double>(sequence_) * period / options_.speed;
      const auto deadline = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                         std::chrono::duration<double>(due));
      if (!ctx.SleepUntil(deadline)) return Status::Ok();
    } else if (ctx.stop_requested()) {
      return Status::Ok();
    }
    const FrameHandle h = ctx.Acquire();
    if (h == kNoFrame) {
      ++sequence_;  // the frame is lost (counted by the context); the gap shows downstream
      continue;
    }
    Frame& f = ctx.frame(h);
    f.sequence = sequence_++;
    const double local = seg.time.empty() ? static_cast<double>(t) * period : seg.time[static_cast<size_t>(t)];
    f.source_time = period > 0 || !seg.time.empty() ? clock_offset_ + local : std::numeric_limits<double>::quiet_NaN();
    f.arrival_ns = 0;
    f.SetSegment(label);
    Eigen::Map<Eigen::VectorXf>(f.values, n) = seg.x.row(t).transpose().cast<float>();
    if (ctx.Push(h) == PushOutcome::kCancelled) return Status::Ok();
  }
  return Status::Ok();
}

Status ReplaySource::Run(SourceContext& ctx) {
  start_ = std::chrono::steady_clock::now();
  sequence_ = 0;
  for (int loop = 0; loop < options_.loops; ++loop) {
    double loop_span = 0;
    for (const Segment& seg : rec_.segments) {
      const std::string label = loop == 0 ? seg.label : seg.label + "#" + std::to_string(loop + 1);
      SBTG_RETURN_IF_ERROR(PlaySegment(ctx, seg, label));
      if (ctx.stop_requested()) return Status::Ok();
      const double seg_end = seg.time.empty() ? static_cast<double>(seg.x.rows()) * rec_.frame_period
                                              : seg.time.back() + rec_.frame_period;
      loop_span = std::max(loop_span, seg_end);
    }
    clock_offset_ += loop_span;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------

Result<Recording> ReadSuite2p(const std::filesystem::path& path, bool all_rois, double frame_period) {
  const std::filesystem::path dir = std::filesystem::is_directory(path) ? path : path.parent_path();
  auto f = ReadNpyMatrix(dir / "F.npy");
  if (!f.ok()) return f.status();
  const Eigen::Index rois = f->rows();
  std::vector<Eigen::Index> keep;
  const auto iscell_path = dir / "iscell.npy";
  if (!all_rois && std::filesystem::exists(iscell_path)) {
    auto iscell = ReadNpyMatrix(iscell_path);
    if (!iscell.ok()) return iscell.status();
    if (iscell->rows() != rois) {
      return Status::InvalidArgument(iscell_path.string() + ": has " + std::to_string(iscell->rows()) +
                                     " rows but F.npy has " + std::to_string(rois) + " ROIs");
    }
    for (Eigen::Index r = 0; r < rois; ++r) {
      if ((*iscell)(r, 0) > 0.5) keep.push_back(r);
    }
    if (keep.empty()) return Status::InvalidArgument(iscell_path.string() + ": no ROI is classified as a cell");
  } else {
    for (Eigen::Index r = 0; r < rois; ++r) keep.push_back(r);
  }
  Recording rec;
  rec.frame_period = frame_period;
  Segment seg;
  seg.label = dir.filename().string().empty() ? "suite2p" : dir.filename().string();
  seg.x.resize(f->cols(), static_cast<Eigen::Index>(keep.size()));
  for (size_t k = 0; k < keep.size(); ++k) {
    seg.x.col(static_cast<Eigen::Index>(k)) = f->row(keep[k]).transpose();
    rec.names.push_back("roi" + std::to_string(keep[k]));
  }
  for (Eigen::Index c = 0; c < seg.x.cols(); ++c) {
    for (Eigen::Index t = 0; t < seg.x.rows(); ++t) {
      if (!std::isfinite(seg.x(t, c))) {
        return Status::InvalidArgument((dir / "F.npy").string() + ": non-finite value at ROI " +
                                       std::to_string(keep[static_cast<size_t>(c)]) + ", frame " + std::to_string(t));
      }
    }
  }
  rec.segments.push_back(std::move(seg));
  SBTG_RETURN_IF_ERROR(rec.Validate());
  return rec;
}

}  // namespace sbtg::adapters
