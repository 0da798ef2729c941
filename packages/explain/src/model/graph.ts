import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';
import { UnsupportedLayerError } from '../errors.js';

/** A tfjs-layers layer (the class is not exported under a stable public name). */
export type Layer = tfl.LayersModel['layers'][number];

/** One call of a layer in the model's functional graph. */
export interface GraphNode {
  /** Position in topological order; also the index into {@link ModelGraph.nodes}. */
  id: number;
  layer: Layer;
  className: string;
  /** Ids of the nodes whose outputs are this node's inputs, in call order (empty for the input node). */
  inputs: number[];
  /** Ids of the nodes that consume this node's output. */
  consumers: number[];
}

/** The model as a list of layer calls in topological order; node 0 is the input, the last node the output. */
export interface ModelGraph {
  nodes: GraphNode[];
  output: number;
}

/**
 * Walks a tfjs-layers model's functional graph (Sequential or functional) from its output back to its input
 * through the symbolic tensors' inbound nodes, and returns the layer calls in topological order.
 * Only single-input, single-output models are supported; a nested model used as a layer is rejected.
 */
export function parseGraph(model: tfl.LayersModel, method: string): ModelGraph {
  if (model.inputs.length !== 1)
    throw new InputError(`${method}: model`, 'a model with one input', `${model.inputs.length} inputs`);
  if (model.outputs.length !== 1) {
    throw new InputError(`${method}: model`, 'a model with one output', `${model.outputs.length} outputs`);
  }
  const nodes: GraphNode[] = [];
  const ids = new Map<string, number>();
  type Sym = tfl.SymbolicTensor;
  const key = (t: Sym) => `${t.sourceLayer.name}#${t.nodeIndex}`;
  const inputKey = key(model.inputs[0]);
  const visit = (t: Sym, depth: number): number => {
    const k = key(t);
    const known = ids.get(k);
    if (known !== undefined) return known;
    if (depth > 10_000) throw new InputError(`${method}: model`, 'an acyclic layer graph', 'a cycle');
    const layer = t.sourceLayer as Layer;
    const className = layer.getClassName();
    if (t.tensorIndex !== 0) {
      throw new UnsupportedLayerError(method, layer.name, className, 'layers with several outputs are not supported');
    }
    if ('layers' in layer && Array.isArray((layer as unknown as { layers: unknown }).layers)) {
      throw new UnsupportedLayerError(method, layer.name, className, 'nested models: build the model flat');
    }
    let inputs: number[] = [];
    if (k !== inputKey) {
      const node = layer.inboundNodes[t.nodeIndex];
      if (!node || node.inputTensors.length === 0) {
        throw new InputError(
          `${method}: model`,
          `the graph to reach the model input from "${layer.name}"`,
          'a layer with no inputs',
        );
      }
      inputs = node.inputTensors.map((s) => visit(s, depth + 1));
    }
    const id = nodes.length;
    nodes.push({ id, layer, className: k === inputKey ? 'InputLayer' : className, inputs, consumers: [] });
    ids.set(k, id);
    return id;
  };
  const output = visit(model.outputs[0], 0);
  if (!ids.has(inputKey) || ids.get(inputKey) !== 0) {
    throw new InputError(`${method}: model`, 'an output that depends on the model input', 'a disconnected graph');
  }
  for (const n of nodes) for (const i of n.inputs) nodes[i].consumers.push(n.id);
  return { nodes, output };
}
