"""The public API is typed (PEP 484/561): py.typed ships with the package and every public
function and method has annotations that resolve."""

import inspect
import os
import typing
import unittest

import optima


def public_callables():
    """(qualified name, function) of every public function and method of optima.__all__."""
    for name in optima.__all__:
        obj = getattr(optima, name)
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj) and obj.__module__.startswith("optima"):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    for accessor in (member.fget, member.fset):
                        if accessor is not None:
                            yield "%s.%s" % (name, attr), accessor
                elif inspect.isfunction(member):
                    yield "%s.%s" % (name, attr), member


class TypingTest(unittest.TestCase):
    def test_the_package_says_it_is_typed(self):
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(optima.__file__),
                                                    "py.typed")))

    def test_every_public_signature_is_annotated_and_resolves(self):
        checked, missing = 0, []
        for qualname, fn in public_callables():
            try:
                hints = typing.get_type_hints(fn)
            except NameError as exc:
                missing.append("%s: %s" % (qualname, exc))
                continue
            params = [p for p in inspect.signature(fn).parameters.values()
                      if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL,
                                                                           p.VAR_KEYWORD)]
            missing += ["%s(%s)" % (qualname, p.name) for p in params if p.name not in hints]
            if "return" not in hints:
                missing.append("%s -> ?" % qualname)
            checked += 1
        self.assertEqual(missing, [], "not annotated")
        self.assertGreater(checked, 100)


if __name__ == "__main__":
    unittest.main()
