#include "engine/estimator/folds.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace sbtg::est {

using Eigen::Index;

namespace {

// Removes from `candidates` every window whose frames [f−P, f] come within `purge` frames of the
// frames spanned by `held` in the same segment.
std::vector<Index> Purge(const WindowBlocks& w, const std::vector<Index>& candidates, const std::vector<Index>& held,
                         int purge) {
  std::map<Index, std::pair<Index, Index>> span;  // segment → (min frame, max frame) of held windows
  for (Index h : held) {
    const Index s = w.segment[static_cast<size_t>(h)];
    const Index f = w.frame[static_cast<size_t>(h)];
    auto it = span.find(s);
    if (it == span.end()) {
      span.emplace(s, std::make_pair(f, f));
    } else {
      it->second.first = std::min(it->second.first, f);
      it->second.second = std::max(it->second.second, f);
    }
  }
  std::vector<Index> kept;
  kept.reserve(candidates.size());
  for (Index c : candidates) {
    const auto it = span.find(w.segment[static_cast<size_t>(c)]);
    const Index f = w.frame[static_cast<size_t>(c)];
    if (it != span.end()) {
      const Index lo = it->second.first - w.order - purge;   // held frames start at min − P
      const Index hi = it->second.second + w.order + purge;  // training window's first frame is f − P
      if (f >= lo && f <= hi) continue;
    }
    kept.push_back(c);
  }
  return kept;
}

// Splits a contiguous validation tail off `train` and purges the rest against it.
void CarveValidation(const WindowBlocks& w, Fold& fold, int purge, double fraction) {
  const auto count = static_cast<Index>(std::floor(fraction * static_cast<double>(fold.train.size())));
  if (count < 8) return;  // too few windows for a meaningful held-out loss: train on all, no early stop
  fold.validation.assign(fold.train.end() - count, fold.train.end());
  std::vector<Index> rest(fold.train.begin(), fold.train.end() - count);
  fold.train = Purge(w, rest, fold.validation, purge);
}

}  // namespace

std::vector<Fold> CrossFitPlan(const WindowBlocks& w, int folds, int purge, double validation_fraction) {
  const Index n = w.count();
  std::vector<Fold> plan(static_cast<size_t>(folds));
  for (int k = 0; k < folds; ++k) {
    const Index begin = n * k / folds;
    const Index end = n * (k + 1) / folds;
    Fold& fold = plan[static_cast<size_t>(k)];
    for (Index i = begin; i < end; ++i) fold.score.push_back(i);
    std::vector<Index> others;
    for (Index i = 0; i < n; ++i) {
      if (i < begin || i >= end) others.push_back(i);
    }
    fold.train = Purge(w, others, fold.score, purge);
    CarveValidation(w, fold, purge, validation_fraction);
  }
  return plan;
}

std::vector<Fold> InSamplePlan(const WindowBlocks& w, int purge, double validation_fraction) {
  Fold fold;
  for (Index i = 0; i < w.count(); ++i) fold.score.push_back(i);
  fold.train = fold.score;
  CarveValidation(w, fold, purge, validation_fraction);
  return {fold};
}

int AutocorrelationLength(const Recording& rec) {
  const Index n = rec.n();
  Index longest = 0;
  for (const auto& s : rec.segments) longest = std::max(longest, s.x.rows());
  const Index max_lag = std::max<Index>(1, longest / 10);
  std::vector<int> lengths;
  for (Index i = 0; i < n; ++i) {
    double mean = 0, count = 0;
    for (const auto& s : rec.segments) {
      mean += s.x.col(i).sum();
      count += static_cast<double>(s.x.rows());
    }
    mean /= count;
    double var = 0;
    for (const auto& s : rec.segments) var += (s.x.col(i).array() - mean).square().sum();
    if (!(var > 0)) continue;
    int found = static_cast<int>(max_lag);
    for (Index lag = 1; lag <= max_lag; ++lag) {
      double acc = 0;
      for (const auto& s : rec.segments) {
        const Index m = s.x.rows() - lag;
        if (m <= 0) continue;
        acc += ((s.x.col(i).tail(m).array() - mean) * (s.x.col(i).head(m).array() - mean)).sum();
      }
      if (acc / var < std::exp(-1.0)) {
        found = static_cast<int>(lag);
        break;
      }
    }
    lengths.push_back(found);
  }
  if (lengths.empty()) return 1;
  std::nth_element(lengths.begin(), lengths.begin() + static_cast<long>(lengths.size() / 2), lengths.end());
  return lengths[lengths.size() / 2];
}

}  // namespace sbtg::est
