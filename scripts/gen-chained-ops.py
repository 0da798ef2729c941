"""Generates packages/core/src/tensor/chainedOps.ts from tfjs-core's dist/public/chained_ops/*.js.

tfjs-core's bundles do not register the chained ops (`x.square()`); only the umbrella @tensorflow/tfjs package
imports them, and tfjs-layers itself calls some (the orthogonal initializer of LSTM calls `.flatten()`).
Run: python3 scripts/gen-chained-ops.py  (after an upgrade of tfjs-core)
"""
import glob
import os
import re

root = os.path.join(os.path.dirname(__file__), '..')
src_dir = os.path.join(root, 'node_modules/@tensorflow/tfjs-core/dist/public/chained_ops')
out = []
for f in sorted(glob.glob(os.path.join(src_dir, '*.js'))):
    name = os.path.basename(f)
    if 'test' in name or name.startswith('register_all'):
        continue
    text = open(f).read().split('//# sourceMappingURL')[0]
    imports = {n.strip() for m in re.finditer(r'import \{([^}]*)\} from', text) for n in m.group(1).split(',') if n.strip()}
    body = re.sub(r'^import .*\n', '', text, flags=re.M)
    body = re.sub(r'/\*\*.*?\*/\s*', '', body, flags=re.S)
    body = re.sub(r'^// TODO.*\n', '', body, flags=re.M)
    body = body.replace('getGlobalTensorClass().prototype.', 'proto.')
    for n in imports - {'getGlobalTensorClass'}:
        target = 'tf.util.assert' if n == 'assert' else f'tf.{n}'
        body = re.sub(r'(?<![\w.])' + n + r'\b', target, body)
    out.append(body.strip())

header = '''// @ts-nocheck: generated from tfjs-core 4.22's dist/public/chained_ops (Apache-2.0) by
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
'''
with open(os.path.join(root, 'packages/core/src/tensor/chainedOps.ts'), 'w') as fh:
    fh.write(header)
    for block in out:
        fh.write('\n'.join('  ' + line if line else line for line in block.split('\n')) + '\n')
    fh.write('}\n')
