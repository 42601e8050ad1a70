/**
 * Reading a TF.js graph model's node list (model.json `modelTopology.node`): which weights feed an
 * output, in what order, and which nodes are convolutions — what training and pruning need to know.
 */
import { LineageError } from '../errors.js';

/** One node of a TF.js graph model.json. */
export interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, unknown>>;
}

/** The node a graph input string names: `^ctrl` and `name:1` both stand for node `name`. */
export function inputNode(input: string): string {
  return input.replace(/^\^/, '').replace(/:\d+$/, '');
}

/**
 * Nodes `output` depends on, each after its inputs (a topological order of the output's ancestors,
 * the output last). Throws when the graph has no node `output`.
 */
export function ancestorsInOrder(nodes: readonly GraphNode[], output: string, source: string): GraphNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  if (!byName.has(output)) {
    const ops = nodes.filter((n) => n.op !== 'Const').map((n) => n.name);
    throw new LineageError(`graph model ${source} has no node "${output}"`,
      `choose the output among its nodes, e.g. ${ops.slice(-5).join(', ')}`);
  }
  const order: GraphNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  // Iterative depth-first search: converted graphs are hundreds of nodes deep.
  const stack: { node: GraphNode; next: number }[] = [{ node: byName.get(output)!, next: 0 }];
  state.set(output, 'open');
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top.node.input ?? [];
    if (top.next < inputs.length) {
      const child = byName.get(inputNode(inputs[top.next++]!));
      if (child && !state.has(child.name)) {
        state.set(child.name, 'open');
        stack.push({ node: child, next: 0 });
      }
      continue;
    }
    stack.pop();
    state.set(top.node.name, 'done');
    order.push(top.node);
  }
  return order;
}

/**
 * The Const nodes that `output` depends on, ordered by their first consumer's position in the
 * graph (inputs first, the output's last weights last).
 */
export function weightsInOrder(nodes: readonly GraphNode[], output: string, source: string): string[] {
  const ordered = ancestorsInOrder(nodes, output, source);
  const consts = new Set(ordered.filter((n) => n.op === 'Const').map((n) => n.name));
  const seen = new Set<string>();
  const weights: string[] = [];
  for (const node of ordered) {
    for (const input of node.input ?? []) {
      const name = inputNode(input);
      if (consts.has(name) && !seen.has(name)) {
        seen.add(name);
        weights.push(name);
      }
    }
  }
  return weights;
}

/** A convolution of the graph with the weights that make each of its output channels. */
export interface GraphConv {
  /** The conv node (its output has the channels). */
  readonly node: string;
  /** Filter weight: [h, w, in, out] for Conv2D, [h, w, in, multiplier] for depthwise convs. */
  readonly filter: string;
  /** Bias of a fused conv, when there is one. */
  readonly bias?: string;
  readonly depthwise: boolean;
}

const CONV_OPS = new Set(['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);

/** The convolutions among `nodes` whose filter is one of `weights` (trainable Const nodes). */
export function convolutions(nodes: readonly GraphNode[], weights: ReadonlySet<string>): GraphConv[] {
  const convs: GraphConv[] = [];
  for (const node of nodes) {
    if (!CONV_OPS.has(node.op)) continue;
    const [, filter, bias] = (node.input ?? []).map(inputNode);
    if (filter === undefined || !weights.has(filter)) continue;
    convs.push({
      node: node.name, filter, depthwise: node.op.includes('Depthwise'),
      ...(node.op.startsWith('_Fused') || node.op.startsWith('Fused')) && bias !== undefined && weights.has(bias) ? { bias } : {},
    });
  }
  return convs;
}
