#include "train/probe.h"

namespace hs {

Result<Probe> Probe::make(const TrainOptions& opt, const DataBundle& data) {
  auto net = network_for(opt, data);
  if (!net) return net.error();
  Probe p;
  p.classes_ = net->num_classes;
  p.opt_ = std::make_unique<TrainOptions>(opt);
  p.trainer_ = std::make_unique<Trainer>(*p.opt_, std::move(*net), kEvalBatch);
  return p;
}

EvalResult Probe::evaluate(const Subset& set) { return trainer_->evaluate(set); }

double Probe::step(const Subset& set, const int32_t* index, int64_t B, double lr) {
  const LossStats st = trainer_->step(set, index, B, static_cast<float>(lr), nullptr);
  return st.loss_sum / static_cast<double>(B);
}

}  // namespace hs
