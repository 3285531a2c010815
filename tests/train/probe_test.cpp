// The Probe (train/probe.h) is the network train() trains, before training: the recipe's steps
// measure it, so it must be initialised and updated exactly as train() does it.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/rng.h"
#include "data/load.h"
#include "train/probe.h"
#include "train/trainer.h"

using namespace hs;

namespace {

TrainOptions synthetic_options() {
  TrainOptions o;
  o.data.source = DataSource::kSynthetic;
  o.data.synthetic_samples = 600;
  o.data.synthetic_classes = 4;
  o.data.synthetic_noise = 1.5;
  o.model.hidden = {16};
  o.model.dropout = 0.0;  // training and inference passes agree, so losses compare exactly
  o.lr = 0.05;
  o.batch_size = 32;
  o.epochs = 2;
  o.seed = 5;
  o.threads = 1;
  return o;
}

DataBundle load(const TrainOptions& o) {
  auto d = load_data(o.data);
  REQUIRE(d.ok());
  return std::move(*d);
}

// train()'s first epoch order: the training rows shuffled by derive_seed(seed, 1, kShuffle).
std::vector<int32_t> first_epoch_order(const TrainOptions& o, const DataBundle& data) {
  std::vector<int32_t> order = data.train.index;
  Rng(derive_seed(o.seed, 1, SeedPurpose::kShuffle)).shuffle(order.data(), order.size());
  return order;
}

}  // namespace

TEST_CASE("a probe's first step sees train()'s initial loss, bit for bit", "[train][probe]") {
  const TrainOptions o = synthetic_options();
  const DataBundle data = load(o);
  auto trained = train(o, data);
  REQUIRE(trained.ok());
  auto probe = Probe::make(o, data);
  REQUIRE(probe.ok());
  CHECK(probe->classes() == trained->record.num_classes);
  const std::vector<int32_t> order = first_epoch_order(o, data);
  const double first = probe->step(data.train, order.data(), o.batch_size, o.lr);
  CHECK(first == trained->record.initial_loss);
  // Its second step starts from the first's update, as training does: another batch, another loss.
  const double second = probe->step(data.train, order.data() + o.batch_size, o.batch_size, o.lr);
  CHECK(std::isfinite(second));
  CHECK(second != first);
}

TEST_CASE("a probe evaluates without updating, and another seed is another network",
          "[train][probe]") {
  TrainOptions o = synthetic_options();
  const DataBundle data = load(o);
  auto a = Probe::make(o, data);
  REQUIRE(a.ok());
  const EvalResult before = a->evaluate(data.val);
  CHECK(a->evaluate(data.val).loss == before.loss);  // evaluating changes nothing
  o.seed = 6;
  auto b = Probe::make(o, data);
  REQUIRE(b.ok());
  CHECK(b->evaluate(data.val).loss != before.loss);
}

TEST_CASE("a probe refuses what train() refuses", "[train][probe]") {
  TrainOptions o = synthetic_options();
  const DataBundle data = load(o);
  o.batch_size = 0;
  auto r = Probe::make(o, data);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "batch_size");
  CHECK_FALSE(train(o, data).ok());
}
