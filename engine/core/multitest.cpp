#include "sbtg/multitest.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace sbtg {

Result<FdrMethod> ParseFdrMethod(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "bh") return FdrMethod::kBH;
  if (lower == "by") return FdrMethod::kBY;
  return Status::InvalidArgument("unknown multiple-testing method '" + std::string(name) +
                                 "' (expected 'bh' or 'by')");
}

std::string_view ToString(FdrMethod method) { return method == FdrMethod::kBH ? "bh" : "by"; }

Eigen::VectorXd AdjustPValues(const Eigen::VectorXd& p, FdrMethod method) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd q = Eigen::VectorXd::Constant(p.size(), nan);
  std::vector<Eigen::Index> order;
  order.reserve(static_cast<size_t>(p.size()));
  for (Eigen::Index k = 0; k < p.size(); ++k) {
    if (!std::isnan(p[k])) order.push_back(k);
  }
  const auto m = static_cast<double>(order.size());
  if (order.empty()) return q;
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return p[a] < p[b]; });
  double c = 1.0;
  if (method == FdrMethod::kBY) {
    c = 0.0;
    for (size_t i = 1; i <= order.size(); ++i) c += 1.0 / static_cast<double>(i);
  }
  // Step-up: walk from the largest p-value down, keeping the running minimum.
  double running = 1.0;
  for (size_t k = order.size(); k-- > 0;) {
    const double rank = static_cast<double>(k + 1);
    running = std::min(running, std::min(1.0, c * m / rank * p[order[k]]));
    q[order[k]] = running;
  }
  return q;
}

Eigen::MatrixXd AdjustOffDiagonal(const Eigen::MatrixXd& p, FdrMethod method) {
  const Eigen::Index n = p.rows();
  Eigen::VectorXd flat(n * n - std::min(n, p.cols()));
  Eigen::Index k = 0;
  for (Eigen::Index i = 0; i < p.cols(); ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      if (i != j) flat[k++] = p(j, i);
    }
  }
  const Eigen::VectorXd qflat = AdjustPValues(flat.head(k), method);
  Eigen::MatrixXd q = Eigen::MatrixXd::Constant(n, p.cols(), std::numeric_limits<double>::quiet_NaN());
  k = 0;
  for (Eigen::Index i = 0; i < p.cols(); ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      if (i != j) q(j, i) = qflat[k++];
    }
  }
  return q;
}

Int8Matrix SelectEdges(const Eigen::MatrixXd& effect, const Eigen::MatrixXd& q, double alpha) {
  Int8Matrix sel = Int8Matrix::Zero(effect.rows(), effect.cols());
  for (Eigen::Index i = 0; i < effect.cols(); ++i) {
    for (Eigen::Index j = 0; j < effect.rows(); ++j) {
      if (i == j || !(q(j, i) <= alpha)) continue;
      sel(j, i) = static_cast<std::int8_t>(effect(j, i) > 0 ? 1 : (effect(j, i) < 0 ? -1 : 0));
    }
  }
  return sel;
}

}  // namespace sbtg
