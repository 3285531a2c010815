// `hypersweep export` and docs/plot_curves.py on a real results file made by a tiny sweep of
// the real binary: the CSV files against read_results(), the PNG's magic bytes and size, and
// the errors for files that are not results files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/read_results.h"
#include "store/results_file.h"
#include "support/cli.h"

namespace fs = std::filesystem;
using namespace hs::test;

namespace {

// A results file of 3 short trials on synthetic data (5 classes), made once.
std::string sweep_file(const Scratch& s) {
  const auto cfg = s.write("sweep.toml",
                           "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 400\n"
                           "synthetic_classes = 5\nhidden = [16]\nepochs = 3\nthreads = 1\n"
                           "[sweep]\nstrategy = \"random\"\ntrials = 3\n"
                           "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n"
                           "optimizer = [\"momentum\", \"adam\"]\n");
  const std::string out = s.path("results.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' -j 1 --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    out.push_back(text.substr(pos, end - pos));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return out;
}

std::string python() { return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

}  // namespace

TEST_CASE("export writes summary.csv and curves.csv of a real sweep", "[cli][export]") {
  Scratch s;
  const std::string results = sweep_file(s);
  auto data = hs::read_results(results);
  REQUIRE(data.ok());
  REQUIRE(data->trials.size() == 3);

  const std::string dir = s.path("csv/deeper");  // made, parents too
  const Run r = hypersweep("export '" + results + "' --csv '" + dir + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "3 trials -> " + dir + "/summary.csv"));

  const auto sum = lines(slurp(fs::path(dir) / "summary.csv"));
  REQUIRE(sum.size() == 4);
  CHECK(sum[0] ==
        "id,status,lr,optimizer,best_epoch,best_metric,test_acc,initial_loss,num_classes,"
        "epochs_run,seconds,rank,host,attempt,pruned_epoch,rung,bracket,error");
  size_t epochs = 0;
  for (size_t i = 0; i < 3; ++i) {
    const hs::TrialRecord& t = data->trials[i];
    epochs += t.curves.size();
    char lr[40], metric[40], loss[40];
    std::snprintf(lr, sizeof lr, "%.17g", std::get<double>(t.params[0]));
    std::snprintf(metric, sizeof metric, "%.17g", t.best_metric);
    std::snprintf(loss, sizeof loss, "%.17g", t.initial_loss);
    INFO(sum[i + 1]);
    CHECK(sum[i + 1].rfind(std::to_string(t.id) + "," + hs::status_name(t.status) + "," + lr + "," +
                               std::get<std::string>(t.params[1]) + "," + std::to_string(t.best_epoch) +
                               "," + metric + ",",
                           0) == 0);
    CHECK(contains(sum[i + 1], std::string(",") + loss + ",5,"));  // initial_loss, num_classes
    CHECK(std::abs(t.initial_loss - std::log(5.0)) < 1.5);
  }
  const auto cur = lines(slurp(fs::path(dir) / "curves.csv"));
  REQUIRE(cur.size() == 1 + epochs);
  CHECK(cur[0] == "id,epoch,lr,train_loss,train_acc,val_loss,val_acc,seconds,update_ratio/dense1,"
                  "update_ratio/dense2");

  SECTION("export --help names every column summary.csv has beyond the parameters") {
    const Run help = hypersweep("export --help");
    REQUIRE(help.code == 0);
    std::vector<std::string> words;  // the help's words, split at spaces, commas and newlines
    std::string word;
    for (const char c : help.out + "\n") {
      if (c != ' ' && c != ',' && c != '\n') {
        word += c;
      } else if (!word.empty()) {
        words.push_back(word);
        word.clear();
      }
    }
    auto from = words.begin();
    for (const std::string col :
         {"best_epoch", "best_metric", "test_acc", "initial_loss", "num_classes", "epochs_run",
          "seconds", "rank", "host", "attempt", "pruned_epoch", "rung", "bracket", "error"}) {
      INFO(col << "\n" << help.out);
      const auto at = std::find(from, words.end(), col);
      CHECK(at != words.end());  // named, in the header's order
      if (at != words.end()) from = at;
    }
  }
  SECTION("a missing file and a file that is not a results file exit 2 naming it") {
    const Run missing = hypersweep("export '" + s.path("none.h5") + "' --csv '" + s.path("x") + "'");
    CHECK(missing.code == 2);
    CHECK(contains(missing.err, s.path("none.h5") + ": no such results file"));
    const auto text = s.write("notes.h5", "id,status\n");
    const Run bad = hypersweep("export '" + text.string() + "' --csv '" + s.path("x") + "'");
    CHECK(bad.code == 2);
    CHECK(contains(bad.err, text.string() + ": not an HDF5 file"));
    CHECK_FALSE(fs::exists(s.path("x")));  // nothing made for a file it could not read
    CHECK(hypersweep("export '" + results + "'").code == 2);  // --csv is required
  }
  SECTION("a copy of the HDF5 file without its journal exports the same") {
    const std::string copy = s.path("copy.h5");
    fs::copy_file(results, copy);
    const Run c = hypersweep("export '" + copy + "' --csv '" + s.path("copy_csv") + "'");
    REQUIRE(c.code == 0);
    CHECK(slurp(s.path("copy_csv/summary.csv")) == slurp(fs::path(dir) / "summary.csv"));
    CHECK(slurp(s.path("copy_csv/curves.csv")) == slurp(fs::path(dir) / "curves.csv"));
  }
}

TEST_CASE("docs/plot_curves.py draws a PNG from a real results file", "[cli][export][plot]") {
  Scratch s;
  const std::string results = sweep_file(s);
  const std::string png = s.path("curves.png");
  const std::string cmd = python() + " '" + HS_SOURCE_DIR + "/docs/plot_curves.py' '" + results +
                          "' -o '" + png + "' > '" + s.path("plot.out") + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  INFO(slurp(s.path("plot.out")));
  REQUIRE(rc == 0);
  CHECK(contains(slurp(s.path("plot.out")), "wrote " + png + ": val_acc of 3 trials, best trial "));
  REQUIRE(fs::exists(png));
  std::string head(8, '\0');
  std::ifstream(png, std::ios::binary).read(head.data(), 8);
  CHECK(head == std::string("\x89PNG\r\n\x1a\n", 8));
  const auto size = fs::file_size(png);
  CHECK(size > 20'000);     // two panels of lines, not an empty canvas
  CHECK(size < 2'000'000);

  const auto text = s.write("notes.h5", "not hdf5\n");
  const std::string bad = python() + " '" + HS_SOURCE_DIR + "/docs/plot_curves.py' '" +
                          text.string() + "' -o '" + s.path("bad.png") + "' > '" +
                          s.path("bad.out") + "' 2>&1";
  CHECK(std::system(bad.c_str()) != 0);
  CHECK(contains(slurp(s.path("bad.out")), text.string()));
  CHECK_FALSE(fs::exists(s.path("bad.png")));
}

TEST_CASE("docs/plot_curves.py highlights the best trial in the direction the file holds",
          "[cli][export][plot]") {
  // A minimised metric not named *_loss (val_error, val_mse) is the file's direction attribute
  // alone: the plot once took the worst trial of such a sweep for the best.
  Scratch s;
  const std::string results = sweep_file(s);
  auto data = hs::read_results(results);
  REQUIRE(data.ok());
  int64_t low = -1, high = -1;
  const auto metric = [&](int64_t id) { return data->trials[static_cast<size_t>(id)].best_metric; };
  for (const hs::TrialRecord& t : data->trials) {
    if (low < 0 || t.best_metric < metric(low)) low = t.id;
    if (high < 0 || t.best_metric > metric(high)) high = t.id;
  }
  REQUIRE(low != high);
  for (const char* direction : {"max", "min"}) {
    INFO(direction);
    const std::string copy = s.path(std::string(direction) + ".h5");
    fs::copy_file(results, copy, fs::copy_options::overwrite_existing);
    const std::string set = python() + " -c \"import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); "
                            "f.attrs['direction'] = sys.argv[2]\" '" + copy + "' " + direction;
    REQUIRE(std::system(set.c_str()) == 0);
    const std::string plot = python() + " '" + HS_SOURCE_DIR + "/docs/plot_curves.py' '" + copy +
                             "' -o '" + s.path("d.png") + "' > '" + s.path("d.out") + "' 2>&1";
    REQUIRE(std::system(plot.c_str()) == 0);
    const int64_t best = std::string(direction) == "max" ? high : low;
    CHECK(contains(slurp(s.path("d.out")), "best trial " + std::to_string(best)));
  }
  // The best trial without curve rows (a command that printed its result line alone) is still
  // the one named, as `show` names it: the plot passed over it for one with curves.
  const std::string bare = s.path("bare.h5");
  fs::copy_file(results, bare, fs::copy_options::overwrite_existing);
  const std::string empty =
      python() + " -c \"import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); f.attrs['direction'] "
      "= 'max'; p = 'trials/%06d/curves' % int(sys.argv[2]); t = f[p].dtype; del f[p]; "
      "f.create_dataset(p, shape=(0,), dtype=t)\" '" + bare + "' " + std::to_string(high);
  REQUIRE(std::system(empty.c_str()) == 0);
  const std::string plot = python() + " '" + HS_SOURCE_DIR + "/docs/plot_curves.py' '" + bare +
                           "' -o '" + s.path("b.png") + "' > '" + s.path("b.out") + "' 2>&1";
  REQUIRE(std::system(plot.c_str()) == 0);
  CHECK(contains(slurp(s.path("b.out")), "best trial " + std::to_string(high)));
}

TEST_CASE("docs/plot_curves.py plots a command sweep's own metric", "[cli][export][plot]") {
  // metric = "loss", printed as a curve column: both panels were empty (it plotted val_acc).
  Scratch s;
  const auto script = s.write("l.sh", "echo \"{\\\"epoch\\\": 1, \\\"loss\\\": 0.$1}\"\n"
                                      "echo \"{\\\"loss\\\": 0.0$1}\"\n");
  const auto cfg = s.write("l.toml", "[objective]\ncommand = \"sh " + script.string() +
                                         " {x}\"\n[sweep]\ntrials = 2\nmetric = \"loss\"\n"
                                         "direction = \"min\"\n[space]\nx = { int = [1, 9] }\n");
  const std::string out = s.path("l.h5");
  REQUIRE(hypersweep("run '" + cfg.string() + "' --out '" + out + "'").code == 0);
  const std::string plot = python() + " '" + HS_SOURCE_DIR + "/docs/plot_curves.py' '" + out +
                           "' -o '" + s.path("l.png") + "' > '" + s.path("l.out") + "' 2>&1";
  REQUIRE(std::system(plot.c_str()) == 0);
  INFO(slurp(s.path("l.out")));
  CHECK(contains(slurp(s.path("l.out")), ": loss of 2 trials"));
}

TEST_CASE("a file-size limit reached is an error naming the file and no silent death",
          "[cli][export]") {
  // ulimit -f: SIGXFSZ ended report (and run) with no word, exit 153, a temporary file left.
  Scratch s;
  const std::string results = sweep_file(s);
  const std::string html = s.path("limited.html");
  const Run r = hypersweep("report '" + results + "' -o '" + html + "'", "ulimit -f 16; ");
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, html + ": cannot write: File too large"));
  for (const auto& e : fs::directory_iterator(s.dir()))
    CHECK(e.path().filename().string().rfind("limited.html", 0) == std::string::npos);
}

TEST_CASE("a run started with its standard streams closed writes nothing into its files",
          "[cli][export]") {
  // The journal and the results file were opened as fd 1 and 2, and the progress lines and
  // warnings went into them: `show` found the file damaged.
  Scratch s;
  const auto cfg = s.write("c.toml", "[objective]\ncommand = \"echo val_acc=0.{x}\"\n[sweep]\n"
                                     "trials = 3\n[space]\nx = { int = [1, 9] }\n");
  const std::string out = s.path("closed.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'",
                           "sh -c 'exec \"$0\" \"$@\" <&- >&- 2>&-' ");
  CHECK(r.code == 0);
  const Run shown = hypersweep("show '" + out + "'");
  INFO(shown.out << shown.err);
  CHECK(shown.code == 0);
  CHECK(contains(shown.out, "3 trials: 3 completed"));
  CHECK_FALSE(contains(slurp(out + ".journal"), "/3] trial"));  // no progress line in it
  CHECK_FALSE(contains(slurp(out), "/3] trial"));
  const Run again = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  CHECK(again.code == 0);
  CHECK_FALSE(contains(again.err, "damaged"));
}

TEST_CASE("show whose output cannot be written says so and exits 1", "[cli][export]") {
  // `show r.h5 > out.txt` on a full disk left an empty out.txt and exit 0.
  Scratch s;
  const std::string results = sweep_file(s);
  const Run r = hypersweep("show '" + results + "'", "sh -c 'exec \"$0\" \"$@\" > /dev/full' ");
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "hypersweep: error: cannot write the standard output: No space left on "
                        "device"));
  const Run fine = hypersweep("show '" + results + "'");
  CHECK(fine.code == 0);
  CHECK(fine.err.empty());
  const Run help = hypersweep("--help", "sh -c 'exec \"$0\" \"$@\" > /dev/full' ");  // CLI11 prints it
  CHECK(help.code == 1);
  CHECK(contains(help.err, "cannot write the standard output"));
  // A pipe's reader that is gone wanted no more: no error for it (--version once said one).
  const Run piped =
      hypersweep("--version", "sh -c '(sleep 0.3; exec \"$0\" \"$@\") | true' ");
  CHECK_FALSE(contains(piped.err, "cannot write the standard output"));
  CHECK_FALSE(contains(piped.err, "the sweep stops"));  // no sweep to stop: SIGPIPE as usual
}

TEST_CASE("show report and export of a damaged results file exit 2 naming it", "[cli][export]") {
  Scratch s;
  const std::string results = sweep_file(s);
  const std::string good = slurp(results);
  REQUIRE(good.size() > 4096);
  const std::string broken = s.path("broken.h5");
  // Truncated, and 512 bytes overwritten at 16 places through the file (metadata and data):
  // each command reads it fully (code 0) or refuses it with code 2 naming it, never crashes.
  std::vector<std::string> damaged = {good.substr(0, good.size() / 2)};
  for (size_t k = 1; k <= 16; ++k) {
    std::string bytes = good;
    const size_t at = good.size() * k / 17;
    for (size_t i = at; i < at + 512 && i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 37);
    damaged.push_back(bytes);
  }
  int refused = 0;
  for (size_t d = 0; d < damaged.size(); ++d) {
    std::ofstream(broken, std::ios::binary | std::ios::trunc) << damaged[d];
    for (const std::string& cmd : {"show '" + broken + "'",
                                   "report '" + broken + "' -o '" + s.path("r.html") + "'",
                                   "export '" + broken + "' --csv '" + s.path("csv") + "'"}) {
      const Run r = hypersweep(cmd);
      INFO("damage " << d << ": " << cmd << "\n" << r.out << r.err);
      REQUIRE((r.code == 0 || r.code == 2));
      if (r.code == 2) {
        ++refused;
        CHECK(r.err.find(broken) != std::string::npos);
        CHECK(r.err.find(".cpp:") == std::string::npos);  // no source line, no HDF5 call text
      }
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("the results file its exports and report keep the umask's permissions",
          "[cli][export]") {
  // They were 0644 whatever the umask (fchmod after mkstemp), while the journal and the logs
  // followed it: a umask of 077 on a shared cluster left the results readable by everyone.
  Scratch s;
  const auto cfg = s.write("c.toml", "[objective]\ncommand = \"echo val_acc={x}\"\n[sweep]\n"
                                     "strategy = \"random\"\ntrials = 2\n[space]\n"
                                     "x = { uniform = [0, 1] }\n");
  const std::string out = s.path("r.h5"), csv = s.path("csv"), html = s.path("r.html");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'", "umask 077 && ");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  REQUIRE(run_shell("umask 077 && " + binary() + " export '" + out + "' --csv '" + csv + "' && " +
                    binary() + " report '" + out + "' -o '" + html + "'").code == 0);
  const auto mode = [](const std::string& p) {
    return fs::status(p).permissions() & fs::perms::all;
  };
  const fs::perms own = fs::perms::owner_read | fs::perms::owner_write;
  for (const std::string& p : {out, out + ".journal", csv + "/summary.csv", csv + "/curves.csv",
                               html}) {
    INFO(p);
    CHECK(mode(p) == own);
  }
  // And 022 gives what it always gave.
  const std::string open = s.path("o.h5");
  REQUIRE(hypersweep("run '" + cfg.string() + "' --out '" + open + "'", "umask 022 && ").code == 0);
  CHECK(mode(open) == (own | fs::perms::group_read | fs::perms::others_read));
}
