// Tests for src/config: every key, the error messages (file, line, key, value), --set parsing,
// the depth/width and cnn defaults, the cross-key checks and the to_toml round trip.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "config/config.h"

namespace hs {
namespace {

// The names of the fields that differ (exact comparison, doubles included), or "".
std::string diff(const TrainOptions& a, const TrainOptions& b) {
  std::string d;
#define HS_CMP(field) \
  if (!(a.field == b.field)) d += std::string(#field) + " differs; "
  HS_CMP(data.source); HS_CMP(data.path); HS_CMP(data.test_path); HS_CMP(data.val_fraction);
  HS_CMP(data.test_fraction); HS_CMP(data.train_limit); HS_CMP(data.test_limit);
  HS_CMP(data.split_seed); HS_CMP(data.synthetic_samples); HS_CMP(data.synthetic_classes);
  HS_CMP(data.synthetic_size); HS_CMP(data.synthetic_noise); HS_CMP(data.label_column);
  HS_CMP(data.h5_inputs); HS_CMP(data.h5_labels); HS_CMP(data.layout); HS_CMP(data.normalize);
  HS_CMP(model.arch); HS_CMP(model.hidden); HS_CMP(model.activation); HS_CMP(model.dropout);
  HS_CMP(model.conv_channels); HS_CMP(model.kernel_size); HS_CMP(model.stride);
  HS_CMP(model.padding); HS_CMP(model.pool); HS_CMP(model.init); HS_CMP(model.init_scale);
  HS_CMP(optim.kind); HS_CMP(optim.momentum); HS_CMP(optim.beta1); HS_CMP(optim.beta2);
  HS_CMP(optim.rms_decay); HS_CMP(optim.eps); HS_CMP(optim.weight_decay); HS_CMP(lr);
  HS_CMP(schedule.kind); HS_CMP(schedule.unit); HS_CMP(schedule.milestones);
  HS_CMP(schedule.factor); HS_CMP(schedule.warmup);
  HS_CMP(early.enabled); HS_CMP(early.monitor); HS_CMP(early.patience); HS_CMP(early.min_delta);
  HS_CMP(epochs); HS_CMP(batch_size); HS_CMP(seed); HS_CMP(threads); HS_CMP(max_seconds);
  HS_CMP(evaluate_test); HS_CMP(device); HS_CMP(local_worker);
#undef HS_CMP
  return d;
}

// Loads `text` as "sweep.toml", applies the --set flags, finishes.
Result<TrainOptions> load(const std::string& text, const std::vector<std::string>& sets = {}) {
  TrainConfig c;
  if (Status st = c.load_text(text, "sweep.toml"); !st.ok()) return st.error();
  for (const std::string& s : sets) {
    if (Status st = c.set(s); !st.ok()) return st.error();
  }
  return c.finish();
}

Error load_error(const std::string& text, const std::vector<std::string>& sets = {}) {
  Result<TrainOptions> r = load(text, sets);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

struct KeyCase {
  const char* key;
  const char* value;  // TOML text
  std::function<void(TrainOptions&)> expect;  // applied to the defaults
};

// One row per key in train_keys(), each with a value other than the default.
const std::vector<KeyCase>& key_cases() {
  static const std::vector<KeyCase> cases = {
      {"dataset", "\"synthetic\"", [](TrainOptions& o) { o.data.source = DataSource::kSynthetic; }},
      {"data_path", "\"/tmp/d\"", [](TrainOptions& o) { o.data.path = "/tmp/d"; }},
      {"test_path", "\"/tmp/t.csv\"", [](TrainOptions& o) { o.data.test_path = "/tmp/t.csv"; }},
      {"val_fraction", "0.25", [](TrainOptions& o) { o.data.val_fraction = 0.25; }},
      {"test_fraction", "0.2", [](TrainOptions& o) { o.data.test_fraction = 0.2; }},
      {"train_limit", "1000", [](TrainOptions& o) { o.data.train_limit = 1000; }},
      {"test_limit", "500", [](TrainOptions& o) { o.data.test_limit = 500; }},
      {"label_column", "\"first\"", [](TrainOptions& o) { o.data.label_column = "first"; }},
      {"h5_inputs", "\"images\"", [](TrainOptions& o) { o.data.h5_inputs = "images"; }},
      {"h5_labels", "\"labels\"", [](TrainOptions& o) { o.data.h5_labels = "labels"; }},
      {"layout", "\"nchw\"", [](TrainOptions& o) { o.data.layout = Layout::kNchw; }},
      {"normalize", "\"standard\"",
       [](TrainOptions& o) { o.data.normalize = Normalize::kStandard; }},
      {"split_seed", "7", [](TrainOptions& o) { o.data.split_seed = 7; }},
      {"synthetic_samples", "64", [](TrainOptions& o) { o.data.synthetic_samples = 64; }},
      {"synthetic_classes", "10", [](TrainOptions& o) { o.data.synthetic_classes = 10; }},
      {"synthetic_size", "16", [](TrainOptions& o) { o.data.synthetic_size = 16; }},
      {"synthetic_noise", "0.125", [](TrainOptions& o) { o.data.synthetic_noise = 0.125; }},
      {"arch", "\"cnn\"",
       [](TrainOptions& o) {
         o.model.arch = Arch::kCnn;
         o.model.hidden = {};
       }},
      {"hidden", "[512, 128]", [](TrainOptions& o) { o.model.hidden = {512, 128}; }},
      {"depth", "3", [](TrainOptions& o) { o.model.hidden = {256, 256, 256}; }},
      {"width", "64", [](TrainOptions& o) { o.model.hidden = {64, 64}; }},
      {"activation", "\"tanh\"", [](TrainOptions& o) { o.model.activation = Activation::kTanh; }},
      {"dropout", "0.5", [](TrainOptions& o) { o.model.dropout = 0.5; }},
      {"conv_channels", "[8]", [](TrainOptions& o) { o.model.conv_channels = {8}; }},
      {"kernel_size", "3", [](TrainOptions& o) { o.model.kernel_size = 3; }},
      {"stride", "2", [](TrainOptions& o) { o.model.stride = 2; }},
      {"padding", "1", [](TrainOptions& o) { o.model.padding = 1; }},
      {"pool", "1", [](TrainOptions& o) { o.model.pool = 1; }},
      {"init", "\"xavier\"", [](TrainOptions& o) { o.model.init = InitKind::kXavier; }},
      {"init_scale", "0.5", [](TrainOptions& o) { o.model.init_scale = 0.5; }},
      {"optimizer", "\"adamw\"", [](TrainOptions& o) { o.optim.kind = OptimizerKind::kAdamW; }},
      {"lr", "0.001", [](TrainOptions& o) { o.lr = 0.001; }},
      {"momentum", "0.5", [](TrainOptions& o) { o.optim.momentum = 0.5; }},
      {"beta1", "0.8", [](TrainOptions& o) { o.optim.beta1 = 0.8; }},
      {"beta2", "0.99", [](TrainOptions& o) { o.optim.beta2 = 0.99; }},
      {"rms_decay", "0.9", [](TrainOptions& o) { o.optim.rms_decay = 0.9; }},
      {"eps", "1e-6", [](TrainOptions& o) { o.optim.eps = 1e-6; }},
      {"weight_decay", "5e-4", [](TrainOptions& o) { o.optim.weight_decay = 5e-4; }},
      {"schedule", "\"cosine\"", [](TrainOptions& o) { o.schedule.kind = ScheduleKind::kCosine; }},
      {"schedule_unit", "\"iteration\"",
       [](TrainOptions& o) { o.schedule.unit = ScheduleUnit::kIteration; }},
      {"milestones", "[5, 8]", [](TrainOptions& o) { o.schedule.milestones = {5, 8}; }},
      {"decay_factor", "0.5", [](TrainOptions& o) { o.schedule.factor = 0.5; }},
      {"warmup", "2", [](TrainOptions& o) { o.schedule.warmup = 2; }},
      {"epochs", "20", [](TrainOptions& o) { o.epochs = 20; }},
      {"batch_size", "32", [](TrainOptions& o) { o.batch_size = 32; }},
      {"seed", "42", [](TrainOptions& o) { o.seed = 42; }},
      {"threads", "4", [](TrainOptions& o) { o.threads = 4; }},
      {"max_seconds", "60.5", [](TrainOptions& o) { o.max_seconds = 60.5; }},
      {"evaluate_test", "false", [](TrainOptions& o) { o.evaluate_test = false; }},
      {"device", "\"cuda\"", [](TrainOptions& o) { o.device = Device::kCuda; }},
      {"early_stopping", "false", [](TrainOptions& o) { o.early.enabled = false; }},
      {"monitor", "\"val_loss\"", [](TrainOptions& o) { o.early.monitor = Monitor::kValLoss; }},
      {"patience", "3", [](TrainOptions& o) { o.early.patience = 3; }},
      {"min_delta", "0.001", [](TrainOptions& o) { o.early.min_delta = 0.001; }},
  };
  return cases;
}

}  // namespace

TEST_CASE("every key sets its field and nothing else", "[config]") {
  std::set<std::string> covered;
  for (const KeyCase& c : key_cases()) {
    covered.insert(c.key);
    TrainOptions expected;
    c.expect(expected);
    REQUIRE(!diff(expected, TrainOptions{}).empty());  // the case changes something

    Result<TrainOptions> from_file = load(std::string("[train]\n") + c.key + " = " + c.value);
    INFO("key " << c.key << (from_file.ok() ? "" : ": " + from_file.error().str()));
    REQUIRE(from_file.ok());
    CHECK(diff(*from_file, expected) == "");

    Result<TrainOptions> from_set = load("", {std::string(c.key) + "=" + c.value});
    INFO("--set" << (from_set.ok() ? "" : ": " + from_set.error().str()));
    REQUIRE(from_set.ok());
    CHECK(diff(*from_set, expected) == "");
  }
  std::set<std::string> all;
  for (const KeyInfo& k : train_keys()) all.insert(k.key);
  CHECK(covered == all);
}

TEST_CASE("absent keys keep their defaults", "[config]") {
  for (const char* text : {"", "[train]\n", "# nothing\n[train]\n\n[sweep]\n"}) {
    Result<TrainOptions> r = load(text);
    REQUIRE(r.ok());
    CHECK(diff(*r, TrainOptions{}) == "");
  }
  TrainConfig none;
  Result<TrainOptions> r = none.finish();
  REQUIRE(r.ok());
  CHECK(diff(*r, TrainOptions{}) == "");
}

TEST_CASE("label_column takes a 0-based index as a TOML integer or as text", "[config]") {
  Result<TrainOptions> r = load("[train]\nlabel_column = 0\n");
  REQUIRE(r.ok());
  CHECK(r->data.label_column == "0");
  r = load("", {"label_column=12"});
  REQUIRE(r.ok());
  CHECK(r->data.label_column == "12");
  r = load("", {"label_column=species"});
  REQUIRE(r.ok());
  CHECK(r->data.label_column == "species");
  // A negative index is refused as text as it is as an integer, not looked for as a header name.
  for (const auto& [text, sets] : {std::pair<std::string, std::vector<std::string>>{
                                       "[train]\nlabel_column = -1\n", {}},
                                   {"", {"label_column=-1"}}}) {
    r = load(text, sets);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().key == "label_column");
    CHECK(r.error().message == "a column index must be >= 0, got -1");
  }
}

TEST_CASE("an integer is accepted where a float is expected", "[config]") {
  Result<TrainOptions> r = load("[train]\nlr = 1\nmax_seconds = 30\n");
  REQUIRE(r.ok());
  CHECK(r->lr == 1.0);
  CHECK(r->max_seconds == 30.0);
}

TEST_CASE("errors name the file and line and key and the offending value", "[config]") {
  struct ErrCase {
    std::string body;     // [train] lines; the faulty one is the last
    std::string key;
    std::string message;  // expected exact message
  };
  const std::vector<ErrCase> cases = {
      {"lr = -0.1", "lr", "must be > 0, got -0.1"},
      {"lr = 0", "lr", "must be > 0, got 0"},
      {"lr = inf", "lr", "must be a finite number, got inf"},
      {"lr = nan", "lr", "must be a finite number, got nan"},
      {"lr = 1e308", "lr",
       "the trainer computes in float32, which holds magnitudes from 1.1754944e-38 to "
       "3.4028235e+38, got 1e+308"},
      {"eps = 1e-50", "eps",
       "the trainer computes in float32, which holds magnitudes from 1.1754944e-38 to "
       "3.4028235e+38, got 1e-50"},
      {"weight_decay = 4e38", "weight_decay",
       "the trainer computes in float32, which holds magnitudes from 1.1754944e-38 to "
       "3.4028235e+38, got 4e+38"},
      {"init_scale = 1e39", "init_scale",
       "the trainer computes in float32, which holds magnitudes from 1.1754944e-38 to "
       "3.4028235e+38, got 1e+39"},
      // In [0, 1) as a double, 1 as the float the trainer uses: adam's weights froze, every
      // hidden unit was dropped.
      {"beta1 = 0.99999999", "beta1",
       "must be in [0, 1) as the float32 the trainer computes with, got 0.99999999, which "
       "rounds to 1"},
      {"dropout = 0.99999999", "dropout",
       "must be in [0, 1) as the float32 the trainer computes with, got 0.99999999, which "
       "rounds to 1"},
      {"lr = \"fast\"", "lr", "expected a number, got \"fast\""},
      {"lr = 1979-05-27", "lr", "expected a number, got 1979-05-27"},
      {"lr = [1, 2]", "lr", "expected a number, got [1, 2]"},
      {"optimizer = \"adamx\"", "optimizer",
       "unknown optimizer \"adamx\" (choose sgd, momentum, nesterov, adagrad, rmsprop, adam, "
       "adamw)"},
      {"optimizer = 3", "optimizer", "expected a string, got 3"},
      {"schedule = \"exp\"", "schedule",
       "unknown schedule \"exp\" (choose constant, step, cosine, linear, inv_sqrt)"},
      {"dataset = \"mnist\"", "dataset",
       "unknown dataset \"mnist\" (choose fashion_mnist, csv, hdf5, synthetic)"},
      {"arch = \"rnn\"", "arch", "unknown arch \"rnn\" (choose mlp, cnn)"},
      {"activation = \"sigmoid\"", "activation",
       "unknown activation \"sigmoid\" (choose relu, tanh, gelu)"},
      {"init = \"orthogonal\"", "init", "unknown init \"orthogonal\" (choose auto, he, xavier)"},
      {"monitor = \"loss\"", "monitor", "unknown monitor \"loss\" (choose val_acc, val_loss)"},
      {"schedule_unit = \"step\"", "schedule_unit",
       "unknown schedule_unit \"step\" (choose epoch, iteration)"},
      {"batch_size = 12.5", "batch_size", "expected an integer, got 12.5"},
      {"batch_size = 12.0", "batch_size", "expected an integer, got 12.0"},
      {"batch_size = 0", "batch_size", "must be >= 1, got 0"},
      {"epochs = 3000000000", "epochs", "must be <= 2147483647, got 3000000000"},
      {"seed = -1", "seed", "must be >= 0, got -1"},
      {"early_stopping = 1", "early_stopping", "expected true or false, got 1"},
      {"early_stopping = \"yes\"", "early_stopping", "expected true or false, got \"yes\""},
      {"hidden = [1.5, 2]", "hidden", "expected a list of integers, got [1.5, 2]"},
      {"hidden = \"256\"", "hidden", "expected a list of integers, got \"256\""},
      {"hidden = [512, 0]", "hidden", "every entry must be >= 1, got [512, 0]"},
      {"hidden = [3000000000]", "hidden", "every entry must be <= 2147483647, got [3000000000]"},
      {"conv_channels = [-4]", "conv_channels", "every entry must be >= 1, got [-4]"},
      {"milestones = [60, 30]", "milestones", "must be strictly increasing, got [60, 30]"},
      {"milestones = [30, 30]", "milestones", "must be strictly increasing, got [30, 30]"},
      {"milestones = [0, 30]", "milestones", "every entry must be >= 1, got [0, 30]"},
      {"dropout = 1.0", "dropout", "must be in [0, 1), got 1.0"},
      {"dropout = -0.5", "dropout", "must be in [0, 1), got -0.5"},
      {"val_fraction = 0", "val_fraction", "must be in (0, 1), got 0"},
      {"test_fraction = 1", "test_fraction", "must be in (0, 1), got 1"},
      {"beta2 = 1", "beta2", "must be in [0, 1), got 1"},
      {"eps = 0.0", "eps", "must be > 0, got 0.0"},
      {"weight_decay = -1e-4", "weight_decay", "must be >= 0, got -1e-4"},
      {"synthetic_classes = 1", "synthetic_classes", "must be in [2, 1000], got 1"},
      {"synthetic_size = 257", "synthetic_size", "must be in [2, 256], got 257"},
      {"synthetic_samples = 8", "synthetic_samples", "must be in [16, 2147483647], got 8"},
      {"synthetic_samples = 100000000000", "synthetic_samples",
       "must be in [16, 2147483647], got 100000000000"},
      {"synthetic_noise = -1", "synthetic_noise", "must be >= 0, got -1"},
      {"data_path = \"\"", "data_path", "must not be empty"},
      {"data_path = 3", "data_path", "expected a string, got 3"},
      {"layout = \"chw\"", "layout", "unknown layout \"chw\" (choose nhwc, nchw)"},
      {"normalize = \"zscore\"", "normalize",
       "unknown normalize \"zscore\" (choose auto, none, standard, minmax)"},
      {"label_column = -1", "label_column", "a column index must be >= 0, got -1"},
      {"label_column = \"\"", "label_column", "must not be empty"},
      {"label_column = 1.5", "label_column", "expected a string, got 1.5"},
      {"h5_inputs = \"\"", "h5_inputs", "must not be empty"},
      {"h5_labels = true", "h5_labels", "expected a string, got true"},
      {"depth = -1", "depth", "must be >= 0, got -1"},
      {"width = 0", "width", "must be >= 1, got 0"},
      {"patience = 0", "patience", "must be >= 1, got 0"},
      {"warmup = -2", "warmup", "must be >= 0, got -2"},
      {"learning_rate = 0.1", "learning_rate", "unknown key in [train] (did you mean \"lr\"?)"},
      {"batch-size = 8", "batch-size", "unknown key in [train] (did you mean \"batch_size\"?)"},
      {"hiden = [8]", "hiden", "unknown key in [train] (did you mean \"hidden\"?)"},
      {"Optimiser = \"adam\"", "Optimiser",
       "unknown key in [train] (did you mean \"optimizer\"?)"},
      {"noise = 0.1", "noise", "unknown key in [train] (did you mean \"synthetic_noise\"?)"},
      {"target = \"y\"", "target", "unknown key in [train] (did you mean \"label_column\"?)"},
      {"qqqqqq = 1", "qqqqqq", "unknown key in [train]"},
  };
  for (const ErrCase& c : cases) {
    // Comments, blank lines and a good key first, so the line number means something.
    const std::string text =
        "# header\n\n[train]\nthreads = 2\n" + c.body + "\n\nmin_delta = 0.5\n";
    const Error e = load_error(text);
    INFO(c.body << " -> " << e.str());
    CHECK(e.file == "sweep.toml");
    CHECK(e.line == 5);
    CHECK(e.key == c.key);
    CHECK(e.message == c.message);
    CHECK(e.str() == "sweep.toml:5: " + c.key + ": " + c.message);
  }
}

TEST_CASE("the first fault in document order is the one reported", "[config]") {
  // Alphabetically "lr" comes first; in the file "zeta" does.
  const Error e = load_error("[train]\nzeta = 1\nepochs = 3\nlr = -1\n");
  CHECK(e.line == 2);
  CHECK(e.key == "zeta");
}

TEST_CASE("top-level faults", "[config]") {
  Error e = load_error("[train]\nlr = 0.1\n\n[model]\nhidden = [4]\n");
  CHECK(e.line == 4);
  CHECK(e.key == "model");
  CHECK_THAT(e.message, Catch::Contains("unknown table"));

  e = load_error("lr = 0.1\n[train]\n");
  CHECK(e.line == 1);
  CHECK(e.key == "lr");
  CHECK_THAT(e.message, Catch::Contains("[train] table"));

  e = load_error("# x\ntrian.lr = 0.1\n");
  CHECK(e.line == 2);
  CHECK(e.key == "trian");
  CHECK_THAT(e.message, Catch::Contains("did you mean \"train\"?"));

  e = load_error("verbose = true\n");
  CHECK(e.line == 1);
  CHECK(e.key == "verbose");
  CHECK_THAT(e.message, Catch::Contains("unknown top-level key"));

  e = load_error("train = 3\n");
  CHECK(e.key == "train");
  CHECK_THAT(e.message, Catch::Contains("expected a table"));

  e = load_error("[train]\nlr = 0.1\n[train.hidden]\nx = 1\n");
  CHECK(e.line == 3);
  CHECK(e.key == "hidden");
  CHECK(e.message == "expected a list of integers, got a table");
}

TEST_CASE("sweep and space tables are accepted and skipped", "[config]") {
  Result<TrainOptions> r = load(R"(
[sweep]
strategy = "random"
trials = 50
anything_goes = [1, "two", 3.0]

[train]
lr = 0.2

[space]
lr = { log_uniform = [1e-4, 1e-1] }
hidden = { choice = [[256], [512, 256]] }

[space.nested]
x = 1
)");
  REQUIRE(r.ok());
  CHECK(r->lr == 0.2);
}

TEST_CASE("TOML syntax errors report their line", "[config]") {
  Error e = load_error("[train]\nlr = 0.1\n\nepochs = = 3\n");
  CHECK(e.file == "sweep.toml");
  CHECK(e.line == 4);
  CHECK_THAT(e.message, Catch::Contains("TOML syntax error"));
  CHECK_THAT(e.str(), Catch::StartsWith("sweep.toml:4: "));

  e = load_error("[train]\nlr = 0.1\nlr = 0.2\n");  // a key given twice
  CHECK(e.line == 3);

  e = load_error("[train]\nhidden = [1, 2\n");
  CHECK(e.line >= 2);
}

TEST_CASE("a failed load changes nothing", "[config]") {
  TrainConfig c;
  REQUIRE(c.load_text("[train]\nlr = 0.3\n", "a.toml").ok());
  const std::string text = c.text();
  CHECK_FALSE(c.load_text("[train]\nlr = 0.5\nepochs = 7\nbogus = 1\n", "b.toml").ok());
  CHECK_FALSE(c.set("lr=-1").ok());
  CHECK(c.text() == text);
  Result<TrainOptions> r = c.finish();
  REQUIRE(r.ok());
  CHECK(r->lr == 0.3);
  CHECK(r->epochs == TrainOptions{}.epochs);
}

TEST_CASE("set() overrides the file and parses TOML values", "[config]") {
  Result<TrainOptions> r = load("[train]\nlr = 0.1\noptimizer = \"sgd\"\nhidden = [8]\n",
                                {"lr=3e-4", "optimizer=adam", "hidden=[512,256]", "epochs = 7",
                                 "early_stopping=false", "data_path=/data/x-1.csv",
                                 "dataset=csv", "test_path=\"/data/with space.csv\"",
                                 "milestones=30", "schedule=step", "dropout=0", "lr=5e-4"});
  INFO((r.ok() ? "" : r.error().str()));
  REQUIRE(r.ok());
  CHECK(r->lr == 5e-4);  // the later --set wins
  CHECK(r->optim.kind == OptimizerKind::kAdam);
  CHECK(r->model.hidden == std::vector<int>{512, 256});
  CHECK(r->epochs == 7);
  CHECK_FALSE(r->early.enabled);
  CHECK(r->data.path == "/data/x-1.csv");
  CHECK(r->data.source == DataSource::kCsv);
  CHECK(r->data.test_path == "/data/with space.csv");
  CHECK(r->schedule.milestones == std::vector<int64_t>{30});
  CHECK(r->model.dropout == 0.0);

  r = load("[train]\ntest_path = \"/x\"\n", {"test_path="});
  REQUIRE(r.ok());
  CHECK(r->data.test_path.empty());
}

TEST_CASE("set() errors", "[config]") {
  struct SetCase {
    std::string set, key, message;
  };
  const std::vector<SetCase> cases = {
      {"lr=-1", "lr", "must be > 0, got -1"},
      {"lr=abc", "lr", "expected a number, got \"abc\""},
      {"lr=", "lr", "no value after '='"},
      {"batch_size=12.5", "batch_size", "expected an integer, got 12.5"},
      {"optimizer=adamx", "optimizer",
       "unknown optimizer \"adamx\" (choose sgd, momentum, nesterov, adagrad, rmsprop, adam, "
       "adamw)"},
      {"learning_rate=0.1", "learning_rate", "unknown key (did you mean \"lr\"?)"},
      {"data_path=", "data_path", "must not be empty"},
      {"hidden=[1.5]", "hidden", "expected a list of integers, got [1.5]"},
      {"threads=1025", "threads", "must be in [0, 1024], got 1025"},  // libgomp fails far above
  };
  for (const SetCase& c : cases) {
    const Error e = load_error("", {c.set});
    INFO(c.set << " -> " << e.str());
    CHECK(e.file == "--set");
    CHECK(e.line == 0);
    CHECK(e.key == c.key);
    CHECK(e.message == c.message);
  }
  CHECK(load_error("", {"lr=-1"}).str() == "--set: lr: must be > 0, got -1");

  Error e = load_error("", {"lr"});
  CHECK(e.file == "--set");
  CHECK(e.message == "expected key=value, got \"lr\"");
  e = load_error("", {"=3"});
  CHECK_THAT(e.message, Catch::Contains("expected key=value"));

  e = load_error("", {"lr=1 2"});
  CHECK(e.key == "lr");
  CHECK_THAT(e.message, Catch::Contains("cannot read \"1 2\""));
  e = load_error("", {"hidden=[1, 2"});
  CHECK(e.key == "hidden");
  CHECK_THAT(e.message, Catch::Contains("cannot read \"[1, 2\""));
}

TEST_CASE("depth and width expand into hidden", "[config]") {
  struct Case {
    std::string body;
    std::vector<int> hidden;
  };
  const std::vector<Case> cases = {
      {"depth = 3\nwidth = 64", {64, 64, 64}},
      {"depth = 2\nhidden = [100, 50]", {100, 100}},
      {"depth = 2", {256, 256}},
      {"depth = 0\nwidth = 64", {}},
      {"hidden = []\ndepth = 2", {256, 256}},
      {"width = 32\nhidden = [1, 2, 3]", {32, 32, 32}},
      {"arch = \"cnn\"", {}},
      {"arch = \"cnn\"\ndepth = 2", {256, 256}},
      {"arch = \"cnn\"\ndepth = 1\nwidth = 100", {100}},
      {"arch = \"cnn\"\nhidden = [64]", {64}},
      {"arch = \"cnn\"\nwidth = 64", {}},  // no hidden layers to widen
      {"arch = \"mlp\"\nhidden = []", {}},
  };
  for (const Case& c : cases) {
    Result<TrainOptions> r = load("[train]\n" + c.body + "\n");
    INFO(c.body << (r.ok() ? "" : " -> " + r.error().str()));
    REQUIRE(r.ok());
    CHECK(r->model.hidden == c.hidden);
  }
  // --set depth after a file's hidden.
  Result<TrainOptions> r = load("[train]\nhidden = [128]\n", {"depth=3"});
  REQUIRE(r.ok());
  CHECK(r->model.hidden == std::vector<int>{128, 128, 128});
}

TEST_CASE("cross-key checks name the key at fault", "[config]") {
  Error e = load_error("[train]\nepochs = 5\nwarmup = 5\n");
  CHECK(e.line == 3);
  CHECK(e.key == "warmup");
  CHECK(e.message == "must be < epochs (5) when schedule_unit is epoch, got 5");
  CHECK(load("[train]\nepochs = 5\nwarmup = 4\n").ok());
  CHECK(load("[train]\nepochs = 5\nwarmup = 500\nschedule_unit = \"iteration\"\n").ok());
  e = load_error("[train]\nwarmup = 5\n", {"epochs=3"});
  CHECK(e.key == "warmup");
  CHECK(e.line == 2);

  e = load_error("[train]\narch = \"cnn\"\nconv_channels = []\n");
  CHECK(e.line == 3);
  CHECK(e.key == "conv_channels");
  CHECK_THAT(e.message, Catch::Contains("cnn"));
  CHECK(load("[train]\nconv_channels = []\n").ok());  // an mlp ignores them

  e = load_error("[train]\nschedule = \"step\"\n\nmilestones = []\n");
  CHECK(e.line == 4);
  CHECK(e.key == "milestones");
  CHECK(load("[train]\nschedule = \"cosine\"\nmilestones = []\n").ok());
  CHECK(load("[train]\nschedule = \"linear\"\nmilestones = [2, 4]\n").ok());

  e = load_error("[train]\ndataset = \"csv\"\n");
  CHECK(e.line == 2);
  CHECK(e.key == "dataset");
  CHECK_THAT(e.message, Catch::Contains("data_path"));
  CHECK(load("[train]\ndataset = \"hdf5\"\n", {"data_path=/d/x.h5"}).ok());
}

TEST_CASE("to_toml round-trips every field", "[config]") {
  TrainOptions o;
  o.data.source = DataSource::kHdf5;
  o.data.path = "/data/a \"quoted\" \\ path\twith\ttabs\nand é";
  o.data.test_path = "";
  o.data.val_fraction = 0.1 + 0.2;
  o.data.test_fraction = 1.0 / 3.0;
  o.data.train_limit = std::numeric_limits<int64_t>::max();
  o.data.test_limit = 0;
  o.data.split_seed = uint64_t{1} << 62;
  o.data.synthetic_samples = 12345;
  o.data.synthetic_classes = 1000;
  o.data.synthetic_size = 2;
  o.data.synthetic_noise = 1e-300;
  o.data.label_column = "target \"y\"";
  o.data.h5_inputs = "/group/X";
  o.data.h5_labels = "labels";
  o.data.layout = Layout::kNchw;
  o.data.normalize = Normalize::kMinmax;
  o.model.arch = Arch::kCnn;
  o.model.hidden = {};
  o.model.activation = Activation::kGelu;
  o.model.dropout = 0.30000000000000004;
  o.model.conv_channels = {3, 5, 7};
  o.model.kernel_size = 7;
  o.model.stride = 3;
  o.model.padding = 2;
  o.model.pool = 4;
  o.model.init = InitKind::kHe;
  o.model.init_scale = 2.0;
  o.optim.kind = OptimizerKind::kRmsprop;
  o.optim.momentum = 0.0;
  o.optim.beta1 = 0.95;
  o.optim.beta2 = 0.9999999;
  o.optim.rms_decay = std::nextafter(1.0f, 0.0f);  // the largest float below 1
  o.optim.eps = 1.1754943508222875e-38;  // the smallest normal float32
  o.optim.weight_decay = 1e21;
  o.lr = 0.0123456789012345678;
  o.schedule.kind = ScheduleKind::kInvSqrt;
  o.schedule.unit = ScheduleUnit::kIteration;
  o.schedule.milestones = {};
  o.schedule.factor = 123456789.0;
  o.schedule.warmup = 1000000;
  o.early.enabled = false;
  o.early.monitor = Monitor::kValLoss;
  o.early.patience = 1;
  o.early.min_delta = 0.0;
  o.epochs = 1;
  o.batch_size = 1;
  o.seed = std::numeric_limits<int64_t>::max();
  o.threads = 16;
  o.max_seconds = 3600.0;
  o.evaluate_test = false;

  for (const TrainOptions& opt : {o, TrainOptions{}}) {
    const std::string text = to_toml(opt);
    INFO(text);
    TrainConfig c;
    Status st = c.load_text(text, "round-trip");
    INFO((st.ok() ? "" : st.error().str()));
    REQUIRE(st.ok());
    Result<TrainOptions> back = c.finish();
    REQUIRE(back.ok());
    CHECK(diff(*back, opt) == "");
  }

  // A cnn with hidden layers keeps them: to_toml writes hidden explicitly.
  TrainOptions cnn;
  cnn.model.arch = Arch::kCnn;
  cnn.model.hidden = {64};
  TrainConfig c;
  REQUIRE(c.load_text(to_toml(cnn), "cnn").ok());
  CHECK(c.finish()->model.hidden == std::vector<int>{64});
}

TEST_CASE("to_toml writes every key in train_keys() order", "[config]") {
  const std::string text = to_toml(TrainOptions{});
  CHECK_THAT(text, Catch::StartsWith("[train]\n"));
  CHECK_THAT(text, Catch::Contains("\nlr = 0.05\n"));
  CHECK_THAT(text, Catch::Contains("\noptimizer = \"momentum\"\n"));
  CHECK_THAT(text, Catch::Contains("\nhidden = [256, 256]\n"));
  CHECK_THAT(text, Catch::Contains("\nmax_seconds = 0.0\n"));
  size_t pos = 0;
  for (const KeyInfo& k : train_keys()) {
    const std::string key = k.key;
    const size_t at = text.find("\n" + key + " = ");
    if (key == "depth" || key == "width") {
      CHECK(at == std::string::npos);
      continue;
    }
    INFO(key);
    REQUIRE(at != std::string::npos);
    CHECK(at >= pos);
    pos = at;
  }
}

TEST_CASE("train_keys lists every key with its type and default", "[config]") {
  std::set<std::string> seen;
  const std::set<std::string> types = {"float", "int", "string", "path", "bool", "int list"};
  for (const KeyInfo& k : train_keys()) {
    INFO(k.key);
    CHECK(seen.insert(k.key).second);
    CHECK(types.count(k.type) == 1);
    CHECK_THAT(std::string(k.help), Catch::Contains("(default "));
  }
  CHECK(seen.size() == 54);
  for (const KeyInfo& k : train_keys()) {
    if (std::string(k.key) == "lr") {
      CHECK_THAT(std::string(k.help), Catch::EndsWith("(default 0.05)"));
    }
    if (std::string(k.key) == "hidden") {
      CHECK_THAT(std::string(k.help), Catch::EndsWith("(default [256, 256])"));
    }
  }
}

TEST_CASE("text() keeps the files and set() flags as given", "[config]") {
  TrainConfig c;
  const std::string file = "# my sweep\n[train]\nlr = 0.2\nepochs = 4";
  REQUIRE(c.load_text(file, "a.toml").ok());
  REQUIRE(c.set("optimizer=adam").ok());
  REQUIRE(c.set("hidden=[512,256]").ok());
  CHECK(c.text() ==
        "# file: a.toml\n" + file + "\n# --set optimizer=adam\n# --set hidden=[512,256]\n");

  // One file plus --set comments is still the same TOML document.
  TrainConfig again;
  REQUIRE(again.load_text(c.text(), "text").ok());
  Result<TrainOptions> r = again.finish();
  REQUIRE(r.ok());
  CHECK(r->lr == 0.2);
  CHECK(r->epochs == 4);
}

TEST_CASE("load_file reads files and reports unreadable ones", "[config]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hs_config_test." + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "sweep.toml";
  {
    std::ofstream out(path);
    out << "[train]\nlr = 0.25\n\nbatch_size = 12.5\n";
  }
  TrainConfig c;
  Status st = c.load_file(path.string());
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().file == path.string());
  CHECK(st.error().line == 4);
  CHECK(st.error().key == "batch_size");
  {
    std::ofstream out(path);
    out << "[train]\nlr = 0.25\n";
  }
  REQUIRE(c.load_file(path.string()).ok());
  CHECK(c.finish()->lr == 0.25);
  CHECK_THAT(c.text(), Catch::Contains("# file: " + path.string() + "\n[train]\nlr = 0.25\n"));

  st = c.load_file((dir / "missing.toml").string());
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().file == (dir / "missing.toml").string());
  CHECK_THAT(st.error().message, Catch::Contains("No such file"));

  st = c.load_file(dir.string());
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("cannot read"));
  fs::remove_all(dir);
}

}  // namespace hs
