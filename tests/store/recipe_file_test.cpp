// Tests for src/store/recipe_file.* and read_results(path, group): a recipe file's round trip,
// its step groups read as results files, the atomic replace on failure, and h5py reading it.
#include "store/recipe_file.h"

#include <hdf5.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "store/store_testing.h"
#include "support/cli.h"

namespace fs = std::filesystem;
using namespace hs;
using hs::test::contains;
using hs::test::real;
using hs::test::require_equal;
using hs::test::require_header_equal;
using hs::test::same;
using hs::test::Scratch;
using hs::test::slurp;

namespace {

SweepHeader sweep_header(const std::string& strategy, std::vector<Param> params) {
  SweepHeader h;
  h.config_text = "[sweep]\nstrategy = \"" + strategy + "\"\n";
  h.config_hash = "hash-" + strategy;
  h.strategy = strategy;
  h.seed = 0x8000000000000001ULL;  // above int64: a uint64 attribute the recipe reader skips
  h.version = "0.1.0";
  h.start_time = "2024-06-01T10:00:00Z";
  h.metric = Metric{"val_acc", Direction::kMaximize};
  h.space.params = std::move(params);
  return h;
}

// Trial `id` with doubles that only survive a bit-exact copy, and `epochs` epochs of curves.
TrialRecord trial(int64_t id, std::vector<ParamValue> params, int epochs) {
  TrialRecord r;
  r.id = id;
  r.status = id % 2 ? TrialStatus::kCompleted : TrialStatus::kEarlyStopped;
  r.params = std::move(params);
  r.best_epoch = epochs - 1;
  r.best_metric = std::nextafter(0.5, 1.0) + 0.01 * static_cast<double>(id);
  r.test_acc = 1.0 / 3.0;
  r.initial_loss = std::log(10.0);
  r.num_classes = 10;
  r.epochs = epochs;
  r.seconds = 0.1 * static_cast<double>(id + 1);
  r.host = "node" + std::to_string(id);
  r.layer_names = {"dense1", "dense2"};
  for (int e = 0; e < epochs; ++e) {
    r.curves.push_back({e, 1e-3 / (e + 1), 2.0 / (e + 3), 0.1 * e, e == 1 ? NAN : 1.1 / (e + 1),
                        0.07 * e, 0.25 * e});
    r.update_ratio.push_back({1e-3 * e, -0.0});
  }
  return r;
}

std::string write_results(const std::string& path, const SweepHeader& h,
                          const std::vector<TrialRecord>& records) {
  auto f = ResultsFile::create(path, h, false);
  REQUIRE(f.ok());
  for (const TrialRecord& r : records) REQUIRE(f->append(r).ok());
  REQUIRE(f->close().ok());
  return path;
}

// Two small sweeps with different spaces: lr alone, and lr with weight_decay.
struct Sources {
  std::string lr_find, grid;
};

Sources write_sources(const Scratch& s) {
  const Param lr = real("lr", ParamKind::kLogUniform, 1e-4, 1e-1);
  const Param wd = real("weight_decay", ParamKind::kUniform, 0.0, 0.1);
  std::vector<TrialRecord> a, b;
  for (int64_t i = 0; i < 3; ++i) a.push_back(trial(i, {ParamValue(1e-4 * std::pow(10.0, i))}, 2 + static_cast<int>(i)));
  for (int64_t i = 0; i < 4; ++i) {
    b.push_back(trial(10 + i, {ParamValue(1.0 / (i + 7)), ParamValue(0.01 * static_cast<double>(i))}, 3));
  }
  return {write_results(s.path("lr_find.h5"), sweep_header("lr_find", {lr}), a),
          write_results(s.path("grid.h5"), sweep_header("grid", {lr, wd}), b)};
}

RecipeHeader recipe_header() {
  RecipeHeader h;
  h.config_text = "[recipe]\nbudget = 40  # caf\xc3\xa9\n";
  h.config_hash = "recipe-hash";
  h.version = "0.1.0";
  h.start_time = "2024-06-01T09:59:00Z";
  h.status = "complete";
  return h;
}

// The batch losses of step 1, with values a decimal round trip would change.
std::vector<double> batch_losses() {
  return {2.302585092994046, std::nextafter(2.3, 3.0), -0.0, NAN,
          std::numeric_limits<double>::denorm_min()};
}

// A whole recipe: attributes and a series, two copied sweeps, a recommendation.
std::vector<RecipeStepOut> recipe_steps(const Sources& src) {
  std::vector<RecipeStepOut> steps(4);
  steps[0].group = "1_initial_loss";
  steps[0].text = {{"verdict", "ok"}, {"report", "loss 2.30 at init, expected ln(10) = 2.30"}};
  steps[0].numbers = {{"loss", 2.302585092994046}, {"expected", std::log(10.0)}};
  steps[0].series = {{"batch_losses", batch_losses()}};
  steps[1].group = "3_lr_find";
  steps[1].text = {{"verdict", "best lr 1e-3"}};
  steps[1].numbers = {{"best_lr", 1e-3}};
  steps[1].results_path = src.lr_find;
  steps[2].group = "4_coarse_grid";
  steps[2].text = {{"verdict", "grid done"}, {"config", "[sweep]\nstrategy = \"grid\"  # as the step ran it\n"}};
  steps[2].numbers = {{"best_val_acc", 0.875}};
  steps[2].results_path = src.grid;
  steps[3].group = "6_recommendation";
  steps[3].text = {{"verdict", "use lr 1e-3"}, {"config", "[train]\nlr = 0.001\n"}};
  return steps;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void require_same_trials(const ResultsData& got, const ResultsData& want) {
  REQUIRE(got.trials.size() == want.trials.size());
  for (size_t i = 0; i < want.trials.size(); ++i) {
    INFO("trial " << i);
    require_equal(got.trials[i], want.trials[i]);
  }
}

}  // namespace

TEST_CASE("recipe file round trip of header, steps in order, attributes, series and copied sweeps",
          "[store]") {
  Scratch s;
  const Sources src = write_sources(s);
  const std::string path = s.path("recipe.h5");
  const RecipeHeader h = recipe_header();
  const Status w = write_recipe_file(path, h, recipe_steps(src));
  INFO((w.ok() ? std::string() : w.error().str()));
  REQUIRE(w.ok());
  CHECK_FALSE(fs::exists(path + ".tmp"));

  auto d = read_recipe(path);
  INFO((d.ok() ? std::string() : d.error().str()));
  REQUIRE(d.ok());
  CHECK(d->header.config_text == h.config_text);
  CHECK(d->header.config_hash == h.config_hash);
  CHECK(d->header.version == h.version);
  CHECK(d->header.start_time == h.start_time);
  CHECK(d->header.status == h.status);
  REQUIRE(d->steps.size() == 4);
  CHECK(d->steps[0].group == "1_initial_loss");
  CHECK(d->steps[1].group == "3_lr_find");
  CHECK(d->steps[2].group == "4_coarse_grid");
  CHECK(d->steps[3].group == "6_recommendation");

  const RecipeStep& init = d->steps[0];
  CHECK(init.text == std::map<std::string, std::string>{{"verdict", "ok"},
                                                         {"report", "loss 2.30 at init, expected ln(10) = 2.30"}});
  REQUIRE(init.numbers.size() == 2);
  CHECK(same(init.numbers.at("loss"), 2.302585092994046));
  CHECK(same(init.numbers.at("expected"), std::log(10.0)));
  REQUIRE(init.series.count("batch_losses") == 1);
  const std::vector<double>& losses = init.series.at("batch_losses");
  const std::vector<double> want = batch_losses();
  REQUIRE(losses.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(same(losses[i], want[i]));
  CHECK_FALSE(init.results.has_value());

  // The copied sweeps: every trial as read_results() reads the source file, bit for bit.
  const RecipeStep& lr_find = d->steps[1];
  auto lr_src = read_results(src.lr_find);
  REQUIRE(lr_src.ok());
  REQUIRE(lr_find.results.has_value());
  require_header_equal(lr_find.results->header, lr_src->header);
  REQUIRE(lr_find.results->header.space.params.size() == 1);
  require_same_trials(*lr_find.results, *lr_src);
  CHECK(lr_find.text.at("verdict") == "best lr 1e-3");
  CHECK(lr_find.text.at("strategy") == "lr_find");  // the copied root's attributes are there
  CHECK(lr_find.numbers == std::map<std::string, double>{{"best_lr", 1e-3}});  // not the uint64 seed
  CHECK(lr_find.text.count("parameters") == 0);  // a list of strings, not text
  CHECK(lr_find.series.empty());                 // /summary is the results', not a series

  const RecipeStep& grid = d->steps[2];
  auto grid_src = read_results(src.grid);
  REQUIRE(grid_src.ok());
  REQUIRE(grid.results.has_value());
  REQUIRE(grid.results->header.space.params.size() == 2);
  CHECK(grid.results->header.space.params[1].name == "weight_decay");
  require_same_trials(*grid.results, *grid_src);
  // The step's config replaced the copied root's (same name), and the group still reads.
  CHECK(grid.text.at("config") == "[sweep]\nstrategy = \"grid\"  # as the step ran it\n");
  CHECK(grid.results->header.config_text == grid.text.at("config"));
  CHECK(grid.numbers.at("best_val_acc") == 0.875);

  const RecipeStep& rec = d->steps[3];
  CHECK_FALSE(rec.results.has_value());
  CHECK(rec.text == std::map<std::string, std::string>{{"verdict", "use lr 1e-3"},
                                                        {"config", "[train]\nlr = 0.001\n"}});
  CHECK(rec.numbers.empty());
  CHECK(rec.series.empty());

  SECTION("writing again replaces the file") {
    RecipeHeader later = h;
    later.status = "stopped at step 4: grid done";
    std::vector<RecipeStepOut> fewer = recipe_steps(src);
    fewer.resize(2);
    REQUIRE(write_recipe_file(path, later, fewer).ok());
    auto e = read_recipe(path);
    REQUIRE(e.ok());
    CHECK(e->header.status == later.status);
    REQUIRE(e->steps.size() == 2);
    CHECK(e->steps[1].group == "3_lr_find");
  }
}

TEST_CASE("recipe steps come back in the order written, not sorted by name", "[store]") {
  Scratch s;
  const std::string path = s.path("order.h5");
  std::vector<RecipeStepOut> steps(3);
  steps[0].group = "2_second";
  steps[1].group = "10_tenth";  // sorts before 2_second by name
  steps[1].numbers = {{"x", 10}};
  steps[2].group = "1_first";
  REQUIRE(write_recipe_file(path, recipe_header(), steps).ok());
  auto d = read_recipe(path);
  REQUIRE(d.ok());
  REQUIRE(d->steps.size() == 3);
  CHECK(d->steps[0].group == "2_second");
  CHECK(d->steps[1].group == "10_tenth");
  CHECK(d->steps[1].numbers.at("x") == 10);
  CHECK(d->steps[2].group == "1_first");
}

TEST_CASE("read_results reads a sweep inside a recipe's group, and the root as before", "[store]") {
  Scratch s;
  const Sources src = write_sources(s);
  const std::string path = s.path("recipe.h5");
  REQUIRE(write_recipe_file(path, recipe_header(), recipe_steps(src)).ok());
  auto want = read_results(src.lr_find);
  REQUIRE(want.ok());
  for (const char* group : {"3_lr_find", "/3_lr_find"}) {
    INFO(group);
    auto got = read_results(path, group);
    INFO((got.ok() ? std::string() : got.error().str()));
    REQUIRE(got.ok());
    require_header_equal(got->header, want->header);
    require_same_trials(*got, *want);
  }
  auto grid = read_results(path, "4_coarse_grid");
  REQUIRE(grid.ok());
  CHECK(grid->trials.size() == 4);
  for (const char* root : {"/", ""}) {  // the root of a results file: read_results(path)
    auto r = read_results(src.lr_find, root);
    REQUIRE(r.ok());
    require_same_trials(*r, *want);
  }

  auto at_root = read_results(path);  // a recipe's root is not a sweep: the message as before
  REQUIRE_FALSE(at_root.ok());
  CHECK(at_root.error().str() == path + ": has no /summary, so it is not a hypersweep results file");
  auto plain = read_results(path, "1_initial_loss");
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.error().str().find(path + ": group 1_initial_loss has no /summary") == 0);
  auto missing = read_results(path, "7_nothing");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().str() == path + ": has no group 7_nothing");
}

TEST_CASE("is_recipe_file tells a recipe file from a results file and a missing file", "[store]") {
  Scratch s;
  const Sources src = write_sources(s);
  const std::string path = s.path("recipe.h5");
  REQUIRE(write_recipe_file(path, recipe_header(), recipe_steps(src)).ok());
  CHECK(is_recipe_file(path));
  CHECK_FALSE(is_recipe_file(src.lr_find));
  CHECK_FALSE(is_recipe_file(s.path("missing.h5")));
  CHECK_FALSE(is_recipe_file(s.write("notes.h5", "not HDF5\n").string()));
}

TEST_CASE("a failed recipe write names the cause and leaves the previous file as it was", "[store]") {
  Scratch s;
  const Sources src = write_sources(s);
  const std::string path = s.path("recipe.h5");
  REQUIRE(write_recipe_file(path, recipe_header(), recipe_steps(src)).ok());
  const std::string before = bytes_of(path);
  REQUIRE(before.size() > 0);

  std::vector<RecipeStepOut> steps = recipe_steps(src);
  std::string cause;
  SECTION("a step's results file is missing") {
    steps[2].results_path = s.path("gone.h5");
    cause = steps[2].results_path + ": no such results file";
  }
  SECTION("a step's results file is HDF5 but not a sweep's") {
    steps[2].results_path = s.path("empty.h5");
    const hid_t f = H5Fcreate(steps[2].results_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    H5Fclose(f);
    cause = steps[2].results_path + ": has no /summary";
  }
  SECTION("two steps share a group name") {
    steps[3].group = steps[1].group;
    cause = path + ": step group name \"3_lr_find\" is given twice";
  }
  SECTION("a group name would break the steps list") {
    steps[3].group = "6_a,b";
    cause = path + ": step group name \"6_a,b\"";
  }
  RecipeHeader h = recipe_header();
  h.status = "running";
  const Status w = write_recipe_file(path, h, steps);
  REQUIRE_FALSE(w.ok());
  INFO(w.error().str());
  CHECK(w.error().str().find(cause) == 0);
  if (!steps[2].results_path.empty() && steps[2].results_path != src.grid) {
    CHECK(contains(w.error().str(), "step 4_coarse_grid"));
  }
  CHECK(bytes_of(path) == before);
  CHECK_FALSE(fs::exists(path + ".tmp"));
  auto d = read_recipe(path);
  REQUIRE(d.ok());
  CHECK(d->header.status == "complete");

  // Without a previous version, nothing is left behind at all.
  const std::string fresh = s.path("fresh.h5");
  REQUIRE_FALSE(write_recipe_file(fresh, h, steps).ok());
  CHECK_FALSE(fs::exists(fresh));
  CHECK_FALSE(fs::exists(fresh + ".tmp"));
}

TEST_CASE("read_recipe of a results file, a missing file or a non-HDF5 file names the path", "[store]") {
  Scratch s;
  const Sources src = write_sources(s);
  auto a = read_recipe(src.lr_find);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().str() == src.lr_find + ": is not a hypersweep recipe file (its root has no attribute "
                                         "kind = \"hypersweep recipe\"): it is a sweep's results file");
  const std::string missing = s.path("missing.h5");
  auto b = read_recipe(missing);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().str() == missing + ": no such recipe file");
  const std::string text = s.write("notes.h5", "not HDF5\n").string();
  auto c = read_recipe(text);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().str().find(text + ": not an HDF5 file") == 0);

  // A step listed in the root's `steps` whose group is gone.
  const std::string path = s.path("recipe.h5");
  REQUIRE(write_recipe_file(path, recipe_header(), recipe_steps(src)).ok());
  {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    REQUIRE(H5Ldelete(f, "6_recommendation", H5P_DEFAULT) >= 0);
    H5Fclose(f);
  }
  auto e = read_recipe(path);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().str() == path + ": step group /6_recommendation, listed in the root attribute "
                                  "steps, is missing");
}

TEST_CASE("h5py reads a recipe step's summary and the root's status", "[store]") {
  if (std::system("/usr/bin/python3 -c 'import h5py' > /dev/null 2>&1") != 0) {
    WARN("skipped: /usr/bin/python3 with h5py is not installed");
    return;
  }
  Scratch s;
  const Sources src = write_sources(s);
  const std::string path = s.path("recipe.h5");
  RecipeHeader h = recipe_header();
  h.status = "stopped at step 4: grid done";
  REQUIRE(write_recipe_file(path, h, recipe_steps(src)).ok());
  const std::string script =
      "import sys, h5py\n"
      "def s(v): return v.decode() if isinstance(v, bytes) else v\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "t = f['4_coarse_grid/summary'][:]\n"
      "print(len(t), ','.join(str(int(i)) for i in t['id']), '%.17g' % t['lr'][1])\n"
      "print(s(f.attrs['status']))\n"
      "print(s(f.attrs['steps']))\n"
      "print(s(f['3_lr_find'].attrs['verdict']), '%.17g' % f['3_lr_find'].attrs['best_lr'])\n"
      "print(len(f['1_initial_loss/batch_losses'][:]))\n";
  const fs::path py = s.write("read.py", script);
  const std::string cmd = "/usr/bin/python3 '" + py.string() + "' '" + path + "' > '" +
                          s.path("out") + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string out = slurp(s.path("out"));
  INFO(out);
  REQUIRE(rc == 0);
  char lr[64];
  std::snprintf(lr, sizeof lr, "%.17g", 1.0 / 8.0);  // trial 11's lr, 1 / (1 + 7)
  CHECK(out == std::string("4 10,11,12,13 ") + lr + "\n" +
                   "stopped at step 4: grid done\n"
                   "1_initial_loss,3_lr_find,4_coarse_grid,6_recommendation\n"
                   "best lr 1e-3 0.001\n"
                   "5\n");
}
