import { Command } from 'commander';

export function exportCommand(): Command {
  return new Command('export')
    .description('export a trained TF.js model folder (from lineage zoo or the training loop) to ONNX, with its input spec')
    .argument('<model-dir>', 'folder with model.json, weights.bin and model.lineage.json')
    .requiredOption('--out <file.onnx>', 'ONNX file to write; its spec goes beside it as <name>.lineage.json')
    .action(async (dir: string, flags: { out: string }) => {
      const { exportOnnx } = await import('../../export/onnx-export.js');
      const { file, sidecar, layers } = await exportOnnx(dir, flags.out);
      console.log(`wrote ${file} (${layers} layers, NCHW float32 input) and its input spec ${sidecar}`);
    });
}
