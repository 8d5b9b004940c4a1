"""The `jkfp` console script: Django's management commands under one name.

`jkfp settle` and `jkfp policy` are the policy engine's own commands, and the engine is free of
Django (DESIGN.md): they run without setting Django up, which imports every app (3-4 s of CPU
on these machines before the first stay is read). Django's `settle` and `policy` commands
stay, for `jkfp help` and `call_command`; they call the same functions.
"""

import os
import sys

#: Commands run by the policy engine's command line, without Django.
DJANGO_FREE = ("settle", "policy")


def main() -> None:
    argv = list(sys.argv)
    argv[0] = "jkfp"
    if len(argv) > 1 and argv[1] in DJANGO_FREE:
        from jkfp.policy import cli

        status = cli.main(argv[1:])  # the engine's own dispatcher: settle_main, policy_main
        cli.exit_now(status)  # where Numba was loaded, without the teardown (0.3 s)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
