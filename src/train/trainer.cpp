#include "train/trainer.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/fpu.h"
#include "core/host.h"
#include "core/rng.h"
#include "core/text.h"
#include "nn/network.h"
#include "nn/parallel.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/early_stopping.h"

namespace hs {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Update/weight ratios are measured on every kRatioEvery-th iteration (and each epoch's first):
// enough samples for a per-epoch mean, at a tenth of the cost of measuring every step.
constexpr int64_t kRatioEvery = 10;

// Copies the samples index[first, first + B) of `set` into a contiguous batch.
void gather(const Subset& set, const int32_t* index, int64_t B, float* x, int32_t* y) {
  const int64_t D = set.data->dim();
  detail::parallel_region(B * D >= (1 << 16), [&] {
#pragma omp for schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      std::copy_n(set.data->row(index[b]), D, x + b * D);
      y[b] = set.data->y[index[b]];
    }
  });
}

EvalResult evaluate_with(const Network& net, const float* params, const Subset& set,
                         Workspace<float>& ws, std::vector<float>& xb, std::vector<int32_t>& yb) {
  return evaluate_in_batches(set, ws.max_batch, [&](const int32_t* index, int64_t B) {
    gather(set, index, B, xb.data(), yb.data());
    return loss_and_grad<float>(net, params, nullptr, xb.data(), yb.data(), B, false, 0, ws);
  });
}

// ||lr dW|| / ||W|| of one update from the weights before and after it, in double, in one pass.
// Fixed blocks are summed in order: threads share the work and the result is the same bits for
// any number of threads.
double update_ratio(const float* before, const float* after, int64_t n) {
  constexpr int64_t kBlock = 4096;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> part(2 * blocks);
  detail::parallel_region(n >= detail::kParallelMinWork, [&] {
#pragma omp for schedule(static)
    for (int64_t k = 0; k < blocks; ++k) {
      double ww = 0, dd = 0;
      for (int64_t i = k * kBlock, end = std::min(n, i + kBlock); i < end; ++i) {
        const double w = before[i], d = static_cast<double>(after[i]) - w;
        ww += w * w;
        dd += d * d;
      }
      part[2 * k] = ww;
      part[2 * k + 1] = dd;
    }
  });
  double ww = 0, dd = 0;
  for (int64_t k = 0; k < blocks; ++k) ww += part[2 * k], dd += part[2 * k + 1];
  return ww > 0 ? std::sqrt(dd / ww) : std::numeric_limits<double>::infinity();
}

}  // namespace

std::vector<float> initial_state(const TrainOptions& opt, const Network& net,
                                 const std::vector<float>& params, bool folded) {
  std::vector<float> state(net.num_params * state_floats_per_param(opt.optim.kind), 0.0f);
  if (folded) {  // the velocity starts pre-scaled: v = wd w (biases are not decayed)
    const float wd = static_cast<float>(opt.optim.weight_decay);
    for (int li : net.weighted) {
      const Layer& l = net.layers[li];
      for (int64_t i = 0; i < l.w_size; ++i) state[l.w_offset + i] = wd * params[l.w_offset + i];
    }
  }
  return state;
}

EvalResult evaluate_in_batches(const Subset& set, int64_t max_batch, const BatchPass& pass) {
  EvalResult r;
  if (set.size() == 0) {
    r.loss = r.acc = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  double loss = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < set.size(); i += max_batch) {
    const LossStats st = pass(set.index.data() + i, std::min(max_batch, set.size() - i));
    loss += st.loss_sum;
    correct += st.correct;
  }
  r.loss = loss / static_cast<double>(set.size());
  r.acc = static_cast<double>(correct) / static_cast<double>(set.size());
  return r;
}

Trainer::Trainer(const TrainOptions& opt, Network net, int64_t eval_batch, bool fold_momentum)
    : opt_(opt), net_(std::move(net)),
      folded_(fold_momentum && opt.optim.kind == OptimizerKind::kMomentum) {
  // On this thread and every thread of the OpenMP pool the layers will use.
  enable_flush_denormals();
#pragma omp parallel
  enable_flush_denormals();
  const int64_t P = net_.num_params;
  params_.resize(P);
  if (!folded_) grads_.resize(P);
  prev_.resize(P);
  init_params(net_, opt.model, derive_seed(opt.seed, 0, SeedPurpose::kInit), params_.data());
  const std::vector<float> state = initial_state(opt, net_, params_, folded_);
  state_.assign(state.begin(), state.end());
  const int64_t max_batch = std::max<int64_t>(opt.batch_size, eval_batch);
  ws_ = make_workspace<float>(net_, max_batch, opt.batch_size);
  // backward() adds into grads_, which starts at zero and which optimizer_step zeroes as it
  // consumes it (or, folded, into the velocity): the GEMMs skip their zeroing pass (see
  // dense_backward).
  ws_.accumulate_grads = true;
  xb_.resize(max_batch * net_.input_dim);
  yb_.resize(max_batch);
}

LossStats Trainer::step(const Subset& set, const int32_t* index, int64_t B, float lr,
                        std::vector<double>* ratios) {
  gather(set, index, B, xb_.data(), yb_.data());
  const int k = state_floats_per_param(opt_.optim.kind);
  const float wd = static_cast<float>(opt_.optim.weight_decay);
  const float mu = static_cast<float>(opt_.optim.momentum);
  const int64_t t = steps_ + 1;  // the step count this update makes (Adam's bias correction)
  if (ratios) ratios->assign(net_.weighted.size(), 0.0);
  // Each layer is updated as soon as backward() has its gradient, while that is still in cache.
  // The update is elementwise and each thread takes a span of the weights, so the result is the
  // same bits for any number of threads.
  const GradHook update = [&](int li) {
    const Layer& l = net_.layers[li];
    float* w = params_.data() + l.w_offset;
    float* before = prev_.data() + l.w_offset;
    detail::parallel_region(l.w_size >= detail::kParallelMinWork, [&] {
      int64_t i0, i1;
      detail::thread_range(l.w_size, 64, &i0, &i1);
      if (ratios && i1 > i0) std::copy(w + i0, w + i1, before + i0);
      if (i1 > i0 && folded_)
        momentum_step_folded(lr, mu, wd, w + i0, state_.data() + l.w_offset + i0, i1 - i0);
      else if (i1 > i0)
        optimizer_step(opt_.optim, lr, wd, t, w + i0, grads_.data() + l.w_offset + i0,
                       state_.data() + k * l.w_offset + i0, i1 - i0, l.w_size);
    });
    // Biases are not decayed: L2 on them only shifts the units and is not what the lecture means.
    float* b = params_.data() + l.b_offset;
    if (folded_)
      momentum_step_folded(lr, mu, 0.0f, b, state_.data() + l.b_offset, l.b_size);
    else
      optimizer_step(opt_.optim, lr, 0.0f, t, b, grads_.data() + l.b_offset,
                     state_.data() + k * l.b_offset, l.b_size);
    if (ratios) {
      const size_t j = static_cast<size_t>(
          std::find(net_.weighted.begin(), net_.weighted.end(), li) - net_.weighted.begin());
      (*ratios)[j] = update_ratio(before, w, l.w_size);
    }
  };
  const LossStats st = loss_and_grad<float>(
      net_, params_.data(), folded_ ? state_.data() : grads_.data(), xb_.data(), yb_.data(), B,
      true, derive_seed(opt_.seed, static_cast<uint64_t>(steps_), SeedPurpose::kDropout), ws_,
      &update);
  if (std::isfinite(st.loss_sum)) ++steps_;  // a diverged step changes nothing
  return st;
}

EvalResult Trainer::evaluate(const Subset& set) {
  return evaluate_with(net_, params_.data(), set, ws_, xb_, yb_);
}

EvalResult evaluate(const Network& net, const float* params, const Subset& set, int batch_size) {
  const int64_t B = std::max<int64_t>(1, batch_size);
  Workspace<float> ws = make_workspace<float>(net, B);
  std::vector<float> xb(B * net.input_dim);
  std::vector<int32_t> yb(B);
  return evaluate_with(net, params, set, ws, xb, yb);
}

namespace {

int class_count(const DataBundle& data) {
  return std::max(data.train.data->num_classes, data.test.data ? data.test.data->num_classes : 0);
}

// One epoch's pass over the training set, in the order `order` (shuffled for this epoch).
struct EpochPass {
  EpochRow row;                // epoch, lr, train_loss and train_acc filled in
  std::vector<double> ratios;  // per weighted layer: the mean update/weight ratio
  bool diverged = false;       // a minibatch's loss was inf/NaN (the pass stopped there)
  double loss_sum = 0;
};

EpochPass train_epoch(Engine& tr, const TrainOptions& opt, const DataBundle& data,
                      const std::vector<int32_t>& order, int epoch, int64_t total_steps,
                      TrainResult& res) {
  const int64_t B = opt.batch_size, n_train = data.train.size();
  const int64_t iters_per_epoch = (n_train + B - 1) / B;
  const bool per_iter = opt.schedule.unit == ScheduleUnit::kIteration;
  EpochPass p;
  p.row.epoch = epoch;
  p.ratios.assign(tr.net().weighted.size(), 0.0);
  std::vector<double> ratios;
  int64_t ratio_samples = 0, correct = 0, seen = 0;
  for (int64_t it = 0; it < iters_per_epoch; ++it) {
    const int64_t first = it * B;
    const int64_t bs = std::min(B, n_train - first);
    const int64_t t = per_iter ? tr.steps() : epoch - 1;
    const float lr = static_cast<float>(learning_rate(opt.schedule, opt.lr, t, total_steps));
    p.row.lr = lr;
    const bool measure = it % kRatioEvery == 0;
    const LossStats st = tr.step(data.train, order.data() + first, bs, lr,
                                 measure ? &ratios : nullptr);
    if (epoch == 1 && it == 0) res.record.initial_loss = st.loss_sum / static_cast<double>(bs);
    p.loss_sum += st.loss_sum;
    correct += st.correct;
    seen += bs;
    if (!std::isfinite(st.loss_sum)) {
      p.diverged = true;
      break;
    }
    if (measure) {
      for (size_t j = 0; j < ratios.size(); ++j) p.ratios[j] += ratios[j];
      ++ratio_samples;
    }
  }
  res.iterations = tr.steps();
  for (auto& r : p.ratios) r = ratio_samples ? r / ratio_samples : r;
  p.row.train_loss = p.loss_sum / static_cast<double>(seen);
  p.row.train_acc = static_cast<double>(correct) / static_cast<double>(seen);
  return p;
}

// Why training stops after this epoch (setting res's status and reason), or false to go on.
bool stops_after(int epoch, const TrainOptions& opt, const EarlyStopping& stopper, bool go_on,
                 Clock::time_point t_start, TrainResult& res) {
  // A stop, patience or a time limit met at the last epoch cut nothing short: the run completed
  // (a pruner's stop there would throw a finished trial's test result away).
  if (epoch >= opt.epochs) return false;
  // Early stopping first: a trial whose patience ran out at the epoch a pruner stopped it at had
  // ended on its own, as one at its last epoch has (it is tested, and recorded early_stopped).
  if (stopper.should_stop()) {
    res.record.status = TrialStatus::kEarlyStopped;
    res.reason = "early stop: " + std::string(monitor_name(opt.early.monitor)) +
                 " did not improve for " + counted(opt.early.patience, "epoch") +
                 " after epoch " + std::to_string(stopper.best_epoch());
  } else if (!go_on) {
    res.record.status = TrialStatus::kInterrupted;
    res.reason = "interrupted after epoch " + std::to_string(epoch);
  } else if (opt.max_seconds > 0 && since(t_start) >= opt.max_seconds) {
    res.record.status = TrialStatus::kTimedOut;
    res.reason = "time limit of " + shortest(opt.max_seconds) + " s reached after epoch " +
                 std::to_string(epoch);
  } else {
    return false;
  }
  return true;
}

// The best checkpoint's epoch and test result (lecture 11.1.2), once training has ended; an
// interrupted trial's, or one with evaluate_test off, best epoch only.
void test_best(Engine& tr, const TrainOptions& opt, const DataBundle& data,
               const EarlyStopping& stopper, TrainResult& res) {
  if (!stopper.has_best()) {
    res.record.test_acc = res.test_loss = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  res.record.best_epoch = stopper.best_epoch();
  // A trial stopped from outside (a pruner, the sweep's stop) is not tested: it has no final
  // result, and the test pass would cost a trial pruned after epoch 1 a third more. Nor is one
  // that only chooses (evaluate_test off).
  if (res.record.status == TrialStatus::kInterrupted || !opt.evaluate_test) {
    res.record.test_acc = res.test_loss = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  tr.set_params(res.best_params);
  const EvalResult test = tr.evaluate(data.test);
  res.record.test_acc = test.acc;
  res.test_loss = test.loss;
}

// network_for without the device's check.
Result<Network> checked_network(const TrainOptions& opt, const DataBundle& data) {
  if (opt.threads > 0) omp_set_num_threads(opt.threads);
  const Dataset& file = *data.train.data;
  // Square images of C channels stored [N, C, H, W] and read as NHWC come out H = C rows of
  // W = H pixels and W channels: a few rows, as many channels as pixels in a row. No real image
  // is that, and a cnn would train on scrambled pixels.
  if (opt.model.arch == Arch::kCnn && file.is_image && opt.data.source == DataSource::kHdf5 &&
      opt.data.layout == Layout::kNhwc && file.height <= 4 && file.width == file.channels &&
      file.width > 4) {
    return Error{{}, 0, "layout",
                 "the inputs read as " + std::to_string(file.height) + "x" +
                     std::to_string(file.width) + " images of " + std::to_string(file.channels) +
                     " channels by layout = \"nhwc\", which is an [N, C, H, W] array (as "
                     "PyTorch writes images) read in the wrong order; set layout = \"nchw\""};
  }
  auto built = build_network(opt.model, file.height, file.width, file.channels, file.is_image,
                             class_count(data));
  if (!built) {
    Error e = built.error();
    // A cnn's shape error on 4-D HDF5 inputs: the axes may be read in the wrong order.
    if (opt.model.arch == Arch::kCnn && file.is_image && opt.data.source == DataSource::kHdf5) {
      e.message += " (the inputs are read as " + std::to_string(file.height) + "x" +
                   std::to_string(file.width) + " images of " + std::to_string(file.channels) +
                   " channels, by layout = \"" + layout_name(opt.data.layout) +
                   "\"; an array stored [N, C, H, W], as PyTorch writes it, needs layout = "
                   "\"nchw\", and one stored [N, H, W, C] layout = \"nhwc\")";
    }
    return e;
  }
  if (data.train.size() == 0) return Error{file.name, 0, {}, "no training samples"};

  if (opt.batch_size < 1) return Error{{}, 0, "batch_size", "must be >= 1"};
  // What the Trainer will hold, as a bound: the parameter buffers (weights, gradients, previous
  // weights, the best checkpoint, the optimiser's state) and, per sample of the largest batch
  // (training's, capped by the training set as train() caps it, or evaluation's), each layer's
  // output and its gradient, the input and the class scores. Doubles: nothing overflows.
  const double batch = static_cast<double>(
      std::max<int64_t>(std::min<int64_t>(opt.batch_size, data.train.size()), kEvalBatch));
  const double params = static_cast<double>(built->num_params) *
                        (4 + state_floats_per_param(opt.optim.kind));
  const double samples = batch * static_cast<double>(2 * built->activations + built->input_dim +
                                                     built->num_classes);
  const double bytes = sizeof(float) * (params + samples), have = physical_memory_bytes();
  if (have > 0 && bytes > have)
    return Error{{}, 0, samples > params ? "batch_size" : "hidden",
                 "training this model needs about " + std::to_string(std::llround(bytes / 1e9)) +
                     " GB (" + std::to_string(built->num_params) + " parameters, batches of " +
                     std::to_string(static_cast<int64_t>(batch)) + "), more than this machine's " +
                     std::to_string(std::llround(have / 1e9)) + " GB"};
  return built;
}

}  // namespace

Result<Network> network_for(const TrainOptions& opt, const DataBundle& data) {
  auto built = checked_network(opt, data);
  if (built && opt.device != Device::kCpu)
    if (std::string why = device_problem(opt.device); !why.empty())
      return Error{{}, 0, "device", why};
  return built;
}

Result<TrainResult> train(const TrainOptions& given, const DataBundle& data,
                          const EpochCallback& on_epoch) {
  const auto t_start = Clock::now();
  // A batch larger than the training set is the whole set: the same steps, and no workspace for
  // samples that do not exist.
  TrainOptions opt = given;
  if (opt.batch_size > data.train.size() && data.train.size() > 0)
    opt.batch_size = static_cast<int>(data.train.size());
  // Not network_for: the device is asked for by make_cuda_engine itself, in this process.
  auto built = checked_network(opt, data);
  if (!built) return built.error();
  std::unique_ptr<Engine> engine;
  if (opt.device == Device::kCuda) {
    auto made = make_cuda_engine(opt, std::move(*built), kEvalBatch);
    if (!made) return made.error();
    engine = std::move(*made);
  } else {
    engine = std::make_unique<Trainer>(opt, std::move(*built), kEvalBatch);
  }
  Engine& tr = *engine;
  const int64_t iters_per_epoch = (data.train.size() + opt.batch_size - 1) / opt.batch_size;
  const bool per_iter = opt.schedule.unit == ScheduleUnit::kIteration;
  const int64_t total_steps = per_iter ? iters_per_epoch * opt.epochs : opt.epochs;
  // Counted in epochs this is the config's own check; in iterations the data decides it. A
  // warm-up as long as the run never reached the lr, and its decay never ran.
  if (per_iter && opt.schedule.warmup >= total_steps)
    return Error{{}, 0, "warmup",
                 "must be < the run's " + std::to_string(total_steps) + " iterations (" +
                     counted(opt.epochs, "epoch") + " of " + std::to_string(iters_per_epoch) +
                     " minibatches) when schedule_unit is iteration, got " +
                     std::to_string(opt.schedule.warmup)};

  TrainResult res;
  TrialRecord& rec = res.record;
  rec.status = TrialStatus::kCompleted;
  rec.num_classes = class_count(data);
  rec.val_samples = data.val.size();
  for (int li : tr.net().weighted) rec.layer_names.push_back(tr.net().layers[li].name);
  EarlyStopping stopper(opt.early);
  std::vector<int32_t> order(data.train.index);
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    Rng shuffler(derive_seed(opt.seed, static_cast<uint64_t>(epoch), SeedPurpose::kShuffle));
    shuffler.shuffle(order.data(), order.size());
    EpochPass pass = train_epoch(tr, opt, data, order, epoch, total_steps, res);
    rec.update_ratio.push_back(std::move(pass.ratios));
    const EvalResult val = pass.diverged ? EvalResult{kNaN, kNaN} : tr.evaluate(data.val);
    // The validation loss inf or NaN: the weights are (the outputs overflow), and the accuracy,
    // the argmax of such outputs, means nothing. Such an epoch was taken as the best checkpoint.
    if (pass.diverged || (data.val.size() > 0 && !std::isfinite(val.loss))) {
      pass.row.val_loss = pass.row.val_acc = kNaN;
      pass.row.seconds = since(t_start);
      rec.curves.push_back(pass.row);
      rec.status = TrialStatus::kDiverged;
      const double bad = pass.diverged ? pass.loss_sum : val.loss;
      res.reason = std::string("diverged: the ") + (pass.diverged ? "training" : "validation") +
                   " loss became " + (std::isnan(bad) ? "NaN" : "inf") + " in epoch " +
                   std::to_string(epoch) + " at lr " + shortest_float32(pass.row.lr) +
                   " (the learning rate is likely too high)";
      if (on_epoch) on_epoch(rec);
      break;
    }
    pass.row.val_loss = val.loss;
    pass.row.val_acc = val.acc;
    pass.row.seconds = since(t_start);
    rec.curves.push_back(pass.row);
    const double metric = opt.early.monitor == Monitor::kValAcc ? val.acc : val.loss;
    // The checkpoint serves only the test pass (test_best): a trial that only chooses keeps none,
    // which on a GPU saves a copy to the host at each new best.
    if (stopper.update(epoch, metric) && opt.evaluate_test) res.best_params = tr.copy_params();
    const bool go_on = !on_epoch || on_epoch(rec);
    if (stops_after(epoch, opt, stopper, go_on, t_start, res)) break;
  }
  if (rec.status == TrialStatus::kCompleted)
    res.reason = "reached the maximum of " + counted(opt.epochs, "epoch");
  test_best(tr, opt, data, stopper, res);
  rec.epochs = static_cast<int>(rec.curves.size());
  rec.seconds = since(t_start);
  return res;
}

}  // namespace hs
