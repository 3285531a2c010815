#include <catch2/catch.hpp>

#include "gradcheck.h"
#include "nn/layers.h"

using namespace hs;
using namespace hs::test;

TEST_CASE("dense_forward matches the naive triple loop", "[nn][dense]") {
  const int64_t B = 5, C = 7, OC = 3;
  auto in = random_vector(B * C, 1), W = random_vector(OC * C, 2), b = random_vector(OC, 3);
  std::vector<double> out(B * OC);
  dense_forward(out.data(), in.data(), W.data(), b.data(), B, C, OC);
  for (int64_t i = 0; i < B; ++i)
    for (int64_t o = 0; o < OC; ++o) {
      double s = b[o];
      for (int64_t c = 0; c < C; ++c) s += in[i * C + c] * W[o * C + c];
      CHECK(out[i * OC + o] == Approx(s).epsilon(1e-12));
    }
}

TEST_CASE("dense_backward gradients match finite differences", "[nn][dense][grad]") {
  // Sizes above the 16-row blocks of the thread split, and odd, to cover the edges.
  const int64_t B = 37, C = 19, OC = 21;
  auto in = random_vector(B * C, 4), W = random_vector(OC * C, 5), b = random_vector(OC, 6);
  const auto R = random_vector(B * OC, 7);
  std::vector<double> out(B * OC), din(B * C), dW(OC * C), db(OC);
  auto loss = [&] {
    dense_forward(out.data(), in.data(), W.data(), b.data(), B, C, OC);
    return dot(out, R);
  };
  dense_backward(din.data(), dW.data(), db.data(), R.data(), in.data(), W.data(), B, C, OC);
  check_grad("dW", W, dW, loss);
  check_grad("db", b, db, loss);
  check_grad("din", in, din, loss);
}

TEST_CASE("dense_backward overwrites its outputs and skips a null din", "[nn][dense]") {
  const int64_t B = 4, C = 3, OC = 2;
  auto in = random_vector(B * C, 8), W = random_vector(OC * C, 9), R = random_vector(B * OC, 10);
  std::vector<double> dW1(OC * C, 0.0), db1(OC, 0.0), dW2(OC * C, 123.0), db2(OC, -5.0);
  std::vector<double> din(B * C);
  dense_backward(din.data(), dW1.data(), db1.data(), R.data(), in.data(), W.data(), B, C, OC);
  dense_backward<double>(nullptr, dW2.data(), db2.data(), R.data(), in.data(), W.data(), B, C,
                         OC);
  CHECK(dW1 == dW2);
  CHECK(db1 == db2);
}

TEST_CASE("dense_backward with accumulate adds to dW and db", "[nn][dense]") {
  const int64_t B = 4, C = 3, OC = 2;
  auto in = random_vector(B * C, 11), W = random_vector(OC * C, 12), R = random_vector(B * OC, 13);
  std::vector<double> dW(OC * C), db(OC), dWa(OC * C, 0.5), dba(OC, -2.0), din(B * C);
  dense_backward(din.data(), dW.data(), db.data(), R.data(), in.data(), W.data(), B, C, OC);
  dense_backward(din.data(), dWa.data(), dba.data(), R.data(), in.data(), W.data(), B, C, OC,
                 true);
  for (size_t i = 0; i < dW.size(); ++i) CHECK(dWa[i] == Approx(dW[i] + 0.5).epsilon(1e-14));
  for (size_t i = 0; i < db.size(); ++i) CHECK(dba[i] == Approx(db[i] - 2.0).epsilon(1e-14));
}
