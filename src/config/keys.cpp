// keys.cpp: the trainer key table (keys.h): how values print as TOML, the typed setters with
// their checks, one row per key (specs()), and the suggestions for unknown keys.
#include "config/keys.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "core/fpu.h"
#include "core/text.h"

namespace hs::config_internal {
namespace {

// ---- rendering values ------------------------------------------------------------------------

// Shortest text that reads back to the same double, exponent without leading zeros (1e-8).
std::string number_text(double d) {
  std::string s = shortest(d);
  if (size_t e = s.find('e'); e != std::string::npos) {
    size_t digits = e + 1;
    if (digits < s.size() && (s[digits] == '-' || s[digits] == '+')) ++digits;
    while (digits + 1 < s.size() && s[digits] == '0') s.erase(digits, 1);
  }
  return s;
}

// A TOML float: like number_text, with ".0" added where it would otherwise read as an integer.
std::string float_text(double d) {
  std::string s = number_text(d);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

// A TOML basic string (core/text.h: quoted).
std::string quote(std::string_view s) { return quoted(s); }

// A value as TOML text; used both in messages ("got ...") and by to_toml.
std::string render(const ConfigValue& v) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return float_text(d); }
    std::string operator()(const std::string& s) const { return quote(s); }
    std::string operator()(const std::vector<int64_t>& list) const {
      std::string s = "[";
      for (size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + std::to_string(list[i]);
      return s + "]";
    }
  };
  return std::visit(Visitor{}, v);
}

namespace {

// A value as a message shows it: render()ed and clipped().
std::string shown(const ConfigValue& v) { return clipped(render(v)); }

std::string type_error(const char* expected, const ConfigValue& v) {
  return std::string("expected ") + expected + ", got " + shown(v);
}

// ---- typed setters: each returns "" on success or the message, and writes only on success --

struct FloatRange {
  double lo, hi;
  bool lo_open, hi_open;
};
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr FloatRange kPositive{0, kInf, true, false};
constexpr FloatRange kNonNegative{0, kInf, false, false};
constexpr FloatRange kOpenUnit{0, 1, true, true};
constexpr FloatRange kUnitLeftClosed{0, 1, false, true};

std::string range_text(const FloatRange& r) {
  if (r.hi == kInf) {
    return std::string(r.lo_open ? "must be > " : "must be >= ") + number_text(r.lo);
  }
  return std::string("must be in ") + (r.lo_open ? "(" : "[") + number_text(r.lo) + ", " +
         number_text(r.hi) + (r.hi_open ? ")" : "]");
}

bool in_range(double d, const FloatRange& r) {
  const bool low = r.lo_open ? !(d > r.lo) : !(d >= r.lo);
  const bool high = r.hi_open ? !(d < r.hi) : !(d <= r.hi);
  return !low && !high;
}

std::string set_float(const ConfigValue& v, double* out, const FloatRange& r) {
  double d;
  if (const auto* f = std::get_if<double>(&v)) {
    d = *f;
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    d = static_cast<double>(*i);
  } else {
    return type_error("a number", v);
  }
  if (!std::isfinite(d)) return "must be a finite number, got " + shown(v);
  if (!in_range(d, r)) return range_text(r) + ", got " + shown(v);
  *out = d;
  return {};
}

// set_float for a key the trainer computes with as a float32 (the lr, the optimiser's constants,
// dropout, init_scale): core/fpu.h's float32_problem.
std::string set_float32(const ConfigValue& v, double* out, const FloatRange& r) {
  double d = 0;
  if (std::string msg = set_float(v, &d, r); !msg.empty()) return msg;
  if (std::string msg = float32_problem(d, shown(v)); !msg.empty()) return msg;
  // The range again on the float the trainer uses: 0.99999999 is in [0, 1), but is 1 as a float,
  // which froze adam's weights (beta1) or dropped every unit (dropout).
  if (!in_range(static_cast<float>(d), r)) {
    return range_text(r) + " as the float32 the trainer computes with, got " + shown(v) +
           ", which rounds to " + shortest_float32(static_cast<float>(d));
  }
  *out = d;
  return {};
}

// The largest value of T that a TOML integer (int64) can carry.
template <class T>
constexpr int64_t int_cap() {
  return std::numeric_limits<T>::max() > static_cast<uint64_t>(INT64_MAX)
             ? INT64_MAX
             : static_cast<int64_t>(std::numeric_limits<T>::max());
}

template <class T>
std::string set_int(const ConfigValue& v, T* out, int64_t lo, int64_t hi = int_cap<T>()) {
  const auto* i = std::get_if<int64_t>(&v);
  if (!i) return type_error("an integer", v);
  if (*i < lo || *i > hi) {
    if (hi == int_cap<T>()) {
      return (*i < lo ? "must be >= " + std::to_string(lo) : "must be <= " + std::to_string(hi)) +
             ", got " + shown(v);
    }
    return "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + shown(v);
  }
  *out = static_cast<T>(*i);
  return {};
}

// A single integer stands for a one-element list (--set milestones=30).
template <class T>
std::string set_int_list(const ConfigValue& v, std::vector<T>* out, int64_t lo, bool increasing) {
  std::vector<int64_t> list;
  if (const auto* l = std::get_if<std::vector<int64_t>>(&v)) {
    list = *l;
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    list = {*i};
  } else {
    return type_error("a list of integers", v);
  }
  for (size_t k = 0; k < list.size(); ++k) {
    if (list[k] < lo) return "every entry must be >= " + std::to_string(lo) + ", got " + shown(v);
    if (list[k] > int_cap<T>()) {
      return "every entry must be <= " + std::to_string(int_cap<T>()) + ", got " + shown(v);
    }
    if (increasing && k > 0 && list[k] <= list[k - 1]) {
      return "must be strictly increasing, got " + shown(v);
    }
  }
  out->assign(list.begin(), list.end());
  return {};
}

std::string set_string(const ConfigValue& v, std::string* out, bool non_empty) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) return type_error("a string", v);
  if (non_empty && s->empty()) return "must not be empty";
  *out = *s;
  return {};
}

// A 0-based index may come as a TOML integer (label_column = 3); it is kept as its digits.
// A negative index given as text (--set label_column=-1 keeps its text) is refused as the same
// integer in the file is, not looked for as a header name.
std::string set_label_column(const ConfigValue& v, std::string* out) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    if (*i < 0) return "a column index must be >= 0, got " + shown(v);
    *out = std::to_string(*i);
    return {};
  }
  const auto* s = std::get_if<std::string>(&v);
  if (s && s->size() > 1 && (*s)[0] == '-' &&
      std::all_of(s->begin() + 1, s->end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "a column index must be >= 0, got " + *s;
  return set_string(v, out, true);
}

std::string set_bool(const ConfigValue& v, bool* out) {
  const auto* b = std::get_if<bool>(&v);
  if (!b) return type_error("true or false", v);
  *out = *b;
  return {};
}

// REQUIRES: E's enumerators are 0 .. count-1.
template <class E>
std::string set_enum(const ConfigValue& v, E* out, const char* what,
                     bool (*parse)(std::string_view, E*), const char* (*name)(E), int count) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s) return type_error("a string", v);
  E e{};
  if (parse(*s, &e)) {
    *out = e;
    return {};
  }
  std::string choices;
  for (int k = 0; k < count; ++k) choices += (k ? ", " : "") + std::string(name(static_cast<E>(k)));
  return std::string("unknown ") + what + " " + clipped(quote(*s)) + " (choose " + choices + ")";
}

std::vector<int64_t> to_list(const std::vector<int>& v) { return {v.begin(), v.end()}; }

}  // namespace

// ---- the key table ---------------------------------------------------------------------------

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kFloat: return "float";
    case Kind::kInt: return "int";
    case Kind::kString: return "string";
    case Kind::kPath: return "path";
    case Kind::kBool: return "bool";
    case Kind::kIntList: return "int list";
  }
  return "?";
}

const char* kind_expected(Kind k) {
  switch (k) {
    case Kind::kFloat: return "a number";
    case Kind::kInt: return "an integer";
    case Kind::kString: return "a string";
    case Kind::kPath: return "a string";
    case Kind::kBool: return "true or false";
    case Kind::kIntList: return "a list of integers";
  }
  return "?";
}

// clang-format off
const std::vector<KeySpec>& specs() {
  static const std::vector<KeySpec> table = {
    // data
    {"dataset", Kind::kString, "data source: fashion_mnist, csv, hdf5 or synthetic",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->data.source, "dataset", parse_data_source, data_source_name,
                       4); },
     [](const TrainOptions& o) -> ConfigValue { return data_source_name(o.data.source); }},
    {"data_path", Kind::kPath, "fashion_mnist: directory of the IDX files; csv, hdf5: the file; "
                               "relative to the config file's folder",
     [](Fields& f, const ConfigValue& v) { return set_string(v, &f.opt->data.path, true); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.path; }},
    {"test_path", Kind::kPath, "csv, hdf5: held-out test file, relative to the config file's "
                               "folder; \"\" to hold out test_fraction",
     [](Fields& f, const ConfigValue& v) { return set_string(v, &f.opt->data.test_path, false); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.test_path; }},
    {"val_fraction", Kind::kFloat, "fraction of the training samples held out for validation, "
                                   "in (0, 1)",
     [](Fields& f, const ConfigValue& v) {
       return set_float(v, &f.opt->data.val_fraction, kOpenUnit); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.val_fraction; }},
    {"test_fraction", Kind::kFloat, "csv, hdf5 without test_path: fraction held out, in (0, 1)",
     [](Fields& f, const ConfigValue& v) {
       return set_float(v, &f.opt->data.test_fraction, kOpenUnit); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.test_fraction; }},
    {"train_limit", Kind::kInt, "use only the first N training-file samples, 0 for all",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->data.train_limit, 0); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.train_limit; }},
    {"test_limit", Kind::kInt, "use only the first N test samples, 0 for all",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->data.test_limit, 0); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.test_limit; }},
    {"label_column", Kind::kString, "csv: the label's column: last, first, a 0-based index, or "
                                    "a header name",
     [](Fields& f, const ConfigValue& v) { return set_label_column(v, &f.opt->data.label_column); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.label_column; }},
    {"h5_inputs", Kind::kString, "hdf5: the inputs' data set, [N, D] or 4-D (see layout)",
     [](Fields& f, const ConfigValue& v) { return set_string(v, &f.opt->data.h5_inputs, true); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.h5_inputs; }},
    {"h5_labels", Kind::kString, "hdf5: the labels' data set, integers [N]",
     [](Fields& f, const ConfigValue& v) { return set_string(v, &f.opt->data.h5_labels, true); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.h5_labels; }},
    {"layout", Kind::kString, "hdf5: a 4-D input's axes: nhwc ([N, H, W, C]) or nchw ([N, C, H, "
                              "W], PyTorch's)",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->data.layout, "layout", parse_layout, layout_name, 2); },
     [](const TrainOptions& o) -> ConfigValue { return layout_name(o.data.layout); }},
    {"normalize", Kind::kString, "inputs per channel, from the training split's statistics: "
                                 "standard, minmax, none, or auto (minmax for integer inputs "
                                 "such as uint8 pixels, else none)",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->data.normalize, "normalize", parse_normalize, normalize_name,
                       4); },
     [](const TrainOptions& o) -> ConfigValue { return normalize_name(o.data.normalize); }},
    {"split_seed", Kind::kInt, "seeds the train/validation/test split (not the training), >= 0",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->data.split_seed, 0); },
     [](const TrainOptions& o) -> ConfigValue {
       return static_cast<int64_t>(o.data.split_seed); }},
    {"synthetic_samples", Kind::kInt, "synthetic: training-file samples, 16 to 2147483647",
     [](Fields& f, const ConfigValue& v) {
       return set_int(v, &f.opt->data.synthetic_samples, 16, INT32_MAX); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.synthetic_samples; }},
    {"synthetic_classes", Kind::kInt, "synthetic: number of classes, 2 to 1000",
     [](Fields& f, const ConfigValue& v) {
       return set_int(v, &f.opt->data.synthetic_classes, 2, 1000); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.data.synthetic_classes}; }},
    {"synthetic_size", Kind::kInt, "synthetic: images are size x size x 1, size 2 to 256",
     [](Fields& f, const ConfigValue& v) {
       return set_int(v, &f.opt->data.synthetic_size, 2, 256); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.data.synthetic_size}; }},
    {"synthetic_noise", Kind::kFloat, "synthetic: noise standard deviation, >= 0",
     [](Fields& f, const ConfigValue& v) {
       return set_float(v, &f.opt->data.synthetic_noise, kNonNegative); },
     [](const TrainOptions& o) -> ConfigValue { return o.data.synthetic_noise; }},
    // model
    {"arch", Kind::kString, "network: mlp or cnn",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->model.arch, "arch", parse_arch, arch_name, 2); },
     [](const TrainOptions& o) -> ConfigValue { return arch_name(o.model.arch); }},
    {"hidden", Kind::kIntList, "widths of the hidden dense layers, each > 0; a cnn's default is []",
     [](Fields& f, const ConfigValue& v) {
       return set_int_list(v, &f.opt->model.hidden, 1, false); },
     [](const TrainOptions& o) -> ConfigValue { return to_list(o.model.hidden); }},
    {"depth", Kind::kInt, "number of hidden dense layers, >= 0; sets hidden to depth copies of "
                          "width (else hidden[0], else 256)",
     [](Fields& f, const ConfigValue& v) { return set_int(v, f.depth, 0); },
     nullptr, "from hidden"},
    {"width", Kind::kInt, "width of every hidden dense layer, >= 1",
     [](Fields& f, const ConfigValue& v) { return set_int(v, f.width, 1); },
     nullptr, "from hidden"},
    {"activation", Kind::kString, "relu, tanh or gelu",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->model.activation, "activation", parse_activation,
                       activation_name, 3); },
     [](const TrainOptions& o) -> ConfigValue { return activation_name(o.model.activation); }},
    {"dropout", Kind::kFloat, "drop probability after each hidden dense layer, in [0, 1)",
     [](Fields& f, const ConfigValue& v) {
       return set_float32(v, &f.opt->model.dropout, kUnitLeftClosed); },
     [](const TrainOptions& o) -> ConfigValue { return o.model.dropout; }},
    {"conv_channels", Kind::kIntList, "cnn: output channels of each conv layer, each > 0",
     [](Fields& f, const ConfigValue& v) {
       return set_int_list(v, &f.opt->model.conv_channels, 1, false); },
     [](const TrainOptions& o) -> ConfigValue { return to_list(o.model.conv_channels); }},
    {"kernel_size", Kind::kInt, "cnn: conv kernel size, >= 1",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->model.kernel_size, 1); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.model.kernel_size}; }},
    {"stride", Kind::kInt, "cnn: conv stride, >= 1",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->model.stride, 1); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.model.stride}; }},
    {"padding", Kind::kInt, "cnn: zero padding on each side, >= 0",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->model.padding, 0); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.model.padding}; }},
    {"pool", Kind::kInt, "cnn: max-pool window and stride, >= 1; 1 for no pooling",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->model.pool, 1); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.model.pool}; }},
    {"init", Kind::kString, "weight init: auto (he for relu/gelu, xavier for tanh), he, xavier",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->model.init, "init", parse_init, init_name, 3); },
     [](const TrainOptions& o) -> ConfigValue { return init_name(o.model.init); }},
    {"init_scale", Kind::kFloat, "multiplies the initial weights, > 0",
     [](Fields& f, const ConfigValue& v) {
       return set_float32(v, &f.opt->model.init_scale, kPositive); },
     [](const TrainOptions& o) -> ConfigValue { return o.model.init_scale; }},
    // optimiser
    {"optimizer", Kind::kString, "sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->optim.kind, "optimizer", parse_optimizer, optimizer_name, 7); },
     [](const TrainOptions& o) -> ConfigValue { return optimizer_name(o.optim.kind); }},
    {"lr", Kind::kFloat, "initial learning rate, > 0",
     [](Fields& f, const ConfigValue& v) { return set_float32(v, &f.opt->lr, kPositive); },
     [](const TrainOptions& o) -> ConfigValue { return o.lr; }},
    {"momentum", Kind::kFloat, "momentum, nesterov: velocity decay, in [0, 1)",
     [](Fields& f, const ConfigValue& v) {
       return set_float32(v, &f.opt->optim.momentum, kUnitLeftClosed); },
     [](const TrainOptions& o) -> ConfigValue { return o.optim.momentum; }},
    {"beta1", Kind::kFloat, "adam, adamw: first-moment decay, in [0, 1)",
     [](Fields& f, const ConfigValue& v) {
       return set_float32(v, &f.opt->optim.beta1, kUnitLeftClosed); },
     [](const TrainOptions& o) -> ConfigValue { return o.optim.beta1; }},
    {"beta2", Kind::kFloat, "adam, adamw: second-moment decay, in [0, 1)",
     [](Fields& f, const ConfigValue& v) {
       return set_float32(v, &f.opt->optim.beta2, kUnitLeftClosed); },
     [](const TrainOptions& o) -> ConfigValue { return o.optim.beta2; }},
    {"rms_decay", Kind::kFloat, "rmsprop: squared-gradient decay, in [0, 1)",
     [](Fields& f, const ConfigValue& v) {
       return set_float32(v, &f.opt->optim.rms_decay, kUnitLeftClosed); },
     [](const TrainOptions& o) -> ConfigValue { return o.optim.rms_decay; }},
    {"eps", Kind::kFloat, "adagrad, rmsprop, adam, adamw: added to the denominator, > 0",
     [](Fields& f, const ConfigValue& v) { return set_float32(v, &f.opt->optim.eps, kPositive); },
     [](const TrainOptions& o) -> ConfigValue { return o.optim.eps; }},
    {"weight_decay", Kind::kFloat, "L2 coefficient (decoupled for adamw), >= 0",
     [](Fields& f, const ConfigValue& v) {
       return set_float32(v, &f.opt->optim.weight_decay, kNonNegative); },
     [](const TrainOptions& o) -> ConfigValue { return o.optim.weight_decay; }},
    // schedule
    {"schedule", Kind::kString, "learning-rate schedule: constant, step, cosine, linear, inv_sqrt",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->schedule.kind, "schedule", parse_schedule, schedule_name, 5); },
     [](const TrainOptions& o) -> ConfigValue { return schedule_name(o.schedule.kind); }},
    {"schedule_unit", Kind::kString, "what the schedule counts: epoch or iteration",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->schedule.unit, "schedule_unit", parse_schedule_unit,
                       schedule_unit_name, 2); },
     [](const TrainOptions& o) -> ConfigValue { return schedule_unit_name(o.schedule.unit); }},
    {"milestones", Kind::kIntList, "step: where the lr is multiplied by decay_factor, "
                                   "each > 0, strictly increasing",
     [](Fields& f, const ConfigValue& v) {
       return set_int_list(v, &f.opt->schedule.milestones, 1, true); },
     [](const TrainOptions& o) -> ConfigValue { return o.schedule.milestones; }},
    {"decay_factor", Kind::kFloat, "step: the lr multiplier at each milestone, > 0",
     [](Fields& f, const ConfigValue& v) {
       return set_float(v, &f.opt->schedule.factor, kPositive); },
     [](const TrainOptions& o) -> ConfigValue { return o.schedule.factor; }},
    {"warmup", Kind::kInt,
     "linear warm-up steps in schedule_unit (step t at lr (t + 1) / W: 1 is none), >= 0; below "
     "epochs for epoch",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->schedule.warmup, 0); },
     [](const TrainOptions& o) -> ConfigValue { return o.schedule.warmup; }},
    // loop
    {"epochs", Kind::kInt, "the most epochs to train, >= 1",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->epochs, 1); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.epochs}; }},
    {"batch_size", Kind::kInt, "minibatch size, >= 1",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->batch_size, 1); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.batch_size}; }},
    {"seed", Kind::kInt, "seeds weight init, minibatch order and dropout, >= 0",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->seed, 0); },
     [](const TrainOptions& o) -> ConfigValue { return static_cast<int64_t>(o.seed); }},
    {"threads", Kind::kInt, "OpenMP threads, 0 to 1024; 0 for OMP_NUM_THREADS or all cores",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->threads, 0, kMaxThreads); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.threads}; }},
    {"device", Kind::kString, "where to train: cpu, or cuda (a GPU; a build with CUDA)",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->device, "device", parse_device, device_name, 2); },
     [](const TrainOptions& o) -> ConfigValue { return device_name(o.device); }},
    {"max_seconds", Kind::kFloat, "stop after this many seconds of training, >= 0; 0 for no limit",
     [](Fields& f, const ConfigValue& v) {
       return set_float(v, &f.opt->max_seconds, kNonNegative); },
     [](const TrainOptions& o) -> ConfigValue { return o.max_seconds; }},
    {"evaluate_test", Kind::kBool, "test the best epoch's weights once training ends; false: no "
                                   "test pass (test_acc NaN), for trials that only choose",
     [](Fields& f, const ConfigValue& v) { return set_bool(v, &f.opt->evaluate_test); },
     [](const TrainOptions& o) -> ConfigValue { return o.evaluate_test; }},
    // early stopping
    {"early_stopping", Kind::kBool, "stop when the monitored metric stops improving",
     [](Fields& f, const ConfigValue& v) { return set_bool(v, &f.opt->early.enabled); },
     [](const TrainOptions& o) -> ConfigValue { return o.early.enabled; }},
    {"monitor", Kind::kString, "early stopping metric: val_acc or val_loss",
     [](Fields& f, const ConfigValue& v) {
       return set_enum(v, &f.opt->early.monitor, "monitor", parse_monitor, monitor_name, 2); },
     [](const TrainOptions& o) -> ConfigValue { return monitor_name(o.early.monitor); }},
    {"patience", Kind::kInt, "epochs without improvement before stopping, >= 1",
     [](Fields& f, const ConfigValue& v) { return set_int(v, &f.opt->early.patience, 1); },
     [](const TrainOptions& o) -> ConfigValue { return int64_t{o.early.patience}; }},
    {"min_delta", Kind::kFloat, "an improvement must exceed this, >= 0",
     [](Fields& f, const ConfigValue& v) {
       return set_float(v, &f.opt->early.min_delta, kNonNegative); },
     [](const TrainOptions& o) -> ConfigValue { return o.early.min_delta; }},
  };
  return table;
}
// clang-format on

const KeySpec* find_spec(std::string_view key) {
  for (const KeySpec& s : specs()) {
    if (key == s.key) return &s;
  }
  return nullptr;
}

namespace {

// ---- suggestions for unknown keys ------------------------------------------------------------

std::string normalise(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Names people bring from other tools, too far from ours for the edit distance to find.
constexpr std::pair<const char*, const char*> kAliases[] = {
    {"learning_rate", "lr"},       {"lr0", "lr"},
    {"opt", "optimizer"},          {"bs", "batch_size"},
    {"batch", "batch_size"},       {"n_epochs", "epochs"},
    {"num_epochs", "epochs"},      {"max_epochs", "epochs"},
    {"layers", "hidden"},          {"hidden_sizes", "hidden"},
    {"hidden_layers", "hidden"},   {"num_layers", "depth"},
    {"n_layers", "depth"},         {"wd", "weight_decay"},
    {"l2", "weight_decay"},        {"gamma", "decay_factor"},
    {"lr_decay", "decay_factor"},  {"scheduler", "schedule"},
    {"lr_schedule", "schedule"},   {"warmup_epochs", "warmup"},
    {"warmup_steps", "warmup"},    {"epsilon", "eps"},
    {"path", "data_path"},         {"data_dir", "data_path"},
    {"label", "label_column"},     {"target", "label_column"},
    {"target_column", "label_column"}, {"normalise", "normalize"},
    {"normalization", "normalize"}, {"data_format", "layout"},
    {"data", "dataset"},           {"kernel", "kernel_size"},
    {"channels", "conv_channels"}, {"filters", "conv_channels"},
    {"num_threads", "threads"},    {"time_limit", "max_seconds"},
    {"timeout", "max_seconds"},    {"early_stop", "early_stopping"},
    {"metric", "monitor"},         {"alpha", "rms_decay"},
    {"random_seed", "seed"},       {"dropout_rate", "dropout"},
};

std::vector<std::string_view> key_names() {
  std::vector<std::string_view> names;
  for (const KeySpec& s : specs()) names.push_back(s.key);
  return names;
}

}  // namespace

// " (did you mean "x"?)" or "".
std::string suggestion(std::string_view key, const std::vector<std::string_view>& names,
                       bool aliases) {
  const std::string k = normalise(key);
  if (aliases) {
    for (const auto& [from, to] : kAliases) {
      if (k == from) return std::string(" (did you mean \"") + to + "\"?)";
    }
  }
  std::string_view best;
  size_t best_d = std::numeric_limits<size_t>::max();
  for (std::string_view n : names) {
    const size_t d = edit_distance(k, n);
    if (d < best_d) {
      best_d = d;
      best = n;
    }
  }
  const size_t allowed = k.size() <= 3 ? 1 : k.size() <= 8 ? 2 : 3;
  if (!best.empty() && best_d <= allowed) return " (did you mean \"" + std::string(best) + "\"?)";
  // One name inside the other: "hidden_sizes" -> hidden, "noise" -> synthetic_noise.
  for (std::string_view n : names) {
    if (std::min(k.size(), n.size()) >= 4 &&
        (k.find(n) != std::string::npos || n.find(k) != std::string_view::npos)) {
      return " (did you mean \"" + std::string(n) + "\"?)";
    }
  }
  return {};
}

Error unknown_key(std::string_view key, const ConfigWhere& where) {
  const std::string in = where.file == "--set" ? "" : " in [train]";
  return Error{where.file, where.line, std::string(key),
               "unknown key" + in + suggestion(key, key_names(), true)};
}

}  // namespace hs::config_internal
