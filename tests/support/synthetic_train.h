// synthetic_train.h: the small generated problem the trainer's tests train on: 1,200 samples of
// 8x8 images in 4 classes with noise, a quarter for validation, one hidden layer of 32, 6 epochs
// of batches of 32 on one thread. It trains in well under a second.
#pragma once

#include "train/options.h"

namespace hs::test {

inline TrainOptions synthetic_options() {
  TrainOptions o;
  o.data.source = DataSource::kSynthetic;
  o.data.synthetic_samples = 1200;
  o.data.synthetic_classes = 4;
  o.data.synthetic_size = 8;
  o.data.synthetic_noise = 1.5;
  o.data.val_fraction = 0.25;
  o.model.hidden = {32};
  o.lr = 0.05;
  o.batch_size = 32;
  o.epochs = 6;
  o.threads = 1;
  return o;
}

}  // namespace hs::test
