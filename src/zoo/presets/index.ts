import { LineageError } from '../../errors.js';
import type { ZooPreset } from '../preset.js';
import { cifar10SmallPreset, cifar10TinyPreset } from './cifar10-small.js';
import { facesBuiltinPreset } from './faces-builtin.js';
import { facesRealFtPreset, facesRealPreset } from './faces-real.js';
import { facesSmallPreset } from './faces-small.js';
import { fer2013SmallPreset, fer2013TinyPreset } from './fer2013-small.js';
import { ferRealPreset } from './fer-real.js';

/** Every zoo `lineage zoo --preset <name>` can build. Trained presets join this list. */
export const ZOO_PRESETS: readonly ZooPreset[] = [facesBuiltinPreset, facesSmallPreset, facesRealPreset, facesRealFtPreset, cifar10SmallPreset, fer2013SmallPreset, ferRealPreset, cifar10TinyPreset, fer2013TinyPreset];

export function zooPreset(name: string): ZooPreset {
  const preset = ZOO_PRESETS.find((p) => p.name === name);
  if (!preset) throw new LineageError(`unknown zoo preset '${name}'`, `presets: ${ZOO_PRESETS.map((p) => p.name).join(', ')}`);
  return preset;
}
