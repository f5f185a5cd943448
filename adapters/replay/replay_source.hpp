// Replay adapter: a recording played into the live engine as if a rig were producing it.
//
// Inputs: CSV/TSV/NPY files (via sbtg::ReadRecording; several files = several segments), a suite2p
// plane folder (F.npy, ROIs × frames, filtered by iscell.npy), or an NWB file (an HDF5
// RoiResponseSeries under processing/ophys, read with the HDF5 C library). Pacing: the recording's
// frame period (speed 1), k× faster (speed k), or as fast as the queue accepts (speed 0 / "fast").
// Frames get consecutive sequence numbers; a segment change (or a new loop) changes the segment label,
// so no window straddles it. Source spec (docs/streaming.md):
//   replay:FILE[,FILE…][?speed=K|fast&period=S&loop=N&format=auto|table|suite2p|nwb&series=NAME
//                       &transpose=1&time_column=C&segment_column=C&all_rois=1]
// Thread safety: Run() on the engine's adapter thread; the object is otherwise immutable.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "sbtg/recording.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::adapters {

struct ReplayOptions {
  double speed = 1.0;        // × real time; 0 = as fast as possible
  int loops = 1;             // play the recording this many times (each loop is its own segment)
  std::string description;   // shown in logs and stats
};

class ReplaySource final : public Source {
 public:
  // The recording must be valid (Validate()) and have a frame period unless speed is 0.
  static Result<std::unique_ptr<ReplaySource>> Create(Recording rec, const ReplayOptions& options);
  static Result<std::unique_ptr<ReplaySource>> FromSpec(const SourceSpec& spec);

  [[nodiscard]] const SourceInfo& info() const override { return info_; }
  Status Run(SourceContext& ctx) override;
  [[nodiscard]] const Recording& recording() const { return rec_; }

 private:
  ReplaySource(Recording rec, const ReplayOptions& options);
  Status PlaySegment(SourceContext& ctx, const Segment& seg, const std::string& label);

  Recording rec_;
  ReplayOptions options_;
  SourceInfo info_;
  std::uint64_t sequence_ = 0;
  std::chrono::steady_clock::time_point start_;
  double clock_offset_ = 0;  // source-time offset of the current loop
};

// suite2p plane folder (or its F.npy): F.npy is ROIs × frames; with iscell.npy present and
// all_rois false, only ROIs with iscell[:, 0] = 1 are kept. Names are "roi<index>".
Result<Recording> ReadSuite2p(const std::filesystem::path& path, bool all_rois, double frame_period);

// NWB (HDF5) file: the RoiResponseSeries named `series` (its group name or full path; "" = the only
// one, error if several) under /processing/ophys. data is frames × ROIs; timestamps, or starting_time
// with its rate attribute, give the time axis.
Result<Recording> ReadNwbRoiResponseSeries(const std::filesystem::path& file, const std::string& series);

}  // namespace sbtg::adapters
