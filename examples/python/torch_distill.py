"""Distil a multimodal torch model with optima.torch.Distiller: a CNN image encoder (pooled
states, batch rows), a Transformer text encoder (token states with padding, batch × tokens
rows) and a fusion head, on synthetic 28×28 images and padded questions.
Run: PYTHONPATH=bindings/python /usr/bin/python3 examples/python/torch_distill.py"""
import torch
import torch.nn.functional as F
from torch import nn
from optima.torch import Distiller

B, T, VOCAB, CLASSES = 16, 8, 50, 10
torch.manual_seed(0)

class Text(nn.Module):  # token states: (batch, tokens, width); padding is ~pad
    def __init__(self, w):
        super().__init__()
        self.embed, self.layer = nn.Embedding(VOCAB, w), nn.TransformerEncoderLayer(w, 2, 2 * w, 0.0, batch_first=True)

    def forward(self, tokens, pad):
        return self.layer(self.embed(tokens), src_key_padding_mask=~pad)


class Net(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.image = nn.Sequential(nn.Conv2d(1, w, 5, 2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.text, self.head = Text(w), nn.Linear(2 * w, CLASSES)

    def forward(self, images, tokens, pad):
        h = self.text(tokens, pad)
        mean = (h * pad[..., None]).sum(1) / pad.sum(1, keepdim=True)
        return self.head(torch.cat([self.image(images), mean], dim=1))


def batch(step):
    g = torch.Generator().manual_seed(step)
    pad = torch.arange(T)[None, :] < torch.randint(2, T + 1, (B, 1), generator=g)
    y = torch.randint(0, CLASSES, (B,), generator=g)
    images = torch.rand(B, 1, 28, 28, generator=g) + y[:, None, None, None] / CLASSES
    return images, torch.randint(0, VOCAB, (B, T), generator=g) * pad, pad, y


teacher, student = Net(32), Net(16)
opt = torch.optim.Adam(teacher.parameters(), 3e-3)
for step in range(60):  # a quick teacher
    images, tokens, pad, y = batch(step)
    F.cross_entropy(teacher(images, tokens, pad), y).backward(); opt.step(); opt.zero_grad()
distiller = Distiller(teacher, student, {"image": ("image", "image"), "text": ("text", "text")},
                      example_input=batch(0)[:3], round_length=5, seed=0)
opt = torch.optim.Adam([*student.parameters(), *distiller.parameters()], 3e-3)
for step in range(60):
    images, tokens, pad, y = batch(1000 + step)
    with distiller.step(masks={"text": pad}) as s:  # padding tokens do not count
        logits = student(images, tokens, pad)
        with torch.no_grad(): teacher(images, tokens, pad)  # noqa: E701 (hooks catch its states)
        s.task_loss = F.cross_entropy(logits, y)
        (s.task_loss + s.distillation()).backward()
    opt.step(); opt.zero_grad()
for r in distiller.rounds():
    print("round %2d  %-12s reward %+.4f  task %.4f" % (r["round"], r["arm_name"], r["reward"], r["mean_reference"]))
assert len(distiller.rounds()) == 12
