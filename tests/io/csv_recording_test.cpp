#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "io/io_test_util.hpp"
#include "sbtg/io.hpp"
#include "support/test_support.hpp"

using sbtg::ReadOptions;
using sbtg::testing::CheckError;
using sbtg::testing::ScratchDir;
using sbtg::testing::WriteFile;

namespace {

sbtg::Result<sbtg::Recording> ReadText(const std::filesystem::path& dir, const std::string& name,
                                       const std::string& text, const ReadOptions& options = {}) {
  const auto file = dir / name;
  WriteFile(file, text);
  return sbtg::ReadRecording({file}, options);
}

}  // namespace

TEST_SUITE("CsvRecording") {
  TEST_CASE("CsvRecording.TimeColumnValuesAndFramePeriod") {
    const auto dir = ScratchDir("csv_time");
    auto rec = ReadText(dir, "run1.csv", "time_s,a,b\n0,1,2\n0.5,3,-4e-1\n1.0,5,6\n");
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->names == std::vector<std::string>{"a", "b"});
    REQUIRE(rec->segments.size() == 1);
    const auto& s = rec->segments[0];
    CHECK(s.label == "run1");
    REQUIRE(s.x.rows() == 3);
    CHECK(s.x(1, 1) == -0.4);
    CHECK(s.x(2, 0) == 5.0);
    CHECK(s.time == std::vector<double>{0.0, 0.5, 1.0});
    CHECK(rec->frame_period == 0.5);
  }

  TEST_CASE("CsvRecording.TimeColumnAliasesAndExplicitName") {
    const auto dir = ScratchDir("csv_time_alias");
    for (const std::string alias : {"time", "TIME", "t", "Timestamp", "Time_S"}) {
      CAPTURE(alias);
      // The alias sits in the middle: detection is by name, not position.
      auto rec = ReadText(dir, "x.csv", "a," + alias + ",b\n1,0,2\n3,2,4\n");
      REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
      CHECK(rec->names == std::vector<std::string>{"a", "b"});
      CHECK(rec->frame_period == 2.0);
    }
    ReadOptions o;
    o.time_column = "clock";
    auto rec = ReadText(dir, "x.csv", "clock,a\n10,1\n10.25,2\n10.5,3\n", o);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->names == std::vector<std::string>{"a"});
    CHECK(rec->frame_period == 0.25);
  }

  TEST_CASE("CsvRecording.FramePeriodUnknownOrFromOptions") {
    const auto dir = ScratchDir("csv_period");
    auto rec = ReadText(dir, "x.csv", "a,b\n1,2\n3,4\n");
    REQUIRE(rec.ok());
    CHECK(rec->frame_period == 0.0);
    CHECK(rec->segments[0].time.empty());
    ReadOptions o;
    o.frame_period = 0.125;  // overrides the time column too
    rec = ReadText(dir, "x.csv", "t,a\n0,1\n1,2\n", o);
    REQUIRE(rec.ok());
    CHECK(rec->frame_period == 0.125);
    CHECK(rec->segments[0].time == std::vector<double>{0.0, 1.0});
  }

  TEST_CASE("CsvRecording.MedianFramePeriodPooledOverSegments") {
    // Segment A differences: 1, 1, 10; segment B: 2, 2. Pooled sorted 1 1 2 2 10 → median 2 (the
    // mean would be 3.2, and segment A alone would give 1).
    const auto dir = ScratchDir("csv_median");
    ReadOptions o;
    o.segment_column = "trial";
    auto rec =
        ReadText(dir, "x.csv", "trial,t,a\nA,0,1\nA,1,1\nA,2,1\nA,12,1\nB,0,1\nB,2,1\nB,4,1\n", o);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->frame_period == 2.0);
  }

  TEST_CASE("CsvRecording.SegmentColumnSplitsConsecutiveRows") {
    const auto dir = ScratchDir("csv_segments");
    ReadOptions o;
    o.segment_column = "trial";
    // Time restarts in each segment; that is allowed across segments.
    auto rec = ReadText(dir, "x.csv",
                        "t,trial,a,b\n0,s1,1,2\n1,s1,3,4\n0, s2 ,5,6\n1,s2,7,8\n2,s2,9,10\n", o);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    REQUIRE(rec->segments.size() == 2);
    CHECK(rec->names == std::vector<std::string>{"a", "b"});
    CHECK(rec->segments[0].label == "s1");
    CHECK(rec->segments[1].label == "s2");
    CHECK(rec->segments[0].x.rows() == 2);
    CHECK(rec->segments[1].x.rows() == 3);
    CHECK(rec->segments[1].x(2, 1) == 10.0);
    CHECK(rec->segments[1].time == std::vector<double>{0, 1, 2});
    CHECK(rec->frame_period == 1.0);
  }

  TEST_CASE("CsvRecording.SegmentLabelReappearingIsAnError") {
    // Chosen behaviour: an interleaved label is an error (likely an unsorted file), not a new
    // segment.
    const auto dir = ScratchDir("csv_segments_reappear");
    ReadOptions o;
    o.segment_column = "trial";
    auto rec = ReadText(dir, "x.csv", "trial,a\ns1,1\ns1,2\ns2,3\ns1,4\n", o);
    CheckError(rec.status(), {"x.csv", "line 5", "column 1 ('trial')", "'s1' reappears", "line 3"});
  }

  TEST_CASE("CsvRecording.SeveralFilesMakeSegments") {
    const auto dir = ScratchDir("csv_multi");
    WriteFile(dir / "day1.csv", "time_s,a,b\n0,1,2\n0.5,3,4\n");
    WriteFile(dir / "day2.csv", "time_s,a,b\n0,5,6\n0.5,7,8\n1.0,9,10\n");
    auto rec = sbtg::ReadRecording({dir / "day1.csv", dir / "day2.csv"});
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    REQUIRE(rec->segments.size() == 2);
    CHECK(rec->segments[0].label == "day1");
    CHECK(rec->segments[1].label == "day2");
    CHECK(rec->total_frames() == 5);
    CHECK(rec->segments[1].x(2, 0) == 9.0);
    CHECK(rec->frame_period == 0.5);
  }

  TEST_CASE("CsvRecording.SameStemsAreLabelledByFolder") {
    const auto dir = ScratchDir("csv_multi_stem");
    std::filesystem::create_directories(dir / "w1");
    std::filesystem::create_directories(dir / "w2");
    WriteFile(dir / "w1" / "traces.csv", "a\n1\n2\n");
    WriteFile(dir / "w2" / "traces.csv", "a\n3\n4\n");
    auto rec = sbtg::ReadRecording({dir / "w1" / "traces.csv", dir / "w2" / "traces.csv"});
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->segments[0].label == "w1/traces");
    CHECK(rec->segments[1].label == "w2/traces");
    auto twice = sbtg::ReadRecording({dir / "w1" / "traces.csv", dir / "w1" / "traces.csv"});
    CheckError(twice.status(), {"w1/traces.csv", "more than once"});
  }

  TEST_CASE("CsvRecording.SegmentColumnInSeveralFilesPrefixesFileLabel") {
    const auto dir = ScratchDir("csv_multi_segcol");
    WriteFile(dir / "f1.csv", "trial,a\nx,1\nx,2\ny,3\n");
    WriteFile(dir / "f2.csv", "trial,a\nx,4\n");
    ReadOptions o;
    o.segment_column = "trial";
    auto rec = sbtg::ReadRecording({dir / "f1.csv", dir / "f2.csv"}, o);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    REQUIRE(rec->segments.size() == 3);
    CHECK(rec->segments[0].label == "f1:x");
    CHECK(rec->segments[1].label == "f1:y");
    CHECK(rec->segments[2].label == "f2:x");
  }

  TEST_CASE("CsvRecording.MismatchedNamesNameBothFilesAndColumn") {
    const auto dir = ScratchDir("csv_multi_mismatch");
    WriteFile(dir / "one.csv", "time_s,a,b,c\n0,1,2,3\n");
    WriteFile(dir / "two.csv", "time_s,a,c,b\n0,1,2,3\n");
    WriteFile(dir / "three.csv", "time_s,a,b\n0,1,2\n");
    auto rec = sbtg::ReadRecording({dir / "one.csv", dir / "two.csv"});
    CheckError(rec.status(), {"one.csv column 3 is 'b'", "two.csv column 3 is 'c'", "neuron 2"});
    rec = sbtg::ReadRecording({dir / "one.csv", dir / "three.csv"});
    CheckError(rec.status(), {"one.csv has 3", "three.csv has 2"});
  }

  TEST_CASE("CsvRecording.QuotedNamesByteOrderMarkAndCrLf") {
    const auto dir = ScratchDir("csv_quoted");
    auto rec = ReadText(dir, "x.csv",
                        "\xEF\xBB\xBFtime_s,\"AVA, left\",\" B \"\r\n0,1,+2\r\n\r\n1,3,4\r\n");
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->names == std::vector<std::string>{"AVA, left", "B"});
    CHECK(rec->segments[0].x(0, 1) == 2.0);
    CHECK(rec->frame_period == 1.0);  // the BOM did not hide the time column
  }

  TEST_CASE("CsvRecording.HeaderlessAndTransposed") {
    const auto dir = ScratchDir("csv_headerless");
    ReadOptions o;
    o.has_header = false;
    auto rec = ReadText(dir, "x.csv", "0.5,1.5\n2.5,3.5\n4.5,5.5\n", o);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->names == sbtg::DefaultNeuronNames(2));
    CHECK(rec->segments[0].x.rows() == 3);
    CHECK(rec->segments[0].x(2, 1) == 5.5);
    // Neurons × frames, as in the zebrafish tectum files: 2 neurons, 3 frames.
    o.transpose = true;
    rec = ReadText(dir, "x.csv", "0.5,1.5,2.5\n3.5,4.5,5.5\n", o);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->n() == 2);
    CHECK(rec->segments[0].x.rows() == 3);
    CHECK(rec->segments[0].x(2, 1) == 5.5);
  }

  TEST_CASE("CsvRecording.ErrorsNameFileLineAndColumn") {
    struct Case {
      const char* what;
      std::string text;
      ReadOptions options;
      std::vector<std::string> fragments;
    };
    ReadOptions seg;
    seg.segment_column = "trial";
    ReadOptions clock;
    clock.time_column = "clock";
    ReadOptions transposed;
    transposed.transpose = true;
    ReadOptions negative;
    negative.frame_period = -1;
    const std::vector<Case> cases = {
        {"empty file", "", {}, {"empty file"}},
        {"blank lines only", "\n \n", {}, {"empty file"}},
        {"header only", "time_s,a,b\n", {}, {"header but no data rows"}},
        {"ragged short", "a,b,c\n1,2,3\n4,5\n", {}, {"line 3", "expected 3 fields", "found 2"}},
        {"ragged long", "a,b\n1,2,3\n", {}, {"line 2", "expected 2 fields", "found 3"}},
        {"non-numeric",
         "t,a,b\n0,1,2\n1,1,abc\n",
         {},
         {"line 3", "column 3 ('b')", "not a number: 'abc'"}},
        {"NaN", "t,a,b\n0,NaN,2\n", {}, {"line 2", "column 2 ('a')", "NaN"}},
        {"Inf", "a,b\n1,2\n3,-inf\n", {}, {"line 3", "column 2 ('b')", "infinite"}},
        {"empty cell", "a,b\n1,\n", {}, {"line 2", "column 2 ('b')", "empty cell"}},
        {"NaN time", "time_s,a\nnan,1\n", {}, {"line 2", "column 1 ('time_s')", "NaN"}},
        {"duplicate names",
         "a,b,a\n1,2,3\n",
         {},
         {"line 1", "column 3 ('a')", "column 1 ('a')", "duplicate"}},
        {"empty name", "a,,b\n1,2,3\n", {}, {"column 2", "empty name"}},
        {"no neurons", "time_s\n1\n", {}, {"no neuron columns"}},
        {"time not increasing",
         "t,a\n0,1\n1,2\n1,3\n",
         {},
         {"line 4", "column 1 ('t')", "not after", "line 3"}},
        {"time decreasing", "t,a\n0,1\n-1,2\n", {}, {"line 3", "not after"}},
        {"two time columns", "time,a,t\n0,1,0\n", {}, {"column 1 ('time')", "column 3 ('t')"}},
        {"missing segment column",
         "a,b\n1,2\n",
         seg,
         {"'trial'", "segment_column", "not a column"}},
        {"empty segment label",
         "trial,a\n,1\n",
         seg,
         {"line 2", "column 1 ('trial')", "empty segment label"}},
        {"missing time column", "a,b\n1,2\n", clock, {"'clock'", "time_column", "not a column"}},
        {"numeric header", "0.5,0.7\n1,2\n", {}, {"line 1", "has_header"}},
        {"transpose with header", "a,b\n1,2\n", transposed, {"transpose", "has_header"}},
        {"unterminated quote", "\"a,b\n1,2\n", {}, {"line 1", "unterminated"}},
    };
    const auto dir = ScratchDir("csv_errors");
    for (const auto& c : cases) {
      CAPTURE(c.what);
      auto rec = ReadText(dir, "bad.csv", c.text, c.options);
      CheckError(rec.status(), {(dir / "bad.csv").string()});
      for (const auto& f : c.fragments) CheckError(rec.status(), {f});
    }
    auto rec = ReadText(dir, "ok.csv", "a\n1\n", negative);
    CheckError(rec.status(), {"ReadOptions.frame_period"});
  }

  TEST_CASE("CsvRecording.MissingFileDirectoryAndExtension") {
    const auto dir = ScratchDir("csv_missing");
    auto rec = sbtg::ReadRecording({dir / "nope.csv"});
    CHECK(rec.status().code() == sbtg::Status::Code::kNotFound);
    CheckError(rec.status(), {"nope.csv", "no such file"});
    rec = sbtg::ReadCsvRecording(dir);
    CheckError(rec.status(), {dir.string(), "directory"});
    WriteFile(dir / "x.dat", "a\n1\n");
    rec = sbtg::ReadRecording({dir / "x.dat"});
    CheckError(rec.status(), {"x.dat", "extension"});
    rec = sbtg::ReadCsvRecording(dir / "x.dat");  // explicit CSV reader ignores the extension
    CHECK(rec.ok());
    CheckError(sbtg::ReadRecording({}).status(), {"no input files"});
  }

  TEST_CASE("CsvRecording.TabSeparatedByExtension") {
    const auto dir = ScratchDir("csv_tsv");
    WriteFile(dir / "x.tsv", "time_s\ta\tb\n0\t1\t2\n0.5\t3\t4\n");
    auto rec = sbtg::ReadRecording({dir / "x.tsv"});
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->names == std::vector<std::string>{"a", "b"});
    CHECK(rec->segments[0].x(1, 1) == 4.0);
  }

  TEST_CASE("CsvRecording.WriteReadRoundTripIsBitExact") {
    std::mt19937_64 rng(17);
    std::normal_distribution<double> normal(0.0, 1e3);
    sbtg::Recording rec;
    rec.names = {"AVAL", "name, with comma", "q\"uote"};
    rec.frame_period = 1.0 / 1.67;
    for (int k = 0; k < 3; ++k) {
      sbtg::Segment s;
      s.label = "trial " + std::to_string(k);
      s.x.resize(4 + k, 3);
      for (Eigen::Index t = 0; t < s.x.rows(); ++t) {
        s.time.push_back(static_cast<double>(t) * rec.frame_period);
        for (Eigen::Index i = 0; i < 3; ++i) s.x(t, i) = normal(rng) / 7.0;
      }
      rec.segments.push_back(s);
    }
    rec.segments[0].x(0, 0) = 5e-324;  // denormal minimum
    rec.segments[0].x(0, 1) = -0.0;
    const auto dir = ScratchDir("csv_roundtrip");
    REQUIRE(sbtg::WriteCsvRecording(dir / "rec.csv", rec).ok());
    ReadOptions o;
    o.segment_column = "segment";
    auto back = sbtg::ReadCsvRecording(dir / "rec.csv", o);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(back->names == rec.names);
    REQUIRE(back->segments.size() == 3);
    for (size_t k = 0; k < 3; ++k) {
      CHECK(back->segments[k].label == rec.segments[k].label);
      CHECK(sbtg::testing::BitEqual(back->segments[k].x, rec.segments[k].x));
      CHECK(back->segments[k].time == rec.segments[k].time);
    }
    // One segment without time: neither a time nor a segment column is written.
    sbtg::Recording one;
    one.names = {"a"};
    one.segments = {{"only", Eigen::MatrixXd::Constant(2, 1, 0.1), {}}};
    REQUIRE(sbtg::WriteCsvRecording(dir / "one.csv", one).ok());
    CHECK(sbtg::testing::ReadFile(dir / "one.csv") == "a\n0.1\n0.1\n");
  }

  TEST_CASE("CsvRecording.WriterRefusesWhatWouldNotReadBack") {
    const auto dir = ScratchDir("csv_write_refuse");
    sbtg::Recording rec;
    rec.names = {"a", "T"};  // would be detected as the time column
    rec.segments = {{"s", Eigen::MatrixXd::Zero(2, 2), {}}};
    CheckError(sbtg::WriteCsvRecording(dir / "x.csv", rec), {"x.csv", "'T'"});
    rec.names = {"a", "b"};
    rec.segments.push_back({"s", Eigen::MatrixXd::Zero(1, 2), {}});  // repeated label
    CheckError(sbtg::WriteCsvRecording(dir / "x.csv", rec), {"segment 1 ('s')", "unique"});
    rec.segments[1] = {"s2", Eigen::MatrixXd::Zero(1, 2), {0.0}};  // time in one segment only
    CheckError(sbtg::WriteCsvRecording(dir / "x.csv", rec), {"segment 1 ('s2')", "time stamps"});
  }

  TEST_CASE("CsvRecording.RealFlavellTraces") {
    const auto data = sbtg::testing::SharedDataOrSkip("flavell_dag2023_wholebrain");
    if (!data) return;
    const auto file = *data / "2022-07-27-31" / "traces.csv";
    auto rec = sbtg::ReadRecording({file});
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    // meta.json: 145 neurons, 800 frames, median dt 0.6000 s (from unrounded stamps; the CSV keeps
    // about 4 decimals, so the median of the written stamps agrees to ~1e-3).
    CHECK(rec->n() == 145);
    CHECK(rec->total_frames() == 800);
    CHECK(rec->names.front() == "n001");
    CHECK(rec->names.back() == "n145");
    CHECK(rec->frame_period == doctest::Approx(0.6000188714824617).epsilon(1e-3));
    CHECK(rec->segments[0].label == "traces");
    // 2022-07-26-31 has 146 neurons: joining the two names both files.
    const auto other = *data / "2022-07-26-31" / "traces.csv";
    auto joined = sbtg::ReadRecording({file, other});
    CheckError(joined.status(), {file.string() + " has 145", other.string() + " has 146"});
  }

  TEST_CASE("CsvRecording.RealZebrafishNeuronsByFrames") {
    const auto data = sbtg::testing::SharedDataOrSkip("triplett2018_zebrafish_tectum");
    if (!data) return;
    ReadOptions o;
    o.has_header = false;
    o.transpose = true;
    o.frame_period = 1.0 / 2.2;  // README: imaging rate 2.2 Hz
    auto rec = sbtg::ReadRecording({*data / "zf_20170215-f3_activity_matrix.csv"}, o);
    REQUIRE_MESSAGE(rec.ok(), rec.status().ToString());
    CHECK(rec->n() == 75);  // README: 75 rows (neurons) × 5660 columns (frames)
    CHECK(rec->total_frames() == 5660);
    CHECK(rec->frame_period == 1.0 / 2.2);
    // The same file read without `has_header = false` is refused: its first line is data.
    CheckError(sbtg::ReadRecording({*data / "zf_20170215-f3_activity_matrix.csv"}).status(),
               {"has_header"});
  }
}
