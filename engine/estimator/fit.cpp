// FitSbtg: the offline SBTG pipeline (see include/sbtg/estimator.hpp).
#include <Eigen/Cholesky>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "engine/estimator/folds.hpp"
#include "engine/estimator/lag_test.hpp"
#include "engine/estimator/score_model.hpp"
#include "engine/estimator/trainer.hpp"
#include "sbtg/cross_block.hpp"
#include "sbtg/distributions.hpp"
#include "sbtg/estimator.hpp"
#include "sbtg/windows.hpp"

namespace sbtg {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::MatrixXf;

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The listed rows of m, gathered (and converted) straight into a matrix of scalar S.
template <typename S>
Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> Rows(const MatrixXd& m,
                                                      const std::vector<Index>& rows) {
  Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> out(static_cast<Index>(rows.size()), m.cols());
  for (size_t k = 0; k < rows.size(); ++k)
    out.row(static_cast<Index>(k)) = m.row(rows[k]).template cast<S>();
  return out;
}

// Windows as one N × (P+1)n matrix, future block first.
MatrixXd StackWindows(const WindowBlocks& w) {
  const Index n = w.future().cols();
  MatrixXd z(w.count(), n * (w.order + 1));
  for (int r = 0; r <= w.order; ++r) z.middleCols(r * n, n) = w.lag(r);
  return z;
}

std::vector<Index> RunStarts(const WindowBlocks& w) {
  std::vector<Index> starts;
  for (Index i = 0; i < w.count(); ++i) {
    if (i == 0 || w.segment[static_cast<size_t>(i)] != w.segment[static_cast<size_t>(i - 1)])
      starts.push_back(i);
  }
  return starts;
}

nlohmann::json SettingsJson(const SbtgOptions& o, int purge, int autocorrelation) {
  return {
      {"lags", o.lags},
      {"scoring", ToString(o.scoring)},
      {"scoring_note",
       o.scoring == ScoringMode::kInsample
           ? "in-sample scores reproduce the published reference behaviour; the model has seen "
             "every window it scores, so p-values are not honest held-out tests"
           : "cross-fit: every window is scored by a model that never trained on it nor on "
             "windows within the purge gap"},
      {"folds", o.scoring == ScoringMode::kCrossfit ? o.folds : 1},
      {"purge_frames", purge},
      {"autocorrelation_length_frames", autocorrelation},
      {"model",
       {{"kind", ToString(o.model.kind)},
        {"hidden", o.model.hidden},
        {"feature_hidden", o.model.feature_hidden},
        {"regimes", o.model.regimes},
        {"gaussian_shrinkage",
         o.model.shrinkage < 0 ? nlohmann::json("ledoit_wolf") : nlohmann::json(o.model.shrinkage)},
        {"gaussian_ridge", o.model.ridge}}},
      {"train",
       {{"objective", ToString(o.train.objective)},
        {"sigma", o.train.objective == Objective::kExact ? 0.0 : o.train.sigma},
        {"sigma_schedule", est::SigmaSchedule(o.train)},
        {"epochs", o.train.epochs},
        {"batch", o.train.batch},
        {"learning_rate", o.train.learning_rate},
        {"l1", o.train.l1},
        {"validation_fraction", o.train.validation_fraction},
        {"patience", o.train.patience},
        {"seed", o.train.seed}}},
      {"test",
       {{"centred_products", o.test.centred},
        {"bandwidth",
         o.test.bandwidth < 0 ? nlohmann::json("andrews_ar1") : nlohmann::json(o.test.bandwidth)},
        {"pvalue", ToString(o.test.pvalue)},
        {"shifts", o.test.shifts},
        {"fdr", ToString(o.test.fdr)},
        {"alpha", o.test.alpha},
        {"volatility", o.test.volatility},
        {"correction", ToString(o.test.correction)}}},
      {"units",
       "effect: Jacobian estimate in the data's original units (positive = excitatory); mu: raw "
       "mean score "
       "product in standardized units (positive = inhibitory-like); coupling: the model's W_r, "
       "averaged over "
       "folds, in mu's convention"},
  };
}

}  // namespace

Result<FitResult> FitSbtg(const Recording& rec_in, const SbtgOptions& options,
                          const ProgressCallback& progress) {
  SBTG_RETURN_IF_ERROR(options.Validate());
  SBTG_RETURN_IF_ERROR(rec_in.Validate());
  const auto t_start = Clock::now();
  const int p_order = options.lags;
  const Standardizer standardizer = Standardizer::Fit(rec_in);
  const Index n = rec_in.n();
  // The standardized recording and its window blocks live only until the stacked windows z, the
  // cross-fit plan and the run starts are made: peak memory is then z and the scores, not four
  // copies.
  MatrixXd z;
  std::vector<est::Fold> plan;
  std::vector<Index> runs;
  int autocorrelation = 0, purge = 0;
  {
    const Recording rec = standardizer.Apply(rec_in);
    const WindowBlocks windows = BuildWindows(rec, p_order);
    const int min_windows = options.scoring == ScoringMode::kCrossfit ? 20 * options.folds : 20;
    if (windows.count() < min_windows) {
      return Status::InvalidArgument("recording has " + std::to_string(windows.count()) +
                                     " windows of " + std::to_string(p_order + 1) +
                                     " frames; at least " + std::to_string(min_windows) +
                                     " are needed for these settings");
    }
    autocorrelation = est::AutocorrelationLength(rec);
    purge = options.purge >= 0 ? options.purge : p_order + autocorrelation;
    plan = options.scoring == ScoringMode::kCrossfit
               ? est::CrossFitPlan(windows, options.folds, purge, options.train.validation_fraction)
               : est::InSamplePlan(windows, purge, options.train.validation_fraction);
    z = StackWindows(windows);
    runs = RunStarts(windows);
  }
  MatrixXd scores;  // sized after the first model is trained: training's buffers are gone by then
  std::vector<MatrixXd> coupling_sum;
  std::vector<std::string> coupling_names;
  nlohmann::json fold_info = nlohmann::json::array();
  const auto t_train = Clock::now();
  for (size_t k = 0; k < plan.size(); ++k) {
    const est::Fold& fold = plan[k];
    if (fold.train.size() < static_cast<size_t>(2 * z.cols()) && options.model.ridge <= 0) {
      return Status::InvalidArgument(
          "fold " + std::to_string(k + 1) + " has " + std::to_string(fold.train.size()) +
          " training windows for a " + std::to_string(z.cols()) +
          "-dimensional window; use fewer folds or lags, or a ridge > 0");
    }
    est::ScoreModel model(options.model, n, p_order, options.train.seed + 7919 * k);
    // Closed-form Gaussian fit: the exact special case, and the warm start of trained models. A
    // trained model's warm start sees only its training windows, so the early-stopping loss stays
    // held-out; the Gaussian model itself also uses the validation windows (it has no early
    // stopping).
    std::vector<Index> fit_rows = fold.train;
    if (!model.trainable())
      fit_rows.insert(fit_rows.end(), fold.validation.begin(), fold.validation.end());
    const double shrinkage =
        model.FitGaussian(Rows<double>(z, fit_rows), options.model.ridge, options.model.shrinkage);
    est::TrainStats stats;
    if (model.trainable()) {
      TrainOptions train = options.train;
      train.seed = options.train.seed + 104729 * k;
      const std::string phase =
          plan.size() > 1 ? "fold " + std::to_string(k + 1) + "/" + std::to_string(plan.size())
                          : "training";
      stats = est::TrainModel(model, Rows<float>(z, fold.train), Rows<float>(z, fold.validation),
                              train, progress, phase);
    }
    // Scored in chunks: the model's per-window caches then stay a few MB whatever the recording
    // length.
    if (scores.size() == 0) scores.resize(z.rows(), z.cols());
    est::Workspace ws;
    MatrixXf zc, s;
    constexpr size_t kScoreChunk = 512;
    for (size_t start = 0; start < fold.score.size(); start += kScoreChunk) {
      const size_t count = std::min(kScoreChunk, fold.score.size() - start);
      zc.resize(static_cast<Index>(count), z.cols());
      for (size_t i = 0; i < count; ++i)
        zc.row(static_cast<Index>(i)) = z.row(fold.score[start + i]).cast<float>();
      model.Score(zc, s, ws);
      for (size_t i = 0; i < count; ++i) {
        scores.row(fold.score[start + i]) = s.row(static_cast<Index>(i)).cast<double>();
      }
    }
    const std::vector<MatrixXf> w = model.CouplingMatrices(coupling_names);
    if (coupling_sum.empty()) coupling_sum.assign(w.size(), MatrixXd::Zero(n, n));
    for (size_t r = 0; r < w.size(); ++r)
      coupling_sum[r] += w[r].cast<double>() / static_cast<double>(plan.size());
    fold_info.push_back({{"scored", fold.score.size()},
                         {"gaussian_shrinkage", shrinkage},
                         {"train", fold.train.size()},
                         {"validation", fold.validation.size()},
                         {"epochs_run", stats.epochs_run},
                         {"steps", stats.steps},
                         {"best_validation_loss", std::isfinite(stats.best_validation_loss)
                                                      ? nlohmann::json(stats.best_validation_loss)
                                                      : nlohmann::json(nullptr)},
                         {"train_seconds", stats.seconds},
                         {"validation_history", stats.validation_history}});
  }
  const double train_seconds = Seconds(t_train);
  z.resize(0, 0);  // the tests below need only the scores

  const auto t_test = Clock::now();
  FitResult result;
  result.method = "sbtg";
  result.names = rec_in.names;
  result.frame_period = rec_in.frame_period;
  result.frames = rec_in.total_frames();
  result.segments = static_cast<Index>(rec_in.segments.size());
  result.windows = scores.rows();
  result.settings = SettingsJson(options, purge, autocorrelation);
  result.settings["folds_detail"] = fold_info;
  const auto sf = scores.leftCols(n);
  // effect in original units: J[j,i] = J̃[j,i]·scale_j/scale_i.
  const MatrixXd unit = standardizer.scale.transpose() * standardizer.scale.cwiseInverse();
  nlohmann::json bandwidths = nlohmann::json::array();
  nlohmann::json null_scales = nlohmann::json::array();
  const int min_shift = options.test.min_shift >= 0 ? options.test.min_shift : std::max(purge, 1);
  for (int r = 1; r <= p_order; ++r) {
    const auto sr = scores.middleCols(r * n, n);
    const est::LagTest st = est::RunLagTest(sf, sr, runs, options.test, min_shift);
    LagResult lag;
    lag.lag = r;
    lag.effect = st.effect_std.cwiseProduct(unit);
    lag.p = st.p;
    lag.q = AdjustOffDiagonal(lag.p, options.test.fdr);
    lag.selected = SelectEdges(lag.effect, lag.q, options.test.alpha);
    lag.extra["mu"] = st.mu;
    lag.extra["z"] = st.z;
    lag.extra["effect_standardized"] = st.effect_std;
    for (size_t k = 0; k < coupling_sum.size(); ++k) {
      const size_t per_lag = coupling_sum.size() / static_cast<size_t>(p_order);
      if (k / per_lag == static_cast<size_t>(r - 1)) lag.extra[coupling_names[k]] = coupling_sum[k];
    }
    bandwidths.push_back(st.bandwidth);
    null_scales.push_back(st.null_scale);
    if (options.test.volatility) {
      // Cov(s_f², s_r²) with the same HAC machinery, on pairs the mean test did not select.
      HacOptions hac;
      hac.centred = true;
      hac.bandwidth = options.test.bandwidth;
      const ProductMoments vol = ProductTest(sf.cwiseAbs2(), sr.cwiseAbs2(), runs, hac);
      MatrixXd vz = vol.ZScores();
      if (options.test.pvalue == PValueMode::kHacNull) vz /= est::EmpiricalNullScale(vz);
      MatrixXd vp = NormalTwoSidedP(vz);
      for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < n; ++j) {
          if (lag.selected(j, i) != 0) vp(j, i) = std::numeric_limits<double>::quiet_NaN();
        }
      }
      lag.extra["volatility_stat"] = vol.mean;
      lag.extra["volatility_p"] = vp;
      lag.extra["volatility_q"] = AdjustOffDiagonal(vp, options.test.fdr);
    }
    result.lags.push_back(std::move(lag));
  }
  result.settings["hac_bandwidth_used"] = bandwidths;
  result.settings["empirical_null_scale"] = null_scales;
  result.timings = {
      {"train", train_seconds}, {"test", Seconds(t_test)}, {"total", Seconds(t_start)}};
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& lag : result.lags) {
    const Index sel = (lag.selected.array() != 0).count();
    nlohmann::json c = {{"selected", sel}};
    if (options.test.volatility) {
      c["volatility_selected"] =
          (lag.extra.at("volatility_q").array() <= options.test.alpha).count();
    }
    counts["lag" + std::to_string(lag.lag)] = c;
  }
  result.counts = counts;
  return result;
}

}  // namespace sbtg
