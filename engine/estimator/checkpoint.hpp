// Score-model checkpoints: a model's options, shape and parameter vector in one file, plus the
// standardization (per-neuron mean and scale) it was trained under, so a live engine can warm start.
//
// Layout: the line "SBTGCKPT1", one line of JSON (format, version, model options, n, order, the
// parameter blocks by name and shape, whether a standardization follows, free-form meta), then the
// parameters as little-endian float32, then (optionally) mean and scale as little-endian float64.
// Loading rebuilds the model from its options and checks that the block layout matches exactly; any
// mismatch or damage is a Status naming the file. Functions are reentrant.
#pragma once

#include <Eigen/Core>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/estimator/score_model.hpp"
#include "sbtg/status.hpp"

namespace sbtg::est {

struct Checkpoint {
  std::unique_ptr<ScoreModel> model;
  Eigen::VectorXd mean, scale;  // empty when the checkpoint has no standardization
  nlohmann::json meta;
};

// mean/scale may be null (then both must be); when given they need model.n() entries.
Status SaveCheckpoint(const std::filesystem::path& file, const ScoreModel& model, const Eigen::VectorXd* mean,
                      const Eigen::VectorXd* scale, const nlohmann::json& meta = nlohmann::json::object());
Result<Checkpoint> LoadCheckpoint(const std::filesystem::path& file);

}  // namespace sbtg::est
