import { LineageError } from '../errors.js';
import type { ImageBatch } from '../data/types.js';
import { predictAll } from '../fingerprints/query.js';
import type { Model } from '../models/types.js';
import { fitHead, loadGraphTrainable, type GraphTrainOptions } from '../train/graph.js';
import { regression } from '../train/losses.js';
import { trainGraphCopy } from './fine-tune-graph.js';
import type { AttackOptions, AttackRecord } from './types.js';

/** Linear-probe settings for the projection before the whole student trains. */
const PROBE = { steps: 300, lr: 1e-2 };

export interface PublicInitExtractOptions extends AttackOptions {
  /** The public TF.js graph model the thief starts from (e.g. builtin:mobileface when the victim is another face model). */
  readonly start: string;
  /**
   * Learn a linear projection from the start model's embedding onto the victim's, kept in the saved
   * model (default true; needed when the two sizes differ). Without it the start model's own output
   * is trained to point where the victim's does.
   */
  readonly projection?: boolean;
  /** Weight storage of the saved copy; default float32. */
  readonly storage?: GraphTrainOptions['storage'];
  /**
   * Faces the thief does not train on: the victim's answers to them check the student after every
   * epoch (progress `validation.loss` = 1 − mean cosine) and give the record's `heldOutCosine`.
   */
  readonly heldOut?: ImageBatch;
}

/**
 * Extraction from a public init (METHODS.md §5): the thief queries the victim — any Model: ONNX,
 * TF.js or an HTTP endpoint — with its own images once, then trains ANOTHER public pretrained face
 * model to reproduce the answered embeddings, on 1 − cosine per image. The thief's images are
 * answered as they are (no augmentation: an augmented image would need a new query).
 */
export async function extractFromPublicInit(victim: Model, images: ImageBatch, options: PublicInitExtractOptions): Promise<AttackRecord> {
  if (options.training.augment) {
    throw new LineageError('extraction from a public init trains on the victim\'s answers to the images as sent', 'leave training.augment unset');
  }
  const started = performance.now();
  const targets = await predictAll(victim, images, undefined, `querying ${victim.source}`);
  const validation = options.heldOut && { images: options.heldOut, targets: await predictAll(victim, options.heldOut, undefined, `querying ${victim.source}`) };
  const projection = options.projection ?? true;
  const model = await loadGraphTrainable(options.start, {
    ...(projection ? { head: { kind: 'linear', units: targets.cols, keep: true, seed: options.seed } } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
  });
  const loss = regression('cosine');
  let heldOutLoss: number | undefined;
  try {
    if (!projection && model.outputSize !== targets.cols) {
      throw new LineageError(`${options.start} gives ${model.outputSize}-d embeddings, ${victim.source} ${targets.cols}-d`, 'learn a projection (projection: true)');
    }
    // The projection starts as the best linear map from the start model's embedding to the victim's (a linear probe).
    if (model.head) await fitHead(model, { images, targets }, loss, PROBE);
    const result = await trainGraphCopy(model, { images, targets }, loss, options, { ...(validation ? { validation } : {}) });
    heldOutLoss = result.history.at(-1)?.validation?.loss;
  } finally {
    model.dispose();
  }
  return {
    attack: 'extract-public-init',
    output: options.saveTo,
    params: {
      victim: victim.source, start: options.start, projection, loss: 'cosine', queries: images.count + (options.heldOut?.count ?? 0), ...options.training,
      ...(options.storage ? { storage: options.storage } : {}), ...(heldOutLoss !== undefined ? { heldOutCosine: 1 - heldOutLoss } : {}),
    },
    seed: options.seed,
    seconds: (performance.now() - started) / 1000,
  };
}
