/**
 * The one training loop: seeded shuffling and augmentation, sgd / momentum / adam with a learning
 * rate schedule and L2 weight decay, any loss on logits, per-epoch evaluation, keep-best weights,
 * and saving as a TF.js folder that `loadModel` reads with the same preprocessing. It trains a
 * tf.layers model or any Trainable (src/train/trainable.ts: e.g. a TF.js graph model).
 */
import * as tf from '@tensorflow/tfjs';
import { LineageError } from '../errors.js';
import { concatImages, type ImageBatch } from '../data/types.js';
import type { InputSpec, Outputs } from '../models/types.js';
import { Random } from '../util/random.js';
import { initTrainingBackend } from './backend.js';
import { checkTrainingData, fitToSpec, supervision, type TrainingData } from './data.js';
import { evaluate, inputTensor, type Evaluation } from './evaluate.js';
import { crossEntropy, type Loss } from './losses.js';
import { makeOptimizer, scheduledRate, setLearningRate, type LrSchedule, type OptimizerName } from './optimizer.js';
import { drawBatch, type Augmentation } from './preprocess.js';
import { layersTrainable, type Trainable } from './trainable.js';

export interface TrainOptions {
  readonly epochs: number;
  /** Seeds shuffling and augmentation. */
  readonly seed: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** Default 'adam'. */
  readonly optimizer?: OptimizerName;
  /** Base learning rate; default 1e-3. */
  readonly lr?: number;
  /** For the 'momentum' optimizer; default 0.9. */
  readonly momentum?: number;
  /** Default 'constant'. */
  readonly schedule?: LrSchedule;
  /** L2 penalty ½·wd·Σw² on conv / dense kernels (PyTorch's weight_decay for SGD); default 0. */
  readonly weightDecay?: number;
  /** Default: none. */
  readonly augment?: Augmentation;
  /** Default: cross-entropy on the labels (or the targets' argmax). */
  readonly loss?: Loss;
  /** Evaluated (inference mode) after every epoch. */
  readonly validation?: TrainingData;
  /** End with the weights of the best validation epoch (accuracy when labelled, else loss). */
  readonly keepBest?: boolean;
  /**
   * Answers every drawn (augmented) batch with fresh target rows that replace the data's targets:
   * online distillation, i.e. a model thief who sends the victim each augmented image it trains on.
   */
  readonly teacher?: (batch: ImageBatch) => Outputs;
  /**
   * Extra images made from every drawn (augmented) batch and trained on beside it with the same
   * labels, one loss over both: adversarial training, whose examples (src/attacks/adversarial-graph.ts:
   * PGD against the model as it is at that step) are crafted from the batch and its labels. Needs labels.
   */
  readonly adversary?: (batch: ImageBatch, labels: readonly number[]) => ImageBatch;
  /** How pixels become input; default trainingSpec (−1..1, the training images' channels) at the model's input size. */
  readonly spec?: InputSpec;
  /** Save the final model to this folder (TF.js layers or graph model + model.lineage.json). */
  readonly saveTo?: string;
  readonly onProgress?: (progress: TrainProgress) => void;
}

export interface TrainProgress {
  /** 'batch' after every optimisation step, 'epoch' after each epoch's evaluation. */
  readonly phase: 'batch' | 'epoch';
  /** 1-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** Steps done in this epoch, and per epoch. */
  readonly step: number;
  readonly steps: number;
  /** Mean training loss of this epoch so far. */
  readonly loss: number;
  readonly lr: number;
  readonly validation?: Evaluation;
}

export interface EpochSummary {
  readonly epoch: number;
  readonly loss: number;
  readonly lr: number;
  readonly validation?: Evaluation;
}

export interface TrainResult {
  readonly history: readonly EpochSummary[];
  /** The epoch whose weights the model ends with when keepBest was set. */
  readonly bestEpoch?: number;
  readonly spec: InputSpec;
  /** Images per second over all optimisation steps. */
  readonly imagesPerSecond: number;
}

function checkOptions(o: TrainOptions): void {
  const positiveInt = (v: number | undefined): boolean => v === undefined || (Number.isInteger(v) && v > 0);
  if (!positiveInt(o.epochs) || !positiveInt(o.batchSize)) {
    throw new LineageError(`invalid training settings: epochs ${o.epochs}, batch size ${o.batchSize}`, 'use whole numbers ≥ 1');
  }
  if ((o.lr !== undefined && !(o.lr > 0)) || (o.weightDecay !== undefined && !(o.weightDecay >= 0))) {
    throw new LineageError(`invalid training settings: lr ${o.lr}, weight decay ${o.weightDecay}`, 'use lr > 0 and weight decay ≥ 0');
  }
}

/** Higher is better: accuracy when there are labels, else −loss. */
function score(e: Evaluation): number {
  return e.accuracy ?? -e.loss;
}

/** Train `target` (a tf.layers model or any Trainable) in place on `data`. */
export async function trainModel(target: tf.LayersModel | Trainable, data: TrainingData, options: TrainOptions): Promise<TrainResult> {
  checkOptions(options);
  await initTrainingBackend();
  const model = target instanceof tf.LayersModel ? layersTrainable(target) : target;
  const spec = options.spec ?? model.defaultSpec();
  const classes = model.outputSize;
  checkTrainingData(data, 'training data', classes);
  const train = await fitToSpec(data, spec);
  const trainLabels = train.labels;
  if (options.adversary && !trainLabels) throw new LineageError('adversarial training needs labelled images', 'give the images with their labels');
  if (options.validation) checkTrainingData(options.validation, 'validation data', classes);
  const validation = options.validation && (await fitToSpec(options.validation, spec));

  const { epochs, batchSize = 64, lr = 1e-3, schedule = 'constant', weightDecay = 0 } = options;
  const loss = options.loss ?? crossEntropy();
  const optimizer = makeOptimizer(options.optimizer ?? 'adam', lr, options.momentum ?? 0.9);
  const { variables, decayed } = model;
  const random = new Random(options.seed);
  const count = train.images.count;
  const steps = Math.ceil(count / batchSize);
  const history: EpochSummary[] = [];
  let best: { epoch: number; score: number; weights: tf.Tensor[] } | undefined;
  let trainingSeconds = 0;

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = random.permutation(count);
      let lossSum = 0;
      let rate = lr;
      for (let step = 0; step < steps; step++) {
        rate = scheduledRate(schedule, lr, (epoch - 1) * steps + step, epochs * steps, epoch - 1, epochs);
        setLearningRate(optimizer, rate);
        const indices = order.slice(step * batchSize, (step + 1) * batchSize);
        const started = performance.now();
        const value = tf.tidy(() => {
          const drawn = drawBatch(train.images, indices, options.augment ?? {}, random);
          const adversarial = options.adversary?.(drawn, indices.map((i) => trainLabels![i]!));
          const batch = adversarial ? concatImages(drawn, adversarial) : drawn;
          const x = inputTensor(batch, spec);
          const { labels, targets } = supervision(train, adversarial ? [...indices, ...indices] : indices, options.teacher?.(batch));
          try {
            return optimizer.minimize(() => {
              const objective = loss({ logits: model.apply(x, true), labels, targets });
              if (weightDecay === 0 || decayed.length === 0) return objective;
              const penalty = tf.addN(decayed.map((w) => tf.sum(tf.square(w))));
              return tf.add(objective, tf.mul(penalty, weightDecay / 2)) as tf.Scalar;
            }, true, [...variables])!;
          } catch (e) {
            throw model.explain?.(e) ?? e;
          }
        });
        const batchLoss = (await value.data())[0]!;
        value.dispose();
        trainingSeconds += (performance.now() - started) / 1000;
        if (!Number.isFinite(batchLoss)) {
          throw new LineageError(`training diverged: loss ${batchLoss} at epoch ${epoch}, step ${step + 1}`, 'lower the learning rate');
        }
        lossSum += batchLoss;
        options.onProgress?.({ phase: 'batch', epoch, epochs, step: step + 1, steps, loss: lossSum / (step + 1), lr: rate });
      }
      const evaluation = validation ? evaluate((x) => model.apply(x, false), validation, spec, loss) : undefined;
      history.push({ epoch, loss: lossSum / steps, lr: rate, ...(evaluation ? { validation: evaluation } : {}) });
      options.onProgress?.({ phase: 'epoch', epoch, epochs, step: steps, steps, loss: lossSum / steps, lr: rate, ...(evaluation ? { validation: evaluation } : {}) });
      if (options.keepBest && evaluation && (!best || score(evaluation) > best.score)) {
        if (best) tf.dispose(best.weights);
        best = { epoch, score: score(evaluation), weights: model.snapshot() };
      }
    }
    if (best) model.restore(best.weights);
  } finally {
    if (best) tf.dispose(best.weights);
    optimizer.dispose();
  }
  if (options.saveTo !== undefined) await model.save(options.saveTo, spec);
  return {
    history,
    ...(best ? { bestEpoch: best.epoch } : {}),
    spec,
    imagesPerSecond: (epochs * count) / Math.max(trainingSeconds, 1e-9),
  };
}
