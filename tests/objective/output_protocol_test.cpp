// The output protocol of an [objective] command (objective/output_protocol.h): k=v pairs or a
// flat JSON object per line, read strictly.
#include <catch2/catch.hpp>

#include <cmath>

#include "objective/output_protocol.h"

using namespace hs;

TEST_CASE("output lines parse strictly as k=v pairs or a flat JSON object", "[objective][protocol]") {
  auto f = parse_output_line("  epoch=3,lr=1e-3  name=adam,\tval_acc=+0.5 ");
  REQUIRE(f.has_value());
  CHECK(f->size() == 4u);
  CHECK(f->at("epoch").number == 3);
  CHECK(f->at("lr").number == 1e-3);
  CHECK_FALSE(f->at("name").is_number);
  CHECK(f->at("name").text == "adam");
  CHECK(f->at("val_acc").number == 0.5);
  auto j = parse_output_line(R"({"a": -1.5E2, "s": "x\u00e9\n", "t": false})");
  REQUIRE(j.has_value());
  CHECK(j->at("a").number == -150);
  CHECK(j->at("s").text == "x\xc3\xa9\n");
  CHECK(j->at("t").text == "false");
  CHECK(parse_output_line("{}").has_value());
  for (const char* bad : {"", "hello", "a=1 b", "a=", "=1", "1a=2", "{", "{\"a\" 1}", "{\"a\": [1]}",
                          "{a: 1}", "{\"a\": .5}", "{\"a\": 1.}", "{\"a\": \"x}", "{\"a\": tru}"}) {
    INFO(bad);
    CHECK_FALSE(parse_output_line(bad).has_value());
  }
}


TEST_CASE("a number past a double's range reads as Python's float() reads it", "[objective][protocol]") {
  // 1e-400 was "not a number" (a result line failed its trial; an epoch's value was NaN).
  auto f = parse_output_line("val_acc=1e-400 neg=-1e-400 big=1e400 small=4e-324");
  REQUIRE(f.has_value());
  CHECK(f->at("val_acc").is_number);
  CHECK(f->at("val_acc").number == 0.0);
  CHECK(std::signbit(f->at("neg").number));
  CHECK(f->at("big").number == INFINITY);
  CHECK(f->at("small").number > 0.0);  // a subnormal, as before
  auto j = parse_output_line(R"({"val_acc": 1e-400, "x": -1e999})");
  REQUIRE(j.has_value());
  CHECK(j->at("val_acc").number == 0.0);
  CHECK(j->at("x").number == -INFINITY);
}
