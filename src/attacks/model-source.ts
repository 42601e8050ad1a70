import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../models/types.js';
import { initTrainingBackend } from '../train/backend.js';
import { loadTrainableModel } from '../train/save.js';
import type { ModelSource } from './types.js';

/**
 * A private, trainable copy of `source` and its input spec: loaded from the folder, or cloned
 * through the layers serialisation so that training never touches the caller's model.
 */
export async function trainableCopy(source: ModelSource): Promise<{ model: tf.LayersModel; spec: InputSpec }> {
  await initTrainingBackend();
  if (typeof source === 'string') return loadTrainableModel(source);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await source.model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return { model: await tf.loadLayersModel(tf.io.fromMemory(artifacts!)), spec: source.spec };
}
