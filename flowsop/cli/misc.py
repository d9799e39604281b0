"""flowsop rules and flowsop new."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import EXIT_OK, UsageError, did_you_mean


def register(sub, common) -> None:
    r = sub.add_parser("rules", help="list the rules, or show one rule's documentation",
                       epilog="Example: flowsop rules no-exit")
    r.add_argument("name", nargs="?", metavar="RULE")
    r.set_defaults(run=cmd_rules)

    n = sub.add_parser("new", parents=[common], help="write a new procedure from a template that passes check",
                       epilog="Example: flowsop new verify-backup -o diagrams/")
    n.add_argument("id", metavar="ID")
    n.add_argument("-o", "--output", metavar="DIR", default=".", help="folder to write ID.flow in")
    n.set_defaults(run=cmd_new)

def cmd_rules(args) -> int:
    from ..checks import RULES

    if args.name:
        rule = RULES.get(args.name)
        if rule is None:
            raise UsageError(f"no rule named '{args.name}'{did_you_mean(args.name, RULES)}")
        print(f"{rule.name} ({rule.severity.value})\n\n{rule.doc}")
        return EXIT_OK
    width = max(map(len, RULES))
    for rule in RULES.values():
        print(f"{rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}")
    return EXIT_OK


def cmd_new(args) -> int:
    from ..project.fileio import write_atomic
    from ..core.ids import ID_RE
    from ..emit import new_procedure

    if not ID_RE.match(args.id):
        raise UsageError(f"'{args.id}' is not a valid ID (letters, digits, '-' and '_', "
                         "starting with a letter)")
    target = Path(args.output) / f"{args.id}.flow"
    if target.exists():
        raise UsageError(f"{target} already exists; flowsop new never overwrites a file")
    when = args.today
    try:
        write_atomic(target, new_procedure(args.id, when), overwrite=False)
    except FileExistsError:
        raise UsageError(f"{target} already exists; flowsop new never overwrites a file") from None
    except OSError as e:
        raise UsageError(f"cannot write {target}: {e.strerror or e}") from None
    print(f"wrote {target}", file=sys.stderr)
    return EXIT_OK
