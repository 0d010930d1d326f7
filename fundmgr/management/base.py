"""The base of every fundmgr management command.

Django answers a wrong argument with a usage block and exit status 2, outside
the place where it turns a CommandError into one line. An operator's script
gets the same from every refusal here: one line on stderr, exit status 1."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError


class OperatorCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # The parser then raises CommandError instead of printing the usage
        # and exiting 2 (django.core.management.base.CommandParser.error).
        parser.called_from_command_line = False
        return parser

    def run_from_argv(self, argv):
        try:
            super().run_from_argv(argv)
        except CommandError as refused:  # raised while reading the arguments
            message = str(refused).removeprefix("Error: ")
            self.stderr.write(f"CommandError: {message} (see --help)")
            sys.exit(1)
