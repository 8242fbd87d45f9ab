# -*- coding: utf-8 -*-
# Copyright: servitor's authors
# MIT License (see the project's package.json)
"""What servitor_service and servitor_info share: running servitor's command line and reading its answers.

servitor says a known failure in one line on stderr (``servitor: <what failed and what to do>``) with an exit
code of its own (README: Exit codes); the modules fail with that line as their msg, never a traceback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# The options every module takes (doc_fragments/servitor.py documents them).
SERVITOR_ARGUMENT_SPEC = dict(
    user=dict(type="bool", default=False),
    executable=dict(type="str", default="servitor"),
)

# ManageService's exit code for "no service of that name" (README's table).
NO_SUCH_SERVICE = 6


def last_line(text):
    """The last non-empty line of text: where servitor puts its one-line reason, after any progress lines."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def input_error_line(error):
    """One of apply's input errors as servitor prints it: ``file:line: key: message``."""
    where = error.get("file", "")
    if error.get("line"):
        where += ":%d" % error["line"]
    key = "%s: " % error["key"] if error.get("key") else ""
    return "%s: %s%s" % (where, key, error.get("message", ""))


class ServitorError(Exception):
    """servitor failed; ``str()`` is its one-line reason."""

    def __init__(self, message, rc=None, stdout="", stderr=""):
        super(ServitorError, self).__init__(message)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


class Servitor(object):
    """servitor's command line on the target, as one AnsibleModule runs it."""

    def __init__(self, module):
        """From the module's ``executable`` and ``user`` (SERVITOR_ARGUMENT_SPEC)."""
        self.module = module
        self.user = module.params["user"]
        executable = module.params["executable"]
        if os.path.isabs(executable) or os.sep in executable:
            self.executable = executable
        else:
            found = module.get_bin_path(executable)
            if not found:
                module.fail_json(msg="servitor: %s was not found on PATH: install servitor or set executable" % executable)
            self.executable = found

    def run(self, args, data=None):
        """Runs ``servitor ARGS…`` (with ``--user`` for a person's own services); returns rc, stdout, stderr."""
        command = [self.executable] + list(args) + (["--user"] if self.user else [])
        return self.module.run_command(command, data=data, binary_data=data is not None, encoding="utf-8")

    def fail(self, error, **result):
        """Fails the module with servitor's line as its msg, its exit code and output beside the result."""
        self.module.fail_json(msg=str(error), rc=error.rc, stdout=error.stdout, stderr=error.stderr, **result)

    def failure(self, rc, stdout, stderr, what):
        """The ServitorError of a failed run: servitor's own line, or what ran and its exit code."""
        line = last_line(stderr)
        return ServitorError(line or "servitor %s exited with %d" % (what, rc), rc, stdout, stderr)

    def status(self, name):
        """``ManageService NAME status --json`` as a dict, or None when there is no service of that name."""
        rc, out, err = self.run(["ManageService", name, "status", "--json"])
        if rc == NO_SUCH_SERVICE:
            return None
        if rc != 0:
            raise self.failure(rc, out, err, "ManageService %s status" % name)
        return self.parse(out, err, "ManageService %s status --json" % name)

    def list(self):
        """``list --json``: every servitor service's status."""
        rc, out, err = self.run(["list", "--json"])
        if rc != 0:
            raise self.failure(rc, out, err, "list --json")
        return self.parse(out, err, "list --json")

    def export(self, name):
        """``export NAME --json``: the service's settings in apply's form (the name left out)."""
        rc, out, err = self.run(["export", name, "--json"])
        if rc != 0:
            raise self.failure(rc, out, err, "export %s" % name)
        return self.parse(out, err, "export --json").get("services", {}).get(name, {})

    def apply(self, document, check=False, diff=False, restart=False):
        """
        ``apply - --json`` with ``document`` (a mapping in apply's form) on stdin; returns its report. Input
        errors and a service's failure raise ServitorError with servitor's line.
        """
        args = ["apply", "-", "--json"]
        if check:
            args.append("--check")
        if diff:
            args.append("--diff")
        if restart:
            args.append("--restart")
        # JSON is YAML: apply reads it as it reads any file.
        rc, out, err = self.run(args, data=json.dumps(document))
        try:
            report = json.loads(out)
        except ValueError:
            raise self.failure(rc, out, err, "apply")
        if report.get("errors"):
            raise ServitorError("; ".join(input_error_line(error) for error in report["errors"]), rc, out, err)
        for service in report.get("services", []):
            if service.get("error"):
                raise ServitorError(service["error"], rc, out, err)
        if rc != 0:
            raise self.failure(rc, out, err, "apply")
        return report

    def manage(self, name, mode, *options):
        """``ManageService NAME MODE [OPTIONS…]``; raises ServitorError with servitor's line when it fails."""
        rc, out, err = self.run(["ManageService", name, mode] + list(options))
        if rc != 0:
            raise self.failure(rc, out, err, "ManageService %s %s" % (name, mode))
        return out

    def parse(self, out, err, what):
        try:
            return json.loads(out)
        except ValueError:
            raise ServitorError("servitor %s printed no JSON: %s" % (what, last_line(err) or last_line(out)))
