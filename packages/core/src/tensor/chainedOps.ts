// @ts-nocheck: generated from tfjs-core 4.22's dist/public/chained_ops (Apache-2.0) by
// scripts/gen-chained-ops.py; do not edit. `this` is a tf.Tensor in every function below.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Adds the chained ops (`x.square()`, `x.flatten()`, ...) to tf.Tensor, as the umbrella @tensorflow/tfjs package
 * does. tfjs-layers calls some of them itself (LSTM's orthogonal initializer), so without them such layers fail
 * with "x.flatten is not a function". Idempotent.
 */
export function registerChainedOps(): void {
  const proto = tf.Tensor.prototype;
  if (typeof proto.flatten === 'function') return;
  proto.abs = function () {
      this.throwIfDisposed();
      return tf.abs(this);
  };
  proto.acos = function () {
      this.throwIfDisposed();
      return tf.acos(this);
  };
  proto.acosh = function () {
      this.throwIfDisposed();
      return tf.acosh(this);
  };
  proto.add = function (b) {
      this.throwIfDisposed();
      return tf.add(this, b);
  };
  proto.all = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.all(this, axis, keepDims);
  };
  proto.any = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.any(this, axis, keepDims);
  };
  proto.argMax = function (axis) {
      this.throwIfDisposed();
      return tf.argMax(this, axis);
  };
  proto.argMin = function (axis) {
      this.throwIfDisposed();
      return tf.argMin(this, axis);
  };
  proto.as1D = function () {
      this.throwIfDisposed();
      return tf.reshape(this, [this.size]);
  };
  proto.as2D = function (rows, columns) {
      this.throwIfDisposed();
      return tf.reshape(this, [rows, columns]);
  };
  proto.as3D = function (rows, columns, depth) {
      this.throwIfDisposed();
      return tf.reshape(this, [rows, columns, depth]);
  };
  proto.as4D = function (rows, columns, depth, depth2) {
      this.throwIfDisposed();
      return tf.reshape(this, [rows, columns, depth, depth2]);
  };
  proto.as5D = function (rows, columns, depth, depth2, depth3) {
      this.throwIfDisposed();
      return tf.reshape(this, [rows, columns, depth, depth2, depth3]);
  };
  proto.asScalar = function () {
      this.throwIfDisposed();
      tf.util.assert(this.size === 1, () => 'The array must have only 1 element.');
      return tf.reshape(this, []);
  };
  proto.asType = function (dtype) {
      this.throwIfDisposed();
      return tf.cast(this, dtype);
  };
  proto.asin = function () {
      this.throwIfDisposed();
      return tf.asin(this);
  };
  proto.asinh = function () {
      this.throwIfDisposed();
      return tf.asinh(this);
  };
  proto.atan = function () {
      this.throwIfDisposed();
      return tf.atan(this);
  };
  proto.atan2 = function (b) {
      this.throwIfDisposed();
      return tf.atan2(this, b);
  };
  proto.atanh = function () {
      this.throwIfDisposed();
      return tf.atanh(this);
  };
  proto.avgPool =
      function (filterSize, strides, pad, dimRoundingMode) {
          this.throwIfDisposed();
          return tf.avgPool(this, filterSize, strides, pad, dimRoundingMode);
      };
  proto.batchToSpaceND = function (blockShape, crops) {
      this.throwIfDisposed();
      return tf.batchToSpaceND(this, blockShape, crops);
  };
  proto.batchNorm = function (mean, variance, offset, scale, varianceEpsilon) {
      this.throwIfDisposed();
      return tf.batchNorm(this, mean, variance, offset, scale, varianceEpsilon);
  };
  proto.broadcastTo = function (shape) {
      this.throwIfDisposed();
      return tf.broadcastTo(this, shape);
  };
  proto.cast = function (dtype) {
      this.throwIfDisposed();
      return tf.cast(this, dtype);
  };
  proto.ceil = function () {
      this.throwIfDisposed();
      return tf.ceil(this);
  };
  proto.clipByValue = function (min, max) {
      this.throwIfDisposed();
      return tf.clipByValue(this, min, max);
  };
  proto.concat = function (x, axis) {
      this.throwIfDisposed();
      if (x instanceof tf.Tensor) {
          x = [x];
      }
      return tf.concat([this, ...x], axis);
  };
  proto.conv1d = function (filter, stride, pad, dataFormat, dilation, dimRoundingMode) {
      this.throwIfDisposed();
      return tf.conv1d(this, filter, stride, pad, dataFormat, dilation, dimRoundingMode);
  };
  proto.conv2d = function (filter, strides, pad, dataFormat, dilations, dimRoundingMode) {
      this.throwIfDisposed();
      return tf.conv2d(this, filter, strides, pad, dataFormat, dilations, dimRoundingMode);
  };
  proto.conv2dTranspose =
      function (filter, outputShape, strides, pad, dimRoundingMode) {
          this.throwIfDisposed();
          return tf.conv2dTranspose(this, filter, outputShape, strides, pad, dimRoundingMode);
      };
  proto.cos = function () {
      this.throwIfDisposed();
      return tf.cos(this);
  };
  proto.cosh = function () {
      this.throwIfDisposed();
      return tf.cosh(this);
  };
  proto.cumprod = function (axis, exclusive, reverse) {
      this.throwIfDisposed();
      return tf.cumprod(this, axis, exclusive, reverse);
  };
  proto.cumsum = function (axis, exclusive, reverse) {
      this.throwIfDisposed();
      return tf.cumsum(this, axis, exclusive, reverse);
  };
  proto.depthToSpace = function (blockSize, dataFormat) {
      this.throwIfDisposed();
      return tf.depthToSpace(this, blockSize, dataFormat);
  };
  proto.depthwiseConv2d =
      function (filter, strides, pad, dataFormat, dilations, dimRoundingMode) {
          this.throwIfDisposed();
          return tf.depthwiseConv2d(this, filter, strides, pad, dataFormat, dilations, dimRoundingMode);
      };
  proto.dilation2d =
      function (filter, strides, pad, dilations, dataFormat) {
          this.throwIfDisposed();
          return tf.dilation2d(this, filter, strides, pad, dilations, dataFormat);
      };
  proto.div = function (b) {
      this.throwIfDisposed();
      return tf.div(this, b);
  };
  proto.divNoNan = function (b) {
      this.throwIfDisposed();
      return tf.divNoNan(this, b);
  };
  proto.dot = function (b) {
      this.throwIfDisposed();
      return tf.dot(this, b);
  };
  proto.elu = function () {
      this.throwIfDisposed();
      return tf.elu(this);
  };
  proto.equal = function (b) {
      this.throwIfDisposed();
      return tf.equal(this, b);
  };
  proto.erf = function () {
      this.throwIfDisposed();
      return tf.erf(this);
  };
  proto.euclideanNorm = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.euclideanNorm(this, axis, keepDims);
  };
  proto.exp = function () {
      this.throwIfDisposed();
      return tf.exp(this);
  };
  proto.expandDims = function (axis) {
      this.throwIfDisposed();
      return tf.expandDims(this, axis);
  };
  proto.expm1 = function () {
      this.throwIfDisposed();
      return tf.expm1(this);
  };
  proto.fft = function () {
      this.throwIfDisposed();
      return tf.fft(this);
  };
  proto.flatten = function () {
      this.throwIfDisposed();
      return tf.reshape(this, [this.size]);
  };
  proto.floor = function () {
      this.throwIfDisposed();
      return tf.floor(this);
  };
  proto.floorDiv = function (b) {
      this.throwIfDisposed();
      return tf.floorDiv(this, b);
  };
  proto.gather = function (indices, axis, batchDims) {
      this.throwIfDisposed();
      return tf.gather(this, indices, axis, batchDims);
  };
  proto.greater = function (b) {
      this.throwIfDisposed();
      return tf.greater(this, b);
  };
  proto.greaterEqual = function (b) {
      this.throwIfDisposed();
      return tf.greaterEqual(this, b);
  };
  proto.ifft = function () {
      this.throwIfDisposed();
      return tf.ifft(this);
  };
  proto.irfft = function () {
      this.throwIfDisposed();
      return tf.irfft(this);
  };
  proto.isFinite = function () {
      this.throwIfDisposed();
      return tf.isFinite(this);
  };
  proto.isInf = function () {
      this.throwIfDisposed();
      return tf.isInf(this);
  };
  proto.isNaN = function () {
      this.throwIfDisposed();
      return tf.isNaN(this);
  };
  proto.leakyRelu = function (alpha) {
      this.throwIfDisposed();
      return tf.leakyRelu(this, alpha);
  };
  proto.less = function (b) {
      this.throwIfDisposed();
      return tf.less(this, b);
  };
  proto.lessEqual = function (b) {
      this.throwIfDisposed();
      return tf.lessEqual(this, b);
  };
  proto.localResponseNormalization =
      function (depthRadius, bias, alpha, beta) {
          this.throwIfDisposed();
          return tf.localResponseNormalization(this, depthRadius, bias, alpha, beta);
      };
  proto.log = function () {
      this.throwIfDisposed();
      return tf.log(this);
  };
  proto.log1p = function () {
      this.throwIfDisposed();
      return tf.log1p(this);
  };
  proto.logSigmoid = function () {
      this.throwIfDisposed();
      return tf.logSigmoid(this);
  };
  proto.logSoftmax = function (axis) {
      this.throwIfDisposed();
      return tf.logSoftmax(this, axis);
  };
  proto.logSumExp = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.logSumExp(this, axis, keepDims);
  };
  proto.logicalAnd = function (b) {
      this.throwIfDisposed();
      return tf.logicalAnd(this, b);
  };
  proto.logicalNot = function () {
      this.throwIfDisposed();
      return tf.logicalNot(this);
  };
  proto.logicalOr = function (b) {
      this.throwIfDisposed();
      return tf.logicalOr(this, b);
  };
  proto.logicalXor = function (b) {
      this.throwIfDisposed();
      return tf.logicalXor(this, b);
  };
  proto.matMul = function (b, transposeA, transposeB) {
      this.throwIfDisposed();
      return tf.matMul(this, b, transposeA, transposeB);
  };
  proto.max = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.max(this, axis, keepDims);
  };
  proto.maxPool =
      function (filterSize, strides, pad, dimRoundingMode) {
          this.throwIfDisposed();
          return tf.maxPool(this, filterSize, strides, pad, dimRoundingMode);
      };
  proto.maximum = function (b) {
      this.throwIfDisposed();
      return tf.maximum(this, b);
  };
  proto.mean = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.mean(this, axis, keepDims);
  };
  proto.min = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.min(this, axis, keepDims);
  };
  proto.minimum = function (b) {
      this.throwIfDisposed();
      return tf.minimum(this, b);
  };
  proto.mirrorPad = function (paddings, mode) {
      this.throwIfDisposed();
      return tf.mirrorPad(this, paddings, mode);
  };
  proto.mod = function (b) {
      this.throwIfDisposed();
      return tf.mod(this, b);
  };
  proto.mul = function (b) {
      this.throwIfDisposed();
      return tf.mul(this, b);
  };
  proto.neg = function () {
      this.throwIfDisposed();
      return tf.neg(this);
  };
  proto.norm = function (ord, axis, keepDims) {
      this.throwIfDisposed();
      return tf.norm(this, ord, axis, keepDims);
  };
  proto.notEqual = function (b) {
      this.throwIfDisposed();
      return tf.notEqual(this, b);
  };
  proto.oneHot = function (depth, onValue = 1, offValue = 0) {
      this.throwIfDisposed();
      return tf.oneHot(this, depth, onValue, offValue);
  };
  proto.onesLike = function () {
      this.throwIfDisposed();
      return tf.onesLike(this);
  };
  proto.pad = function (paddings, constantValue) {
      this.throwIfDisposed();
      return tf.pad(this, paddings, constantValue);
  };
  proto.pool = function (windowShape, poolingType, padding, dilationRate, strides, dimRoundingMode) {
      this.throwIfDisposed();
      return tf.pool(this, windowShape, poolingType, padding, dilationRate, strides, dimRoundingMode);
  };
  proto.pow = function (exp) {
      this.throwIfDisposed();
      return tf.pow(this, exp);
  };
  proto.prelu = function (alpha) {
      this.throwIfDisposed();
      return tf.prelu(this, alpha);
  };
  proto.prod = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.prod(this, axis, keepDims);
  };
  proto.reciprocal = function () {
      this.throwIfDisposed();
      return tf.reciprocal(this);
  };
  proto.relu = function () {
      this.throwIfDisposed();
      return tf.relu(this);
  };
  proto.relu6 = function () {
      this.throwIfDisposed();
      return tf.relu6(this);
  };
  proto.reshape = function (shape) {
      this.throwIfDisposed();
      return tf.reshape(this, shape);
  };
  proto.reshapeAs = function (x) {
      this.throwIfDisposed();
      return tf.reshape(this, x.shape);
  };
  proto.resizeBilinear =
      function (newShape2D, alignCorners, halfPixelCenters) {
          this.throwIfDisposed();
          return tf.resizeBilinear(this, newShape2D, alignCorners, halfPixelCenters);
      };
  proto.resizeNearestNeighbor =
      function (newShape2D, alignCorners, halfFloatCenters) {
          this.throwIfDisposed();
          return tf.resizeNearestNeighbor(this, newShape2D, alignCorners, halfFloatCenters);
      };
  proto.reverse = function (axis) {
      this.throwIfDisposed();
      return tf.reverse(this, axis);
  };
  proto.rfft = function () {
      this.throwIfDisposed();
      return tf.rfft(this);
  };
  proto.round = function () {
      this.throwIfDisposed();
      return tf.round(this);
  };
  proto.rsqrt = function () {
      this.throwIfDisposed();
      return tf.rsqrt(this);
  };
  proto.selu = function () {
      this.throwIfDisposed();
      return tf.selu(this);
  };
  proto.separableConv2d =
      function (depthwiseFilter, pointwiseFilter, strides, pad, dilation, dataFormat) {
          this.throwIfDisposed();
          return tf.separableConv2d(this, depthwiseFilter, pointwiseFilter, strides, pad, dilation, dataFormat);
      };
  proto.sigmoid = function () {
      this.throwIfDisposed();
      return tf.sigmoid(this);
  };
  proto.sign = function () {
      this.throwIfDisposed();
      return tf.sign(this);
  };
  proto.sin = function () {
      this.throwIfDisposed();
      return tf.sin(this);
  };
  proto.sinh = function () {
      this.throwIfDisposed();
      return tf.sinh(this);
  };
  proto.slice = function (begin, size) {
      this.throwIfDisposed();
      return tf.slice(this, begin, size);
  };
  proto.softmax = function (dim) {
      this.throwIfDisposed();
      return tf.softmax(this, dim);
  };
  proto.softplus = function () {
      this.throwIfDisposed();
      return tf.softplus(this);
  };
  proto.spaceToBatchND = function (blockShape, paddings) {
      this.throwIfDisposed();
      return tf.spaceToBatchND(this, blockShape, paddings);
  };
  proto.split = function (numOrSizeSplits, axis) {
      this.throwIfDisposed();
      return tf.split(this, numOrSizeSplits, axis);
  };
  proto.sqrt = function () {
      this.throwIfDisposed();
      return tf.sqrt(this);
  };
  proto.square = function () {
      this.throwIfDisposed();
      return tf.square(this);
  };
  proto.squaredDifference = function (b) {
      this.throwIfDisposed();
      return tf.squaredDifference(this, b);
  };
  proto.squeeze = function (axis) {
      this.throwIfDisposed();
      return tf.squeeze(this, axis);
  };
  proto.stack = function (x, axis) {
      this.throwIfDisposed();
      const tensorsToBeStacked = x instanceof tf.Tensor ? [this, x] : [this, ...x];
      return tf.stack(tensorsToBeStacked, axis);
  };
  proto.step = function (alpha) {
      this.throwIfDisposed();
      return tf.step(this, alpha);
  };
  proto.stridedSlice = function (begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask) {
      this.throwIfDisposed();
      return tf.stridedSlice(this, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
  };
  proto.sub = function (b) {
      this.throwIfDisposed();
      return tf.sub(this, b);
  };
  proto.sum = function (axis, keepDims) {
      this.throwIfDisposed();
      return tf.sum(this, axis, keepDims);
  };
  proto.tan = function () {
      this.throwIfDisposed();
      return tf.tan(this);
  };
  proto.tanh = function () {
      this.throwIfDisposed();
      return tf.tanh(this);
  };
  proto.tile = function (reps) {
      this.throwIfDisposed();
      return tf.tile(this, reps);
  };
  proto.toBool = function () {
      this.throwIfDisposed();
      return tf.cast(this, 'bool');
  };
  proto.toFloat = function () {
      this.throwIfDisposed();
      return tf.cast(this, 'float32');
  };
  proto.toInt = function () {
      this.throwIfDisposed();
      return tf.cast(this, 'int32');
  };
  proto.topk = function (k, sorted) {
      this.throwIfDisposed();
      return tf.topk(this, k, sorted);
  };
  proto.transpose = function (perm) {
      this.throwIfDisposed();
      return tf.transpose(this, perm);
  };
  proto.unique = function (axis) {
      this.throwIfDisposed();
      return tf.unique(this, axis);
  };
  proto.unsortedSegmentSum =
      function (segmentIds, numSegments) {
          this.throwIfDisposed();
          return tf.unsortedSegmentSum(this, segmentIds, numSegments);
      };
  proto.unstack = function (axis) {
      this.throwIfDisposed();
      return tf.unstack(this, axis);
  };
  proto.where = function (condition, x) {
      this.throwIfDisposed();
      return tf.where(condition, this, x);
  };
  proto.zerosLike = function () {
      this.throwIfDisposed();
      return tf.zerosLike(this);
  };
}
