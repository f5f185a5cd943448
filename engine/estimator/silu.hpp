// SiLU (x·sigmoid(x)) and its first three derivatives, element-wise on Eigen arrays.
//
// The closed-form scores need SiLU′; their training gradients need SiLU″; the gradient of the exact
// score-matching loss (which contains the Laplacian) needs SiLU‴. With s = sigmoid(a):
//   SiLU′  = s(1 + a(1 − s))
//   SiLU″  = s(1 − s)(2 + a(1 − 2s))                       (DESIGN §7)
//   SiLU‴  = s(1 − s)(3(1 − 2s) + a(1 − 6s + 6s²))          (differentiating SiLU″ once more)
#pragma once

#include <Eigen/Core>

namespace sbtg::est {

// Which derivatives a caller needs; higher orders cost extra element-wise work only.
enum class SiluOrder { kValue = 0, kFirst = 1, kSecond = 2, kThird = 3 };

// Fills f = SiLU(a) and, up to `order`, d1, d2, d3, using `s` as scratch for sigmoid(a). Outputs are
// resized to a's shape (no allocation when they already have it).
template <typename Derived>
void SiluEval(const Eigen::ArrayBase<Derived>& a, SiluOrder order, Eigen::ArrayXXf& f,
              Eigen::ArrayXXf& d1, Eigen::ArrayXXf& d2, Eigen::ArrayXXf& d3, Eigen::ArrayXXf& s) {
  s = 1.0f / (1.0f + (-a).exp());
  f = a * s;
  if (order >= SiluOrder::kFirst) d1 = s * (1.0f + a * (1.0f - s));
  if (order >= SiluOrder::kSecond) d2 = s * (1.0f - s) * (2.0f + a * (1.0f - 2.0f * s));
  if (order >= SiluOrder::kThird) {
    d3 = s * (1.0f - s) * (3.0f * (1.0f - 2.0f * s) + a * (1.0f - 6.0f * s + 6.0f * s.square()));
  }
}

template <typename Derived>
void SiluEval(const Eigen::ArrayBase<Derived>& a, SiluOrder order, Eigen::ArrayXXf& f,
              Eigen::ArrayXXf& d1, Eigen::ArrayXXf& d2, Eigen::ArrayXXf& d3) {
  Eigen::ArrayXXf s;
  SiluEval(a, order, f, d1, d2, d3, s);
}

}  // namespace sbtg::est
