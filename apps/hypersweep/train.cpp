// train.cpp: `hypersweep train`: one configuration trained, a line per epoch.
#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/sweep_config.h"
#include "core/text.h"
#include "data/load.h"
#include "exec/launch.h"
#include "hypersweep/commands.h"
#include "hypersweep/sweep_options.h"
#include "nn/model.h"
#include "train/device.h"
#include "train/trainer.h"

namespace hs::cli {

namespace {

std::string keys_help() {
  std::string s = "Trainer keys (in the [train] table of a config file, or --set key=value):\n";
  for (const auto& k : train_keys()) s += fmt::format("  {:<18} {:<9} {}\n", k.key, k.type, k.help);
  return s;
}

std::string percent(double v) { return std::isnan(v) ? "   n/a" : fmt::format("{:6.2f}%", 100 * v); }
// A loss: "nan" whatever its sign bit (a diverged epoch's, or none measured).
std::string loss(double v) { return std::isnan(v) ? "nan" : fmt::format("{:.4f}", v); }

struct TrainArgs {
  std::string config;
  std::vector<std::string> sets;
  int threads = -1;
  bool print_config = false;
  bool list_keys = false;
  bool quiet = false;
};

// train trains a file's [train] table. A sweep file's other tables are checked as `run` checks
// them, so a typo there does not pass unseen, and a command's sweep, which has no network to
// train, is refused. A file without [train] is said to train the defaults.
Status check_file_tables(const TrainConfig& cfg, const std::string& path) {
  const auto& t = cfg.tables();
  if (const auto o = t.find("objective"); o != t.end())
    return Error{path, o->second, "objective",
                 "this sweep's trials run a command, and train trains the built-in network: "
                 "hypersweep run " + shell_word(path) + " runs them"};
  if (t.count("sweep") || t.count("space") || t.count("pruner")) {
    if (auto sweep = load_sweep(path); !sweep) return sweep.error();
    fmt::print(stderr,
               "hypersweep: note: {} is a sweep file: train trains its [train] table alone "
               "(hypersweep run {} runs the sweep)\n",
               path, shell_word(path));
  } else if (!t.count("train")) {
    fmt::print(stderr, "hypersweep: note: {} has no [train] table: the defaults are trained\n",
               path);
  }
  return Status::Ok();
}

// Under mpirun with several ranks each would train the same configuration: refused, said once.
int refuse_ranks() {
  if (launched_rank() == 0)
    fail(make_error("", "train trains one configuration in one process, and under mpirun each of "
                        "the " + std::to_string(launched_ranks()) + " ranks would train the same: "
                        "run it without mpirun (hypersweep run runs a sweep under mpirun)"));
  return kExitConfig;
}

// A device that cannot be used, said before the data set is loaded (minutes, for some).
Status device_usable(const TrainOptions& opt) {
  if (opt.device == Device::kCpu) return Status::Ok();
  if (std::string why = device_problem(opt.device); !why.empty())
    return Error{{}, 0, "device", why};
  return Status::Ok();
}

// The config file (checked as check_file_tables says), then --set and --threads on top.
Status read_config(const TrainArgs& a, TrainConfig* cfg) {
  if (!a.config.empty()) {
    if (auto st = cfg->load_file(a.config); !st) return st;
    if (auto st = check_file_tables(*cfg, a.config); !st) return st;
  }
  if (auto st = apply_sets(*cfg, a.sets); !st) return st;
  if (a.threads >= 0) return cfg->set_value("threads", int64_t{a.threads}, {"--threads", 0});
  return Status::Ok();
}

// The batch as train() runs it: one larger than the training set is the whole set, said so.
std::string batch_text(int batch_size, int64_t train_samples) {
  if (batch_size <= train_samples) return std::to_string(batch_size);
  return fmt::format("{} (batch_size {}: the whole training set)", train_samples, batch_size);
}

int run_train(const TrainArgs& a) {
  if (a.list_keys) {
    std::fputs(keys_help().c_str(), stdout);
    return 0;
  }
  if (launched_ranks() > 1) return refuse_ranks();
  TrainConfig cfg;
  if (auto st = read_config(a, &cfg); !st) return fail(st.error());
  auto opt = cfg.finish();
  if (!opt) return fail(opt.error());
  for (const std::string& w : cfg.unused_warnings(*opt))
    std::fprintf(stderr, "hypersweep: warning: %s\n", w.c_str());
  if (a.print_config) {
    std::fputs(to_toml(*opt).c_str(), stdout);
    return 0;
  }

  if (Status st = device_usable(*opt); !st) return fail(cfg.locate(st.error()));
  const auto t0 = std::chrono::steady_clock::now();
  auto data = load_data(opt->data);
  if (!data) return fail(cfg.locate_data_error(data.error()));
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Dataset& f = *data->train.data;
  // A skipped header shows, so a data row taken for one (a non-numeric field) does not go unseen.
  fmt::print(
      "data: {} ({}{}): {} train, {} validation, {} test samples, {}x{}x{}, {} classes, "
      "normalize {} (loaded in {:.1f} s)\n",
      data_source_name(opt->data.source),
      opt->data.source == DataSource::kSynthetic ? "generated" : opt->data.path,
      f.header_line > 0 ? fmt::format(", header on line {}", f.header_line) : "", data->train.size(),
      data->val.size(), data->test.size(), f.height, f.width, f.channels, f.num_classes,
      data->normalization, load_s);
  auto net = network_for(*opt, *data);
  if (!net) return fail(cfg.locate(net.error()));
  fmt::print("model: {}\n{}", arch_name(opt->model.arch), describe(*net));
  fmt::print("optimizer: {}, lr {:g}, schedule {}, weight decay {:g}, batch {}, {}, "
             "seed {}{}\n",
             optimizer_name(opt->optim.kind), opt->lr, schedule_name(opt->schedule.kind),
             opt->optim.weight_decay, batch_text(opt->batch_size, data->train.size()),
             counted(opt->epochs, "epoch"), opt->seed,
             opt->early.enabled ? fmt::format(", early stopping on {} (patience {})",
                                              monitor_name(opt->early.monitor),
                                              opt->early.patience)
                                : "");
  std::fflush(stdout);

  double before = 0;  // seconds at the end of the previous epoch
  auto on_epoch = [&](const TrialRecord& so_far) {
    const EpochRow& r = so_far.curves.back();
    const double seconds = r.seconds - before;
    before = r.seconds;
    if (a.quiet) return true;
    std::string ratios;
    for (double v : so_far.update_ratio.back()) ratios += fmt::format(" {:.1e}", v);
    fmt::print("epoch {:3}/{}  lr {:.3e}  train loss {} acc {}  val loss {} acc {}  "
               "{:5.1f}s  update/weight{}\n",
               r.epoch, opt->epochs, r.lr, loss(r.train_loss), percent(r.train_acc),
               loss(r.val_loss), percent(r.val_acc), seconds, ratios);
    std::fflush(stdout);
    return true;
  };
  auto res = train(*opt, *data, on_epoch);
  if (!res) return fail(cfg.locate(res.error()));
  const TrialRecord& rec = res->record;
  fmt::print("stopped: {} ({})\n", status_name(rec.status), res->reason);
  if (rec.best_epoch > 0) {
    const EpochRow& best = rec.curves[static_cast<size_t>(rec.best_epoch - 1)];
    const std::string test = opt->evaluate_test
                                 ? fmt::format("test acc {} test loss {} (best checkpoint",
                                               percent(rec.test_acc), loss(res->test_loss))
                                 : std::string("no test pass (evaluate_test = false");
    fmt::print("best epoch {}: val acc {} val loss {}; {}, {:.1f} s in all)\n", rec.best_epoch,
               percent(best.val_acc), loss(best.val_loss), test, rec.seconds);
  } else {
    fmt::print("no epoch ended with a validation result, so there is no checkpoint to test "
               "({:.1f} s)\n", rec.seconds);
  }
  return 0;
}

}  // namespace

void add_train(CLI::App& app, Runner* run) {
  auto a = std::make_shared<TrainArgs>();
  auto* train = app.add_subcommand(
      "train",
      "Train one configuration and print a line per epoch.\n"
      "With no CONFIG it trains the built-in default: a 784-256-256-10 MLP on Fashion-MNIST\n"
      "(SGD momentum 0.9, lr 0.05, batch 128, 10 epochs, early stopping on val_acc).\n"
      "Examples:\n"
      "  hypersweep train configs/mlp_fashion.toml\n"
      "  hypersweep train configs/cnn_fashion.toml --set lr=0.02 --set epochs=3\n"
      "  hypersweep train --set optimizer=adam --set lr=1e-3 --set schedule=cosine\n"
      "  hypersweep train --list-keys");
  train->add_option("config", a->config, "TOML file with a [train] table")->check(CLI::ExistingFile);
  add_set_option(train, &a->sets, "");
  train->add_option("--threads,-j", a->threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)")
      ->check(whole_in(0, kMaxThreads));
  train->add_flag("--print-config", a->print_config, "Print the resolved configuration and exit");
  train->add_flag("--list-keys", a->list_keys, "List every trainer key with its meaning and exit");
  train->add_flag("--quiet,-q", a->quiet, "No per-epoch lines");
  train->footer(keys_help());

  train->callback([run, a] { *run = [a] { return run_train(*a); }; });
}

}  // namespace hs::cli
