// The output protocol of an [objective] command (objective/output_protocol.h): k=v pairs or a
// flat JSON object per line, read strictly.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/reported_nan.h"
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

TEST_CASE("a printed NaN is a reported NaN and a missing key is not", "[objective][protocol]") {
  // Python prints float('nan') as nan (k=v) and NaN (json.dumps); the pruners stop a trial that
  // reports NaN, and judge nothing where the line has no value (core/reported_nan.h).
  auto f = parse_output_line("epoch=1 val_acc=nan loss=-nan x=NAN y=nan(7) z=0.5");
  REQUIRE(f.has_value());
  for (const char* k : {"val_acc", "loss", "x", "y"}) {
    INFO(k);
    CHECK(f->at(k).is_number);
    CHECK(is_reported_nan(f->at(k).number));
    CHECK(is_reported_nan(number_of(*f, k)));
  }
  CHECK(is_missing(number_of(*f, "val_loss")));
  CHECK_FALSE(is_reported_nan(number_of(*f, "val_loss")));
  CHECK_FALSE(is_missing(number_of(*f, "z")));
  auto j = parse_output_line(R"({"epoch": 1, "val_acc": NaN, "name": "nan"})");
  REQUIRE(j.has_value());
  CHECK(is_reported_nan(number_of(*j, "val_acc")));
  CHECK(is_missing(number_of(*j, "name")));  // text, not a number
  CHECK(is_missing(NAN));
  CHECK(is_missing(std::nan("")));
  CHECK_FALSE(is_missing(kReportedNaN));
  CHECK_FALSE(is_missing(INFINITY));
  CHECK_FALSE(is_reported_nan(INFINITY));
}

TEST_CASE("a refused k=v line says which token or key is at fault", "[objective][protocol]") {
  const auto why = [](std::string_view line) {
    std::string w;
    CHECK_FALSE(read_output_line(line, &w).has_value());
    return w;
  };
  // A key outside ASCII made the whole epoch line unread, and the warning never said why.
  CHECK(why("epoch=1 n\xc3\xb6te=1 val_acc=0.5") ==
        "key \"n\xc3\xb6te\" is no name (ASCII: a letter or _, then letters, digits or _ . / -)");
  CHECK(why("ab\x1b[0m val_acc=0.5") == "\"ab\\u001b[0m\" is no k=v pair");
  CHECK(why("a=1 b=") == "\"b=\" is no k=v pair");
  // A key given twice (two lines run together by a '\r' were one line) is refused, not read
  // as its last value.
  CHECK(why("epoch=1 val_acc=0.5 epoch=5 val_acc=0.9") == "key \"epoch\" is given twice");
  CHECK(why(R"({"val_acc": 0.5, "val_acc": 0.9})") == "key \"val_acc\" is given twice");
  CHECK(why(R"({"val_acc": 0.5, "x": [1]})") ==
        "it is no flat JSON object (string keys, each once; numbers, strings, true, false or null "
        "as values)");
  CHECK_FALSE(parse_output_line(R"({"a": 1, "a": 1})").has_value());
  // A line that parses leaves why alone.
  std::string w = "untouched";
  CHECK(read_output_line("a=1 b=2", &w).has_value());
  CHECK(w == "untouched");
}

TEST_CASE("a refused line that nearly is a k=v pair or JSON says how to write it",
          "[objective][protocol]") {
  const auto why = [](std::string_view line) {
    std::string w;
    CHECK_FALSE(read_output_line(line, &w).has_value());
    return w;
  };
  // These said only that "epoch:" or "epoch" is no k=v pair, or that a dict's repr is no flat
  // JSON object, not what to print instead.
  CHECK(why("epoch: 1 val_acc: 0.5") == "\"epoch: 1\" is no k=v pair (a colon for =: epoch=1)");
  CHECK(why("epoch=1 val_acc:0.5") == "\"val_acc:0.5\" is no k=v pair (a colon for =: val_acc=0.5)");
  CHECK(why("epoch = 1, val_acc = 0.5") ==
        "\"epoch = 1\" is no k=v pair (blanks around =: epoch=1)");
  CHECK(why("epoch=1 val_acc= 0.5") ==
        "\"val_acc= 0.5\" is no k=v pair (blanks around =: val_acc=0.5)");
  CHECK(why("{'epoch': 1, 'val_acc': 0.5}") ==
        "it is a Python dict's repr, not JSON: JSON writes strings in double quotes (print "
        "json.dumps(d), not d)");
  // Prose keeps the plain why.
  CHECK(why("Epoch 1: training...") == "\"Epoch\" is no k=v pair");
  CHECK(why("Loading data: 100%") == "\"Loading\" is no k=v pair");
  CHECK(why("data: 100%") == "\"data:\" is no k=v pair");
  CHECK(why("a=1 b=") == "\"b=\" is no k=v pair");
}

TEST_CASE("near misses of the two forms look like metrics and prose does not",
          "[objective][protocol]") {
  // A dict's repr got no warning, only the trial's failure "no line of stdout that parses holds
  // val_acc"; `name: number` and `name = number` are named in that failure (they are common
  // beside the lines printed for hypersweep: Keras's progress, a config dump, so not warned of).
  for (const char* line :
       {"{'epoch': 1, 'val_acc': 0.5}", "Epoch 1/3: loss=0.5, val_acc=0.3", "  \"loss\": 0.5 and more"}) {
    INFO(line);
    CHECK(looks_like_metrics(line));
  }
  for (const char* line :
       {"epoch: 1 val_acc: 0.5", "epoch = 1, val_acc = 0.5", "val_acc: 0.5", "  accuracy = 0.93 ",
        "Train Epoch: 1 [0/60000 (0%)]\tLoss: 2.305",
        "1875/1875 [====] - 3s 2ms/step - loss: 0.5123 - accuracy: 0.8210", "lr: 0.001"}) {
    INFO(line);
    CHECK_FALSE(looks_like_metrics(line));
    CHECK(looks_like_metrics_in_another_form(line));
  }
  for (const char* line :
       {"Epoch 1: training...", "Loading data: 100%", "  File \"x.py\", line 3, in <module>",
        "Epoch 1/3 done at 12:30", "ValueError: 3 is not a valid value",
        "Traceback (most recent call last):", "Using device: cuda:0", "Time: 12:30:01",
        "Downloading: 100%|#####| 9.91M/9.91M [00:01<00:00, 5.2MB/s]", "if x == 3: stop",
        "KeyError: 'val_acc'", "note: see 'epoch' above"}) {
    INFO(line);
    CHECK_FALSE(looks_like_metrics(line));
    CHECK_FALSE(looks_like_metrics_in_another_form(line));
  }
}

TEST_CASE("looks_like_metrics takes linear time on a long line of colons", "[objective][protocol]") {
  // Each ':' reads the word after it: read to its end, 1 MiB of "a:1a:1..." would take minutes
  // (a line is read up to 1 MiB, and a command may print such a line every epoch).
  std::string line;
  while (line.size() < (1u << 20)) line += "a:1";
  CHECK_FALSE(looks_like_metrics_in_another_form(line));
  CHECK_FALSE(looks_like_metrics_in_another_form(std::string(1u << 20, '=') + " x"));
}
