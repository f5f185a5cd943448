// The replay adapter: CSV/NPY tables, suite2p folders, NWB RoiResponseSeries (a tiny NWB-like file is
// written here with the HDF5 C API), pacing, and spec errors.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <chrono>
#include <cstring>

#include "adapters/adapter_test_util.hpp"
#include "adapters/replay/replay_source.hpp"
#include "sbtg/io.hpp"
#include "support/test_support.hpp"

using sbtg::adapters::ReplaySource;
using sbtg::testing::RecordingContext;

namespace {

std::unique_ptr<ReplaySource> FromSpec(const std::string& text) {
  auto spec = sbtg::ParseSourceSpec(text);
  REQUIRE_MESSAGE(spec.ok(), spec.status().ToString());
  auto src = ReplaySource::FromSpec(*spec);
  REQUIRE_MESSAGE(src.ok(), src.status().ToString());
  return std::move(*src);
}

void WriteAttrString(hid_t obj, const char* name, const char* value) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, std::strlen(value) + 1);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, value);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

void WriteDataset(hid_t group, const char* name, hid_t file_type, const std::vector<hsize_t>& dims, const double* data) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t ds = H5Dcreate2(group, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(ds);
  H5Sclose(space);
}

// /processing/ophys/<container>/<series> with neurodata_type RoiResponseSeries, data (T × n float32,
// row-major = frame-major as NWB stores it) and timestamps.
void AddSeries(hid_t file, const std::string& container, const std::string& series, const Eigen::MatrixXd& x,
               double period) {
  const std::string path = "/processing/ophys/" + container;
  hid_t c = H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0 ? H5Gopen2(file, path.c_str(), H5P_DEFAULT)
                                                           : H5Gcreate2(file, path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t g = H5Gcreate2(c, series.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  WriteAttrString(g, "neurodata_type", "RoiResponseSeries");
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = x;
  WriteDataset(g, "data", H5T_IEEE_F32LE, {static_cast<hsize_t>(x.rows()), static_cast<hsize_t>(x.cols())}, rm.data());
  std::vector<double> ts(static_cast<size_t>(x.rows()));
  for (size_t k = 0; k < ts.size(); ++k) ts[k] = 10.0 + static_cast<double>(k) * period;
  WriteDataset(g, "timestamps", H5T_IEEE_F64LE, {ts.size()}, ts.data());
  H5Gclose(g);
  H5Gclose(c);
}

}  // namespace

TEST_SUITE("Replay") {
  TEST_CASE("Replay.NpyFilesBecomeSegmentsWithConsecutiveSequences") {
    const auto dir = sbtg::testing::ScratchDir("replay_npy");
    const Eigen::MatrixXd a = Eigen::MatrixXd::Random(12, 3), b = Eigen::MatrixXd::Random(7, 3);
    REQUIRE(sbtg::WriteNpy(dir / "a.npy", a).ok());
    REQUIRE(sbtg::WriteNpy(dir / "b.npy", b).ok());
    auto src = FromSpec("replay:" + (dir / "a.npy").string() + "," + (dir / "b.npy").string() +
                        "?speed=fast&period=0.1&loop=2");
    CHECK(src->info().n == 3);
    CHECK(src->info().frame_period == doctest::Approx(0.1));
    RecordingContext ctx(3);
    REQUIRE(src->Run(ctx).ok());
    REQUIRE(ctx.frames.size() == 2 * 19);
    for (size_t k = 0; k < ctx.frames.size(); ++k) CHECK(ctx.frames[k].sequence == k);
    CHECK(ctx.frames[0].segment == "a");
    CHECK(ctx.frames[12].segment == "b");
    CHECK(ctx.frames[19].segment == "a#2");  // each loop is its own segment: no window wraps around
    CHECK((ctx.frames[13].values - b.row(1).transpose().cast<float>()).cwiseAbs().maxCoeff() == 0.0f);
    CHECK(ctx.frames[1].time == doctest::Approx(0.1));
    CHECK(ctx.frames[19].time > ctx.frames[18].time);  // source time keeps increasing across loops
  }

  TEST_CASE("Replay.PacesAtTheFramePeriodTimesSpeed") {
    sbtg::Recording rec;
    rec.names = sbtg::DefaultNeuronNames(2);
    rec.frame_period = 0.01;
    rec.segments.push_back({"s", Eigen::MatrixXd::Random(21, 2), {}});
    auto timed = [&](double speed) {
      auto src = ReplaySource::Create(rec, {speed, 1, ""});
      REQUIRE(src.ok());
      RecordingContext ctx(2);
      const auto t0 = std::chrono::steady_clock::now();
      REQUIRE((*src)->Run(ctx).ok());
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    // 20 periods of 10 ms: ≥ 0.2 s at 1×, ≥ 0.05 s at 4×; the scheduler only adds delay.
    const double real = timed(1.0);
    const double fast = timed(4.0);
    CHECK(real >= 0.195);
    CHECK(fast >= 0.048);
    CHECK(fast < real);
  }

  TEST_CASE("Replay.Suite2pKeepsOnlyCells") {
    const auto dir = sbtg::testing::ScratchDir("suite2p") / "plane0";
    std::filesystem::create_directories(dir);
    const Eigen::MatrixXd f = Eigen::MatrixXd::Random(5, 30);  // ROIs × frames, as suite2p writes it
    Eigen::MatrixXd iscell(5, 2);
    iscell << 1, 0.9, 0, 0.2, 1, 0.8, 1, 0.7, 0, 0.1;
    REQUIRE(sbtg::WriteNpy(dir / "F.npy", f).ok());
    REQUIRE(sbtg::WriteNpy(dir / "iscell.npy", iscell).ok());
    auto rec = sbtg::adapters::ReadSuite2p(dir, false, 0.033);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->names == std::vector<std::string>{"roi0", "roi2", "roi3"});
    CHECK(rec->segments[0].x.rows() == 30);
    CHECK(rec->segments[0].x.col(1) == f.row(2).transpose());
    auto all = sbtg::adapters::ReadSuite2p(dir / "F.npy", true, 0.033);
    REQUIRE(all.ok());
    CHECK(all->n() == 5);
    auto src = FromSpec("replay:" + dir.string() + "?speed=fast&period=0.033");
    CHECK(src->info().n == 3);
  }

  TEST_CASE("Replay.NwbRoiResponseSeriesIsReadWithItsTimestamps") {
    const auto dir = sbtg::testing::ScratchDir("nwb");
    const auto file = (dir / "session.nwb").string();
    const Eigen::MatrixXd x = Eigen::MatrixXd::Random(40, 4);
    const hid_t h = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(H5Gcreate2(h, "/processing", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Gclose(H5Gcreate2(h, "/processing/ophys", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    AddSeries(h, "Fluorescence", "RoiResponseSeries", x, 0.25);
    H5Fclose(h);
    auto rec = sbtg::adapters::ReadNwbRoiResponseSeries(file, "");
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->n() == 4);
    CHECK(rec->frame_period == doctest::Approx(0.25));
    CHECK(rec->segments[0].time.front() == doctest::Approx(10.0));
    // float32 on disk: compare at float precision.
    CHECK((rec->segments[0].x - x.cast<float>().cast<double>()).cwiseAbs().maxCoeff() == 0.0);
    auto src = FromSpec("replay:" + file + "?speed=fast");
    RecordingContext ctx(4);
    REQUIRE(src->Run(ctx).ok());
    CHECK(ctx.frames.size() == 40);
    CHECK(ctx.frames[3].time == doctest::Approx(10.75));

    // A second series: the reader asks which one, and finds it by name.
    const hid_t h2 = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    AddSeries(h2, "DfOverF", "RoiResponseSeries", 2.0 * x, 0.25);
    H5Fclose(h2);
    auto ambiguous = sbtg::adapters::ReadNwbRoiResponseSeries(file, "");
    REQUIRE_FALSE(ambiguous.ok());
    CHECK(ambiguous.status().message().find("series=") != std::string::npos);
    auto chosen = sbtg::adapters::ReadNwbRoiResponseSeries(file, "DfOverF/RoiResponseSeries");
    REQUIRE(chosen.ok());
    CHECK(chosen->segments[0].x(0, 0) == doctest::Approx(2.0 * x(0, 0)).epsilon(1e-6));
  }

  TEST_CASE("Replay.BadInputIsAnErrorNamingTheProblem") {
    const auto dir = sbtg::testing::ScratchDir("replay_bad");
    REQUIRE(sbtg::WriteNpy(dir / "a.npy", Eigen::MatrixXd(Eigen::MatrixXd::Random(10, 2))).ok());
    auto spec = sbtg::ParseSourceSpec("replay:" + (dir / "a.npy").string() + "?speeed=2");
    REQUIRE(spec.ok());
    auto bad_key = ReplaySource::FromSpec(*spec);
    REQUIRE_FALSE(bad_key.ok());
    CHECK(bad_key.status().message().find("speeed") != std::string::npos);
    auto no_period = ReplaySource::FromSpec(*sbtg::ParseSourceSpec("replay:" + (dir / "a.npy").string()));
    REQUIRE_FALSE(no_period.ok());
    CHECK(no_period.status().message().find("period") != std::string::npos);
    auto not_nwb = sbtg::adapters::ReadNwbRoiResponseSeries(dir / "a.npy", "");
    REQUIRE_FALSE(not_nwb.ok());
    CHECK(not_nwb.status().message().find("a.npy") != std::string::npos);
  }
}
