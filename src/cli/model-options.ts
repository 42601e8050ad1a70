import { Option } from 'commander';
import type { Command } from 'commander';
import type { ModelOptions } from '../models/load.js';

/** The preprocessing and HTTP flags every command that takes a model accepts. */
export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('--size <HxW>', 'model input size, e.g. 112 or 112x96 (default: what the model declares)')
    .addOption(new Option('--channels <order>', 'channel order the model expects').choices(['rgb', 'bgr', 'gray']))
    .addOption(new Option('--layout <layout>', 'tensor layout').choices(['nhwc', 'nchw']))
    .addOption(new Option('--range <range>', 'pixel range the model expects').choices(['0-255', '0-1', '-1-1']))
    .option('--mean <list>', 'per-channel mean subtracted after scaling, e.g. 0.485,0.456,0.406')
    .option('--std <list>', 'per-channel std divided by after the mean, e.g. 0.229,0.224,0.225')
    .option('--output <name|index>', 'which model output to read (classifiers: logits; face models: the embedding)')
    .addOption(new Option('--output-kind <kind>', 'what that output is').choices(['logits', 'embedding', 'label']))
    .option('--input-name <name>', 'input tensor to feed, when the model has several')
    .option('--spec <file>', 'JSON file with any of the settings above (a <model>.lineage.json beside the model is read automatically)')
    .option('--timeout <ms>', 'HTTP suspects: per-request timeout', '30000')
    .option('--retries <n>', 'HTTP suspects: retries with backoff on network errors and 5xx', '3')
    .option('--concurrency <n>', 'HTTP suspects: requests in flight at once', '4')
    .option('--budget <n>', 'HTTP suspects: refuse to send more than this many images')
    .option('--max-reply-bytes <n>', 'HTTP suspects: refuse a reply longer than this (default: 1 MiB for /info, 64 KiB + 512 KiB per image for /predict)')
    .option('--total-timeout <ms>', 'HTTP suspects: time for all requests, retries and waits to one suspect', '3600000');
}

interface RawModelFlags {
  size?: string;
  channels?: string;
  layout?: string;
  range?: string;
  mean?: string;
  std?: string;
  output?: string;
  outputKind?: string;
  inputName?: string;
  spec?: string;
  timeout: string;
  retries: string;
  concurrency: string;
  budget?: string;
  maxReplyBytes?: string;
  totalTimeout: string;
}

/** Commander's parsed flags → the library's model options. */
export function modelOptionsFrom(flags: RawModelFlags): ModelOptions {
  const { timeout, retries, concurrency, budget, maxReplyBytes, totalTimeout, spec, ...overrides } = flags;
  return {
    ...overrides,
    ...(spec ? { specFile: spec } : {}),
    http: {
      timeoutMs: Number(timeout),
      retries: Number(retries),
      concurrency: Number(concurrency),
      totalTimeoutMs: Number(totalTimeout),
      ...(budget ? { budget: Number(budget) } : {}),
      ...(maxReplyBytes ? { maxReplyBytes: Number(maxReplyBytes) } : {}),
    },
  };
}
