// Test helpers for the baselines: seeded generators and plainly written reference regressions.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/LU>
#include <cmath>
#include <random>
#include <vector>

#include "sbtg/recording.hpp"

namespace sbtg::testing {

// VAR(1) x_t = A x_{t−1} + ε, ε ~ N(0, I), [target, source] A, `burn` frames discarded.
inline Eigen::MatrixXd SimulateVar1(const Eigen::MatrixXd& a, Eigen::Index frames, unsigned seed,
                                    Eigen::Index burn = 200) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  const Eigen::Index n = a.rows();
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  Eigen::MatrixXd out(frames, n);
  for (Eigen::Index t = -burn; t < frames; ++t) {
    Eigen::VectorXd e(n);
    for (Eigen::Index i = 0; i < n; ++i) e[i] = normal(rng);
    x = a * x + e;
    if (t >= 0) out.row(t) = x.transpose();
  }
  return out;
}

// Independent AR(1) neurons with coefficient phi (calcium-like when phi ≈ 0.95).
inline Eigen::MatrixXd SimulateIndependentAr1(Eigen::Index n, double phi, Eigen::Index frames,
                                              unsigned seed) {
  return SimulateVar1(phi * Eigen::MatrixXd::Identity(n, n), frames, seed, 500);
}

inline Recording MakeRecording(std::vector<Eigen::MatrixXd> segments) {
  Recording rec;
  rec.names = DefaultNeuronNames(segments.front().cols());
  for (size_t k = 0; k < segments.size(); ++k) {
    rec.segments.push_back({"s" + std::to_string(k), std::move(segments[k]), {}});
  }
  return rec;
}

// Hand-built windows: rows t = P..T−1 of every segment; lagged(r) holds x_{t−r}.
struct HandWindows {
  std::vector<Eigen::MatrixXd> lagged;  // index r = 0..P
};
inline HandWindows BuildHandWindows(const Recording& rec, int lags) {
  std::vector<std::vector<Eigen::RowVectorXd>> rows(static_cast<size_t>(lags) + 1);
  for (const Segment& s : rec.segments) {
    for (Eigen::Index t = lags; t < s.x.rows(); ++t) {
      for (int r = 0; r <= lags; ++r) rows[static_cast<size_t>(r)].push_back(s.x.row(t - r));
    }
  }
  HandWindows w;
  for (const auto& block : rows) {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(block.size()), rec.n());
    for (size_t k = 0; k < block.size(); ++k) m.row(static_cast<Eigen::Index>(k)) = block[k];
    w.lagged.push_back(m);
  }
  return w;
}

// OLS of y on [1, z] by the normal equations.
struct Ols {
  Eigen::VectorXd beta;      // slopes only (intercept dropped), one per column of z
  Eigen::VectorXd inv_diag;  // diagonal of ((Z₁ᵀZ₁)⁻¹) for the slopes
  double rss = 0;
};
inline Ols FitOls(const Eigen::VectorXd& y, const Eigen::MatrixXd& z) {
  Eigen::MatrixXd z1(z.rows(), z.cols() + 1);
  z1.col(0).setOnes();
  z1.rightCols(z.cols()) = z;
  const Eigen::MatrixXd gram = z1.transpose() * z1;
  const Eigen::MatrixXd inv =
      gram.ldlt().solve(Eigen::MatrixXd::Identity(gram.rows(), gram.cols()));
  const Eigen::VectorXd b = inv * z1.transpose() * y;
  Ols out;
  out.beta = b.tail(z.cols());
  out.inv_diag = inv.diagonal().tail(z.cols());
  out.rss = (y - z1 * b).squaredNorm();
  return out;
}

// Columns of a matrix selected by index.
inline Eigen::MatrixXd Columns(const Eigen::MatrixXd& m, const std::vector<Eigen::Index>& cols) {
  Eigen::MatrixXd out(m.rows(), static_cast<Eigen::Index>(cols.size()));
  for (size_t k = 0; k < cols.size(); ++k) out.col(static_cast<Eigen::Index>(k)) = m.col(cols[k]);
  return out;
}

}  // namespace sbtg::testing
