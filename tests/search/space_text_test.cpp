// The space as text (search/space_text.h): values, ranges, and the results file's /space
// attributes, written and parsed back.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "search/space_text.h"

using namespace hs;

namespace {
Param range(std::string name, ParamKind kind, double lo, double hi, int64_t grid = 0) {
  Param p;
  p.name = std::move(name), p.kind = kind, p.lo = lo, p.hi = hi, p.grid = grid;
  return p;
}
Param choice(std::string name, std::vector<ParamValue> values, ParamKind kind = ParamKind::kChoice) {
  Param p;
  p.name = std::move(name), p.kind = kind, p.choices = std::move(values);
  return p;
}
Param fixed(std::string name, ParamValue v) { return choice(std::move(name), {std::move(v)}, ParamKind::kFixed); }

// What survives a /space round trip: everything but where the parameter was defined.
void check_same(const Param& a, const Param& b) {
  CHECK(a.name == b.name);
  CHECK(a.kind == b.kind);
  CHECK(a.lo == b.lo);
  CHECK(a.hi == b.hi);
  CHECK(a.log == b.log);
  CHECK(a.grid == b.grid);
  REQUIRE(a.choices.size() == b.choices.size());
  for (size_t i = 0; i < a.choices.size(); ++i) {
    CHECK(a.choices[i].index() == b.choices[i].index());  // int64 1 is not 1.0
    CHECK(a.choices[i] == b.choices[i]);
  }
}
}  // namespace

TEST_CASE("values print as TOML and doubles keep every bit", "[search][space]") {
  CHECK(param_to_string(ParamValue{true}) == "true");
  CHECK(param_to_string(ParamValue{int64_t{-3}}) == "-3");
  CHECK(param_to_string(ParamValue{2.0}) == "2.0");
  CHECK(param_to_string(ParamValue{std::string("a\"b")}) == "\"a\\\"b\"");
  const double x = 0.1 + 0.2;
  CHECK(std::stod(param_to_string(ParamValue{x})) == x);
}

TEST_CASE("a string's control characters print escaped as TOML writes them", "[search][space]") {
  // Printed raw, a newline or a carriage return in a choice broke show's table and run's lines.
  CHECK(param_to_string(ParamValue{std::string("line1\nline2")}) == "\"line1\\nline2\"");
  CHECK(param_to_string(ParamValue{std::string("tab\there")}) == "\"tab\\there\"");
  CHECK(param_to_string(ParamValue{std::string("cr\rhere")}) == "\"cr\\rhere\"");
  CHECK(param_to_string(ParamValue{std::string("bell\a\x7f")}) == "\"bell\\u0007\\u007F\"");
  CHECK(param_to_string(ParamValue{std::string("\b\f")}) == "\"\\b\\f\"");
  // UTF-8 is kept as it is
  CHECK(param_to_string(ParamValue{std::string("caf\xc3\xa9")}) == "\"caf\xc3\xa9\"");
  SearchSpace s;
  s.params = {choice("tag", {std::string("line1\nline2"), std::string("tab\there")})};
  CHECK(describe(s, {std::string("line1\nline2")}) == "tag=\"line1\\nline2\"");
  CHECK(describe_values(s.params[0]) == "[\"line1\\nline2\", \"tab\\there\"]");
}

TEST_CASE("describe_values says what values a parameter takes", "[search][space]") {
  Param logint = range("batch_size", ParamKind::kInt, 16, 256, 3);
  logint.log = true;
  CHECK(describe_values(range("lr", ParamKind::kLogUniform, 1e-4, 0.1)) == "[1e-04, 0.1]");
  CHECK(describe_values(logint) == "[16, 256] log grid 3");
  CHECK(describe_values(choice("optimizer", {std::string("sgd"), std::string("adam")})) ==
        "[\"sgd\", \"adam\"]");
  CHECK(describe_values(fixed("epochs", int64_t{5})) == "5");
}

TEST_CASE("a /space attribute parses back into the parameter it was written from",
          "[search][space]") {
  Param logint = range("batch_size", ParamKind::kInt, 16, 256, 3);
  logint.log = true;
  const double third = 1.0 / 3.0;
  const Param params[] = {
      range("lr", ParamKind::kLogUniform, 1e-4, 0.1),
      range("momentum", ParamKind::kUniform, third, std::nextafter(0.99, 1.0), 5),
      range("depth", ParamKind::kInt, 1, 8),
      logint,
      choice("optimizer", {std::string("sgd, \"fast\""), std::string("a]b\\c"), std::string("")}),
      choice("tag", {std::string("line1\nline2"), std::string("tab\there"), std::string("cr\r"),
                     std::string("\x01\x7f\\n")}),
      choice("mixed", {int64_t{1}, 2.5, int64_t{-3}}),
      choice("flag", {true, false}),
      fixed("epochs", int64_t{5}),
      fixed("name", std::string("run [1], \"x\"")),
      fixed("scale", third),
  };
  for (const Param& p : params) {
    INFO(space_entry(p));
    auto back = parse_space_entry(p.name, space_entry(p));
    REQUIRE(back.ok());
    check_same(p, *back);
  }
  // A file written before control characters were escaped holds them raw: it reads the same.
  auto raw = parse_space_entry("tag", "choice [\"line1\nline2\", \"tab\there\"]");
  REQUIRE(raw.ok());
  CHECK(raw->choices ==
        std::vector<ParamValue>{std::string("line1\nline2"), std::string("tab\there")});
  CHECK(space_entry(params[0]) == "log_uniform [1e-04, 0.1]");
  CHECK(space_entry(params[3]) == "int [16, 256] log grid 3");
}

TEST_CASE("a /space attribute hypersweep did not write is refused, quoted", "[search][space]") {
  for (const char* bad : {"", "uniform", "gaussian [0, 1]", "uniform [0 1]", "uniform [a, 1]",
                          "choice [1, 2", "choice [\"a]", "fixed", "int [1, 4] grid x",
                          "int [1, 4] extra"}) {
    INFO(bad);
    auto p = parse_space_entry("x", bad);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find(std::string("\"") + bad + "\"") != std::string::npos);
  }
}
