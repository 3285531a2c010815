// command_output.cpp: command_output.h, the rules both command modes share.
#include "objective/command_output.h"

#include <sys/stat.h>

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <thread>

#include "core/subprocess.h"
#include "core/text.h"
#include "trial/metric.h"

extern char** environ;

namespace hs {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSetNames[] = {
    "HYPERSWEEP_TRIAL_ID", "HYPERSWEEP_ATTEMPT",      "HYPERSWEEP_SEED",  "HYPERSWEEP_SEED64",
    "HYPERSWEEP_WORKER",   "HYPERSWEEP_LOCAL_WORKER", "HYPERSWEEP_MODE",  "OMP_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES", "HYPERSWEEP_PARAMS",       "HYPERSWEEP_METRIC"};

// Whether "NAME=value" sets one of the variables we set.
bool ours(std::string_view entry) {
  const std::string_view name = entry.substr(0, entry.find('='));
  return std::any_of(std::begin(kSetNames), std::end(kSetNames),
                     [&](const char* n) { return name == n; });
}

// The curve's fixed columns (EpochRow); any other numeric key of an epoch line is an extra one.
bool fixed_column(std::string_view k) {
  for (const char* c : {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"})
    if (k == c) return true;
  return false;
}

// Whether `v` says "no value": Python's None as an f-string prints it, or JSON's null (the
// validation loss of an epoch that ran no validation).
bool no_value(const OutputValue& v) {
  return !v.is_number && (v.text == "None" || v.text == "null");
}

// The key under which a line holds the sweep's metric ([sweep] metric, else `metric`), or ""
// (also where it holds None or null: such a line is no result, the last real value stands).
std::string metric_key(const SweepConfig& sweep, const OutputFields& f) {
  for (const std::string& key : {sweep.metric, std::string("metric")})
    if (const auto v = f.find(key); v != f.end() && !no_value(v->second)) return key;
  return "";
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What to print instead of a value that is no number, when its text tells: a torch tensor's repr
// (`tensor(0.1000)`, what an f-string of a 0-dim tensor prints).
std::string number_hint(std::string_view text) {
  return text.starts_with("tensor(") ? " (a tensor? print .item())" : "";
}

// Whether `key` differs from `metric` by 1 or 2 edits (a letter left out, added or changed),
// and by at most a third of its letters: val_ac for val_acc, not lr for f1.
bool near_name(std::string_view key, std::string_view metric) {
  if (key.size() > metric.size() + 2 || metric.size() > key.size() + 2 || metric.size() > 64)
    return false;
  // Names apart in their digits alone, each with one, are siblings, not typos: top5 beside top1,
  // val_f2 beside val_f1 (val_acc1 for val_acc may be one).
  const auto letters = [](std::string_view n) {
    std::string out;
    for (char c : n)
      if (!std::isdigit(static_cast<unsigned char>(c))) out += c;
    return out;
  };
  if (has_digit(key) && has_digit(metric) && letters(key) == letters(metric)) return false;
  const size_t d = edit_distance(key, metric);
  return d >= 1 && d <= 2 && 3 * d <= metric.size();
}

std::string clip(std::string_view s, size_t n = 200) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, utf8_boundary(s, n))) + "...";
}

// The signal N a shell's exit status 128 + N reports, or 0. /bin/sh (dash) does not exec a
// command's last program: a signal that ends `python3 train.py` (the OOM killer's SIGKILL, a
// batch system's SIGTERM) reaches us as the shell's exit status.
int shell_reported_signal(int ws) {
  if (!WIFEXITED(ws)) return 0;
  const int n = WEXITSTATUS(ws) - 128;
  return n > 0 && n <= SIGRTMAX ? n : 0;
}

bool died_of_stop_signal(int ws) {
  if (ws < 0) return false;
  return is_stop_signal(WIFSIGNALED(ws) ? WTERMSIG(ws) : shell_reported_signal(ws));
}

}  // namespace

// ---- the environment -----------------------------------------------------------------------

std::string visible_devices(int local, int per_worker, int per_node, const char* inherited) {
  std::vector<std::string> list;
  if (inherited != nullptr) {
    std::string_view s(inherited);
    while (!s.empty()) {
      const size_t comma = s.find(',');
      if (const std::string_view d = s.substr(0, comma); !d.empty()) list.emplace_back(d);
      s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    }
  }
  if (list.empty())
    for (int d = 0; d < per_node; ++d) list.push_back(std::to_string(d));
  std::string out;
  for (int k = 0; k < per_worker; ++k) {
    const int64_t at = static_cast<int64_t>(local) * per_worker + k;
    if (k > 0) out += ',';
    out += list.empty() ? std::to_string(at) : list[static_cast<size_t>(at) % list.size()];
  }
  return out;
}

std::vector<std::string> command_environment(const SweepConfig& sweep, const Placement& where,
                                             const Trial* t) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e)
    if (!ours(*e)) env.emplace_back(*e);
  env.push_back("HYPERSWEEP_MODE=" + std::string(t ? "trial" : "worker"));
  env.push_back("HYPERSWEEP_WORKER=" + std::to_string(where.worker));
  env.push_back("HYPERSWEEP_LOCAL_WORKER=" + std::to_string(where.local_worker));
  env.push_back("HYPERSWEEP_METRIC=" + sweep.metric);
  if (where.threads > 0) env.push_back("OMP_NUM_THREADS=" + std::to_string(where.threads));
  // Python buffers a pipe's stdout in 8 KiB blocks: a script's epoch lines would come at its
  // exit, after its pruning answers mattered, and be lost to a timeout's SIGTERM. A value the
  // user set is theirs.
  if (std::getenv("PYTHONUNBUFFERED") == nullptr) env.emplace_back("PYTHONUNBUFFERED=1");
  const ObjectiveOptions& o = sweep.objective;
  const char* inherited = std::getenv("CUDA_VISIBLE_DEVICES");
  if (o.gpus_per_worker > 0) {
    env.push_back("CUDA_VISIBLE_DEVICES=" + visible_devices(where.local_worker, o.gpus_per_worker,
                                                            o.gpus_per_node, inherited));
  } else if (inherited != nullptr) {
    env.push_back(std::string("CUDA_VISIBLE_DEVICES=") + inherited);  // as it was
  }
  if (t != nullptr) {
    env.push_back("HYPERSWEEP_TRIAL_ID=" + std::to_string(t->id));
    env.push_back("HYPERSWEEP_ATTEMPT=" + std::to_string(t->attempt));
    env.push_back("HYPERSWEEP_SEED=" + std::to_string(trial_seed32(sweep, *t)));
    env.push_back("HYPERSWEEP_SEED64=" + std::to_string(trial_seed(sweep, *t)));
    env.push_back("HYPERSWEEP_PARAMS=" + params_json(sweep, *t));
  }
  return env;
}

std::string params_json(const SweepConfig& sweep, const Trial& t) {
  const auto value = [](const ParamValue& v) -> std::string {
    if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    if (const std::string* s = std::get_if<std::string>(&v)) return hs::quoted(*s);
    if (const int64_t* i = std::get_if<int64_t>(&v)) return shortest(*i);
    return shortest_float(std::get<double>(v));
  };
  std::string j = "{";
  for (size_t i = 0; i < sweep.space.params.size() && i < t.values.size(); ++i)
    j += (i ? ", " : "") + hs::quoted(sweep.space.params[i].name) + ": " + value(t.values[i]);
  return j + "}";
}

// ---- one trial's stdout --------------------------------------------------------------------

std::string quoted_line(std::string_view line) { return hs::quoted(clip(line)); }

void LineBuffer::add(std::string_view bytes, const std::function<void(std::string_view)>& on_line) {
  for (char c : bytes) {
    const bool crlf = c == '\n' && after_cr_;  // its '\r' ended the line already
    after_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      if (!crlf) finish(on_line);
    } else if (partial_.size() <= kMaxLine) {  // one byte past: cut (TrialOutput::line)
      partial_ += c;
    }
  }
}

void LineBuffer::finish(const std::function<void(std::string_view)>& on_line) {
  std::string line = std::move(partial_);
  partial_.clear();
  // A cut line keeps its blanks: trimmed, "val_acc=0.9" and a MiB of spaces read as a result.
  while (line.size() <= kMaxLine && !line.empty() && (line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  if (line.find_first_not_of(" \t") != std::string::npos) on_line(line);
}

TrialOutput::TrialOutput(const SweepConfig& sweep, const TrialHooks& hooks, TrialRecord* rec)
    : sweep_(sweep), hooks_(hooks), rec_(rec) {}

bool TrialOutput::line(std::string_view text) {
  if (stop_) return false;
  last_ = std::string(text);
  std::string why;
  // A line longer than LineBuffer::kMaxLine was cut there: what it held past that is unknown
  // (a second metric, a word that unmakes the line), so none of it is read.
  std::optional<OutputLine> l;
  if (text.size() > LineBuffer::kMaxLine) {
    why = "it is longer than 1 MiB, so it was cut there and not read";
  } else {
    l = read_output_line(text, &why);
  }
  if (!l) {
    // A cut line is warned about whatever its first MiB looks like ("xxx... val_acc=0.9" failed
    // its trial with no word of the cut).
    if (text.size() > LineBuffer::kMaxLine || looks_like_metrics(text)) {
      if (unread_++ == 0) {
        first_unread_ = quoted_line(text);
        first_unread_why_ = std::move(why);
      }
    } else if (first_other_form_.empty() && looks_like_metrics_in_another_form(text)) {
      first_other_form_ = quoted_line(text);
      first_other_form_why_ = std::move(why);
    }
    return !stop_;
  }
  // An epoch of None or null, or a word without a digit (`epoch=final`), is none: the line is
  // no curve row, and may be the result line (`{"epoch": null, "val_acc": 0.9}`), as a line
  // without an epoch, in silence. Text with a digit (`epoch=1/6`, "3") was meant as an epoch.
  if (const auto e = l->fields.find("epoch"); e != l->fields.end() && !no_value(e->second) &&
                                              (e->second.is_number || has_digit(e->second.text))) {
    if (std::string why = epoch_fault(e->second); !why.empty()) {
      if (bad_epochs_++ == 0) {
        first_bad_epoch_ = quoted_line(text);
        first_bad_epoch_why_ = std::move(why);
      }
      // A number that is no epoch (0, 1.5, one going back) would be judged at the wrong epoch:
      // the line is not read. Text (`epoch=1/6`, `epoch=final`) is no row but may be the result.
      if (e->second.is_number) return !stop_;
    } else {
      if (std::string why = number_fault(*l); !why.empty() && non_numbers_++ == 0) {
        first_non_number_ = quoted_line(text);
        first_non_number_why_ = std::move(why);
      }
      row(*l);
    }
  }
  if (!metric_key(sweep_, l->fields).empty()) {
    result_text_ = std::string(text);
    result_ = std::move(*l);
  } else if (near_metric_.empty()) {
    const auto near = std::find_if(l->order.begin(), l->order.end(),
                                   [&](const std::string& k) { return near_name(k, sweep_.metric); });
    if (near != l->order.end()) near_metric_ = *near;
  }
  return !stop_;
}

void TrialOutput::forget() {
  if (stop_) return;  // a pruner stopped it at one of those lines: the record shows where
  row_metric_.clear();
  last_.clear();
  result_text_.clear();
  result_ = OutputLine{};
  unread_ = bad_epochs_ = non_numbers_ = dropped_count_ = 0;
  first_unread_.clear();
  first_unread_why_.clear();
  first_other_form_.clear();
  first_other_form_why_.clear();
  first_bad_epoch_.clear();
  first_bad_epoch_why_.clear();
  first_non_number_.clear();
  first_non_number_why_.clear();
  near_metric_.clear();
  dropped_.clear();
  rec_->curves.clear();
  rec_->curve_extra.clear();
  rec_->curve_extra_names.clear();
  rec_->update_ratio.clear();
  rec_->epochs = 0;
}

std::string TrialOutput::epoch_fault(const OutputValue& v) const {
  // Text (`epoch=1/6`, `"epoch": "1"`) is no epoch either: read as none, its line was dropped
  // from the curve in silence, or taken as a result line.
  if (!v.is_number) return "epoch " + hs::quoted(clip(v.text, 40)) + " is not a whole number from 1";
  const double epoch = v.number;
  const bool whole = epoch == std::floor(epoch);
  const std::string as_text =  // 3000000000, not 3e+09: as a script prints a count
      "epoch " + (whole && std::fabs(epoch) < 1e15 ? shortest(static_cast<int64_t>(epoch))
                                                  : shortest(epoch));
  // `for epoch in range(n)` counts from 0: the usual cause, so said.
  if (epoch == 0)
    return as_text + " is not a whole number from 1: epochs count from 1 (print epoch + 1 when "
                     "the loop counts from 0, as range(n) does)";
  if (epoch > std::numeric_limits<int>::max()) return as_text + " is past 2147483647";
  if (!(epoch >= 1) || !whole) return as_text + " is not a whole number from 1";
  if (!rec_->curves.empty() && static_cast<int>(epoch) < rec_->curves.back().epoch)
    return as_text + " is below the epoch before it (" +
           std::to_string(rec_->curves.back().epoch) + ")";
  return "";
}

std::string TrialOutput::number_fault(const OutputLine& l) const {
  const std::string metric = metric_key(sweep_, l.fields);
  for (const std::string& k : l.order) {
    const OutputValue& v = l.fields.at(k);
    if (k == "epoch" || v.is_number || no_value(v) || !(fixed_column(k) || k == metric)) continue;
    return clip(k, 40) + " " + hs::quoted(clip(v.text, 40)) + " is not a number" +
           number_hint(v.text);
  }
  return "";
}

bool TrialOutput::keep_name(const std::string& k, const std::vector<std::string>& names) {
  // HDF5 names a table's column by a C string in UTF-8: "" and a NUL cannot be one, and
  // two names cut at a NUL would be the same (the file could not be written, nor continued).
  const bool storable = !k.empty() && valid_utf8(k) == k;  // (valid_utf8 replaces a NUL)
  if (storable && k.size() <= kMaxExtraNameBytes &&
      (names.size() < kMaxExtraNames || std::find(names.begin(), names.end(), k) != names.end()))
    return true;
  ++dropped_count_;
  if (dropped_.size() < 3 && std::find(dropped_.begin(), dropped_.end(), k) == dropped_.end())
    dropped_.push_back(k);
  return false;
}

void TrialOutput::row(const OutputLine& l) {
  const OutputFields& f = l.fields;
  EpochRow e;
  e.epoch = static_cast<int>(std::lround(number_of(f, "epoch")));
  e.lr = number_of(f, "lr");
  e.train_loss = number_of(f, "train_loss");
  e.train_acc = number_of(f, "train_acc");
  e.val_loss = number_of(f, "val_loss");
  e.val_acc = number_of(f, "val_acc");
  e.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const std::string key = metric_key(sweep_, f);
  row_metric_.push_back(key.empty() ? NAN : number_of(f, key));
  // Extra columns: a new name gets NaN in every earlier row.
  std::vector<std::string>& names = rec_->curve_extra_names;
  std::vector<double> extra(names.size(), NAN);
  for (const std::string& k : l.order) {
    const double v = number_of(f, k);
    if (fixed_column(k) || !f.at(k).is_number || !keep_name(k, names)) continue;
    const auto at = std::find(names.begin(), names.end(), k);
    if (at == names.end()) {
      names.push_back(k);
      for (std::vector<double>& r : rec_->curve_extra) r.push_back(NAN);
      extra.push_back(v);
    } else {
      extra[static_cast<size_t>(at - names.begin())] = v;
    }
  }
  rec_->curve_extra.push_back(std::move(extra));
  rec_->curves.push_back(e);
  rec_->update_ratio.emplace_back();  // no layers: a row of nothing per epoch
  rec_->epochs = e.epoch;  // the epoch reached (a train line and a val line are two rows of one)
  if (hooks_.on_epoch && hooks_.on_epoch(*rec_) == EpochAnswer::kStop) stop_ = true;
}

std::string TrialOutput::take_result() {
  // The best epoch (the epoch number of the row with the best metric), when the rows carry it.
  if (const int best = best_row(sweep_.strategy.direction, row_metric_); best >= 0)
    rec_->best_epoch = rec_->curves[static_cast<size_t>(best)].epoch;
  const std::string how = "print a line such as " + sweep_.metric +
                          "=<value> (k=v pairs) or {\"" + sweep_.metric +
                          "\": <value>} (a flat JSON object); the last such line is the result";
  if (last_.empty()) return "the command printed nothing on stdout; " + how;
  if (result_text_.empty()) {
    const std::string names =
        sweep_.metric == "metric" ? "metric" : sweep_.metric + " or metric";
    std::string typo;
    if (!near_metric_.empty()) {
      const std::string c = clip(near_metric_, 40), q = hs::quoted(c);
      typo = "; a line printed " + (q.size() == c.size() + 2 ? c : q) + ": a typo?";
    }
    if (!first_other_form_.empty())
      typo += "; a line in another form: " + first_other_form_ +
              (first_other_form_why_.empty() ? "" : ", where " + first_other_form_why_);
    return "no line of stdout that parses holds " + names + " (the last line: " +
           quoted_line(last_) + typo + "); " + how;
  }
  const std::string key = metric_key(sweep_, result_.fields);
  const OutputValue& m = result_.fields.at(key);
  if (!m.is_number)
    return "the metric in " + quoted_line(result_text_) + " is not a number" + number_hint(m.text);
  if (!std::isfinite(m.number)) return "the metric is not finite (" + quoted_line(result_text_) + ")";
  rec_->best_metric = m.number;
  rec_->test_acc = number_of(result_.fields, "test_acc");
  if (!std::isfinite(number_of(result_.fields, "epoch"))) {
    std::vector<std::string> kept;
    for (const std::string& k : result_.order) {
      const OutputValue& v = result_.fields.at(k);
      if (k == key || k == "test_acc" || k == "epoch" || !v.is_number || !keep_name(k, kept))
        continue;
      kept.push_back(k);
      rec_->results.emplace_back(k, v.number);
    }
  }
  return "";
}

std::string TrialOutput::warning(int64_t id) const {
  std::vector<std::string> parts;
  if (unread_ > 0) {
    parts.push_back(counted(unread_, "line") +
                    (unread_ == 1 ? " of stdout looks like metrics but was not read (the first: "
                                  : " of stdout look like metrics but were not read (the first: ") +
                    first_unread_ +
                    (first_unread_why_.empty() ? "" : ", where " + first_unread_why_) +
                    "); hypersweep reads a line only when it is all k=v pairs (epoch=1 "
                    "loss=0.5 val_acc=0.3) or one flat JSON object ({\"epoch\": 1, "
                    "\"val_acc\": 0.3})");
  }
  if (bad_epochs_ > 0) {
    parts.push_back(counted(bad_epochs_, "line") + " with an epoch that is not a whole number " +
                    "from 1 to 2147483647, or is below the epoch before it, " +
                    (bad_epochs_ == 1 ? "was" : "were") + " left out of the curve (the first: " +
                    first_bad_epoch_ + ", where " + first_bad_epoch_why_ + ")");
  }
  if (non_numbers_ > 0) {
    parts.push_back(counted(non_numbers_, "epoch line") + " with a value that is not a number " +
                    "where one is read, NaN in the curve (the first: " + first_non_number_ +
                    ", where " + first_non_number_why_ + ")");
  }
  if (dropped_count_ > 0) {
    std::string names;
    for (const std::string& n : dropped_) {  // quoted when it could not be seen plain
      const std::string c = clip(n, 40), q = hs::quoted(c);
      const bool plain = !n.empty() && valid_utf8(n) == n && q.size() == c.size() + 2;
      names += (names.empty() ? "" : ", ") + (plain ? c : q);
    }
    parts.push_back(counted(dropped_count_, "printed value") + " not kept (of " + names +
                    (dropped_count_ > static_cast<int>(dropped_.size()) ? ", ..." : "") +
                    "): a trial keeps at most " + std::to_string(kMaxExtraNames) +
                    " extra curve columns and results, each name at most " +
                    std::to_string(kMaxExtraNameBytes) + " bytes of UTF-8, not empty and "
                    "without a NUL");
  }
  if (parts.empty()) return "";
  std::string out = "trial " + std::to_string(id) + ": ";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out;
}

// ---- how a command ended, in words ---------------------------------------------------------

std::string timeout_text(double timeout) {
  return "the command timed out after " + shortest(timeout) +
         " s ([objective] timeout) and was killed";
}

std::string strays_text(int n, const std::string& who, bool* warned) {
  const std::string text = who + " left " + std::to_string(n) +
                           (n == 1 ? " process" : " processes") +
                           " outside its process group (setsid, a new session); ended after it "
                           "(SIGTERM, then SIGKILL 2 s later)";
  if (!*warned) {
    *warned = true;
    std::fprintf(stderr, "hypersweep: warning: %s (said once; its log says it each time)\n",
                 text.c_str());
  }
  return text;
}

std::string exit_text(int ws, const std::string& who) {
  if (WIFSIGNALED(ws)) return who + " was killed by " + signal_name(WTERMSIG(ws));
  if (!WIFEXITED(ws) || WEXITSTATUS(ws) == 0) return "";
  const int status = WEXITSTATUS(ws);
  std::string text = who + " exited with status " + std::to_string(status);
  // Said as the signal it is, so that is_lost (trial/record.h) runs it again under max_retries,
  // as a signal straight to the shell would.
  if (const int sig = shell_reported_signal(ws))
    text += " (a shell's 128 + " + std::to_string(sig) + ": its program was killed by " +
            signal_name(sig) + ")";
  return text;
}

bool sweep_stopping(bool stopped_by_us, int wait_status, const TrialHooks& hooks) {
  if (stopped_by_us) return true;
  if (!hooks.stop) return false;
  if (hooks.stop()) return true;
  if (!died_of_stop_signal(wait_status)) return false;
  const auto until = Clock::now() + std::chrono::seconds(1);
  while (Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (hooks.stop()) return true;
  }
  return false;
}

// ---- logs ----------------------------------------------------------------------------------

LogFile::~LogFile() { close(); }

Status LogFile::open(const std::string& path) {
  close();
  f_ = std::fopen(path.c_str(), "w");
  if (f_ == nullptr) return make_error(path, std::string("cannot write the log: ") + std::strerror(errno));
  kept_ = dropped_ = 0;
  path_ = path;
  failed_ = false;
  return {};
}

void LogFile::write(std::string_view bytes) {
  if (f_ == nullptr || failed_) return;
  const size_t room = kMaxLogBytes - kept_;
  const size_t n = std::min(room, bytes.size());
  if (n > 0) {
    errno = 0;
    const bool ok = std::fwrite(bytes.data(), 1, n, f_) == n &&
                    std::fflush(f_) == 0;  // so that `hypersweep logs` and tail -f see it as it comes
    if (!ok) {
      failed_ = true;
      std::fprintf(stderr, "hypersweep: warning: %s: the log is cut short after about %zu bytes: %s "
                   "(the trial goes on and its output is still read)\n", path_.c_str(), kept_,
                   errno != 0 ? std::strerror(errno) : "write failed");
      return;
    }
  }
  kept_ += n;
  dropped_ += bytes.size() - n;
}

void LogFile::close() {
  if (f_ == nullptr) return;
  if (dropped_ > 0 && !failed_)
    std::fprintf(f_, "\n[hypersweep: %zu more bytes dropped: a log keeps its first %zu]\n",
                 dropped_, kMaxLogBytes);
  std::fclose(f_);
  f_ = nullptr;
}

namespace {

// A log of the same name from a run before (a trial interrupted and run again as the same
// attempt, a worker's program started by the sweep before it was continued): moved to
// <path>.1 (or .2, ... the first free) so that the new run does not write over it. An empty one
// is written over.
void keep_aside(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return;
  for (int n = 1; n < 1000; ++n) {
    const std::string aside = path + "." + std::to_string(n);
    if (::lstat(aside.c_str(), &st) == 0 || errno != ENOENT) continue;
    if (::rename(path.c_str(), aside.c_str()) == 0) return;
  }
}

}  // namespace

Status TrialLogs::open(const std::string& log_dir, const std::string& name) {
  stem.clear();
  if (log_dir.empty()) return {};
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::absolute(log_dir, ec);
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    return make_error(log_dir, "cannot make the folder for the trials' logs: " +
                                   (ec ? ec.message() : std::string("not a folder")));
  const std::string s = (dir / name).string();
  keep_aside(s + ".out");
  keep_aside(s + ".err");
  if (Status st = out.open(s + ".out"); !st) return st;
  if (Status st = err.open(s + ".err"); !st) return st;
  stem = s;
  return {};
}

void open_logs_or_warn(TrialLogs* logs, const std::string& log_dir, const std::string& name,
                       bool* warned) {
  const Status st = logs->open(log_dir, name);
  if (st) return;
  logs->out.close();
  logs->err.close();
  logs->stem.clear();
  if (*warned) return;
  *warned = true;
  std::fprintf(stderr, "hypersweep: warning: %s: so %s and the trials after it run without their "
               "logs while they cannot be written (their output is still read)\n",
               st.error().str().c_str(), name.c_str());
}

std::string trial_log_dir(const std::string& results_path) { return results_path + ".logs"; }

std::string trial_log_name(const Trial& t) {
  char b[32];
  std::snprintf(b, sizeof b, "%06lld", static_cast<long long>(t.id));
  return t.attempt > 1 ? std::string(b) + "." + std::to_string(t.attempt) : std::string(b);
}

}  // namespace hs
