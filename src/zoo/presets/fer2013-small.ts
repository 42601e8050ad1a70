import type { TrainSettings } from '../../attacks/types.js';
import { miniature } from '../trained/miniature.js';
import { trainedZooPreset } from '../trained/preset.js';
import type { TrainedZooRecipe } from '../trained/recipe.js';
import { cifar10SmallRecipe } from './cifar10-small.js';

/** The same recipe in PyTorch on our split gives fer-cnn 53.2 % test accuracy at 10 epochs, 57.5 % at 20 (BENCHMARKS.md). */
const FROM_SCRATCH: TrainSettings = { epochs: 20, batchSize: 64, optimizer: 'momentum', lr: 0.05, schedule: 'cosine', weightDecay: 5e-4, augment: { crop: 4, flip: true } };

/**
 * FER2013 (the 13,614 48×48 grey faces in ../shared/datasets/fer2013), split per class 50 / 30 / 20 %
 * (about 6,800 / 4,080 / 2,720): the CIFAR-10 zoo's groups and attack settings with the fer-cnn
 * victim, face-sized students and a transfer task that regroups the 7 emotions into negative /
 * positive / neutral. Not cut down like cifar10-small: fer-cnn trains at ~20 img/s per core at 48×48,
 * so the victim alone takes about 2 h and the whole zoo about 15 h on 2 CPU cores (resumable).
 */
export const fer2013SmallRecipe: TrainedZooRecipe = {
  ...cifar10SmallRecipe,
  name: 'fer2013-small',
  description: 'FER2013: fer-cnn victim, 5 models per attack group, 10 irrelevant, 5 homologous',
  dataset: '../shared/datasets/fer2013',
  victim: { architecture: 'fer-cnn', training: FROM_SCRATCH },
  extract: { ...cifar10SmallRecipe.extract, architectures: ['fer-cnn', 'resnet8', 'vgg-small'], training: FROM_SCRATCH },
  transfer: { classes: [['angry', 'disgust', 'fear', 'sad'], ['happy', 'surprise'], ['neutral']], training: { ...FROM_SCRATCH, epochs: 10, lr: 0.01 } },
  irrelevant: { count: 10, architectures: ['fer-cnn', 'resnet8', 'vgg-small', 'mobilenetv2-small'], training: FROM_SCRATCH },
};

export const fer2013SmallPreset = trainedZooPreset(fer2013SmallRecipe);
export const fer2013TinyPreset = trainedZooPreset(miniature(fer2013SmallRecipe, 'fer2013-tiny'));
