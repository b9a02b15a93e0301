#!/usr/bin/python3
"""The same detector in Debian's PyTorch, for the training-step comparison of bench/trainer only.

The architecture is defined in C++ (native/model); this script mirrors it layer for layer so
that bench_train_step and this script time the same work. It is not used anywhere else.
usage: /usr/bin/python3 train_step_torch.py --preset tiny|small|paper [--batch 8] [--steps 5] [--threads N]
"""
import argparse, json, time
import torch
from torch import nn

PRESETS = {"paper": (30, 224, 224, 48000), "small": (16, 112, 112, 16000), "tiny": (8, 64, 64, 16000)}


def norm(kind, ch, dims):
    if kind == "group":
        return nn.GroupNorm(32, ch)
    return nn.BatchNorm1d(ch) if dims == 1 else nn.BatchNorm3d(ch)


class Block(nn.Module):
    def __init__(self, kind, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv3d(cin, cout, 3, stride, 1, bias=False); self.n1 = norm(kind, cout, 3)
        self.c2 = nn.Conv3d(cout, cout, 3, 1, 1, bias=False); self.n2 = norm(kind, cout, 3)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv3d(cin, cout, 1, stride, bias=False), norm(kind, cout, 3))

    def forward(self, x):
        y = self.n2(self.c2(torch.relu(self.n1(self.c1(x)))))
        return torch.relu(y + (self.proj(x) if self.proj is not None else x))


class Detector(nn.Module):
    def __init__(self, frames, height, width, samples, kind="group"):
        super().__init__()
        tf = (frames - 1) // 2 + 1
        sp = lambda x: ((((x - 1) // 2 + 1) - 1) // 2 + 1 - 1) // 2 + 1
        self.h, self.w = sp(height), sp(width)
        pooled = ((samples - 80) // 8 + 1) // 4
        stride = pooled // tf
        kernel = pooled - (tf - 1) * stride
        self.divisor = 32.0 * tf
        self.visual = nn.Sequential(
            nn.Conv3d(3, 64, (1, 7, 7), (1, 2, 2), (0, 3, 3), bias=False), norm(kind, 64, 3), nn.ReLU(),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
            Block(kind, 64, 64, 1), Block(kind, 64, 64, 1), Block(kind, 64, 128, 2), Block(kind, 128, 128, 1))
        self.audio = nn.Sequential(
            nn.Conv1d(1, 128, 80, 8, bias=False), norm(kind, 128, 1), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(128, 192, 3, 1, 1, bias=False), norm(kind, 192, 1), nn.ReLU(),
            nn.Conv1d(192, 192, 3, 1, 1, bias=False), norm(kind, 192, 1), nn.ReLU(),
            nn.Conv1d(192, 64, kernel, stride, bias=False), norm(kind, 64, 1), nn.ReLU(),
            nn.Conv1d(64, 128, 3, 1, 1))
        self.audio_embed = nn.Conv1d(128, 32, 1)
        self.video_embed = nn.Conv3d(128, 32, 1)
        self.head = nn.Linear(self.h * self.w, 1)

    def forward(self, video, audio):
        fv = self.visual(video)
        fa = self.audio(audio.unsqueeze(1))
        a = fa[..., None, None]
        m = ((fv - a).pow(2).sum((1, 2)) + 1e-12).sqrt()
        logits = (self.video_embed(fv) * self.audio_embed(fa)[..., None, None]).sum((1, 2)) / self.divisor
        att = torch.softmax(logits.flatten(1), 1).view_as(logits)
        return self.head((m * att).flatten(1)).squeeze(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="tiny"); p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=5); p.add_argument("--threads", type=int, default=0)
    p.add_argument("--norm", default="group")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    t, h, w, s = PRESETS[a.preset]
    torch.manual_seed(0)
    net = Detector(t, h, w, s, a.norm).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-5)
    video = torch.rand(a.batch, 3, t, h, w) * 2 - 1
    audio = torch.rand(a.batch, s) * 2 - 1
    labels = torch.randint(0, 2, (a.batch,)).float()
    times = []
    for step in range(a.steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(net(video, audio), labels)
        loss.backward()
        opt.step()
        if step > 0:
            times.append(time.perf_counter() - t0)
    times.sort()
    step = times[len(times) // 2]
    print(json.dumps({"framework": "pytorch-" + torch.__version__, "preset": a.preset, "batch": a.batch,
                      "threads": torch.get_num_threads(), "norm": a.norm, "step_seconds_median": round(step, 4),
                      "train_windows_per_second": round(a.batch / step, 2),
                      "parameters": sum(p.numel() for p in net.parameters())}))


if __name__ == "__main__":
    main()
