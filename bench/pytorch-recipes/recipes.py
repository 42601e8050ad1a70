"""
What the zoo data allows: the zoo recipes (architectures of src/train/architectures.ts, momentum SGD
with a cosine schedule, weight decay on kernels, crop + flip, batch 64) trained in PyTorch on the
same per-class 50 / 30 / 20 % split of ../shared/datasets, for accuracy and extraction agreement
against epochs. It is the yardstick for the zoo presets, not part of Lineage (which trains with
tfjs-wasm): run it where PyTorch is, on a GPU it takes minutes.

    python3 bench/pytorch-recipes/recipes.py bench/pytorch-recipes/cifar10-a.json

A plan names a dataset, one 'teacher' run (trained first; it is the victim of the 'students'),
'runs' (labels: the true labels of 'split') and 'students' (labels: 'offline' = the teacher's top-1
for the un-augmented images, 'online' = its top-1 for every augmented batch, 'kd' = distillation
from its logits on every augmented batch, T and alpha). Each result is a JSON line appended to
$OUT/pytorch-recipes.jsonl (default results/). EPOCH_SCALE, LIMIT and PROCS shrink a run for a check.
"""
import json, os, sys, time, csv
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp

DATA = os.environ.get('DATASETS', '../shared/datasets')
OUT = os.environ.get('OUT', 'results')
DEV = 'cuda' if torch.cuda.is_available() else 'cpu'

def load(name, limit=int(os.environ['LIMIT']) if os.environ.get('LIMIT') else None):
    meta = json.load(open(f'{DATA}/{name}/meta.json'))
    n, h, w, c = meta['shape']
    x = np.fromfile(f'{DATA}/{name}/images.u8', dtype=np.uint8).reshape(n, h, w, c)
    y = np.array([int(r['label_id']) for r in csv.DictReader(open(f'{DATA}/{name}/labels.csv'))])
    rs = np.random.RandomState(1)
    parts = {'defender': [], 'attacker': [], 'test': []}
    for k in sorted(set(y.tolist())):
        rows = rs.permutation(np.where(y == k)[0])
        d, a = int(0.5 * len(rows)), int(0.3 * len(rows))
        parts['defender'] += rows[:d].tolist(); parts['attacker'] += rows[d:d + a].tolist(); parts['test'] += rows[d + a:].tolist()
    def t(idx):
        idx = np.sort(np.array(idx))[:limit]
        return torch.tensor(x[idx]).permute(0, 3, 1, 2).float().div(127.5).sub(1), torch.tensor(y[idx])
    return {k: t(v) for k, v in parts.items()}, int(y.max()) + 1

def cbn(i, o, k=3, s=1): return [nn.Conv2d(i, o, k, s, k // 2, bias=False), nn.BatchNorm2d(o)]
class Block(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.a = nn.Sequential(*cbn(i, o, 3, st), nn.ReLU(), *cbn(o, o))
        s.p = nn.Sequential(*cbn(i, o, 1, st)) if st != 1 or i != o else nn.Identity()
    def forward(s, x): return F.relu(s.a(x) + s.p(x))
def resnet(depth, cin, classes, width=16):
    n = (depth - 2) // 6; layers = [*cbn(cin, width), nn.ReLU()]; w = width
    for st, f in enumerate([width, width * 2, width * 4]):
        for i in range(n):
            layers.append(Block(w, f, 2 if st > 0 and i == 0 else 1)); w = f
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w, classes))
def vgg(cin, classes, top=None):
    layers = []; w = cin
    for f in [32, 64, 128]:
        layers += [*cbn(w, f), nn.ReLU(), *cbn(f, f), nn.ReLU(), nn.MaxPool2d(2)]; w = f
    if top: layers += [*cbn(w, top), nn.ReLU()]; w = top
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w, classes))
def build(arch, cin, classes):
    if arch.startswith('resnet'):
        d, _, wide = arch[6:].partition('w')
        return resnet(int(d), cin, classes, 16 * int(wide or 1))
    return vgg(cin, classes, 256 if arch == 'fer-cnn' else None)

def augment(x, pad, g):
    n, c, h, w = x.shape
    if pad:
        xp = F.pad(x, (pad,) * 4)
        dy = torch.randint(0, 2 * pad + 1, (n,), device=x.device, generator=g); dx = torch.randint(0, 2 * pad + 1, (n,), device=x.device, generator=g)
        i = (torch.arange(h, device=x.device)[None] + dy[:, None]); j = (torch.arange(w, device=x.device)[None] + dx[:, None])
        x = xp[torch.arange(n, device=x.device)[:, None, None, None], torch.arange(c, device=x.device)[None, :, None, None], i[:, None, :, None], j[:, None, None, :]]
    flip = torch.rand(n, device=x.device, generator=g) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)

@torch.no_grad()
def predict(m, x):
    m.eval(); out = torch.cat([m(x[i:i + 1000]) for i in range(0, len(x), 1000)]); m.train(); return out

def train(cfg, data, classes, teacher=None):
    torch.manual_seed(cfg.get('seed', 1)); g = torch.Generator(device=DEV); g.manual_seed(cfg.get('seed', 1))
    X, Y = data[cfg.get('split', 'defender')]; X, Y = X.to(DEV), Y.to(DEV)
    cin = X.shape[1]; m = build(cfg['arch'], cin, classes).to(DEV)
    for mod in m.modules():
        if isinstance(mod, nn.Conv2d): nn.init.kaiming_normal_(mod.weight)
    decay = [p for n_, p in m.named_parameters() if p.ndim > 1]; rest = [p for n_, p in m.named_parameters() if p.ndim <= 1]
    bs, ep, lr = cfg.get('bs', 64), cfg['epochs'], cfg.get('lr', 0.05)
    opt = torch.optim.SGD([{'params': decay, 'weight_decay': cfg.get('wd', 5e-4)}, {'params': rest, 'weight_decay': 0}], lr=lr, momentum=0.9, nesterov=cfg.get('nesterov', False))
    steps = (len(X) + bs - 1) // bs; total = ep * steps
    sched = cfg.get('sched', 'cosine')
    mode = cfg.get('labels', 'true')  # true | offline | online | kd
    if mode == 'offline': Y = predict(teacher, X).argmax(1)
    t0 = time.time(); k = 0
    for e in range(ep):
        perm = torch.randperm(len(X), device=DEV, generator=g)
        for s in range(steps):
            if sched == 'cosine': r = lr * 0.5 * (1 + np.cos(np.pi * k / total))
            else:  # one-cycle: linear warm-up 15 %, then linear down
                wu = 0.15 * total; r = lr * (k / wu if k < wu else max(0.0, (total - k) / (total - wu)))
            for pg in opt.param_groups: pg['lr'] = r
            idx = perm[s * bs:(s + 1) * bs]; xb = augment(X[idx], cfg.get('crop', 4), g)
            out = m(xb)
            if mode == 'online' or mode == 'kd':
                with torch.no_grad(): teacher.eval(); tl = teacher(xb)
            if mode == 'online': loss = F.cross_entropy(out, tl.argmax(1))
            elif mode == 'kd':
                T, a = cfg.get('T', 4), cfg.get('alpha', 0.9)
                loss = a * T * T * F.kl_div(F.log_softmax(out / T, 1), F.softmax(tl / T, 1), reduction='batchmean') + (1 - a) * F.cross_entropy(out, tl.argmax(1))
            else: loss = F.cross_entropy(out, Y[idx], label_smoothing=cfg.get('ls', 0.0))
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step(); k += 1
    Xt, Yt = data['test']; Xt, Yt = Xt.to(DEV), Yt.to(DEV)
    pred = predict(m, Xt).argmax(1)
    res = dict(cfg, acc=round((pred == Yt).float().mean().item(), 4), seconds=round(time.time() - t0, 1), n=len(X))
    if teacher is not None: res['agree'] = round((pred == predict(teacher, Xt).argmax(1)).float().mean().item(), 4)
    return m, res

def job(args):
    plan, dataset, cfg, teacher_cfg = args
    data, classes = load(dataset)
    teacher = None
    if teacher_cfg:
        path = f'/tmp/teacher-{dataset}.pt'
        teacher = build(teacher_cfg['arch'], data['test'][0].shape[1], classes).to(DEV); teacher.load_state_dict(torch.load(path)); teacher.eval()
    _, res = train(cfg, data, classes, teacher)
    res = dict(plan=plan, dataset=dataset, **res)
    line = json.dumps(res); print(line, flush=True)
    with open(f'{OUT}/pytorch-recipes.jsonl', 'a') as f: f.write(line + '\n')
    return res

if __name__ == '__main__':
    name = os.path.splitext(os.path.basename(sys.argv[1]))[0]
    plan = json.load(open(sys.argv[1]))
    scale = float(os.environ.get('EPOCH_SCALE', '1'))
    def scaled(c): return dict(c, epochs=max(1, int(round(c['epochs'] * scale))))
    ctx = mp.get_context('spawn')
    for dataset, spec in plan.items():
        data, classes = load(dataset)
        tcfg = scaled(spec['teacher'])
        t, res = train(tcfg, data, classes); res = dict(plan=name, dataset=dataset, role='teacher', **res)
        print(json.dumps(res), flush=True); open(f'{OUT}/pytorch-recipes.jsonl', 'a').write(json.dumps(res) + '\n')
        torch.save(t.state_dict(), f'/tmp/teacher-{dataset}.pt')
        jobs = [(name, dataset, scaled(c), None) for c in spec['runs']] + [(name, dataset, scaled(c), tcfg) for c in spec.get('students', [])]
        with ProcessPoolExecutor(int(os.environ.get('PROCS', '6')), mp_context=ctx) as ex:
            list(ex.map(job, jobs))
