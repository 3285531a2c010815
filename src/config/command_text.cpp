// An [objective] command cut into literal text and {name} placeholders (sweep_config.h:
// split_command), with where /bin/sh would read a placeholder's quoted value as one word.
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "config/sweep_config.h"

namespace hs {

namespace {

// Where /bin/sh stands after the characters of a command given so far: inside '...' (no
// escapes) or "..." (a backslash escapes), outside (a backslash escapes the next character), or
// in a here-document's body (`<<EOF` to a line `EOF`), which the shell reads as text: quotes
// there are written as they are, and with an unquoted delimiter its $(...) runs.
class ShellState {
 public:
  explicit ShellState(const std::string& c) : c_(c) {}

  // Takes character `i` of the command; each once, in order.
  void take(size_t i) {
    const char ch = c_[i];
    if (body_) {
      if (ch == '\n') end_line(i);
      return;
    }
    if (comment_ && ch != '\n') return;  // `# feed <<EOF` is no here-document
    comment_ = false;
    if (escaped_) {
      escaped_ = false;
    } else if (ch == '\\' && open_ != '\'') {
      escaped_ = true;
    } else if (open_ == 0 && (ch == '\'' || ch == '"')) {
      open_ = ch;
      at_ = i + 1;
    } else if (ch == open_) {
      open_ = 0;
    } else if (open_ == 0 && ch == '#' && (i == 0 || std::string(" \t\n;&|(").find(c_[i - 1]) !=
                                                         std::string::npos)) {
      comment_ = true;
    } else if (open_ == 0 && ch == '$' && c_.compare(i, 3, "$((") == 0) {
      ++arith_;  // `$((a<<b))` shifts
    } else if (arith_ > 0 && ch == ')' && c_.compare(i, 2, "))") == 0) {
      --arith_;
    } else if (open_ == 0 && arith_ == 0 && ch == '<' && here_operator(i)) {
      // (`$((1<<3))` shifts: a delimiter is no number)
      Doc d = delimiter(i);
      if (!d.word.empty() && !std::isdigit(static_cast<unsigned char>(d.word[0])))
        pending_.push_back(std::move(d));
    } else if (open_ == 0 && ch == '\n' && !pending_.empty()) {
      next_body(i);
    }
  }

  // Why a value quoted for the shell would not be one word at this point ("" where it is).
  std::string unsafe() const {
    if (body_)
      return "inside the here-document opened at character " + std::to_string(doc_.at) + " (<<" +
             doc_.word + "): the shell reads its lines as text, where a quoted value keeps its " +
             "quotes (and, unless the delimiter is quoted, runs its $(...)); pass it as an " +
             "argument instead, or read HYPERSWEEP_PARAMS in the program";
    if (open_ != 0)
      return "inside the " + std::string(1, open_) + " quote opened at character " +
             std::to_string(at_) + ": hypersweep quotes each value for the shell itself, and a " +
             "value inside your quotes could end them or run $(...)";
    return "";
  }

 private:
  struct Doc {
    std::string word;  // its delimiter, quotes removed
    bool dash = false;  // <<-: the delimiter line's leading tabs are stripped
    size_t at = 0;      // 1-based position of its <<
  };

  // `<<` at i, not `<<<` (a here-string is a word) nor the end of one.
  bool here_operator(size_t i) const {
    return i + 1 < c_.size() && c_[i + 1] == '<' && (i + 2 >= c_.size() || c_[i + 2] != '<') &&
           (i == 0 || c_[i - 1] != '<');
  }

  Doc delimiter(size_t i) const {
    Doc d;
    d.at = i + 1;
    size_t k = i + 2;
    if (k < c_.size() && c_[k] == '-') d.dash = true, ++k;
    while (k < c_.size() && (c_[k] == ' ' || c_[k] == '\t')) ++k;
    for (; k < c_.size() && std::string(" \t\n;|&<>()").find(c_[k]) == std::string::npos; ++k)
      if (c_[k] != '\'' && c_[k] != '"' && c_[k] != '\\') d.word += c_[k];
    return d;
  }

  void next_body(size_t newline) {
    doc_ = pending_.front();
    pending_.erase(pending_.begin());
    body_ = true;
    line_ = newline + 1;
  }

  // A body's line [line_, i) ends: the delimiter's line ends the body.
  void end_line(size_t i) {
    std::string line = c_.substr(line_, i - line_);
    if (doc_.dash) line.erase(0, line.find_first_not_of('\t') == std::string::npos
                                     ? line.size()
                                     : line.find_first_not_of('\t'));
    line_ = i + 1;
    if (line != doc_.word) return;
    body_ = false;
    if (!pending_.empty()) next_body(i);
  }

  const std::string& c_;
  char open_ = 0;      // '\'', '"' or 0
  size_t at_ = 0;      // 1-based position of the opening quote
  bool escaped_ = false;
  std::vector<Doc> pending_;  // here-documents whose bodies start at the next line
  Doc doc_;            // the one whose body this is
  bool body_ = false;
  bool comment_ = false;  // after a `#` that starts a word, to the line's end
  int arith_ = 0;         // inside $(( ... )): `<<` is a shift there
  size_t line_ = 0;    // where the body's current line starts
};

}  // namespace

Result<std::vector<CommandPart>> split_command(const ObjectiveOptions& objective) {
  const std::string& c = objective.command;
  auto fail = [&](const std::string& msg) {
    return Error{objective.file, objective.line, "command", msg};
  };
  std::vector<CommandPart> parts;
  ShellState shell(c);
  auto literal = [&](char ch) {
    if (parts.empty() || parts.back().is_param) parts.push_back({});
    parts.back().text += ch;
  };
  for (size_t i = 0; i < c.size(); ++i) {
    if ((c[i] == '{' || c[i] == '}') && i + 1 < c.size() && c[i + 1] == c[i]) {
      shell.take(i);
      shell.take(++i);
      literal(c[i]);
    } else if (c[i] == '}') {
      return fail("a lone '}' at character " + std::to_string(i + 1) +
                  " (write }} for a literal brace)");
    } else if (c[i] == '{') {
      const size_t close = c.find('}', i + 1);
      if (close == std::string::npos)
        return fail("an unclosed '{' at character " + std::to_string(i + 1) +
                    " (write {{ for a literal brace)");
      const std::string name = c.substr(i + 1, close - i - 1);
      if (!is_identifier(name))
        return fail("{" + name + "} is not a placeholder: it holds a parameter name, an "
                    "identifier (write {{ and }} for literal braces)");
      if (const std::string why = shell.unsafe(); !why.empty())
        return fail("{" + name + "} at character " + std::to_string(i + 1) + " is " + why +
                    "; write {" + name + "} without quotes, outside any here-document");
      parts.push_back({name, true});
      for (; i < close; ++i) shell.take(i);
      shell.take(close);
    } else {
      shell.take(i);
      literal(c[i]);
    }
  }
  return parts;
}

}  // namespace hs
