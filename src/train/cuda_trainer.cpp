// cuda_trainer.cpp: the GPU engine behind trainer.h's Engine (device = cuda), built only with the
// CUDA backend, into its module (cuda_backend.h), whose one entry point it defines. It is Trainer
// (trainer.cpp) step for step: the same parameter layout, initial weights (init_params on the host,
// then copied), minibatches, optimiser (each weighted layer updated as soon as its gradient is
// queued), dropout seeds per step and update/weight ratios every step asked; only the place
// differs. A data set is copied to the device the first time a subset of it is used, and each batch
// is gathered there from its sample indices.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "cuda/device.h"
#include "cuda/layers.h"
#include "cuda/network.h"
#include "train/cuda_backend.h"
#include "train/device.h"
#include "train/trainer.h"

namespace hs {
namespace {

class CudaTrainer final : public Engine {
 public:
  CudaTrainer(const TrainOptions& opt, Network net, int64_t eval_batch, int device);

  LossStats step(const Subset& set, const int32_t* index, int64_t B, float lr,
                 std::vector<double>* ratios) override;
  EvalResult evaluate(const Subset& set) override;
  const Network& net() const override { return net_; }
  int64_t steps() const override { return steps_; }
  std::vector<float> copy_params() override { return params_.to_host(); }
  void set_params(const std::vector<float>& p) override { params_.upload(p.data(), p.size()); }

 private:
  struct OnDevice {  // one data set's inputs and labels, copied once
    const Dataset* host;
    cuda::Buffer<float> x;
    cuda::Buffer<int32_t> y;
  };
  const OnDevice& on_device(const Dataset* d);
  // The batch index[0, B) of `set` into xb_ and yb_.
  void gather(const Subset& set, const int32_t* index, int64_t B);
  void update_layer(int li, float lr, std::vector<double>* ratios);

  const TrainOptions& opt_;
  Network net_;
  cuda::Context ctx_;
  cuda::Buffer<float> params_, grads_, prev_, state_;
  cuda::Buffer<double> ratio_scratch_;
  cuda::Workspace ws_;
  cuda::Buffer<float> xb_;
  cuda::Buffer<int32_t> yb_, index_;
  std::vector<std::unique_ptr<OnDevice>> data_;
  int64_t steps_ = 0;
  bool folded_ = false;  // momentum folded into the velocity: grads_ unused, state_ is v
};

CudaTrainer::CudaTrainer(const TrainOptions& opt, Network net, int64_t eval_batch, int device)
    : opt_(opt),
      net_(std::move(net)),
      ctx_(device),
      folded_(opt.optim.kind == OptimizerKind::kMomentum) {
  const int64_t P = net_.num_params;
  std::vector<float> params(P);
  init_params(net_, opt.model, derive_seed(opt.seed, 0, SeedPurpose::kInit), params.data());
  const std::vector<float> state = initial_state(opt, net_, params, folded_);
  params_ = cuda::Buffer<float>::from(ctx_, params);
  state_ = cuda::Buffer<float>::from(ctx_, state);
  prev_ = cuda::Buffer<float>(ctx_, static_cast<size_t>(P));
  grads_ = cuda::Buffer<float>(ctx_, folded_ ? 0 : static_cast<size_t>(P));
  grads_.zero();
  ratio_scratch_ = cuda::Buffer<double>(ctx_, static_cast<size_t>(2 * (P / cuda::kRatioBlock + 1)));
  const int64_t max_batch = std::max<int64_t>(opt.batch_size, eval_batch);
  ws_ = cuda::make_workspace(ctx_, net_, max_batch);
  ws_.accumulate_grads = true;  // grads_ is zeroed by each update as it consumes it
  xb_ = cuda::Buffer<float>(ctx_, static_cast<size_t>(max_batch * net_.input_dim));
  yb_ = cuda::Buffer<int32_t>(ctx_, static_cast<size_t>(max_batch));
  index_ = cuda::Buffer<int32_t>(ctx_, static_cast<size_t>(max_batch));
}

const CudaTrainer::OnDevice& CudaTrainer::on_device(const Dataset* d) {
  for (const auto& o : data_)
    if (o->host == d) return *o;
  data_.push_back(std::make_unique<OnDevice>(
      OnDevice{d, cuda::Buffer<float>::from(ctx_, d->x), cuda::Buffer<int32_t>::from(ctx_, d->y)}));
  return *data_.back();
}

void CudaTrainer::gather(const Subset& set, const int32_t* index, int64_t B) {
  const OnDevice& d = on_device(set.data);
  index_.upload(index, static_cast<size_t>(B));
  cuda::gather_rows(ctx_, xb_.data(), yb_.data(), d.x.data(), d.y.data(), index_.data(), B,
                    set.data->dim());
}

// Trainer::step's update of one layer, as kernels queued after the layer's gradient. Biases are
// not decayed.
void CudaTrainer::update_layer(int li, float lr, std::vector<double>* ratios) {
  const Layer& l = net_.layers[li];
  const int k = state_floats_per_param(opt_.optim.kind);
  const float wd = static_cast<float>(opt_.optim.weight_decay);
  const float mu = static_cast<float>(opt_.optim.momentum);
  const int64_t t = steps_ + 1;
  float* w = params_.data() + l.w_offset;
  float* b = params_.data() + l.b_offset;
  if (ratios) cuda::copy(ctx_, prev_.data() + l.w_offset, w, l.w_size);
  if (folded_) {
    cuda::momentum_step_folded(ctx_, lr, mu, wd, w, state_.data() + l.w_offset, l.w_size);
    cuda::momentum_step_folded(ctx_, lr, mu, 0.0f, b, state_.data() + l.b_offset, l.b_size);
  } else {
    cuda::optimizer_step(ctx_, opt_.optim, lr, wd, t, w, grads_.data() + l.w_offset,
                         state_.data() + k * l.w_offset, l.w_size, l.w_size);
    cuda::optimizer_step(ctx_, opt_.optim, lr, 0.0f, t, b, grads_.data() + l.b_offset,
                         state_.data() + k * l.b_offset, l.b_size);
  }
  if (ratios) {
    const size_t j = static_cast<size_t>(std::find(net_.weighted.begin(), net_.weighted.end(), li) -
                                         net_.weighted.begin());
    (*ratios)[j] =
        cuda::update_ratio(ctx_, prev_.data() + l.w_offset, w, l.w_size, ratio_scratch_.data());
  }
}

LossStats CudaTrainer::step(const Subset& set, const int32_t* index, int64_t B, float lr,
                            std::vector<double>* ratios) {
  gather(set, index, B);
  if (ratios) ratios->assign(net_.weighted.size(), 0.0);
  const GradHook update = [&](int li) { update_layer(li, lr, ratios); };
  const LossStats st = cuda::loss_and_grad(
      ctx_, net_, params_.data(), folded_ ? state_.data() : grads_.data(), xb_.data(), yb_.data(),
      B, true, derive_seed(opt_.seed, static_cast<uint64_t>(steps_), SeedPurpose::kDropout), ws_,
      &update);
  if (std::isfinite(st.loss_sum)) ++steps_;  // a diverged step changes nothing
  return st;
}

EvalResult CudaTrainer::evaluate(const Subset& set) {
  return evaluate_in_batches(set, ws_.max_batch, [&](const int32_t* index, int64_t B) {
    gather(set, index, B);
    return cuda::loss_and_grad(ctx_, net_, params_.data(), nullptr, xb_.data(), yb_.data(), B,
                               false, 0, ws_);
  });
}

Result<std::unique_ptr<Engine>> make_engine(const TrainOptions& opt, Network net,
                                            int64_t eval_batch) {
  std::string why;
  const int count = cuda::device_count(&why);
  if (count == 0) return Error{{}, 0, "device", no_gpu_problem(why)};
  const int device = std::max(0, opt.local_worker) % count;
  return std::unique_ptr<Engine>(new CudaTrainer(opt, std::move(net), eval_batch, device));
}

}  // namespace

}  // namespace hs

extern "C" const hs::CudaBackend* hypersweep_cuda_backend() {
  static const hs::CudaBackend backend{HYPERSWEEP_VERSION, sizeof(hs::TrainOptions),
                                       sizeof(hs::Network), &hs::cuda::device_count,
                                       &hs::make_engine};
  return &backend;
}
