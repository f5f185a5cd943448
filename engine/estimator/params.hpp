// Flat parameter vectors with named blocks, and the Adam optimizer that updates them.
//
// Every score model keeps all trainable numbers in one VectorXf so that optimizers, checkpoints and
// immutable snapshots (the streaming engine's model swap) handle a model as a single array. Blocks are
// column-major matrices addressed by offset. Not thread-safe; a model snapshot is read-only once published.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace sbtg::est {

struct ParamBlock {
  std::string name;
  Eigen::Index offset = 0;
  Eigen::Index rows = 0;
  Eigen::Index cols = 0;
  bool l1 = false;  // subject to the optional L1 penalty (couplings)
  [[nodiscard]] Eigen::Index size() const { return rows * cols; }
};

class ParamLayout {
 public:
  // Appends a block and returns its index.
  size_t Add(std::string name, Eigen::Index rows, Eigen::Index cols, bool l1 = false);
  [[nodiscard]] Eigen::Index size() const { return size_; }
  [[nodiscard]] const std::vector<ParamBlock>& blocks() const { return blocks_; }
  [[nodiscard]] const ParamBlock& block(size_t k) const { return blocks_.at(k); }

  static Eigen::Map<Eigen::MatrixXf> View(Eigen::VectorXf& v, const ParamBlock& b) {
    return {v.data() + b.offset, b.rows, b.cols};
  }
  static Eigen::Map<const Eigen::MatrixXf> View(const Eigen::VectorXf& v, const ParamBlock& b) {
    return {v.data() + b.offset, b.rows, b.cols};
  }

 private:
  std::vector<ParamBlock> blocks_;
  Eigen::Index size_ = 0;
};

struct AdamOptions {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

// Adam (Kingma & Ba 2015) with bias correction; L1 applied as a proximal soft-threshold after each step
// on the blocks flagged l1, so couplings can become exactly zero.
class Adam {
 public:
  Adam(Eigen::Index size, AdamOptions options);
  void Step(Eigen::VectorXf& theta, const Eigen::VectorXf& grad, double learning_rate);
  void SoftThreshold(Eigen::VectorXf& theta, const ParamLayout& layout, double l1, double learning_rate) const;
  [[nodiscard]] std::int64_t steps() const { return t_; }

 private:
  AdamOptions options_;
  Eigen::VectorXf m_, v_;
  std::int64_t t_ = 0;
};

}  // namespace sbtg::est
