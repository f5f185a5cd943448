// Multiple-testing adjustment: Benjamini–Hochberg and Benjamini–Yekutieli q-values.
//
// Per lag, over the n(n−1) off-diagonal pairs of an n × n p-value matrix. An unknown method name is an
// error, never a silent fallback. Pure functions; thread-safe.
#pragma once

#include <Eigen/Core>
#include <string>
#include <string_view>

#include "sbtg/result.hpp"
#include "sbtg/status.hpp"

namespace sbtg {

enum class FdrMethod { kBH, kBY };

// Accepts "bh" / "by" (case-insensitive); anything else is an InvalidArgument naming the accepted values.
Result<FdrMethod> ParseFdrMethod(std::string_view name);
std::string_view ToString(FdrMethod method);

// q-values for a vector of p-values (NaN p-values are excluded and get NaN q-values).
// BH: q_(k) = min_{m>=k} (m_tests / m) p_(m), capped at 1; BY multiplies by c(m) = Σ_{i<=m} 1/i.
Eigen::VectorXd AdjustPValues(const Eigen::VectorXd& p, FdrMethod method);

// q-values over the off-diagonal entries of a square [target, source] p-value matrix; diagonal = NaN.
Eigen::MatrixXd AdjustOffDiagonal(const Eigen::MatrixXd& p, FdrMethod method);

// sign(effect) where q <= alpha (off-diagonal), 0 elsewhere.
Int8Matrix SelectEdges(const Eigen::MatrixXd& effect, const Eigen::MatrixXd& q, double alpha);

}  // namespace sbtg
