import { selectImages, type ImageBatch } from '../data/types.js';
import type { Model, Outputs } from '../models/types.js';

/**
 * The adaptive thief's API: images `flagged` picks out (suspected fingerprint queries) are answered
 * by `decoy`, an independent model, the rest by the stolen model. A decoy of another output width is
 * cut or zero-padded to the stolen model's width, as a thief must to keep the API's shape.
 * Disposing it disposes the stolen model only: the decoy is the caller's (it may serve many).
 */
export function evasiveSuspect(stolen: Model, decoy: Model, flagged: (batch: ImageBatch, i: number) => boolean): Model & { readonly evaded: number } {
  let evaded = 0;
  let cols: number | undefined;
  return {
    source: `${stolen.source} [evading via ${decoy.source}]`,
    spec: stolen.spec,
    get queries() {
      return stolen.queries + decoy.queries;
    },
    get evaded() {
      return evaded;
    },
    async predict(batch: ImageBatch): Promise<Outputs> {
      const decoyRows = Array.from({ length: batch.count }, (_, i) => i).filter((i) => flagged(batch, i));
      const honestRows = Array.from({ length: batch.count }, (_, i) => i).filter((i) => !decoyRows.includes(i));
      evaded += decoyRows.length;
      const honest = honestRows.length > 0 ? await stolen.predict(selectImages(batch, honestRows)) : undefined;
      const faked = decoyRows.length > 0 ? await decoy.predict(selectImages(batch, decoyRows)) : undefined;
      // Learn the stolen model's width once, when a first batch is all decoy.
      cols ??= honest?.cols ?? (await stolen.predict(selectImages(batch, [0]))).cols;
      const width = cols;
      const data = new Float32Array(batch.count * width);
      const place = (rows: readonly number[], out: Outputs) => rows.forEach((i, r) => {
        data.set(out.data.subarray(r * out.cols, r * out.cols + Math.min(width, out.cols)), i * width);
      });
      if (honest) place(honestRows, honest);
      if (faked) place(decoyRows, faked);
      return { data, rows: batch.count, cols };
    },
    dispose: () => stolen.dispose(),
  };
}
