// Honest held-out scoring plans: which windows train the model that scores which windows.
//
// Cross-fit: K contiguous folds of the window sequence (never interleaved); a training window is
// dropped when its frames come within `purge` frames of a held-out window's frames in the same
// segment. In-sample: one "fold" that trains and scores on everything (reference behaviour only).
// Each plan also carves a contiguous validation tail out of its training windows (purged likewise)
// for early stopping.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "sbtg/windows.hpp"

namespace sbtg::est {

struct Fold {
  std::vector<Eigen::Index> score;       // windows this fold's model scores
  std::vector<Eigen::Index> train;       // windows it trains on
  std::vector<Eigen::Index> validation;  // windows for early stopping (disjoint from train)
};

// `purge` in frames; `order` = P. validation_fraction in [0, 0.5).
std::vector<Fold> CrossFitPlan(const WindowBlocks& windows, int folds, int purge, double validation_fraction);
std::vector<Fold> InSamplePlan(const WindowBlocks& windows, int purge, double validation_fraction);

// Autocorrelation length of a recording in frames: the median over neurons of the first lag at which
// the autocorrelation falls below 1/e (pooled over segments, capped at a tenth of the longest segment).
int AutocorrelationLength(const Recording& rec);

}  // namespace sbtg::est
