#include "sbtg/windows.hpp"

#include <string>

namespace sbtg {

Eigen::MatrixXd WindowBlocks::PastDesign() const {
  const Eigen::Index n = future().cols();
  Eigen::MatrixXd design(count(), n * order);
  for (int r = 1; r <= order; ++r) design.middleCols((r - 1) * n, n) = lag(r);
  return design;
}

WindowBlocks BuildWindows(const Recording& rec, int order) {
  if (order < 1) throw SetupError("BuildWindows: order must be >= 1, got " + std::to_string(order));
  WindowBlocks w;
  w.order = order;
  Eigen::Index total = 0;
  for (const auto& s : rec.segments) total += std::max<Eigen::Index>(0, s.x.rows() - order);
  const Eigen::Index n = rec.n();
  w.blocks.assign(static_cast<size_t>(order) + 1, Eigen::MatrixXd(total, n));
  w.segment.reserve(static_cast<size_t>(total));
  w.frame.reserve(static_cast<size_t>(total));
  Eigen::Index row = 0;
  for (size_t k = 0; k < rec.segments.size(); ++k) {
    const Eigen::MatrixXd& x = rec.segments[k].x;
    const Eigen::Index count = x.rows() - order;
    if (count <= 0) continue;
    for (int r = 0; r <= order; ++r) {
      w.blocks[static_cast<size_t>(r)].middleRows(row, count) = x.middleRows(order - r, count);
    }
    for (Eigen::Index t = 0; t < count; ++t) {
      w.segment.push_back(static_cast<Eigen::Index>(k));
      w.frame.push_back(t + order);
    }
    row += count;
  }
  return w;
}

Standardizer Standardizer::Fit(const Recording& rec) {
  const Eigen::Index n = rec.n();
  Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(n);
  Eigen::RowVectorXd sumsq = Eigen::RowVectorXd::Zero(n);
  double count = 0;
  for (const auto& s : rec.segments) {
    sum += s.x.colwise().sum();
    count += static_cast<double>(s.x.rows());
  }
  Standardizer st;
  st.mean = count > 0 ? Eigen::RowVectorXd(sum / count) : Eigen::RowVectorXd::Zero(n);
  for (const auto& s : rec.segments) sumsq += (s.x.rowwise() - st.mean).array().square().matrix().colwise().sum();
  st.scale = count > 1 ? Eigen::RowVectorXd((sumsq / (count - 1)).array().sqrt().matrix())
                       : Eigen::RowVectorXd::Ones(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!(st.scale[i] > 0)) st.scale[i] = 1.0;
  }
  return st;
}

Recording Standardizer::Apply(const Recording& rec) const {
  Recording out = rec;
  for (auto& s : out.segments) {
    s.x = ((s.x.rowwise() - mean).array().rowwise() / scale.array()).matrix();
  }
  return out;
}

}  // namespace sbtg
