import { Command } from 'commander';
import { DEFENCE_HELP, parseDefence } from '../../models/defences/parse.js';
import { addModelOptions, modelOptionsFrom } from '../model-options.js';
import { intOption } from '../parse.js';

export function serveCommand(): Command {
  return addModelOptions(
    new Command('serve')
      .description('expose a model over the Lineage HTTP protocol (GET /info, POST /predict) on loopback')
      .argument('<model>', 'model to serve')
      .option('--port <n>', 'port (0 = any free port)', '8080')
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--labels-only', 'answer with predicted labels only, like an API that hides its scores')
      .option('--max-body-bytes <n>', 'largest request body accepted (default 67108864 = 64 MiB)')
      .option('--max-image-pixels <n>', 'largest image accepted, width × height, checked before decoding (default 16777216 = 4096²)')
      .option('--max-request-pixels <n>', 'largest total of image pixels in one request, checked before decoding (default 67108864 = 4 × 4096²)')
      .option('--defence <spec>', `simulate an API that defends itself, steps applied in the order given, e.g. topk=3,round=2,jpeg=75 — ${DEFENCE_HELP}; seed=N seeds the random ones (default 1)`),
  ).action(async (source: string, flags) => {
    // Loaded here, not at the top: model loading pulls in TF.js and ONNX Runtime, which `lineage --help` does not need.
    const [{ loadModel }, { serveModel }, { applyDefence }] = await Promise.all([import('../../models/load.js'), import('../../models/serve.js'), import('../../models/defences/apply.js')]);
    const defence = flags.defence ? parseDefence(flags.defence as string) : undefined;
    const loaded = await loadModel(source, modelOptionsFrom(flags));
    const model = defence ? applyDefence(loaded, defence) : loaded;
    const limit = (flag: string, key: 'maxBodyBytes' | 'maxImagePixels' | 'maxRequestPixels') =>
      flags[key] !== undefined ? { [key]: intOption(flags[key] as string, flag) } : {};
    const server = await serveModel(model, {
      port: intOption(flags.port, '--port'), host: flags.host, labelsOnly: Boolean(flags.labelsOnly),
      ...limit('--max-body-bytes', 'maxBodyBytes'), ...limit('--max-image-pixels', 'maxImagePixels'), ...limit('--max-request-pixels', 'maxRequestPixels'),
    });
    console.log(`serving ${source}${defence ? ` behind ${defence.text}` : ''} at ${server.url} (Ctrl-C to stop)`);
    const stop = async () => {
      await server.close();
      await model.dispose();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
