import type { Model } from '../types.js';
import { inputDefence } from './defended.js';

/** An API that mirrors every image left to right. */
export function flip(inner: Model): Model {
  return inputDefence(inner, 'flip', async (batch) => {
    const { height, width, channels } = batch;
    const data = new Uint8Array(batch.data.length);
    for (let i = 0; i < batch.count; i++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const from = ((i * height + y) * width + x) * channels;
          const to = ((i * height + y) * width + (width - 1 - x)) * channels;
          for (let c = 0; c < channels; c++) data[to + c] = batch.data[from + c]!;
        }
      }
    }
    return { ...batch, data };
  });
}
