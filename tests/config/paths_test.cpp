// Tests for relative paths in configs (src/config/config.h): a path key resolves against the
// folder of the file that set it, a --set one against the current folder, and both stay absolute
// downstream, so a sweep submitted with sbatch (which starts in the submit folder) finds its data.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.h"
#include "config/sweep_config.h"
#include "data/load.h"

namespace hs {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// root/cfg/{sweep.toml, data/train.csv}, root/held/test.csv and root/elsewhere, the current
// folder while the object lives (restored after).
struct Folders {
  fs::path root, before;
  Folders() {
    before = fs::current_path();
    root = fs::temp_directory_path() / ("hs_paths_test." + std::to_string(getpid()));
    fs::remove_all(root);
    // pandas' layout: an integer first column, the label last.
    std::string csv = "id,x,label\n";
    for (int i = 0; i < 40; ++i) {
      csv += std::to_string(i % 17) + "," + std::to_string(0.5 * i) + "," +
             std::to_string(i % 3) + "\n";
    }
    write(root / "cfg" / "data" / "train.csv", csv);
    write(root / "held" / "test.csv", "4,0.25,1\n5,0.75,2\n");
    fs::create_directories(root / "elsewhere");
    fs::current_path(root / "elsewhere");
  }
  ~Folders() {
    fs::current_path(before);
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  std::string cfg(const char* name) const { return (root / "cfg" / name).string(); }
};

constexpr char kTrain[] =
    "[train]\ndataset = \"csv\"\ndata_path = \"data/train.csv\"\n"
    "test_path = \"../held/test.csv\"\n";

TEST_CASE("relative data_path and test_path resolve against the config file's folder",
          "[config][paths]") {
  Folders l;
  write(l.cfg("train.toml"), kTrain);
  TrainConfig c;
  REQUIRE(c.load_file(l.cfg("train.toml")).ok());
  Result<TrainOptions> o = c.finish();
  REQUIRE(o.ok());
  CHECK(o->data.path == (l.root / "cfg" / "data" / "train.csv").string());
  CHECK(o->data.test_path == (l.root / "held" / "test.csv").string());

  // The data loads from the other folder: the label is the last column (3 classes, not 17).
  Result<DataBundle> b = load_data(o->data);
  INFO((b.ok() ? "" : b.error().str()));
  REQUIRE(b.ok());
  CHECK(b->train_file->num_classes == 3);
  CHECK(b->train_file->n == 40);
  CHECK(b->test_file->n == 2);

  // The config named relative to the current folder resolves the same.
  fs::current_path(l.root);
  TrainConfig again;
  REQUIRE(again.load_file("cfg/train.toml").ok());
  CHECK(again.finish()->data.path == o->data.path);

  // What the trial host and the results file get is absolute, and stays so on reading back.
  TrainConfig back;
  REQUIRE(back.load_text(to_toml(*o), "<the trial's options>").ok());
  CHECK(back.finish()->data.path == o->data.path);
}

TEST_CASE("a --set path resolves against the current folder", "[config][paths]") {
  Folders l;
  write(l.cfg("train.toml"), kTrain);
  TrainConfig c;
  REQUIRE(c.load_file(l.cfg("train.toml")).ok());
  REQUIRE(c.set("data_path=mine.csv").ok());
  REQUIRE(c.set("test_path=").ok());  // "" stays "": hold out test_fraction
  Result<TrainOptions> o = c.finish();
  REQUIRE(o.ok());
  CHECK(o->data.path == (l.root / "elsewhere" / "mine.csv").string());
  CHECK(o->data.test_path.empty());
}

TEST_CASE("absolute paths and the default Fashion-MNIST folder stay as they are",
          "[config][paths]") {
  Folders l;
  write(l.cfg("abs.toml"), "[train]\nepochs = 2\n");
  TrainConfig c;
  REQUIRE(c.load_file(l.cfg("abs.toml")).ok());
  CHECK(c.finish()->data.path == DataOptions{}.path);
  write(l.cfg("abs.toml"), "[train]\ndata_path = \"/srv/data/x.csv\"\n");
  REQUIRE(c.load_file(l.cfg("abs.toml")).ok());
  CHECK(c.finish()->data.path == "/srv/data/x.csv");
  // Text loaded without a folder keeps a relative path as given.
  TrainConfig t;
  REQUIRE(t.load_text("[train]\ndata_path = \"rel/x.csv\"\n", "<text>").ok());
  CHECK(t.finish()->data.path == "rel/x.csv");
}

TEST_CASE("a sweep file's paths resolve against its folder, [space] choices too",
          "[config][paths]") {
  Folders l;
  write(l.cfg("sweep.toml"),
        std::string(kTrain) + "[space]\ndata_path = [\"data/train.csv\", \"/abs/b.csv\"]\n");
  Result<SweepConfig> s = load_sweep(l.cfg("sweep.toml"));
  INFO((s.ok() ? "" : s.error().str()));
  REQUIRE(s.ok());
  Result<TrainOptions> base = s->train.finish();
  REQUIRE(base.ok());
  CHECK(base->data.path == (l.root / "cfg" / "data" / "train.csv").string());
  Result<TrainOptions> t0 =
      trial_options(*s, Trial{0, {ParamValue{std::string("data/train.csv")}}});
  REQUIRE(t0.ok());
  CHECK(t0->data.path == base->data.path);
  Result<TrainOptions> t1 = trial_options(*s, Trial{1, {ParamValue{std::string("/abs/b.csv")}}});
  REQUIRE(t1.ok());
  CHECK(t1->data.path == "/abs/b.csv");
}

TEST_CASE("a data error shows the path as given and where it resolved", "[config][paths]") {
  Folders l;
  write(l.cfg("typo.toml"), "[train]\ndataset = \"csv\"\ndata_path = \"no/such.csv\"\n");
  TrainConfig c;
  REQUIRE(c.load_file(l.cfg("typo.toml")).ok());
  Result<TrainOptions> o = c.finish();
  REQUIRE(o.ok());
  Result<DataBundle> b = load_data(o->data);
  REQUIRE_FALSE(b.ok());
  const Error e = c.locate_data_error(b.error());
  CHECK(e.file == l.cfg("typo.toml"));
  CHECK(e.line == 3);
  CHECK(e.key == "data_path");
  CHECK_THAT(e.str(), Contains(":3: data_path: no/such.csv: missing file") &&
                          Contains("data_path \"no/such.csv\" is relative to the folder of " +
                                   l.cfg("typo.toml") + ": " +
                                   (l.root / "cfg" / "no" / "such.csv").string()));
}

TEST_CASE("training data of one class is named at data_path with its label column",
          "[config][paths]") {
  Folders l;
  std::string csv = "a,b,c,d,label\n";
  for (int i = 0; i < 200; ++i) csv += std::to_string(i) + ",1,2,3,0\n";
  write(l.root / "cfg" / "oneclass.csv", csv);
  write(l.cfg("c_oneclass.toml"),
        "[train]\ndataset = \"csv\"\ndata_path = \"oneclass.csv\"\nhidden = [8]\nepochs = 2\n");
  TrainConfig c;
  REQUIRE(c.load_file(l.cfg("c_oneclass.toml")).ok());
  Result<TrainOptions> o = c.finish();
  REQUIRE(o.ok());
  Result<DataBundle> b = load_data(o->data);
  REQUIRE_FALSE(b.ok());
  const Error e = c.locate_data_error(b.error());
  INFO(e.str());
  CHECK(e.file == l.cfg("c_oneclass.toml"));
  CHECK(e.line == 3);
  CHECK(e.key == "data_path");
  CHECK_THAT(e.str(), Contains(":3: data_path: oneclass.csv: the labels hold one class: every "
                               "label is 0 (label_column = \"last\")"));
  CHECK_THAT(e.str(), !Contains("num_classes"));
}

TEST_CASE("a split error is named at the key that caused it with its own line",
          "[config][paths]") {
  const std::string text =
      "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 400\nhidden = [16]\nepochs = 3\n"
      "batch_size = 32\nthreads = 1\nval_fraction = 0.999\n";
  TrainConfig c;
  REQUIRE(c.load_text(text, "bad.toml").ok());
  Result<TrainOptions> o = c.finish();
  REQUIRE(o.ok());
  Result<DataBundle> b = load_data(o->data);
  REQUIRE_FALSE(b.ok());
  CHECK(c.locate_data_error(b.error()).str() ==
        "bad.toml:8: val_fraction: 0.999 of 400 samples leaves 0 on one side and 400 on the "
        "other; both need at least 1");
  REQUIRE(c.set("val_fraction=0.1").ok());
  REQUIRE(c.set("train_limit=1").ok());
  b = load_data(c.finish()->data);
  REQUIRE_FALSE(b.ok());
  CHECK(c.locate_data_error(b.error()).str() ==
        "--set: train_limit: 1 leaves 1 sample, which val_fraction (0.1) cannot split: both "
        "sides need at least 1");
}

}  // namespace
}  // namespace hs
