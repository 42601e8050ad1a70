import type * as tf from '@tensorflow/tfjs';

/** The field of tf.layers' BatchNormalization we change (the class is not exported). */
interface WithMomentum {
  momentum: number;
}

/**
 * Freeze every layer of `model` but the last (the classifier head): frozen layers leave the
 * trainable weights, and their batch norms get momentum 1 so that training-mode passes still
 * normalise with batch statistics (as PyTorch's train() mode does) but leave the moving averages
 * exactly as they were. Returns the function that undoes it, to call before saving.
 */
export function freezeAllButLast(model: tf.LayersModel): () => void {
  const frozen = model.layers.slice(0, -1);
  const restore = frozen.map((layer) => {
    const trainable = layer.trainable;
    const bn = layer.getClassName() === 'BatchNormalization' ? (layer as unknown as WithMomentum) : undefined;
    const momentum = bn?.momentum;
    layer.trainable = false;
    if (bn) bn.momentum = 1;
    return () => {
      layer.trainable = trainable;
      if (bn) bn.momentum = momentum!;
    };
  });
  return () => restore.forEach((undo) => undo());
}
