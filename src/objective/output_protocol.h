// output_protocol.h: how an [objective] command reports to hypersweep, on stdout: lines of
// k=v pairs (`epoch=3 val_acc=0.91`, separated by spaces, tabs or commas) or flat JSON objects
// (`{"epoch": 3, "val_acc": 0.91}`). What the lines mean for a trial is command_objective.h's.
//
// May depend on: core (text.h, reported_nan.h), the standard library. Thread safety: pure
// functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hs {

// One value of an output line: a number, or text (a JSON string, true/false/null, or a k=v value
// that is not a number).
struct OutputValue {
  bool is_number = false;
  // Also inf and nan, as Python prints them; a printed NaN is kReportedNaN (core/reported_nan.h).
  double number = 0;
  std::string text;
};
using OutputFields = std::map<std::string, OutputValue, std::less<>>;

// A stdout line as its fields, or nullopt when it is neither a flat JSON object (string keys;
// numbers, NaN, Infinity, strings, true, false or null as values; no nesting) nor one or more
// k=v pairs (keys [A-Za-z_][A-Za-z0-9_./-]*) separated by spaces, tabs or commas. A key given
// twice makes the line neither (which of its values is meant cannot be told).
std::optional<OutputFields> parse_output_line(std::string_view line);

// The same with the keys in the order the line gives them, for what keeps the printed order
// (extra curve columns, a result's extra values). On nullopt, *why (when not null) says what in
// a line of k=v form is at fault, naming the token or key ("key \"loss\" is given twice"), for
// a warning, and how to write a near miss (`epoch: 1`, `epoch = 1`: "... (a colon for =:
// epoch=1)"); for a line that starts with '{' it says that it is no flat JSON object, or, for
// `{'epoch': 1}`, that it is a Python dict's repr and JSON takes double quotes (json.dumps).
struct OutputLine {
  OutputFields fields;
  std::vector<std::string> order;
};
std::optional<OutputLine> read_output_line(std::string_view line, std::string* why = nullptr);

// Whether a line that parse_output_line() refuses still looks like it reports metrics: it holds
// `name=number`, `"name": number` or `'name': number` (`Epoch 1/3: loss=0.5, val_acc=0.3`, a
// Python dict's repr), so that what a command meant to report and hypersweep could not read is
// said on every trial, not dropped in silence.
bool looks_like_metrics(std::string_view line);
// Whether it holds metrics in another form that scripts print for people: two of `name:
// number` and `name = number` (`epoch: 1 val_acc: 0.5`, Keras's `loss: 0.51 - accuracy:
// 0.82`, a config dump's `step: 100, loss: 0.25`), or one of those alone (`Accuracy: 0.95`), a
// number there being a word of its own (not "Loading data: 100%"; not prose's "ValueError: 3
// is not valid"). Such lines are common beside the ones a script prints for hypersweep, so they
// are named only when a trial has no result (TrialOutput::take_result), as where to look.
bool looks_like_metrics_in_another_form(std::string_view line);

// The number under `key`; NaN (NAN: missing, core/reported_nan.h) when the line has none (or text
// there), kReportedNaN when it printed NaN.
double number_of(const OutputFields& f, std::string_view key);

}  // namespace hs
