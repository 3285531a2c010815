#include "nn/model.h"

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "core/rng.h"

namespace hs {

const char* arch_name(Arch a) { return a == Arch::kMlp ? "mlp" : "cnn"; }
bool parse_arch(std::string_view s, Arch* out) {
  if (s == "mlp") *out = Arch::kMlp;
  else if (s == "cnn") *out = Arch::kCnn;
  else return false;
  return true;
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kRelu: return "relu";
    case Activation::kTanh: return "tanh";
    case Activation::kGelu: return "gelu";
  }
  return "?";
}
bool parse_activation(std::string_view s, Activation* out) {
  if (s == "relu") *out = Activation::kRelu;
  else if (s == "tanh") *out = Activation::kTanh;
  else if (s == "gelu") *out = Activation::kGelu;
  else return false;
  return true;
}

const char* init_name(InitKind k) {
  switch (k) {
    case InitKind::kAuto: return "auto";
    case InitKind::kHe: return "he";
    case InitKind::kXavier: return "xavier";
  }
  return "?";
}
bool parse_init(std::string_view s, InitKind* out) {
  if (s == "auto") *out = InitKind::kAuto;
  else if (s == "he") *out = InitKind::kHe;
  else if (s == "xavier") *out = InitKind::kXavier;
  else return false;
  return true;
}

namespace {

struct Builder {
  Network net;
  int h, w, c;  // the network input's shape
  std::map<std::string, int> named = {};  // weighted layers named so far, by prefix ("dense": 2)

  // Whether a layer of `params` parameters and `outputs` activations per sample keeps the
  // network within the limits (model.h). Doubles: no product of widths overflows before this.
  bool fits(double params, double outputs) const {
    return static_cast<double>(net.num_params) + params <= static_cast<double>(kMaxParams) &&
           static_cast<double>(net.activations) + outputs <= static_cast<double>(kMaxActivations);
  }
  Error too_big(const std::string& key, const std::string& which) const {
    return Error{{}, 0, key,
                 which + " takes the network past " + std::to_string(kMaxParams) +
                     " parameters or " + std::to_string(kMaxActivations) +
                     " activations per sample, more than hypersweep trains"};
  }

  // Appends a layer whose input is the previous layer's output (or the network input).
  Layer& push(LayerKind kind) {
    Layer l;
    l.kind = kind;
    if (net.layers.empty()) {
      l.in_h = h, l.in_w = w, l.in_c = c;
    } else {
      const Layer& p = net.layers.back();
      l.in_h = p.out_h, l.in_w = p.out_w, l.in_c = p.out_c;
    }
    net.layers.push_back(l);
    return net.layers.back();
  }

  void add_params(Layer& l, int64_t w_size, int64_t b_size, const std::string& prefix) {
    // dense1, dense2, ...: counted as they come (a search of the layers was quadratic in depth)
    l.name = prefix + std::to_string(++named[prefix]);
    l.w_offset = net.num_params;
    l.w_size = w_size;
    net.num_params += w_size;
    l.b_offset = net.num_params;
    l.b_size = b_size;
    net.num_params += b_size;
    net.weighted.push_back(static_cast<int>(net.layers.size()) - 1);
  }

  // Counts the last layer's outputs (after fits() passed for them).
  void count_outputs() { net.activations += net.layers.back().out_dim(); }

  void add_dense(int out) {
    Layer& l = push(LayerKind::kDense);
    const int64_t in = l.in_dim();
    l.in_h = l.in_w = 1;  // a dense layer flattens its input
    l.in_c = static_cast<int>(in);
    l.out_c = out;
    add_params(l, static_cast<int64_t>(out) * in, out, "dense");
    count_outputs();
  }

  void add_elementwise(LayerKind kind, Activation act, float drop) {
    Layer& l = push(kind);
    l.out_h = l.in_h, l.out_w = l.in_w, l.out_c = l.in_c;
    l.act = act;
    l.drop = drop;
    l.name = kind == LayerKind::kActivation ? activation_name(act) : "dropout";
    count_outputs();
  }

  // The width of the previous layer's output (the network input's at first), as a dense
  // layer's input.
  double dense_in() const {
    return net.layers.empty() ? static_cast<double>(h) * w * c
                              : static_cast<double>(net.layers.back().out_dim());
  }
  // A dense layer of `out` units with its activation (and dropout) within the limits.
  bool dense_fits(int out, double elementwise_copies) const {
    return fits(static_cast<double>(out) * (dense_in() + 1), out * (1 + elementwise_copies));
  }
};

std::string dims(int h, int w) { return std::to_string(h) + "x" + std::to_string(w); }

}  // namespace

Result<Network> build_network(const ModelOptions& opt, int h, int w, int c, bool is_image,
                              int classes) {
  Builder bld{Network{}, h, w, c};
  Network& net = bld.net;
  net.num_classes = classes;
  net.input_dim = static_cast<int64_t>(h) * w * c;
  if (classes < 2)
    return Error{{}, 0, {},
                 "a classifier needs at least 2 classes; the data's labels give " +
                     std::to_string(classes)};
  if (opt.arch == Arch::kCnn) {
    if (!is_image)
      return Error{{}, 0, "arch",
                   "a cnn needs image data (X of shape [N, H, W, C]); this data set is tabular "
                   "with " + std::to_string(net.input_dim) + " features"};
    if (opt.conv_channels.empty())
      return Error{{}, 0, "conv_channels", "a cnn needs at least one conv layer"};
    for (size_t i = 0; i < opt.conv_channels.size(); ++i) {
      const std::string which = "conv layer " + std::to_string(i + 1);
      Layer& l = bld.push(LayerKind::kConv2d);
      l.kernel = opt.kernel_size, l.stride = opt.stride, l.pad = opt.padding;
      if (l.in_h + 2 * l.pad < l.kernel || l.in_w + 2 * l.pad < l.kernel)
        return Error{{}, 0, "kernel_size",
                     which + " with kernel " + std::to_string(l.kernel) + " and padding " +
                         std::to_string(l.pad) + " does not fit its " + dims(l.in_h, l.in_w) +
                         " input"};
      if (opt.conv_channels[i] < 1)
        return Error{{}, 0, "conv_channels",
                     "channels must be >= 1, got " + std::to_string(opt.conv_channels[i])};
      l.out_h = (l.in_h + 2 * l.pad - l.kernel) / l.stride + 1;
      l.out_w = (l.in_w + 2 * l.pad - l.kernel) / l.stride + 1;
      l.out_c = opt.conv_channels[i];
      const double weights = static_cast<double>(l.out_c) * l.kernel * l.kernel * l.in_c;
      // The conv's output, its activation and its pool's (at most as large) in one check.
      if (!bld.fits(weights + l.out_c, 3.0 * static_cast<double>(l.out_h) * l.out_w * l.out_c))
        return bld.too_big("conv_channels", which);
      bld.add_params(l, static_cast<int64_t>(l.out_c) * l.kernel * l.kernel * l.in_c, l.out_c,
                     "conv");
      bld.count_outputs();
      // max-pool(relu(x)) == relu(max-pool(x)) exactly, gradients included (relu is monotonic
      // and changes no positive value, so each window's argmax is the same), and the pooled map
      // is a quarter of the size: a relu goes after its pool. Other activations stay before.
      const bool relu_after_pool = opt.activation == Activation::kRelu && opt.pool > 1;
      if (!relu_after_pool) bld.add_elementwise(LayerKind::kActivation, opt.activation, 0.0f);
      if (opt.pool > 1) {
        Layer& p = bld.push(LayerKind::kMaxPool);
        p.kernel = p.stride = opt.pool;
        p.out_h = p.in_h / opt.pool, p.out_w = p.in_w / opt.pool, p.out_c = p.in_c;
        p.name = "maxpool";
        if (p.out_h < 1 || p.out_w < 1)
          return Error{{}, 0, "pool",
                       "pool " + std::to_string(opt.pool) + " after " + which +
                           " leaves no pixels of its " + dims(p.in_h, p.in_w) + " input"};
        bld.count_outputs();
      }
      if (relu_after_pool) bld.add_elementwise(LayerKind::kActivation, opt.activation, 0.0f);
    }
  }
  const double elementwise = opt.dropout > 0 ? 2 : 1;  // an activation, and dropout's copy
  for (size_t i = 0; i < opt.hidden.size(); ++i) {
    const int width = opt.hidden[i];
    if (width < 1)
      return Error{{}, 0, "hidden", "layer widths must be >= 1, got " + std::to_string(width)};
    if (!bld.dense_fits(width, elementwise))
      return bld.too_big("hidden", "hidden layer " + std::to_string(i + 1) + " (width " +
                                       std::to_string(width) + ")");
    bld.add_dense(width);
    bld.add_elementwise(LayerKind::kActivation, opt.activation, 0.0f);
    if (opt.dropout > 0) bld.add_elementwise(LayerKind::kDropout, opt.activation,
                                             static_cast<float>(opt.dropout));
  }
  if (!bld.dense_fits(classes, 0)) return bld.too_big("hidden", "the output layer");
  bld.add_dense(classes);
  for (const auto& l : net.layers) {
    net.max_width = std::max(net.max_width, l.out_dim());
  }
  net.max_width = std::max(net.max_width, net.input_dim);
  return std::move(bld.net);
}

void init_params(const Network& net, const ModelOptions& opt, uint64_t seed, float* params) {
  Rng rng(seed);
  for (int li : net.weighted) {
    const Layer& l = net.layers[li];
    const bool is_conv = l.kind == LayerKind::kConv2d;
    const double fan_in = is_conv ? double(l.kernel) * l.kernel * l.in_c : double(l.in_dim());
    const double fan_out = is_conv ? double(l.kernel) * l.kernel * l.out_c : double(l.out_c);
    InitKind kind = opt.init;
    if (kind == InitKind::kAuto) kind = opt.activation == Activation::kTanh ? InitKind::kXavier
                                                                           : InitKind::kHe;
    // He: N(0, 2/fan_in) for ReLU-like units; Xavier (Glorot): N(0, 2/(fan_in+fan_out)).
    const double stddev = opt.init_scale * (kind == InitKind::kHe
                                                ? std::sqrt(2.0 / fan_in)
                                                : std::sqrt(2.0 / (fan_in + fan_out)));
    float* W = params + l.w_offset;
    for (int64_t i = 0; i < l.w_size; ++i) W[i] = static_cast<float>(stddev * rng.normal());
    float* b = params + l.b_offset;
    for (int64_t i = 0; i < l.b_size; ++i) b[i] = 0.0f;
  }
}

int64_t flops_per_sample(const Network& net, bool training) {
  int64_t total = 0;
  for (size_t k = 0; k < net.weighted.size(); ++k) {
    const Layer& l = net.layers[net.weighted[k]];
    const int64_t positions = static_cast<int64_t>(l.out_h) * l.out_w;  // 1 for dense
    const int64_t gemm = 2 * positions * l.w_size;  // w_size = OC x (patch or C)
    total += gemm;                                  // forward
    if (training) total += gemm + (k > 0 ? gemm : 0);  // dW, and din past the first layer
  }
  return total;
}

std::string describe(const Network& net) {
  std::string s;
  char line[160];
  for (const auto& l : net.layers) {
    const char* kind = "";
    switch (l.kind) {
      case LayerKind::kDense: kind = "dense"; break;
      case LayerKind::kConv2d: kind = "conv2d"; break;
      case LayerKind::kMaxPool: kind = "maxpool"; break;
      case LayerKind::kActivation: kind = "activation"; break;
      case LayerKind::kDropout: kind = "dropout"; break;
    }
    std::snprintf(line, sizeof line, "  %-10s %-10s %4dx%-4dx%5d -> %4dx%-4dx%5d  %9lld params\n",
                  l.name.c_str(), kind, l.in_h, l.in_w, l.in_c, l.out_h, l.out_w, l.out_c,
                  static_cast<long long>(l.w_size + l.b_size));
    s += line;
  }
  std::snprintf(line, sizeof line, "  total parameters: %lld\n",
                static_cast<long long>(net.num_params));
  s += line;
  return s;
}

}  // namespace hs
