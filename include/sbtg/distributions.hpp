// Reference distributions for tests: two-sided normal and t p-values, upper-tail F p-values.
// Thin wrappers over Boost.Math that handle infinities/NaN the way the estimators need. Thread-safe.
#pragma once

#include <Eigen/Core>

namespace sbtg {

// Two-sided p-value of a standard normal statistic: 2·(1 − Φ(|z|)). NaN in → NaN out.
double NormalTwoSidedP(double z);
// Element-wise NormalTwoSidedP.
Eigen::MatrixXd NormalTwoSidedP(const Eigen::MatrixXd& z);
// Two-sided p-value of a Student-t statistic with `df` degrees of freedom (df > 0).
double StudentTwoSidedP(double t, double df);
// Upper-tail p-value P(F(d1, d2) >= f); f <= 0 gives 1.
double FisherUpperP(double f, double d1, double d2);

}  // namespace sbtg
