"""The losses as torch expressions: the torch backend of optima.torch.functional.

The formulas are those of docs/losses.md, term for term, so that autograd's gradients are
the library's: means over the rows that count (a row weight of 1 or 0), the cosine's norms
each floored at OPTIMA_COSINE_EPSILON, KL's stable log-softmax. Inputs are already checked
and flattened to (rows, width); the teacher is detached.
"""

import torch

#: OPTIMA_COSINE_EPSILON (math.h): the floor of each norm in the cosine loss.
COSINE_EPSILON = 1e-8


def _row_mean(per_row, mask):
    """Mean of ``per_row`` over the rows that count; 0 (with zero gradients) when none."""
    if mask is None:
        return per_row.mean()
    weight = mask.to(per_row.device, per_row.dtype)
    return (per_row * weight).sum() / weight.sum().clamp_min(1)


def _project(student, projection):
    return student if projection is None else student @ projection


def mse(student, teacher, projection, mask):
    """1/(n·dt) · Σ_counted Σ_j (Y − Ht)², Y = student·projection (or student)."""
    diff = _project(student, projection) - teacher.detach()
    return _row_mean((diff * diff).sum(dim=1), mask) / teacher.shape[1]


def cosine(student, teacher, projection, mask):
    """1/n · Σ_counted (1 − y·t / (max(‖y‖, ε)·max(‖t‖, ε)))."""
    y = _project(student, projection)
    t = teacher.detach()
    norms = (torch.linalg.vector_norm(y, dim=1).clamp_min(COSINE_EPSILON)
             * torch.linalg.vector_norm(t, dim=1).clamp_min(COSINE_EPSILON))
    return _row_mean(1 - (y * t).sum(dim=1) / norms, mask)


def kl(student_logits, teacher_logits, temperature, mask):
    """T² · 1/n · Σ_counted KL(softmax(zt/T) ‖ softmax(zs/T))."""
    log_q = torch.log_softmax(student_logits / temperature, dim=1)
    log_p = torch.log_softmax(teacher_logits.detach() / temperature, dim=1)
    per_row = (log_p.exp() * (log_p - log_q)).sum(dim=1)
    return temperature * temperature * _row_mean(per_row, mask)
