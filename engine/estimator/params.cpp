#include "engine/estimator/params.hpp"

#include <cmath>

namespace sbtg::est {

size_t ParamLayout::Add(std::string name, Eigen::Index rows, Eigen::Index cols, bool l1) {
  blocks_.push_back({std::move(name), size_, rows, cols, l1});
  size_ += rows * cols;
  return blocks_.size() - 1;
}

Adam::Adam(Eigen::Index size, AdamOptions options)
    : options_(options), m_(Eigen::VectorXf::Zero(size)), v_(Eigen::VectorXf::Zero(size)) {}

void Adam::Step(Eigen::VectorXf& theta, const Eigen::VectorXf& grad, double learning_rate) {
  ++t_;
  const auto b1 = static_cast<float>(options_.beta1);
  const auto b2 = static_cast<float>(options_.beta2);
  m_ = b1 * m_ + (1.0f - b1) * grad;
  v_ = b2 * v_ + (1.0f - b2) * grad.cwiseAbs2();
  const double c1 = 1.0 - std::pow(options_.beta1, static_cast<double>(t_));
  const double c2 = 1.0 - std::pow(options_.beta2, static_cast<double>(t_));
  const auto step = static_cast<float>(learning_rate * std::sqrt(c2) / c1);
  const auto eps = static_cast<float>(options_.epsilon * std::sqrt(c2));
  theta.array() -= step * m_.array() / (v_.array().sqrt() + eps);
}

void Adam::SoftThreshold(Eigen::VectorXf& theta, const ParamLayout& layout, double l1,
                         double learning_rate) const {
  if (l1 <= 0) return;
  const auto thr = static_cast<float>(l1 * learning_rate);
  for (const auto& b : layout.blocks()) {
    if (!b.l1) continue;
    auto seg = theta.segment(b.offset, b.size()).array();
    seg = seg.sign() * (seg.abs() - thr).max(0.0f);
  }
}

}  // namespace sbtg::est
