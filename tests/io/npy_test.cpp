#include "engine/io/npy.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "io/io_test_util.hpp"
#include "sbtg/io.hpp"
#include "support/test_support.hpp"

using sbtg::testing::CheckError;
using sbtg::testing::NpyBytes;
using sbtg::testing::RawBytes;
using sbtg::testing::ScratchDir;
using sbtg::testing::WriteFile;

namespace {

// 2 × 3 matrix [[1, 2, 3], [4, 5, 6]] in C order and in Fortran order.
const std::string kDictF8C = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
const std::string kPayloadF8C = RawBytes<double>({1, 2, 3, 4, 5, 6});

Eigen::MatrixXd Expected23() {
  Eigen::MatrixXd m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  return m;
}

}  // namespace

TEST_SUITE("Npy") {
  TEST_CASE("Npy.WriteReadRoundTripFloat64") {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd m(5, 3);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = normal(rng);
    m(0, 0) = std::numeric_limits<double>::quiet_NaN();
    m(4, 2) = -std::numeric_limits<double>::infinity();
    const auto dir = ScratchDir("npy_roundtrip");
    REQUIRE(sbtg::WriteNpy(dir / "m.npy", m).ok());
    auto back = sbtg::ReadNpyMatrix(dir / "m.npy");
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(sbtg::testing::BitEqual(*back, m));
    // Layout as numpy writes it: magic, version 1.0, header padded so the payload starts at a
    // multiple of 64 bytes, float64 C order.
    const std::string bytes = sbtg::testing::ReadFile(dir / "m.npy");
    CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
    const size_t header_len =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    CHECK((10 + header_len) % 64 == 0);
    CHECK(bytes[10 + header_len - 1] == '\n');
    CHECK(bytes.find("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), }") == 10);
    CHECK(bytes.size() == 10 + header_len + 15 * sizeof(double));
  }

  TEST_CASE("Npy.WriteReadRoundTripInt8") {
    sbtg::Int8Matrix m(3, 2);
    m << 1, 0, -1, 1, 0, -1;
    const auto dir = ScratchDir("npy_int8");
    REQUIRE(sbtg::WriteNpy(dir / "s.npy", m).ok());
    auto back = sbtg::io::ReadNpyInt8(dir / "s.npy");
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(*back == m);
    CHECK(sbtg::testing::ReadFile(dir / "s.npy").find("'descr': '|i1'") != std::string::npos);
    // The float reader refuses it with a dtype message.
    CheckError(sbtg::ReadNpyMatrix(dir / "s.npy").status(), {"s.npy", "'|i1'", "signed integer"});
  }

  TEST_CASE("Npy.ReadsCAndFortranOrderFloat32AndFloat64") {
    const auto dir = ScratchDir("npy_orders");
    WriteFile(dir / "c8.npy", NpyBytes(kDictF8C, kPayloadF8C));
    WriteFile(dir / "f8.npy", NpyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                                       RawBytes<double>({1, 4, 2, 5, 3, 6})));
    WriteFile(dir / "c4.npy",
              NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                       RawBytes<float>({1, 2, 3, 4, 5, 6})));
    WriteFile(dir / "f4.npy", NpyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                       RawBytes<float>({1, 4, 2, 5, 3, 6})));
    for (const char* name : {"c8.npy", "f8.npy", "c4.npy", "f4.npy"}) {
      CAPTURE(name);
      auto m = sbtg::ReadNpyMatrix(dir / name);
      REQUIRE_MESSAGE(m.ok(), m.status().ToString());
      CHECK(*m == Expected23());
    }
    // float32 → double keeps the float's value exactly (0.1f is not 0.1).
    WriteFile(dir / "tenth.npy",
              NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }",
                       RawBytes<float>({0.1F})));
    CHECK(sbtg::ReadNpyMatrix(dir / "tenth.npy").value()(0, 0) == static_cast<double>(0.1F));
  }

  TEST_CASE("Npy.ReadsVersions2And3AndOlderHeaderForms") {
    const auto dir = ScratchDir("npy_versions");
    WriteFile(dir / "v2.npy", NpyBytes(kDictF8C, kPayloadF8C, 2));
    WriteFile(dir / "v3.npy", NpyBytes(kDictF8C, kPayloadF8C, 3));
    // '|f8' byte order, double quotes, Python 2 long suffixes, no trailing comma, keys reordered.
    WriteFile(
        dir / "old.npy",
        NpyBytes("{\"shape\": (2L, 3L), 'fortran_order': False, 'descr': '|f8'}", kPayloadF8C));
    for (const char* name : {"v2.npy", "v3.npy", "old.npy"}) {
      CAPTURE(name);
      auto m = sbtg::ReadNpyMatrix(dir / name);
      REQUIRE_MESSAGE(m.ok(), m.status().ToString());
      CHECK(*m == Expected23());
    }
  }

  TEST_CASE("Npy.OneDimensionalMatrixIsAColumn") {
    const auto dir = ScratchDir("npy_1d");
    WriteFile(dir / "v.npy", NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                                      RawBytes<double>({7, 8, 9})));
    auto m = sbtg::ReadNpyMatrix(dir / "v.npy");
    REQUIRE_MESSAGE(m.ok(), m.status().ToString());
    CHECK(m->rows() == 3);
    CHECK(m->cols() == 1);
    CHECK((*m)(2, 0) == 9.0);
    // A recording must be 2-D.
    CheckError(sbtg::ReadNpyRecording(dir / "v.npy").status(), {"v.npy", "1-D", "2-D"});
  }

  TEST_CASE("Npy.RecordingFramesByNeuronsOrTransposed") {
    const auto dir = ScratchDir("npy_recording");
    WriteFile(dir / "r.npy", NpyBytes(kDictF8C, kPayloadF8C));
    auto rec = sbtg::ReadNpyRecording(dir / "r.npy");
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->names == sbtg::DefaultNeuronNames(3));
    CHECK(rec->segments[0].x == Expected23());
    CHECK(rec->segments[0].label == "r");
    CHECK(rec->frame_period == 0.0);
    sbtg::ReadOptions o;
    o.transpose = true;
    o.frame_period = 0.6;
    rec = sbtg::ReadRecording({dir / "r.npy"}, o);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->names == sbtg::DefaultNeuronNames(2));
    CHECK(rec->segments[0].x == Expected23().transpose());
    CHECK(rec->frame_period == 0.6);
    // Two NPY files with the same neuron count make two segments.
    WriteFile(dir / "s.npy", NpyBytes(kDictF8C, kPayloadF8C));
    rec = sbtg::ReadRecording({dir / "r.npy", dir / "s.npy"});
    REQUIRE(rec.ok());
    CHECK(rec->segments.size() == 2);
    CHECK(rec->segments[1].label == "s");
  }

  TEST_CASE("Npy.ErrorsAreClear") {
    struct Case {
      const char* what;
      std::string bytes;
      std::vector<std::string> fragments;
    };
    const std::string f8_23 = "'fortran_order': False, 'shape': (2, 3), }";
    const std::vector<Case> cases = {
        {"bad magic", "PK\x03\x04 not numpy at all", {"magic"}},
        {"short file", "\x93NUM", {"magic"}},
        {"version 4",
         [] {
           std::string b = NpyBytes(kDictF8C, kPayloadF8C);
           b[6] = 4;
           return b;
         }(),
         {"version 4.0"}},
        {"int32",
         NpyBytes("{'descr': '<i4', " + f8_23, std::string(24, '\0')),
         {"'<i4'", "signed integer"}},
        {"int64",
         NpyBytes("{'descr': '<i8', " + f8_23, std::string(48, '\0')),
         {"'<i8'", "signed integer"}},
        {"big endian", NpyBytes("{'descr': '>f8', " + f8_23, kPayloadF8C), {"'>f8'", "big-endian"}},
        {"complex",
         NpyBytes("{'descr': '<c16', " + f8_23, std::string(96, '\0')),
         {"'<c16'", "complex"}},
        {"object", NpyBytes("{'descr': '|O', " + f8_23, "pickle"), {"'|O'", "Python object"}},
        {"half",
         NpyBytes("{'descr': '<f2', " + f8_23, std::string(12, '\0')),
         {"'<f2'", "floating point, 2 bytes"}},
        {"structured", NpyBytes("{'descr': [('a', '<f8')], " + f8_23, kPayloadF8C), {"structured"}},
        {"truncated",
         NpyBytes(kDictF8C, kPayloadF8C.substr(0, 40)),
         {"truncated", "needs 48 bytes", "has 40"}},
        {"trailing", NpyBytes(kDictF8C, kPayloadF8C + "xx"), {"2 unexpected bytes"}},
        {"3-D",
         NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", kPayloadF8C),
         {"3-D", "(1, 2, 3)"}},
        {"missing key",
         NpyBytes("{'descr': '<f8', 'shape': (2, 3), }", kPayloadF8C),
         {"fortran_order"}},
        {"unknown key",
         NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", kPayloadF8C),
         {"unexpected key 'x'"}},
        {"bad bool",
         NpyBytes("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }", kPayloadF8C),
         {"True or False"}},
        {"negative dim",
         NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", kPayloadF8C),
         {"dimension"}},
        {"header cut",
         std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 18),
         {"truncated NPY header"}},
    };
    const auto dir = ScratchDir("npy_errors");
    for (const auto& c : cases) {
      CAPTURE(c.what);
      WriteFile(dir / "bad.npy", c.bytes);
      auto m = sbtg::ReadNpyMatrix(dir / "bad.npy");
      CheckError(m.status(), {(dir / "bad.npy").string()});
      for (const auto& f : c.fragments) CheckError(m.status(), {f});
      CHECK_FALSE(sbtg::ReadNpyRecording(dir / "bad.npy").ok());
    }
    CheckError(sbtg::ReadNpyMatrix(dir / "absent.npy").status(), {"absent.npy", "no such file"});
  }

  TEST_CASE("Npy.RecordingRejectsNonFiniteValuesNamingFrameAndNeuron") {
    const auto dir = ScratchDir("npy_nonfinite");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    WriteFile(dir / "r.npy", NpyBytes(kDictF8C, RawBytes<double>({1, 2, 3, 4, nan, 6})));
    CheckError(sbtg::ReadNpyRecording(dir / "r.npy").status(),
               {"r.npy", "frame 2", "neuron 2 ('n001')", "numpy index [1, 1]", "NaN"});
    sbtg::ReadOptions o;
    o.transpose = true;
    WriteFile(dir / "t.npy", NpyBytes(kDictF8C, RawBytes<double>({1, 2, 3, 4, 5, HUGE_VAL})));
    CheckError(sbtg::ReadNpyRecording(dir / "t.npy", o).status(),
               {"t.npy", "frame 3", "neuron 2 ('n001')", "numpy index [1, 2]", "infinite"});
    // NPY files carry no header: CSV-only options are refused rather than ignored.
    o.transpose = false;
    o.time_column = "time_s";
    CheckError(sbtg::ReadNpyRecording(dir / "r.npy", o).status(), {"r.npy", "CSV files only"});
    WriteFile(dir / "empty.npy",
              NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", ""));
    CheckError(sbtg::ReadNpyRecording(dir / "empty.npy").status(), {"empty.npy", "no frames"});
  }
}
