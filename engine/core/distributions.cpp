#include "sbtg/distributions.hpp"

#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

namespace sbtg {

double NormalTwoSidedP(double z) {
  if (std::isnan(z)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(z)) return 0.0;
  // erfc keeps full relative precision far in the tail, where 1 − Φ would round to 0.
  return std::erfc(std::abs(z) / std::sqrt(2.0));
}

Eigen::MatrixXd NormalTwoSidedP(const Eigen::MatrixXd& z) {
  return z.unaryExpr([](double v) { return NormalTwoSidedP(v); });
}

double StudentTwoSidedP(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(t)) return 0.0;
  const boost::math::students_t dist(df);
  return 2.0 * boost::math::cdf(boost::math::complement(dist, std::abs(t)));
}

double FisherUpperP(double f, double d1, double d2) {
  if (std::isnan(f) || !(d1 > 0) || !(d2 > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (f <= 0) return 1.0;
  if (std::isinf(f)) return 0.0;
  const boost::math::fisher_f dist(d1, d2);
  return boost::math::cdf(boost::math::complement(dist, f));
}

}  // namespace sbtg
