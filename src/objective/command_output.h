// command_output.h: what the two ways of running an [objective] command share, so that each
// rule has one home: a process per trial (command_objective.h) and a process per worker fed
// trial after trial (worker_objective.h). Internal to objective/.
//
//   - The environment the command gets (command_environment; README, [objective], the table):
//     HYPERSWEEP_WORKER, HYPERSWEEP_LOCAL_WORKER, HYPERSWEEP_MODE ("trial" | "worker"),
//     HYPERSWEEP_METRIC ([sweep] metric: the key the result is read by),
//     OMP_NUM_THREADS (Placement::threads, when > 0), CUDA_VISIBLE_DEVICES (gpus_per_worker > 0:
//     visible_devices()), PYTHONUNBUFFERED=1 (unless set: a Python script's lines as printed),
//     and per trial (not for a worker process, which reads them on stdin)
//     HYPERSWEEP_TRIAL_ID, HYPERSWEEP_ATTEMPT, HYPERSWEEP_SEED (trial_seed32: 0 .. 2^32 - 1,
//     what np.random.seed takes), HYPERSWEEP_SEED64 (trial_seed: the built-in trainer's) and
//     HYPERSWEEP_PARAMS (params_json: the values typed, as a worker gets them on stdin).
//   - One trial's stdout, line by line (TrialOutput): each line that parses (output_protocol.h)
//     and has an `epoch` number is a curve row (epoch, lr, train_loss, train_acc, val_loss,
//     val_acc; seconds since the trial started), reported to TrialHooks::on_epoch at once; its
//     other numeric keys are extra curve columns (TrialRecord::curve_extra_names in first-printed
//     order, NaN where a row lacks one). The result is the LAST line that parses and holds the
//     metric ([sweep] metric, else `metric`), whatever follows it; test_acc is recorded, and its
//     other numeric keys go to TrialRecord::results in printed order (none when the result line
//     is itself an epoch line: its numbers are in the curve). Lines that do not parse but look
//     like metrics (output_protocol.h: looks_like_metrics) are counted; warning() names the
//     count and the first one, and what in it is at fault (a key that is no name, a key given
//     twice). The first in another form (looks_like_metrics_in_another_form: `loss: 0.5`) is
//     named only by take_result() of a trial without a result. An epoch that is not a whole number from 1 to 2^31 - 1 (text such as `1/6`
//     included), or is below the last row's, makes its line unread too (counted the same way,
//     the first named with what is at fault; an epoch 0 with the hint to print epoch + 1): it
//     would be stored as another number, and a pruner would judge the wrong epoch. An epoch
//     line whose metric or fixed column holds text (`val_acc=tensor(0.1000)`; not None or
//     null, which say "no value") is read, that value NaN, and counted too (number_fault):
//     its epoch, and its other values, are still true, but a pruner judges nothing there. Extra columns and
//     results keep at most kMaxExtraNames names of at most kMaxExtraNameBytes bytes each
//     (trial/record.h: what the results file can hold); warning() counts the values not kept.
//   - Logs (TrialLogs): a trial's stdout and stderr into <log_dir>/<stem>.out and .err, each
//     kept to its first kMaxLogBytes, then one line saying how many bytes were dropped.
//
// May depend on: config, trial, core. Thread safety: plain objects, one trial each.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "objective/objective.h"
#include "objective/output_protocol.h"

namespace hs {

// ---- the environment -----------------------------------------------------------------------

// Ours, with the variables above set (any we inherited of those names replaced). `t`: the trial
// of a per-trial command; nullptr for a worker process (HYPERSWEEP_MODE=worker, no per-trial
// variables).
std::vector<std::string> command_environment(const SweepConfig& sweep, const Placement& where,
                                             const Trial* t);

// Trial `t`'s values as a JSON object by parameter name: ints as ints, reals in shortest
// round-trip form with a point or an exponent (a float in Python too), booleans, strings
// escaped. A worker's stdin line carries it; a per-trial command gets it as HYPERSWEEP_PARAMS.
std::string params_json(const SweepConfig& sweep, const Trial& t);

// CUDA_VISIBLE_DEVICES of local worker `local` with `per_worker` devices each: devices
// local*per_worker .. local*per_worker + per_worker - 1 of the node's list, modulo its length
// (so several workers may share a GPU). The node's list: `inherited` (the CUDA_VISIBLE_DEVICES
// this process got, as SLURM sets it under --gres) when non-empty, else 0 .. per_node - 1, else
// (per_node 0) 0, 1, 2, ... without wrapping. REQUIRES: per_worker > 0.
std::string visible_devices(int local, int per_worker, int per_node, const char* inherited);

// ---- one trial's stdout --------------------------------------------------------------------

// Bytes into lines: each complete line (without its end; trailing blanks cut) to `on_line`. A
// line ends at '\n', at "\r\n" (one end), or at a bare '\r': a progress bar (tqdm) or a script
// that prints end="\r" rewrites its line in place, and each of those is a line of its own.
// Longer lines than kMaxLine are cut one byte past it, and kept whole (TrialOutput reads none
// of such a line).
class LineBuffer {
 public:
  static constexpr size_t kMaxLine = 1 << 20;
  void add(std::string_view bytes, const std::function<void(std::string_view)>& on_line);
  // At EOF: an unterminated last line counts.
  void finish(const std::function<void(std::string_view)>& on_line);

 private:
  std::string partial_;
  bool after_cr_ = false;  // the last byte was a '\r' that ended a line: a '\n' now ends none
};

// A line of a command's output as messages quote it: its first 200 bytes (cut between UTF-8
// characters, "..." after a cut) in double quotes, escaped as core/text.h quoted() does, so that
// a NUL, an ESC or a '\r' in it is seen, not obeyed by the terminal or cut by a C string.
std::string quoted_line(std::string_view line);

class TrialOutput {
 public:
  TrialOutput(const SweepConfig& sweep, const TrialHooks& hooks, TrialRecord* rec);
  // One line of stdout. False once hooks.on_epoch has asked to stop; the lines after that one are
  // not read (the trial ends at the epoch it was stopped at, whatever it printed meanwhile).
  bool line(std::string_view line);
  // The curve's seconds count from `t` on (worker mode: a fresh program's `@hypersweep ready`,
  // where the trial's seconds start too).
  void count_from(std::chrono::steady_clock::time_point t) { start_ = t; }
  // Forgets the lines read so far and the curve rows they made (worker mode: what a fresh
  // program printed before its `@hypersweep ready` was its start-up's, not the trial's). An
  // epoch already told to hooks.on_epoch stays told; once one was answered stop, nothing is
  // forgotten (the record keeps the rows the stop was decided on).
  void forget();
  // Whether hooks.on_epoch asked to stop (the command may have ended on its own meanwhile).
  bool stopped() const { return stop_; }
  // At the trial's end: fills the record's best_epoch (the epoch of the row with the best metric: a
  // command may print epochs 2, 4, 6, or two rows of one epoch) and, when a
  // result line holds a finite number for the metric, best_metric, test_acc and results. Returns
  // "" then, else why there is no result (when no line held the metric, naming a key a line
  // printed 1 or 2 edits from it: "a line printed val_ac: a typo?").
  std::string take_result();
  // "" when every line that looked like metrics was read and every name kept, else the warning
  // (one line) naming trial `id`.
  std::string warning(int64_t id) const;

 private:
  void row(const OutputLine& l);
  // What keeps `epoch` (the value of a line's `epoch` key) from being the next curve row's
  // epoch ("epoch 0 is not a whole number from 1: ..."), or "" when it can be.
  std::string epoch_fault(const OutputValue& epoch) const;
  // What is at fault in epoch line `l` under a key read as a number (the fixed columns, the
  // metric's) that holds text ("val_acc \"tensor(0.1000)\" is not a number (a tensor? ...)"),
  // the first in printed order; "" when none does (None and null say "no value": not a fault).
  std::string number_fault(const OutputLine& l) const;
  // Whether extra name `k` can join `names` (or is there already); counts it when not.
  bool keep_name(const std::string& k, const std::vector<std::string>& names);

  const SweepConfig& sweep_;
  const TrialHooks& hooks_;
  TrialRecord* rec_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::vector<double> row_metric_;  // per curve row: the sweep's metric, NaN when it lacks it
  std::string last_;                // the last non-empty line
  std::string result_text_;         // the last line that parses and holds the metric
  OutputLine result_;
  int unread_ = 0;                  // lines that look like metrics but do not parse
  std::string first_unread_;
  std::string first_unread_why_;    // what in it is at fault (read_output_line's why), or ""
  std::string first_other_form_;    // the first line of metrics in another form (`loss: 0.5`)
  std::string first_other_form_why_;
  int bad_epochs_ = 0;              // lines whose epoch cannot be a curve row's
  std::string first_bad_epoch_;
  std::string first_bad_epoch_why_;  // epoch_fault() of it
  int non_numbers_ = 0;              // epoch lines with a number_fault()
  std::string first_non_number_;
  std::string first_non_number_why_;
  std::string near_metric_;  // the first key printed 1 or 2 edits from the metric (val_ac)
  std::vector<std::string> dropped_;  // the first few extra names not kept
  int dropped_count_ = 0;             // values printed under names not kept
  bool stop_ = false;
};

// ---- how a command ended, in words ---------------------------------------------------------

// "the command timed out after 5 s ([objective] timeout) and was killed" (is_lost reads it).
std::string timeout_text(double timeout);
// For `n` > 0 processes that `who` ("trial 7's command") left outside its process group and that
// were ended after it (core/subprocess.h: strays): the words for its log. While `*warned` is
// false, also a warning on stderr (once: a script that does it, does it every trial).
std::string strays_text(int n, const std::string& who, bool* warned);
// Why a wait status is a failure ("the command was killed by SIGKILL", "the command exited with
// status 1"; a shell's 128 + N also says the signal: "the command exited with status 137 (a
// shell's 128 + 9: its program was killed by SIGKILL)"), or "" for exit status 0. `who` names
// the program ("the command").
std::string exit_text(int wait_status, const std::string& who = "the command");

// Whether the sweep is stopping, so that a command that did not complete is interrupted (and
// runs again when the sweep continues) rather than failed: stopped by us, or ended while the
// sweep stops, or dead of a stop signal (core/subprocess.h: kStopSignals, or a shell's exit
// status 128 + one; `wait_status` < 0: not dead) that reaches the sweep within 1 s: a batch
// system signals every process of a job, the command too, which may see it first.
bool sweep_stopping(bool stopped_by_us, int wait_status, const TrialHooks& hooks);

// ---- logs ----------------------------------------------------------------------------------

// Each log file keeps its first kMaxLogBytes bytes; a last line says how many more were dropped.
inline constexpr size_t kMaxLogBytes = size_t{8} << 20;

// One log file, opened at construction (truncated); writes past kMaxLogBytes are counted, not
// kept. Closing (the destructor) adds the dropped-bytes line. A file that cannot be opened keeps
// nothing (open() says why); one whose write fails (a full disk, a file-size limit) keeps what it
// had and says so on stderr once, naming the file, the bytes kept and the error: the trial's
// output is still read, only its log is short.
class LogFile {
 public:
  LogFile() = default;
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;
  Status open(const std::string& path);
  void write(std::string_view bytes);
  void close();

 private:
  std::FILE* f_ = nullptr;
  size_t kept_ = 0, dropped_ = 0;
  std::string path_;
  bool failed_ = false;  // a write failed: nothing more is written
};

// A trial's (or a worker process's start-up) .out and .err.
struct TrialLogs {
  LogFile out, err;
  std::string stem;  // <log_dir>/<name>, absolute; "" when no logs are kept
  // Creates `log_dir` when missing and opens <log_dir>/<name>.out and .err. "" log_dir: nothing
  // kept, no error. Errors: the folder or a file cannot be made, naming it.
  Status open(const std::string& log_dir, const std::string& name);
};

// Opens `logs` as TrialLogs::open does; when they cannot be written (a read-only or full folder,
// a path too long, no file descriptors left), the trial runs without them (logs->stem empty, the
// files closed): a warning on stderr says why, once while `*warned` is false. A trial's logs are
// its program's words, not its result: a folder that cannot keep them failed every trial that
// followed within a second, a sweep lost to its logs.
void open_logs_or_warn(TrialLogs* logs, const std::string& log_dir, const std::string& name,
                       bool* warned);

// The log name of a trial: its id zero-padded to 6 digits like the results file's /trials
// group (000042), with the attempt after a dot when > 1 (000042.2).
std::string trial_log_name(const Trial& t);
// Where a sweep's command trials keep their logs (Placement::log_dir): beside its results file
// <results_path>, as <results_path>.logs.
std::string trial_log_dir(const std::string& results_path);

}  // namespace hs
