"""The ``backcare`` command line: parse options, call the core, render the result.

No clinical logic and no SQL live here. :func:`main` maps the one exception tree
(:mod:`backcare.errors`) to exit codes: 2 for bad input (as for usage errors),
3 for an invalid knowledge base, 4 not found, 5 conflict, 6 store unavailable.
``assess --json`` first tries :mod:`backcare.cli.fast`, which gives the same output.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    from backcare.cli.fast import assess_json

    args = list(sys.argv[1:] if argv is None else argv)
    status = assess_json(args)  # scripts' hot path: no Typer or pydantic when it can
    if status is not None:
        return status

    import typer

    from backcare.cli._words import localised
    from backcare.cli.app import app
    from backcare.errors import BackcareError
    from backcare.i18n import gettext

    try:
        with localised(typer.main.get_command(app)) as command:
            result = command.main(args=args, prog_name="backcare", standalone_mode=False)
    except BackcareError as exc:
        print(gettext("backcare: error: {message}").format(message=exc), file=sys.stderr)
        return exc.exit_code
    except typer.Abort:
        print("\n" + gettext("backcare: stopped."), file=sys.stderr)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:
        # Usage errors (unknown option, bad value): Typer's vendored Click shows them itself.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:  # pragma: no cover - every Typer usage error has show()
            print(f"backcare: error: {exc}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 2))
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
