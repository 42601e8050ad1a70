import { join } from 'node:path';
import type { ZooModel } from '../manifest.js';
import type { DataSplit } from '../split.js';
import type { PlannedModel, ZooJob, ZooStep } from './job.js';
import type { TrainedZooRecipe } from './recipe.js';

export const VICTIM_ID = 'victim';
/** Scratch folder inside the zoo where jobs write before renaming into place. */
export const SCRATCH_DIR = '.scratch';

export interface ZooPlan {
  readonly jobs: readonly ZooJob[];
  /** In build order, victim first. */
  readonly models: readonly PlannedModel[];
}

interface Entry {
  readonly id: string;
  readonly role: ZooModel['role'];
  readonly group: string;
  readonly attack?: string;
  readonly parent?: string;
  readonly architecture: string;
  readonly step: ZooStep;
  /** Jobs that must finish first besides the parent's. */
  readonly after?: readonly string[];
}

/** Step parameters for the manifest (training settings flattened in). */
function paramsOf(step: ZooStep): Record<string, unknown> {
  const { kind, ...rest } = step;
  const { training, ...own } = rest as { training?: object };
  return { ...own, ...training };
}

/**
 * The jobs and manifest entries of `recipe` for a zoo in `dir` on the dataset at `dataset`:
 * victim, training-free copies, then the attack groups and negatives round by round (the first
 * model of every group before the second of any), so a partial build already covers each group.
 */
export function planZoo(recipe: TrainedZooRecipe, dir: string, dataset: string, split: DataSplit, seed: number): ZooPlan {
  const jobs: ZooJob[] = [];
  const models: PlannedModel[] = [];
  const victimDir = join(dir, VICTIM_ID);
  const scratch = join(dir, SCRATCH_DIR);
  const add = (entry: Entry, outputs: readonly { id: string; params?: Record<string, unknown> }[] = [{ id: entry.id }]): void => {
    const jobSeed = seed + 1 + jobs.length;
    const parentDir = entry.parent ? join(dir, entry.parent) : undefined;
    jobs.push({
      id: entry.id, step: entry.step, seed: jobSeed, victim: victimDir, data: { path: dataset, split }, scratch,
      outputs: outputs.map((o) => ({ id: o.id, dir: join(dir, o.id) })),
      after: [...new Set([...(entry.parent ? [entry.parent] : []), ...(entry.after ?? [])])],
      ...(parentDir ? { source: parentDir } : {}),
    });
    for (const o of outputs) {
      models.push({
        job: entry.id,
        model: {
          id: o.id, path: o.id, role: entry.role, group: entry.group, architecture: entry.architecture, seed: jobSeed,
          params: { ...paramsOf(entry.step), ...o.params },
          ...(entry.parent ? { parent: entry.parent } : {}),
          ...(entry.attack ? { attack: entry.attack } : {}),
        },
      });
    }
  };
  const victimArch = recipe.victim.architecture;
  add({ id: VICTIM_ID, role: 'victim', group: 'victim', architecture: victimArch, step: { kind: 'scratch', group: 'victim', ...recipe.victim } });
  for (const { name, group, op } of recipe.weightCopies) {
    add({ id: name, role: 'stolen', group, parent: VICTIM_ID, attack: `${op.kind} of the weights, no training`, architecture: victimArch, step: { kind: 'weights', op } });
  }
  const queries = recipe.extract.queries ?? 'once';
  const extractArch = (k: number) => recipe.extract.architectures[(k - 1) % recipe.extract.architectures.length]!;
  const rounds = Math.max(recipe.perGroup, recipe.irrelevant.count, recipe.homologous);
  for (let k = 1; k <= rounds; k++) {
    if (k <= recipe.perGroup) {
      const stolen = (group: string, attack: string, architecture: string, step: ZooStep, parent = VICTIM_ID, after?: string[]) =>
        add({ id: `${group}-${k}`, role: 'stolen', group, parent, attack, architecture, step, ...(after ? { after } : {}) });
      stolen('fine-tune-all', 'fine-tune all layers on attacker data', victimArch, { kind: 'fine-tune', layers: 'all', training: recipe.fineTuneAll });
      stolen('fine-tune-last', 'fine-tune the last layer on attacker data', victimArch, { kind: 'fine-tune', layers: 'last', training: recipe.fineTuneLast });
      stolen('extract-l', 'student trained on the victim\'s top-1 labels', extractArch(k), { kind: 'extract-l', architecture: extractArch(k), queries, training: recipe.extract.training });
      stolen('extract-p', 'student distilled from the victim\'s logits', extractArch(k), { kind: 'extract-p', architecture: extractArch(k), queries, ...recipe.extract.distillation, training: recipe.extract.training });
      stolen('adv-train', 'PGD adversarial fine-tuning of the victim', victimArch, { kind: 'adversarial', labels: 'true', ...recipe.adversarial });
      stolen('transfer', `fine-tuned to ${recipe.transfer.classes.length} other classes (new head)`, victimArch, { kind: 'transfer', ...recipe.transfer });
      stolen('extract-adv', 'Extract-L student, PGD adversarially fine-tuned on the victim\'s labels', extractArch(k), { kind: 'adversarial', labels: 'victim', ...recipe.adversarial }, `extract-l-${k}`, [VICTIM_ID]);
    }
    if (k === 1) {
      const fp = recipe.finePrune;
      add({ id: 'fine-prune', role: 'stolen', group: 'fine-prune', parent: VICTIM_ID, attack: 'activation-based channel pruning with short fine-tunes', architecture: victimArch, step: { kind: 'fine-prune', ...fp } },
        fp.ratios.map((ratio) => ({ id: `fine-prune-${Math.round(ratio * 100)}pct`, params: { ratio } })));
    }
    if (k <= recipe.irrelevant.count) {
      const architecture = recipe.irrelevant.architectures[(k - 1) % recipe.irrelevant.architectures.length]!;
      add({ id: `irrelevant-${k}`, role: 'independent', group: 'irrelevant', architecture, step: { kind: 'scratch', group: 'irrelevant', architecture, training: recipe.irrelevant.training } });
    }
    if (k <= recipe.homologous) {
      add({ id: `homologous-${k}`, role: 'independent', group: 'homologous', architecture: victimArch, step: { kind: 'scratch', group: 'homologous', ...recipe.victim } });
    }
  }
  return { jobs, models };
}

/**
 * The jobs that building the `wanted` models takes (every job when undefined): their own jobs and,
 * transitively, the jobs those start from. The scheduler runs jobs ahead of being asked for, so it
 * must not be handed the others.
 */
export function jobsFor(plan: ZooPlan, wanted?: ReadonlySet<string>): ZooJob[] {
  if (!wanted) return [...plan.jobs];
  const byId = new Map(plan.jobs.map((j) => [j.id, j]));
  const needed = new Set<string>();
  const visit = (id: string): void => {
    if (needed.has(id)) return;
    needed.add(id);
    byId.get(id)!.after.forEach(visit);
  };
  plan.models.filter((m) => wanted.has(m.model.id)).forEach((m) => visit(m.job));
  return plan.jobs.filter((j) => needed.has(j.id));
}
