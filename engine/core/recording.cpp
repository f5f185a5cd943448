#include "sbtg/recording.hpp"

#include <algorithm>
#include <string>

namespace sbtg {

Eigen::Index Recording::total_frames() const {
  Eigen::Index total = 0;
  for (const auto& s : segments) total += s.x.rows();
  return total;
}

Status Recording::Validate() const {
  if (names.empty()) return Status::InvalidArgument("recording has no neurons");
  if (segments.empty()) return Status::InvalidArgument("recording has no segments");
  if (frame_period < 0) return Status::InvalidArgument("frame period is negative");
  for (size_t k = 0; k < segments.size(); ++k) {
    const Segment& s = segments[k];
    const std::string where = "segment " + std::to_string(k) + " ('" + s.label + "')";
    if (s.x.cols() != n()) {
      return Status::InvalidArgument(where + " has " + std::to_string(s.x.cols()) +
                                     " columns, expected " + std::to_string(n()));
    }
    if (!s.time.empty() && static_cast<Eigen::Index>(s.time.size()) != s.x.rows()) {
      return Status::InvalidArgument(where + " has " + std::to_string(s.time.size()) +
                                     " time stamps for " + std::to_string(s.x.rows()) + " frames");
    }
    if (!s.x.allFinite()) return Status::InvalidArgument(where + " contains NaN or Inf");
  }
  return Status::Ok();
}

std::vector<std::string> DefaultNeuronNames(Eigen::Index n) {
  const size_t width = std::max<size_t>(3, std::to_string(n > 0 ? n - 1 : 0).size());
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    std::string digits = std::to_string(i);
    names.push_back("n" + std::string(width - digits.size(), '0') + digits);
  }
  return names;
}

}  // namespace sbtg
