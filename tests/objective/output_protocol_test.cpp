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

