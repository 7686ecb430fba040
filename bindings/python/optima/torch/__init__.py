"""PyTorch front end of liboptima: the distillation losses as autograd-connected tensors.

Importable only where PyTorch is installed (Debian: ``python3-torch``); ``import optima``
alone never imports torch. ::

    import optima.torch as ot
    loss = task + ot.mse(student_hidden, teacher_hidden, projection, mask=padding_mask)
    loss = loss + ot.kl(student_logits, teacher_logits, temperature=2.0)
    loss.backward()          # gradients reach the student and the projection

The losses (``optima.torch.functional``) run in the library on CPU float32 tensors and as
the same formulas in torch elsewhere; :func:`backend_for` says which a call will use.
:class:`Distiller` wires a teacher and a student (forward hooks by submodule name,
projections as parameters, the schedule) in a few lines; :class:`ModuleScheduler` gives a host that computes its own losses (on a GPU, say) the
trainer's schedule: which modules to distil each round, rewards, round log, checkpoints.
One module per concept (``functional``: the stateless losses; ``scheduler``: the
schedule; ``distiller``: the nn.Module), each re-exported here.
"""

try:
    from .functional import backend_for, cosine, kl, mse
    from .scheduler import ModuleScheduler
    from .distiller import Distiller, Step
except ImportError as _exc:
    if (_exc.name or "").split(".")[0] != "torch":
        raise
    raise ImportError("optima.torch needs PyTorch (Debian: apt-get install python3-torch); "
                      "the rest of the optima package works without it") from _exc

__all__ = ["Distiller", "ModuleScheduler", "Step", "backend_for", "cosine", "kl", "mse"]
