// Recording: a population activity recording as the offline tools see it.
//
// A recording is one or more segments (independent trials, separate files, or parts split at a gap).
// Each segment is a frames × neurons matrix (rows = time). Analysis windows never cross a segment
// boundary. All segments share the neuron list and the frame period. Plain value type.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "sbtg/status.hpp"

namespace sbtg {

struct Segment {
  std::string label;       // e.g. the file name or the value of the segment column
  Eigen::MatrixXd x;       // frames × neurons (T_s × n), rows = time
  std::vector<double> time;  // seconds, one per frame; empty when the source has no time column
};

struct Recording {
  std::vector<std::string> names;  // one per neuron (column); never empty after a successful read
  double frame_period = 0.0;       // seconds per frame; 0 = unknown
  std::vector<Segment> segments;

  [[nodiscard]] Eigen::Index n() const { return static_cast<Eigen::Index>(names.size()); }
  [[nodiscard]] Eigen::Index total_frames() const;
  // Checks shapes (every segment has n columns, time vectors match), finiteness and names.
  [[nodiscard]] Status Validate() const;
};

// Default neuron names "n000", "n001", ... (zero-padded to the width of n-1).
std::vector<std::string> DefaultNeuronNames(Eigen::Index n);

}  // namespace sbtg
