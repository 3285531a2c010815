// usage.cpp: which [train] keys a set-up reads (config.h: unused_reason, deciders), the one home
// of that knowledge for `train`'s warnings and for plan and run, which also refuse a [space]
// parameter no trial reads. Each rule names the keys that decide it, so a sweep that searches a
// deciding key (optimizer = ["sgd", "adam"]) is known to use the key in some trials.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/text.h"

namespace hs {
namespace {

struct Usage {
  const char* key;
  std::vector<std::string> deciders;
  // "" when `o` reads the key, else why not (`optimizer is "adam"`).
  std::string (*why_not)(const TrainOptions& o);
};

std::string is(const char* key, const char* value) {
  std::string s = key;
  s += " is ";
  s += quoted(value);
  return s;
}

std::string optimizer_reads(const TrainOptions& o, std::initializer_list<OptimizerKind> kinds) {
  for (OptimizerKind k : kinds)
    if (o.optim.kind == k) return {};
  return is("optimizer", optimizer_name(o.optim.kind));
}

std::string not_step(const TrainOptions& o) {
  return o.schedule.kind == ScheduleKind::kStep ? "" : is("schedule", schedule_name(o.schedule.kind));
}

// A step schedule counted in epochs runs epochs 0 to epochs - 1 and applies milestone m from
// epoch m on (optim/schedule.h), so milestones all at or past `epochs` never change the lr.
// (Counted in iterations, the run's length depends on the data: not judged here.)
std::string no_milestone_in_run(const TrainOptions& o) {
  const ScheduleOptions& s = o.schedule;
  if (s.kind != ScheduleKind::kStep || s.unit != ScheduleUnit::kEpoch) return "";
  for (int64_t m : s.milestones)
    if (m < o.epochs) return "";
  std::string list;
  for (int64_t m : s.milestones) list += (list.empty() ? "" : ", ") + std::to_string(m);
  std::string why = "its milestones (" + list + ") are all at or past epochs = ";
  why += std::to_string(o.epochs);
  why += " (epochs count from 0, and milestone m applies from epoch m on), so the lr never changes";
  return why;
}

std::string not_cnn(const TrainOptions& o) {
  return o.model.arch == Arch::kCnn ? "" : is("arch", arch_name(o.model.arch));
}

// A file's keys: fashion_mnist reads data_path (its folder), csv and hdf5 their files.
std::string synthetic(const TrainOptions& o) {
  return o.data.source == DataSource::kSynthetic ? is("dataset", "synthetic") : "";
}

std::string not_source(const TrainOptions& o, DataSource s) {
  return o.data.source == s ? "" : is("dataset", data_source_name(o.data.source));
}

// csv and hdf5 alone hold out or read a test file; fashion_mnist and synthetic have their own.
std::string no_test_file(const TrainOptions& o) {
  return o.data.source == DataSource::kCsv || o.data.source == DataSource::kHdf5
             ? ""
             : is("dataset", data_source_name(o.data.source));
}

const std::vector<Usage>& usages() {
  using K = OptimizerKind;
  static const std::vector<Usage> table = {
      {"momentum", {"optimizer"},
       [](const TrainOptions& o) { return optimizer_reads(o, {K::kMomentum, K::kNesterov}); }},
      {"beta1", {"optimizer"},
       [](const TrainOptions& o) { return optimizer_reads(o, {K::kAdam, K::kAdamW}); }},
      {"beta2", {"optimizer"},
       [](const TrainOptions& o) { return optimizer_reads(o, {K::kAdam, K::kAdamW}); }},
      {"rms_decay", {"optimizer"},
       [](const TrainOptions& o) { return optimizer_reads(o, {K::kRmsprop}); }},
      {"eps", {"optimizer"},
       [](const TrainOptions& o) {
         return optimizer_reads(o, {K::kAdagrad, K::kRmsprop, K::kAdam, K::kAdamW});
       }},
      // a_t = a0 (t + 1) / W for t < W (optim/schedule.h): one step is the full lr already.
      {"warmup", {"warmup"},
       [](const TrainOptions& o) {
         return o.schedule.warmup == 1 ? std::string("its one step runs at the full lr (step t of "
                                                     "W runs at lr (t + 1) / W): 2 or more ramp up")
                                       : std::string();
       }},
      {"schedule", {"schedule", "milestones", "epochs", "schedule_unit"},
       no_milestone_in_run},
      {"milestones", {"schedule"}, not_step},
      {"decay_factor", {"schedule"}, not_step},
      // Dropout follows each hidden dense layer (nn/model.h): a cnn's default hidden = [] has
      // none, so its curves were the same bits with dropout 0.5 as with 0.
      {"dropout", {"hidden"},
       [](const TrainOptions& o) {
         return o.model.hidden.empty() ? std::string("hidden = [] (dropout follows each hidden "
                                                     "dense layer, and there is none)")
                                       : std::string();
       }},
      // The unit counts the schedule's steps and the warm-up's: a constant lr has neither.
      {"schedule_unit", {"schedule", "warmup"},
       [](const TrainOptions& o) {
         return o.schedule.kind == ScheduleKind::kConstant && o.schedule.warmup == 0
                    ? std::string("schedule is \"constant\" with no warmup (the lr never "
                                  "changes, counted in epochs or in iterations)")
                    : std::string();
       }},
      {"conv_channels", {"arch"}, not_cnn},
      {"kernel_size", {"arch"}, not_cnn},
      {"stride", {"arch"}, not_cnn},
      {"padding", {"arch"}, not_cnn},
      {"pool", {"arch"}, not_cnn},
      {"data_path", {"dataset"}, synthetic},
      {"test_path", {"dataset"}, no_test_file},
      {"test_fraction", {"dataset", "test_path"},
       [](const TrainOptions& o) {
         if (std::string why = no_test_file(o); !why.empty()) return why;
         return o.data.test_path.empty() ? std::string() : "test_path is set";
       }},
      {"label_column", {"dataset"},
       [](const TrainOptions& o) { return not_source(o, DataSource::kCsv); }},
      {"h5_inputs", {"dataset"},
       [](const TrainOptions& o) { return not_source(o, DataSource::kHdf5); }},
      {"h5_labels", {"dataset"},
       [](const TrainOptions& o) { return not_source(o, DataSource::kHdf5); }},
      {"layout", {"dataset"},
       [](const TrainOptions& o) { return not_source(o, DataSource::kHdf5); }},
      {"synthetic_samples", {"dataset"},
       [](const TrainOptions& o) { return not_source(o, DataSource::kSynthetic); }},
      {"synthetic_classes", {"dataset"},
       [](const TrainOptions& o) { return not_source(o, DataSource::kSynthetic); }},
      {"synthetic_size", {"dataset"},
       [](const TrainOptions& o) { return not_source(o, DataSource::kSynthetic); }},
      {"synthetic_noise", {"dataset"},
       [](const TrainOptions& o) { return not_source(o, DataSource::kSynthetic); }},
      // monitor and min_delta choose the best epoch (the checkpoint tested) with or without
      // early stopping; patience only stops.
      {"patience", {"early_stopping"},
       [](const TrainOptions& o) {
         return o.early.enabled ? std::string() : "early_stopping is false";
       }},
  };
  return table;
}

const Usage* find_usage(std::string_view key) {
  for (const Usage& u : usages())
    if (key == u.key) return &u;
  return nullptr;
}

}  // namespace

std::string unused_reason(std::string_view key, const TrainOptions& opt) {
  const Usage* u = find_usage(key);
  return u ? u->why_not(opt) : std::string();
}

std::vector<std::string> deciders(std::string_view key) {
  const Usage* u = find_usage(key);
  return u ? u->deciders : std::vector<std::string>{};
}

}  // namespace hs
