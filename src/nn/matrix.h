// matrix.h: the row-major Eigen matrices the layers compute through, mapped over the network's
// buffers (Eigen::Map). Internal to src/nn.
#pragma once

#include <Eigen/Core>

namespace hs::detail {

template <class T>
using MatR = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using VecR = Eigen::Matrix<T, 1, Eigen::Dynamic>;

}  // namespace hs::detail
