// model.h: what network to build (ModelOptions, filled from the config) and the built network's
// layout (Network): a list of layers and where each one's weights live in ONE contiguous
// parameter buffer, so gradients, optimiser state, checkpoints and update/weight ratios all deal
// with one buffer (STYLE.md, after llm.c).
//
// Architectures:
//   mlp: flatten -> [dense(h) -> act -> dropout] for h in hidden -> dense(classes)
//   cnn: [conv(kernel, stride, padding) -> act -> maxpool(pool)] for c in conv_channels
//        (with relu the pool goes first: the same function and gradient, on a quarter the data)
//        -> flatten -> [dense(h) -> act -> dropout] for h in hidden -> dense(classes)
// Weights: dense W (OC, C), conv W (OC, K, K, C) (so a conv is a dense over K*K*C patches).
//
// May depend on: src/core. Knows nothing of data files, optimisers or MPI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace hs {

enum class Arch { kMlp, kCnn };
enum class Activation { kRelu, kTanh, kGelu };
enum class InitKind { kAuto, kHe, kXavier };  // auto: He for relu/gelu, Xavier for tanh

const char* arch_name(Arch a);              // mlp, cnn
bool parse_arch(std::string_view s, Arch* out);
const char* activation_name(Activation a);  // relu, tanh, gelu
bool parse_activation(std::string_view s, Activation* out);
const char* init_name(InitKind k);          // auto, he, xavier
bool parse_init(std::string_view s, InitKind* out);

struct ModelOptions {
  Arch arch = Arch::kMlp;
  std::vector<int> hidden = {256, 256};    // dense hidden widths (cnn default: none)
  Activation activation = Activation::kRelu;
  double dropout = 0.0;                    // drop probability after each hidden dense layer
  std::vector<int> conv_channels = {16, 32};
  int kernel_size = 5;
  int stride = 1;
  int padding = 0;                         // zero padding on each side
  int pool = 2;                            // max-pool window and stride (1: no pooling)
  InitKind init = InitKind::kAuto;
  double init_scale = 1.0;                 // multiplies the initial weights (1: plain He/Xavier)
};

// Upper bounds on a network, the one home of each, checked by build_network before anything is
// allocated, with arithmetic that cannot overflow: parameters (float32; training keeps 4 to 6
// copies: weights, gradients, previous weights, optimiser state, the best checkpoint) and the
// activations of one sample (every layer's output; training keeps about 2 floats of each per
// sample of a batch). Bigger networks are beyond a CPU trainer; `hidden = [1e9, 1e9]` is a typo.
inline constexpr int64_t kMaxParams = int64_t{1} << 30;       // 1.07e9: 4 GiB a copy
inline constexpr int64_t kMaxActivations = int64_t{1} << 27;  // 1.3e8 per sample: 512 MiB

enum class LayerKind { kDense, kConv2d, kMaxPool, kActivation, kDropout };

struct Layer {
  LayerKind kind = LayerKind::kDense;
  std::string name;                 // "dense1", "conv2", ... (weighted layers are numbered)
  int in_h = 1, in_w = 1, in_c = 0;     // per-sample input shape (NHWC)
  int out_h = 1, out_w = 1, out_c = 0;  // per-sample output shape
  int kernel = 1, stride = 1, pad = 0;  // conv (kernel/stride/pad) and pool (kernel = stride)
  Activation act = Activation::kRelu;
  float drop = 0.0f;
  int64_t w_offset = -1, w_size = 0;    // weights in the parameter buffer (-1: none)
  int64_t b_offset = -1, b_size = 0;    // biases in the parameter buffer (-1: none)

  int64_t in_dim() const { return static_cast<int64_t>(in_h) * in_w * in_c; }
  int64_t out_dim() const { return static_cast<int64_t>(out_h) * out_w * out_c; }
  bool has_params() const { return w_offset >= 0; }
};

struct Network {
  std::vector<Layer> layers;
  int64_t num_params = 0;
  int num_classes = 0;
  int64_t input_dim = 0;
  int64_t max_width = 0;                // largest per-sample activation size
  int64_t activations = 0;              // every layer's output, per sample (<= kMaxActivations)
  std::vector<int> weighted;            // indices of layers with parameters, in order
};

// Builds the layout for inputs of shape (h, w, c) and `classes` outputs. Errors: a cnn on data
// without an image shape, a conv or pool that leaves no pixels, empty or non-positive widths,
// more than kMaxParams parameters or kMaxActivations activations (naming the key that grew it).
Result<Network> build_network(const ModelOptions& opt, int h, int w, int c, bool is_image,
                              int classes);

// Fills params (net.num_params) with He or Xavier normal weights times init_scale and zero
// biases, from an Rng seeded with `seed`.
void init_params(const Network& net, const ModelOptions& opt, uint64_t seed, float* params);

// Floating-point operations per sample: forward only, or a training step (forward, weight
// gradients and input gradients; the first layer needs no input gradient). Counts the GEMMs
// (2 per multiply-add), which is what dominates; elementwise work is left out.
int64_t flops_per_sample(const Network& net, bool training);

// One line per layer with its shapes and parameter count, for `hypersweep train`'s header.
std::string describe(const Network& net);

}  // namespace hs
